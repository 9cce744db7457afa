//! The invoice as a PDF: letterhead, number, status and dates, the patient,
//! the lines (description, quantity, unit price, discount, tax, line total),
//! the totals block (subtotal, discount, tax, total, insurance and patient
//! portions, credited, paid, refunded, balance due), then the payments,
//! refunds and credit notes recorded against it, and the invoice's note.
//!
//! Invariant: every amount printed is one the core derived (`InvoiceLine`,
//! `InvoiceTotals`); nothing is recomputed here except sums for display.
use crate::amounts::Currency;
use crate::fonts::{Fonts, Style};
use crate::letterhead::{BilledPatient, Letterhead};
use crate::pdf::{self, Meta};
use crate::sheet::{Column, Sheet, BODY};
use crate::when::{pdf_date, ClinicClock};
use crate::{labels, Result};
use clinic_protocol::billing::{InvoiceDetail, InvoiceStatus, PaymentStatus};

/// The invoice as A4 PDF bytes, for `patient`, under `letterhead`.
pub fn invoice_pdf(
    detail: &InvoiceDetail,
    patient: &BilledPatient,
    letterhead: &Letterhead,
) -> Result<Vec<u8>> {
    let invoice = &detail.invoice;
    let money = Currency::of(&invoice.currency)?;
    let clock = ClinicClock::new(&letterhead.time_zone);
    let fonts = Fonts::load()?;
    let number = invoice
        .number
        .clone()
        .unwrap_or_else(|| "Draft (not issued)".to_owned());
    let mut sheet = Sheet::new(
        &fonts,
        &letterhead.footer,
        format!("Invoice {number} · {}", patient.name.trim()),
    );

    let mut facts = vec![
        ("Invoice no.", number.clone()),
        ("Status", labels::invoice_status(invoice.status).to_owned()),
    ];
    match &invoice.issued_at {
        Some(issued) => facts.push(("Issued", clock.date_of(issued))),
        None => facts.push(("Created", clock.date_of(&invoice.created_at))),
    }
    facts.push(("Currency", money.caption()));
    sheet.heading(letterhead, "", "INVOICE", &facts);
    sheet.addressee("Bill to", patient);

    if invoice.status == InvoiceStatus::Void {
        let reason = invoice.void_reason.as_deref().unwrap_or("").trim();
        let when = invoice.voided_at.as_deref().map(|at| clock.instant(at));
        let mut line = "VOID".to_owned();
        if let Some(when) = when {
            line.push_str(&format!(" since {when}"));
        }
        if !reason.is_empty() {
            line.push_str(&format!(": {reason}"));
        }
        sheet.paragraph(11.0, Style::Bold, &line);
        sheet.gap(6.0);
    }

    lines_table(&mut sheet, detail, &money);
    totals(&mut sheet, detail, &money);
    recorded_facts(&mut sheet, detail, &money, &clock);

    if !invoice.note.trim().is_empty() {
        sheet.section("Note");
        sheet.paragraph(BODY, Style::Regular, invoice.note.trim());
    }

    let pages = sheet.finish();
    let meta = Meta {
        title: format!("Invoice {number}"),
        created: pdf_date(invoice.issued_at.as_deref().unwrap_or(&invoice.created_at)),
    };
    pdf::write(&fonts, &pages, &meta)
}

fn lines_table(sheet: &mut Sheet<'_>, detail: &InvoiceDetail, money: &Currency) {
    sheet.begin_table(vec![
        Column::left("#", 22.0),
        Column::left("Description", 175.28),
        Column::right("Qty", 38.0),
        Column::right("Unit price", 72.0),
        Column::right("Discount", 62.0),
        Column::right("Tax", 64.0),
        Column::right("Line total", 78.0),
    ]);
    for line in &detail.invoice.lines {
        let mut description = line.description.trim().to_owned();
        if !line.service_code.trim().is_empty() {
            description.push_str(&format!("\n{}", line.service_code.trim()));
        }
        if line.credited_minor != 0 {
            description.push_str(&format!(
                "\nCredited {}",
                money.grouped(line.credited_minor)
            ));
        }
        let discount = line.discount_minor + line.invoice_discount_minor;
        let mut tax = money.grouped(line.tax_minor);
        let rule = labels::tax_rule(&line.tax);
        if !rule.is_empty() {
            tax.push_str(&format!("\n{rule}"));
        }
        sheet.row(
            &[
                line.position.to_string(),
                description,
                line.quantity.to_string(),
                money.grouped(line.unit_price_minor),
                money.grouped(discount),
                tax,
                money.grouped(line.total_minor),
            ],
            Style::Regular,
        );
    }
    if detail.invoice.lines.is_empty() {
        sheet.row(&["".into(), "No lines".into()], Style::Regular);
    }
    sheet.end_table();
}

fn totals(sheet: &mut Sheet<'_>, detail: &InvoiceDetail, money: &Currency) {
    let t = &detail.invoice.totals;
    sheet.total("Subtotal", &money.signed(t.subtotal_minor), Style::Regular);
    sheet.total("Discount", &money.signed(-t.discount_minor), Style::Regular);
    sheet.total("Tax", &money.signed(t.tax_minor), Style::Regular);
    sheet.total_rule();
    sheet.total("Total", &money.signed(t.total_minor), Style::Bold);
    if t.insurance_minor != 0 {
        sheet.total(
            "Insurance portion",
            &money.signed(t.insurance_minor),
            Style::Regular,
        );
    }
    sheet.total(
        "Patient portion",
        &money.signed(t.patient_minor),
        Style::Regular,
    );
    if t.credited_minor != 0 {
        sheet.total("Credited", &money.signed(-t.credited_minor), Style::Regular);
    }
    sheet.total("Paid", &money.signed(-t.paid_minor), Style::Regular);
    if t.refunded_minor != 0 {
        sheet.total("Refunded", &money.signed(t.refunded_minor), Style::Regular);
    }
    if t.pending_minor != 0 {
        let pending = money.signed(t.pending_minor);
        sheet.total("Card payment pending", &pending, Style::Regular);
    }
    sheet.total_rule();
    sheet.total("Balance due", &money.signed(t.balance_minor), Style::Bold);
    if t.insurance_minor != 0 {
        let patient = money.signed(t.patient_balance_minor);
        sheet.total("of which patient", &patient, Style::Regular);
        let insurer = money.signed(t.insurance_balance_minor);
        sheet.total("of which insurer", &insurer, Style::Regular);
    }
    sheet.gap(8.0);
}

/// Payments, refunds and credit notes against the invoice (failed payments
/// count for nothing and are left out).
fn recorded_facts(
    sheet: &mut Sheet<'_>,
    detail: &InvoiceDetail,
    money: &Currency,
    clock: &ClinicClock,
) {
    let payments: Vec<_> = detail
        .payments
        .iter()
        .filter(|p| p.status != PaymentStatus::Failed)
        .collect();
    if !payments.is_empty() {
        sheet.section("Payments");
        sheet.begin_table(vec![
            Column::left("Date", 92.0),
            Column::left("Method", 90.0),
            Column::left("Receipt", 100.0),
            Column::left("Reference", 91.28),
            Column::left("Status", 60.0),
            Column::right("Amount", 78.0),
        ]);
        for p in payments {
            sheet.row(
                &[
                    clock.instant(&p.received_at),
                    labels::method(p.method).to_owned(),
                    p.receipt_number.clone().unwrap_or_default(),
                    p.reference.clone(),
                    labels::payment_status(p.status).to_owned(),
                    money.grouped(p.amount_minor),
                ],
                Style::Regular,
            );
        }
        sheet.end_table();
    }
    if !detail.refunds.is_empty() {
        sheet.section("Refunds");
        sheet.begin_table(vec![
            Column::left("Date", 92.0),
            Column::left("Method", 90.0),
            Column::left("Reason", 251.28),
            Column::right("Amount", 78.0),
        ]);
        for r in &detail.refunds {
            sheet.row(
                &[
                    clock.instant(&r.refunded_at),
                    labels::method(r.method).to_owned(),
                    r.reason.clone(),
                    money.grouped(r.amount_minor),
                ],
                Style::Regular,
            );
        }
        sheet.end_table();
    }
    if !detail.credit_notes.is_empty() {
        sheet.section("Credit notes");
        sheet.begin_table(vec![
            Column::left("Number", 100.0),
            Column::left("Date", 92.0),
            Column::left("Reason", 241.28),
            Column::right("Amount", 78.0),
        ]);
        for n in &detail.credit_notes {
            sheet.row(
                &[
                    n.number.clone(),
                    clock.instant(&n.created_at),
                    n.reason.clone(),
                    money.grouped(n.total_minor),
                ],
                Style::Regular,
            );
        }
        sheet.end_table();
    }
}
