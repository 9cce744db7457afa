//! The PDF file: laid-out pages to bytes with `pdf-writer`. Each used style
//! of the font is embedded as a Type 0 / CIDFontType2 font with Identity-H
//! encoding, subset to the glyphs the document uses, with a ToUnicode map so
//! the text extracts; content and font streams are Flate-compressed.
//!
//! Invariants: the output depends only on the pages and the metadata given
//! (the subset tag is derived from the glyphs used, the creation date from the
//! document; no file id, no clock); the document information carries the
//! document's title and number, never the patient's name.
use crate::fonts::{Fonts, Style};
use crate::sheet::{Op, PAGE_HEIGHT, PAGE_WIDTH};
use crate::{PrintError, Result};
use flate2::write::ZlibEncoder;
use flate2::Compression;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use std::io::Write;
use subsetter::GlyphRemapper;

/// What the document information dictionary says.
pub(crate) struct Meta {
    /// "Invoice INV-A-000042" (no patient data).
    pub title: String,
    pub created: Option<Date>,
}

/// One embedded font style: old glyph → new glyph, and the glyphs' text.
struct Embedded {
    remapper: GlyphRemapper,
    /// Old glyph → the character it was used for (for ToUnicode).
    text: BTreeMap<u16, char>,
}

/// Sequential object ids.
struct Ids(i32);

impl Ids {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

pub(crate) fn write(fonts: &Fonts, pages: &[Vec<Op>], meta: &Meta) -> Result<Vec<u8>> {
    let embedded = glyphs_used(fonts, pages);
    let mut ids = Ids(0);
    let catalog_id = ids.next();
    let tree_id = ids.next();
    let info_id = ids.next();
    let mut pdf = Pdf::new();

    let mut font_refs: Vec<(Style, Ref)> = Vec::new();
    for (style, used) in &embedded {
        let type0 = embed_font(&mut pdf, &mut ids, fonts, *style, used)?;
        font_refs.push((*style, type0));
    }

    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (ids.next(), ids.next())).collect();
    for (page, (page_id, content_id)) in pages.iter().zip(&page_ids) {
        let content = compress(&content(fonts, page, &embedded));
        pdf.stream(*content_id, &content)
            .filter(Filter::FlateDecode);
        let mut writer = pdf.page(*page_id);
        writer
            .parent(tree_id)
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .contents(*content_id);
        let mut resources = writer.resources();
        let mut dict = resources.fonts();
        for (style, font) in &font_refs {
            dict.pair(Name(style.resource()), *font);
        }
    }
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(page_ids.len() as i32);
    pdf.catalog(catalog_id).pages(tree_id);
    let mut info = pdf.document_info(info_id);
    info.title(TextStr(&meta.title))
        .producer(TextStr("clinic-print"));
    if let Some(date) = meta.created {
        info.creation_date(date);
    }
    info.finish();
    Ok(pdf.finish())
}

/// Every glyph each style draws, in a deterministic order.
fn glyphs_used(fonts: &Fonts, pages: &[Vec<Op>]) -> BTreeMap<Style, Embedded> {
    let mut used: BTreeMap<Style, BTreeMap<u16, char>> = BTreeMap::new();
    for op in pages.iter().flatten() {
        if let Op::Text { style, text, .. } = op {
            let glyphs = used.entry(*style).or_default();
            for c in text.chars() {
                glyphs.entry(fonts.glyph(*style, c)).or_insert(c);
            }
        }
    }
    used.into_iter()
        .map(|(style, text)| {
            let mut remapper = GlyphRemapper::new();
            for glyph in text.keys() {
                remapper.remap(*glyph);
            }
            (style, Embedded { remapper, text })
        })
        .collect()
}

/// Writes the font objects for one style; returns the Type 0 font's id.
fn embed_font(
    pdf: &mut Pdf,
    ids: &mut Ids,
    fonts: &Fonts,
    style: Style,
    used: &Embedded,
) -> Result<Ref> {
    let (type0_id, cid_id, descriptor_id, file_id, cmap_id) =
        (ids.next(), ids.next(), ids.next(), ids.next(), ids.next());
    let face = fonts.face(style);
    let subset = subsetter::subset(style.data(), 0, &used.remapper)
        .map_err(|e| PrintError::Font(e.to_string()))?;
    let name = format!("{}+{}", subset_tag(style, used), style.postscript_name());
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };

    pdf.type0_font(type0_id)
        .base_font(Name(name.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);

    let widths: Vec<f32> = used
        .remapper
        .remapped_gids()
        .map(|old| fonts.advance_milli(style, old).round())
        .collect();
    let mut cid = pdf.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(Name(name.as_bytes()))
        .system_info(system_info)
        .font_descriptor(descriptor_id)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid.widths().consecutive(0, widths);
    cid.finish();

    let scale = 1000.0 / f32::from(face.units_per_em());
    let bbox = face.global_bounding_box();
    let mut flags = FontFlags::SYMBOLIC;
    flags.set(FontFlags::FORCE_BOLD, style == Style::Bold);
    pdf.font_descriptor(descriptor_id)
        .name(Name(name.as_bytes()))
        .flags(flags)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * scale,
            f32::from(bbox.y_min) * scale,
            f32::from(bbox.x_max) * scale,
            f32::from(bbox.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(face.ascender()) * scale)
        .descent(f32::from(face.descender()) * scale)
        .cap_height(f32::from(face.capital_height().unwrap_or(face.ascender())) * scale)
        .stem_v(if style == Style::Bold { 140.0 } else { 80.0 })
        .font_file2(file_id);

    let file = compress(&subset);
    pdf.stream(file_id, &file)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), subset.len() as i32);

    let pairs: Vec<(u16, char)> = used
        .text
        .iter()
        .filter_map(|(old, c)| used.remapper.get(*old).filter(|g| *g != 0).map(|g| (g, *c)))
        .collect();
    let cmap = compress(&to_unicode(&pairs));
    pdf.stream(cmap_id, &cmap).filter(Filter::FlateDecode);
    Ok(type0_id)
}

/// The ToUnicode CMap (glyph → UTF-16) in the common minimal form that every
/// reader parses (Adobe's own; stricter parsers refuse the optional
/// `/CMapVersion` and `/WMode` entries).
fn to_unicode(pairs: &[(u16, char)]) -> Vec<u8> {
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for chunk in pairs.chunks(100) {
        out.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (glyph, c) in chunk {
            out.push_str(&format!("<{glyph:04X}> <"));
            for unit in c.encode_utf16(&mut [0; 2]) {
                out.push_str(&format!("{unit:04X}"));
            }
            out.push_str(">\n");
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out.into_bytes()
}

/// A six-letter subset tag derived from the glyphs (FNV-1a), as PDF asks for
/// subset fonts; the same glyphs give the same tag.
fn subset_tag(style: Style, used: &Embedded) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |byte: u8| {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    };
    feed(style as u8);
    for glyph in used.text.keys() {
        glyph.to_be_bytes().into_iter().for_each(&mut feed);
    }
    (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 8)) % 26) as u8))
        .collect()
}

/// One page's content stream.
fn content(fonts: &Fonts, page: &[Op], embedded: &BTreeMap<Style, Embedded>) -> Vec<u8> {
    let mut content = Content::new();
    for op in page {
        match op {
            Op::Text {
                x,
                y,
                size,
                style,
                gray,
                text,
                actual,
            } => {
                let Some(used) = embedded.get(style) else {
                    continue;
                };
                let mut encoded = Vec::with_capacity(text.len() * 2);
                for c in text.chars() {
                    let glyph = used.remapper.get(fonts.glyph(*style, c)).unwrap_or(0);
                    encoded.extend_from_slice(&glyph.to_be_bytes());
                }
                content.set_fill_gray(*gray);
                if let Some(actual) = actual {
                    content
                        .begin_marked_content_with_properties(Name(b"Span"))
                        .properties()
                        .actual_text(TextStr(actual));
                }
                content.begin_text();
                content.set_font(Name(style.resource()), *size);
                content.next_line(*x, *y);
                content.show(Str(&encoded));
                content.end_text();
                if actual.is_some() {
                    content.end_marked_content();
                }
            }
            Op::Rule {
                from,
                to,
                width,
                gray,
            } => {
                content.set_stroke_gray(*gray);
                content.set_line_width(*width);
                content.move_to(from.0, from.1);
                content.line_to(to.0, to.1);
                content.stroke();
            }
            Op::Band {
                x,
                y,
                width,
                height,
                gray,
            } => {
                content.set_fill_gray(*gray);
                content.rect(*x, *y, *width, *height);
                content.fill_nonzero();
            }
        }
    }
    content.finish().into_vec()
}

fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}
