//! The payment receipt as a PDF: letterhead, receipt number and date, the
//! patient, the amount received in large type, the payment's details (method,
//! reference, invoice, who took it, at which desk), refunds so far, and the
//! invoice's balance after it.
//!
//! Invariant: a receipt is for money that arrived; a payment that is pending
//! or failed still prints (the caller decides) but says so in its title.
use crate::amounts::Currency;
use crate::fonts::{Fonts, Style};
use crate::letterhead::{BilledPatient, Letterhead};
use crate::pdf::{self, Meta};
use crate::sheet::Sheet;
use crate::when::{pdf_date, ClinicClock};
use crate::{labels, Result};
use clinic_protocol::billing::{PaymentStatus, Receipt};

/// The receipt as A4 PDF bytes. The letterhead's clinic name and footer
/// default to the receipt's own when empty.
pub fn receipt_pdf(
    receipt: &Receipt,
    patient: &BilledPatient,
    letterhead: &Letterhead,
) -> Result<Vec<u8>> {
    let payment = &receipt.payment;
    let money = Currency::of(&payment.currency)?;
    let clock = ClinicClock::new(&letterhead.time_zone);
    let fonts = Fonts::load()?;
    let footer = if letterhead.footer.trim().is_empty() {
        receipt.invoice_footer.as_str()
    } else {
        letterhead.footer.as_str()
    };
    let number = receipt.receipt_number.trim();
    let mut sheet = Sheet::new(
        &fonts,
        footer,
        format!("Receipt {number} · {}", patient.name.trim()),
    );
    let title = match payment.status {
        PaymentStatus::Succeeded => "RECEIPT",
        PaymentStatus::Refunded => "RECEIPT (REFUNDED)",
        PaymentStatus::Pending => "PAYMENT PENDING",
        PaymentStatus::Failed => "PAYMENT FAILED",
    };
    let facts = [
        ("Receipt no.", number.to_owned()),
        ("Date", clock.instant(&payment.received_at)),
        ("Currency", money.caption()),
    ];
    sheet.heading(letterhead, &receipt.clinic_name, title, &facts);
    sheet.addressee("Received from", patient);

    sheet.paragraph(9.0, Style::Regular, "Amount received");
    sheet.paragraph(20.0, Style::Bold, &money.signed(payment.amount_minor));
    sheet.gap(10.0);

    sheet.section("Payment");
    let mut details = vec![
        ("Method", labels::method(payment.method).to_owned()),
        ("Status", labels::payment_status(payment.status).to_owned()),
    ];
    if !payment.reference.trim().is_empty() {
        details.push(("Reference", payment.reference.trim().to_owned()));
    }
    if let Some(gateway) = payment.gateway_ref.as_deref().filter(|g| !g.is_empty()) {
        details.push(("Gateway reference", gateway.to_owned()));
    }
    let invoice = receipt
        .invoice_number
        .clone()
        .unwrap_or_else(|| payment.invoice_id.to_string());
    details.push(("Invoice", invoice));
    details.push(("Received at", clock.instant(&payment.received_at)));
    details.push(("Received by", payment.recorded_by.trim().to_owned()));
    details.push(("Desk", payment.device_id.to_string()));
    if payment.refunded_minor != 0 {
        details.push(("Refunded so far", money.signed(payment.refunded_minor)));
    }
    sheet.facts(&details);
    sheet.gap(10.0);
    let balance = money.signed(receipt.invoice_balance_minor);
    sheet.total("Invoice balance after this payment", &balance, Style::Bold);
    sheet.gap(14.0);
    sheet.paragraph(8.5, Style::Regular, "Thank you.");

    let pages = sheet.finish();
    let meta = Meta {
        title: format!("Receipt {number}"),
        created: pdf_date(&payment.received_at),
    };
    pdf::write(&fonts, &pages, &meta)
}
