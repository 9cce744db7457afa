//! The front desk's end-of-day close as a PDF: the day and desk, payments by
//! method (count, taken, refunded, net) with totals, the cash drawer (opening
//! float, cash taken and refunded, expected, counted, difference over or
//! short), card payments still pending, who closed it and when (a recount's
//! version and note), and lines to sign.
//!
//! Invariant: a summary not yet closed prints as such ("not closed", blanks to
//! fill in for the count) — it is never presented as a close.
use crate::amounts::Currency;
use crate::fonts::{Fonts, Style};
use crate::letterhead::Letterhead;
use crate::pdf::{self, Meta};
use crate::sheet::{Column, Sheet, BODY};
use crate::when::{pdf_date, ClinicClock};
use crate::{labels, Result};
use clinic_protocol::billing::{DayClose, DaySummary, MethodTotal, PaymentMethod};

/// The day to print: the figures before closing, or a recorded close.
#[derive(Clone, Copy, Debug)]
pub enum DaySheet<'a> {
    Summary(&'a DaySummary),
    Closed(&'a DayClose),
}

impl<'a> From<&'a DaySummary> for DaySheet<'a> {
    fn from(summary: &'a DaySummary) -> Self {
        DaySheet::Summary(summary)
    }
}

impl<'a> From<&'a DayClose> for DaySheet<'a> {
    fn from(close: &'a DayClose) -> Self {
        DaySheet::Closed(close)
    }
}

impl<'a> DaySheet<'a> {
    pub(crate) fn summary(&self) -> &'a DaySummary {
        match self {
            DaySheet::Summary(summary) => summary,
            DaySheet::Closed(close) => &close.summary,
        }
    }

    pub(crate) fn close(&self) -> Option<&'a DayClose> {
        match self {
            DaySheet::Summary(_) => None,
            DaySheet::Closed(close) => Some(close),
        }
    }
}

/// The cash row of a summary (zeros when the desk took no cash).
pub(crate) fn cash(summary: &DaySummary) -> MethodTotal {
    summary
        .by_method
        .iter()
        .find(|m| m.method == PaymentMethod::Cash)
        .cloned()
        .unwrap_or(MethodTotal {
            method: PaymentMethod::Cash,
            count: 0,
            amount_minor: 0,
            refunded_minor: 0,
        })
}

/// `over`, `short` or `balanced` for a counted − expected difference.
pub(crate) fn difference_word(difference_minor: i64) -> &'static str {
    match difference_minor.signum() {
        1 => "over",
        -1 => "short",
        _ => "balanced",
    }
}

/// The day's close (or its summary, marked not closed) as A4 PDF bytes.
pub fn day_close_pdf<'a>(day: impl Into<DaySheet<'a>>, letterhead: &Letterhead) -> Result<Vec<u8>> {
    let day = day.into();
    let summary = day.summary();
    let close = day.close();
    let money = Currency::of(&summary.currency)?;
    let clock = ClinicClock::new(&letterhead.time_zone);
    let fonts = Fonts::load()?;
    let title = if close.is_some() {
        "END-OF-DAY CLOSE"
    } else {
        "DAY SUMMARY (NOT CLOSED)"
    };
    let mut sheet = Sheet::new(
        &fonts,
        &letterhead.footer,
        format!(
            "End-of-day close {} · desk {}",
            summary.date, summary.device_id
        ),
    );
    let mut facts = vec![
        ("Date", summary.date.clone()),
        ("Desk", summary.device_id.to_string()),
        ("Currency", money.caption()),
    ];
    if let Some(close) = close.filter(|c| c.version > 1) {
        facts.push(("Recount", format!("version {}", close.version)));
    }
    sheet.heading(letterhead, "", title, &facts);

    sheet.section("Payments by method");
    sheet.begin_table(vec![
        Column::left("Method", 171.28),
        Column::right("Payments", 70.0),
        Column::right("Taken", 90.0),
        Column::right("Refunded", 90.0),
        Column::right("Net", 90.0),
    ]);
    let (mut count, mut taken, mut refunded) = (0u32, 0i64, 0i64);
    for m in &summary.by_method {
        count += m.count;
        taken += m.amount_minor;
        refunded += m.refunded_minor;
        sheet.row(
            &[
                labels::method(m.method).to_owned(),
                m.count.to_string(),
                money.grouped(m.amount_minor),
                money.grouped(m.refunded_minor),
                money.grouped(m.amount_minor - m.refunded_minor),
            ],
            Style::Regular,
        );
    }
    sheet.row(
        &[
            "Total".to_owned(),
            count.to_string(),
            money.grouped(taken),
            money.grouped(refunded),
            money.grouped(taken - refunded),
        ],
        Style::Bold,
    );
    sheet.end_table();

    sheet.section("Cash drawer");
    let cash = cash(summary);
    let float = summary.opening_float_minor;
    sheet.total("Opening float", &money.signed(float), Style::Regular);
    sheet.total(
        "Cash taken",
        &money.signed(cash.amount_minor),
        Style::Regular,
    );
    sheet.total(
        "Cash refunded",
        &money.signed(-cash.refunded_minor),
        Style::Regular,
    );
    sheet.total_rule();
    let expected = money.signed(summary.expected_cash_minor);
    sheet.total("Expected cash", &expected, Style::Bold);
    match close {
        Some(close) => {
            let counted = money.signed(close.counted_cash_minor);
            sheet.total("Counted cash", &counted, Style::Bold);
            sheet.total_rule();
            let difference = format!(
                "{} ({})",
                money.signed(close.difference_minor),
                difference_word(close.difference_minor)
            );
            sheet.total("Difference", &difference, Style::Bold);
        }
        None => {
            sheet.total("Counted cash", "____________", Style::Bold);
            sheet.total("Difference", "____________", Style::Bold);
        }
    }
    sheet.gap(6.0);
    if summary.pending_count > 0 {
        let pending = format!(
            "{} card payment(s) still pending at the gateway that day (not counted above).",
            summary.pending_count
        );
        sheet.paragraph(BODY, Style::Regular, &pending);
        sheet.gap(4.0);
    }

    if let Some(close) = close {
        sheet.section("Closed");
        let mut who = vec![
            ("Closed by", close.closed_by.trim().to_owned()),
            ("Closed at", clock.instant(&close.closed_at)),
            ("Version", close.version.to_string()),
        ];
        if !close.note.trim().is_empty() {
            who.push(("Note", close.note.trim().to_owned()));
        }
        sheet.facts(&who);
    }
    sheet.gap(6.0);
    sheet.signature("Counted and closed by");
    sheet.signature("Checked by");

    let pages = sheet.finish();
    let meta = Meta {
        title: format!("End-of-day close {}", summary.date),
        created: close
            .and_then(|c| pdf_date(&c.closed_at))
            .or_else(|| pdf_date(&summary.date)),
    };
    pdf::write(&fonts, &pages, &meta)
}
