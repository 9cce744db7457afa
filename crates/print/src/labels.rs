//! The printed (English) names of billing's enums and of tax rates: payment
//! methods and statuses, invoice statuses, statement entry kinds, `20 %`.
//!
//! Invariant: the documents are not localized yet; every label a document
//! prints for a wire value comes from here, so translating them is one file.
use clinic_protocol::billing::{
    InvoiceStatus, PaymentMethod, PaymentStatus, StatementEntryKind, TaxMode, TaxRule,
};

pub(crate) fn method(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Cash => "Cash",
        PaymentMethod::Card => "Card",
        PaymentMethod::BankTransfer => "Bank transfer",
        PaymentMethod::InsuranceRemittance => "Insurance remittance",
    }
}

pub(crate) fn payment_status(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Pending => "Pending",
        PaymentStatus::Succeeded => "Paid",
        PaymentStatus::Failed => "Failed",
        PaymentStatus::Refunded => "Refunded",
    }
}

pub(crate) fn invoice_status(status: InvoiceStatus) -> &'static str {
    match status {
        InvoiceStatus::Draft => "Draft",
        InvoiceStatus::Issued => "Issued",
        InvoiceStatus::PartiallyPaid => "Partially paid",
        InvoiceStatus::Paid => "Paid",
        InvoiceStatus::Void => "Void",
    }
}

pub(crate) fn entry_kind(kind: StatementEntryKind) -> &'static str {
    match kind {
        StatementEntryKind::Invoice => "Invoice",
        StatementEntryKind::Payment => "Payment",
        StatementEntryKind::Refund => "Refund",
        StatementEntryKind::CreditNote => "Credit note",
    }
}

/// `20%`, `12.5%`, `0.25%` from basis points (integer arithmetic).
pub(crate) fn percent(basis_points: u32) -> String {
    let whole = basis_points / 100;
    let frac = basis_points % 100;
    if frac == 0 {
        format!("{whole}%")
    } else if frac.is_multiple_of(10) {
        format!("{whole}.{}%", frac / 10)
    } else {
        format!("{whole}.{frac:02}%")
    }
}

/// `VAT 20%`, `GST 5% incl.`; empty for a zero rate.
pub(crate) fn tax_rule(tax: &TaxRule) -> String {
    if tax.rate_bp == 0 {
        return String::new();
    }
    let name = tax.name.trim();
    let included = if tax.mode == TaxMode::Inclusive {
        " incl."
    } else {
        ""
    };
    let rate = percent(tax.rate_bp);
    if name.is_empty() {
        format!("{rate}{included}")
    } else {
        format!("{name} {rate}{included}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_print_without_floats() {
        assert_eq!(percent(2000), "20%");
        assert_eq!(percent(1250), "12.5%");
        assert_eq!(percent(25), "0.25%");
        assert_eq!(percent(0), "0%");
    }
}
