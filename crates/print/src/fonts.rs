//! The documents' typeface: DejaVu Sans regular and bold, bundled by the
//! `dejavu` crate (Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic
//! letters and the currency signs ₦ € ₹ ¥ ₵ ₪ ₩ ₱ ₽ ₺ ₴ ₫). Measures text for
//! layout and maps characters to glyphs for the PDF.
//!
//! Invariants: a character the font lacks maps to glyph 0 (`.notdef`, an
//! empty box) and still advances, so layout never fails on odd input; there is
//! no shaping engine (no kerning, no ligatures) beyond `bidi`'s Arabic
//! presentation forms and right-to-left reordering.
use crate::bidi;
use crate::{PrintError, Result};
use std::borrow::Cow;
use ttf_parser::Face;

/// Regular or bold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Style {
    Regular,
    Bold,
}

impl Style {
    #[cfg(test)]
    pub(crate) const ALL: [Style; 2] = [Style::Regular, Style::Bold];

    /// The font's resource name on every page.
    pub(crate) fn resource(self) -> &'static [u8] {
        match self {
            Style::Regular => b"F1",
            Style::Bold => b"F2",
        }
    }

    /// The PostScript name (after the subset tag).
    pub(crate) fn postscript_name(self) -> &'static str {
        match self {
            Style::Regular => "DejaVuSans",
            Style::Bold => "DejaVuSans-Bold",
        }
    }

    /// The TrueType file.
    pub(crate) fn data(self) -> &'static [u8] {
        match self {
            Style::Regular => dejavu::sans::regular(),
            Style::Bold => dejavu::sans::bold(),
        }
    }
}

/// Both faces, parsed (borrowing the static font bytes).
pub(crate) struct Fonts {
    regular: Face<'static>,
    bold: Face<'static>,
}

impl Fonts {
    pub(crate) fn load() -> Result<Self> {
        let parse = |style: Style| {
            Face::parse(style.data(), 0).map_err(|e| PrintError::Font(e.to_string()))
        };
        Ok(Self {
            regular: parse(Style::Regular)?,
            bold: parse(Style::Bold)?,
        })
    }

    pub(crate) fn face(&self, style: Style) -> &Face<'static> {
        match style {
            Style::Regular => &self.regular,
            Style::Bold => &self.bold,
        }
    }

    /// The glyph of `c`, or 0 (`.notdef`) when the font lacks it.
    pub(crate) fn glyph(&self, style: Style, c: char) -> u16 {
        self.face(style).glyph_index(c).map_or(0, |g| g.0)
    }

    /// Whether the font draws `c` (else it prints as an empty box).
    pub(crate) fn covers(&self, style: Style, c: char) -> bool {
        self.face(style).glyph_index(c).is_some()
    }

    /// A glyph's advance in thousandths of the font size (PDF glyph space).
    pub(crate) fn advance_milli(&self, style: Style, glyph: u16) -> f32 {
        let face = self.face(style);
        let advance = face
            .glyph_hor_advance(ttf_parser::GlyphId(glyph))
            .unwrap_or(0);
        f32::from(advance) * 1000.0 / f32::from(face.units_per_em())
    }

    /// `text` as drawn: right-to-left runs shaped and in visual order
    /// (`bidi`); other text unchanged.
    pub(crate) fn display<'t>(&self, style: Style, text: &'t str) -> Cow<'t, str> {
        if bidi::has_rtl(text) {
            Cow::Owned(bidi::visual(text, &|c| self.covers(style, c)))
        } else {
            Cow::Borrowed(text)
        }
    }

    /// The width of `text` at `size` points (as drawn).
    pub(crate) fn width(&self, style: Style, size: f32, text: &str) -> f32 {
        let milli: f32 = self
            .display(style, text)
            .chars()
            .map(|c| self.advance_milli(style, self.glyph(style, c)))
            .sum();
        milli * size / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amounts::SIGNS;

    #[test]
    fn every_currency_sign_and_script_we_promise_is_in_the_font() {
        let fonts = Fonts::load().unwrap();
        let promised = "₦€₹¥₵£₪₩₱₽₺₴₫฿ αβγ Ωμέγα Жанна Ադա ნინო שלום مريم";
        for style in Style::ALL {
            for c in promised
                .chars()
                .chain(SIGNS.iter().flat_map(|s| s.1.chars()))
            {
                assert!(fonts.covers(style, c), "{style:?} lacks {c:?}");
            }
        }
        assert!(!fonts.covers(Style::Regular, '漢'), "no CJK in DejaVu Sans");
        assert!(fonts.width(Style::Bold, 10.0, "Total") > fonts.width(Style::Regular, 10.0, "Tot"));
    }
}
