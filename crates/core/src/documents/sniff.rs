//! What an uploaded file really is, from its bytes: PDF (parsed; damaged or
//! encrypted ones refused; text extracted for search), PNG and JPEG (headers
//! checked), plain UTF-8 text. Anything else is refused with the list of what is
//! accepted. The file name and the browser's type are never trusted.

/// Largest upload.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// Most extracted text kept for search.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// Pages read for text (the document is stored whole regardless).
const MAX_TEXT_PAGES: usize = 500;

pub struct Sniffed {
    pub media_type: &'static str,
    pub text: String,
}

const UNSUPPORTED: &str =
    "This kind of file is not supported: upload a PDF, PNG or JPEG image, or a plain-text file.";

pub fn inspect(bytes: &[u8]) -> Result<Sniffed, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!(
            "This file is larger than {} MB.",
            MAX_BYTES / (1024 * 1024)
        ));
    }
    if bytes.starts_with(b"%PDF-") {
        return pdf(bytes);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        // The IHDR chunk must follow with a non-zero size.
        let ok = bytes.len() >= 33
            && &bytes[12..16] == b"IHDR"
            && u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]) > 0
            && u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]) > 0;
        return if ok {
            Ok(Sniffed {
                media_type: "image/png",
                text: String::new(),
            })
        } else {
            Err("This PNG image is damaged.".into())
        };
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let tail = &bytes[bytes.len().saturating_sub(64)..];
        return if bytes.len() > 128 && tail.windows(2).any(|w| w == [0xFF, 0xD9]) {
            Ok(Sniffed {
                media_type: "image/jpeg",
                text: String::new(),
            })
        } else {
            Err("This JPEG image is damaged or cut short.".into())
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(Sniffed {
            media_type: "text/plain",
            text: truncate(text.to_string()),
        }),
        _ => Err(UNSUPPORTED.into()),
    }
}

fn truncate(mut text: String) -> String {
    if text.len() > MAX_TEXT_BYTES {
        let mut end = MAX_TEXT_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

fn pdf(bytes: &[u8]) -> Result<Sniffed, String> {
    let doc = lopdf::Document::load_mem(bytes)
        .map_err(|_| "This PDF is damaged and cannot be read.".to_string())?;
    if doc.is_encrypted() {
        return Err(
            "This PDF is password-protected: save an unprotected copy and upload that.".into(),
        );
    }
    let pages: Vec<u32> = doc
        .get_pages()
        .keys()
        .copied()
        .take(MAX_TEXT_PAGES)
        .collect();
    if pages.is_empty() {
        return Err("This PDF has no pages.".into());
    }
    // Scanned PDFs have no text layer: they are kept, just not searchable inside.
    let text = doc.extract_text(&pages).unwrap_or_default();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok(Sniffed {
        media_type: "application/pdf",
        text: truncate(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_it_cannot_vouch_for() {
        assert!(inspect(b"%PDF-1.4 garbage").is_err());
        assert!(inspect(b"\x89PNG\r\n\x1a\nshort").is_err());
        assert!(inspect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).is_err());
        assert!(
            inspect(&[0x50, 0x4B, 0x03, 0x04, 0xFF, 0xFE]).is_err(),
            "zip / binary"
        );
        assert!(inspect(b"text\0with nul").is_err());
        let t = inspect("Résumé of the referral".as_bytes()).unwrap();
        assert_eq!(t.media_type, "text/plain");
    }
}
