//! Printable billing documents: the invoice, the payment receipt, the patient's
//! statement and the front desk's end-of-day close as A4 PDFs under the
//! clinic's letterhead, and the close as CSV.
//!
//! A pure library: it turns the billing wire types (`clinic_protocol::billing`)
//! into bytes and nothing else — no database, no files, no clock, no logging.
//! Saving or printing those bytes is the shell's, on an explicit user action,
//! and audited there: these documents carry PHI (the patient's name and MRN).
//!
//! Invariants:
//! - amounts are integer minor units formatted exactly with the currency's
//!   ISO 4217 exponent (the core's table, `clinic_core::billing::money`);
//!   nothing is ever a float (`amounts`);
//! - text is drawn with an embedded, subset Unicode TrueType font (DejaVu Sans
//!   from the `dejavu` crate) with a ToUnicode map, so non-Latin names and
//!   currency signs (₦ € ₹ ¥ ₵) print and can be searched and copied (`fonts`);
//!   Arabic is joined and right-to-left runs are reordered for display, with
//!   the logical text kept as `/ActualText` (`bidi`);
//! - output is deterministic: the same input gives the same bytes (dates come
//!   from the document itself, the font subset's tag from its glyphs; no random
//!   ids), so tests can compare;
//! - a table that overflows its page continues on the next one under a repeated
//!   header (`sheet`).
//!
//! Modules: `amounts` (money text), `bidi` (right-to-left text), `when` (dates in the clinic's zone),
//! `letterhead` (what heads every document), `labels`
//! (printed names of enums), `fonts`, `sheet` (pages, text,
//! tables), `pdf` (the file), `invoice`, `receipt`, `statement`, `day_close`
//! (the close as PDF), `close_csv` (the close as CSV).
#![forbid(unsafe_code)]

mod amounts;
mod bidi;
mod close_csv;
mod day_close;
mod fonts;
mod invoice;
mod labels;
mod letterhead;
mod pdf;
mod receipt;
mod sheet;
mod statement;
mod when;

pub use amounts::{format_amount, format_plain_amount};
pub use close_csv::day_close_csv;
pub use day_close::{day_close_pdf, DaySheet};
pub use invoice::invoice_pdf;
pub use letterhead::{BilledPatient, Letterhead};
pub use receipt::receipt_pdf;
pub use statement::statement_pdf;

/// The characters of `text` the documents' font cannot draw (they print as
/// empty boxes): e.g. Chinese, Japanese or Korean script in a name. Lets the
/// caller warn before printing. Control characters are ignored.
pub fn unprintable_chars(text: &str) -> Result<Vec<char>> {
    let fonts = fonts::Fonts::load()?;
    let mut missing: Vec<char> = Vec::new();
    for c in text.chars() {
        if !c.is_control() && !fonts.covers(fonts::Style::Regular, c) && !missing.contains(&c) {
            missing.push(c);
        }
    }
    Ok(missing)
}

/// Why a document could not be produced. Messages name no patient data.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The document's currency is not an ISO 4217 code the core knows (or
    /// the clinic's currency is not set yet).
    #[error("unknown currency code {0:?}")]
    UnknownCurrency(String),
    /// The bundled font could not be read or subset (a build problem).
    #[error("the bundled font could not be embedded: {0}")]
    Font(String),
}

pub type Result<T> = std::result::Result<T, PrintError>;
