//! Files the stories upload: a minimal one-page PDF with a text layer (written
//! byte by byte here, with a correct cross-reference table) and a way to hand a
//! file to an `<input type="file">` without opening the native dialog.
use crate::App;
use anyhow::Context;
use fantoccini::Locator;
use std::path::Path;

/// A one-page PDF whose text layer reads `text` (ASCII letters, digits, spaces).
pub fn pdf_with_text(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 12 Tf 72 700 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

impl App {
    /// Gives the file at `path` to the `<input type="file">` with this test id
    /// (typing the path, as WebDriver does; the native dialog never opens).
    pub async fn upload_file(&self, id: &str, path: &Path) -> crate::Result<()> {
        let input = self
            .client()
            .find(Locator::Css(&crate::ui::testid(id)))
            .await
            .with_context(|| format!("no [data-testid={id}] file input"))?;
        input.send_keys(&path.display().to_string()).await?;
        Ok(())
    }
}

impl App {
    /// Sets a switch or checkbox whose native input is visually hidden (Mantine's
    /// `Switch`): WebDriver cannot click it, so the click is dispatched by script,
    /// which React handles like a user's.
    pub async fn set_switch(&self, id: &str, on: bool) -> crate::Result<()> {
        let input = self
            .client()
            .find(Locator::Css(&crate::ui::testid(id)))
            .await
            .with_context(|| format!("no [data-testid={id}] switch"))?;
        let checked = input.prop("checked").await?.as_deref() == Some("true");
        if checked != on {
            let arg = serde_json::to_value(&input)?;
            self.client()
                .execute("arguments[0].click();", vec![arg])
                .await?;
        }
        let now = input.prop("checked").await?.as_deref() == Some("true");
        anyhow::ensure!(now == on, "[data-testid={id}] did not become {on}");
        Ok(())
    }
}
