//! The patient's statement as a PDF: letterhead, the period, the patient, the
//! opening balance, one row per charge, payment, refund or credit note with
//! its running balance, and the closing balance (the amount due, or a credit).
//!
//! Invariant: the running balances are the core's (`StatementEntry`); charges
//! (positive amounts) and payments or credits (negative) print in their own
//! columns, both as positive numbers.
use crate::amounts::Currency;
use crate::fonts::{Fonts, Style};
use crate::letterhead::{BilledPatient, Letterhead};
use crate::pdf::{self, Meta};
use crate::sheet::{Column, Sheet};
use crate::when::{pdf_date, ClinicClock};
use crate::{labels, Result};
use clinic_protocol::billing::PatientStatement;

/// The statement as A4 PDF bytes.
pub fn statement_pdf(
    statement: &PatientStatement,
    patient: &BilledPatient,
    letterhead: &Letterhead,
) -> Result<Vec<u8>> {
    let money = Currency::of(&statement.currency)?;
    let clock = ClinicClock::new(&letterhead.time_zone);
    let fonts = Fonts::load()?;
    let period = format!("{} – {}", statement.from, statement.to);
    let mut sheet = Sheet::new(
        &fonts,
        &letterhead.footer,
        format!("Statement {period} · {}", patient.name.trim()),
    );
    let facts = [("Period", period.clone()), ("Currency", money.caption())];
    sheet.heading(letterhead, "", "STATEMENT", &facts);
    sheet.addressee("Statement for", patient);

    let opening = money.signed(statement.opening_balance_minor);
    sheet.total(
        &format!("Opening balance ({})", statement.from),
        &opening,
        Style::Regular,
    );
    sheet.gap(6.0);
    sheet.begin_table(vec![
        Column::left("Date", 92.0),
        Column::left("Type", 70.0),
        Column::left("Reference", 115.28),
        Column::right("Charges", 78.0),
        Column::right("Payments / credits", 78.0),
        Column::right("Balance", 78.0),
    ]);
    for entry in &statement.entries {
        let (charge, credit) = if entry.amount_minor >= 0 {
            (money.grouped(entry.amount_minor), String::new())
        } else {
            (String::new(), money.grouped(-entry.amount_minor))
        };
        sheet.row(
            &[
                clock.instant(&entry.at),
                labels::entry_kind(entry.kind).to_owned(),
                entry.reference.clone(),
                charge,
                credit,
                money.grouped(entry.running_balance_minor),
            ],
            Style::Regular,
        );
    }
    if statement.entries.is_empty() {
        let none = "No activity in this period".to_owned();
        sheet.row(&[String::new(), String::new(), none], Style::Regular);
    }
    sheet.end_table();

    let charges: i64 = statement
        .entries
        .iter()
        .map(|e| e.amount_minor.max(0))
        .sum();
    let credits: i64 = statement
        .entries
        .iter()
        .map(|e| (-e.amount_minor).max(0))
        .sum();
    sheet.total("Charges in period", &money.signed(charges), Style::Regular);
    sheet.total(
        "Payments and credits",
        &money.signed(-credits),
        Style::Regular,
    );
    sheet.total_rule();
    let closing = money.signed(statement.closing_balance_minor);
    sheet.total(
        &format!("Closing balance ({})", statement.to),
        &closing,
        Style::Bold,
    );
    if statement.closing_balance_minor > 0 {
        sheet.total("Amount due", &closing, Style::Bold);
    } else if statement.closing_balance_minor < 0 {
        let credit = money.signed(-statement.closing_balance_minor);
        sheet.total("In credit", &credit, Style::Bold);
    }

    let pages = sheet.finish();
    let meta = Meta {
        title: format!("Statement {period}"),
        created: pdf_date(&statement.to),
    };
    pdf::write(&fonts, &pages, &meta)
}
