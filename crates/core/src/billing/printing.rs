//! What a printed or saved billing document needs besides its own data — the
//! clinic's name, billing settings and time zone for the letterhead, and the
//! patient's name and MRN — read together with the document, and the export
//! audited (ids, numbers and amounts; never names). The shell renders the PDF or
//! CSV (`clinic-print`) and writes it where the user chose: documents leave the
//! store only by explicit user action.
use super::{balances, catalogue, day_close, invoices, payments};
use crate::schedule::time;
use crate::{audit, identity, registry, Caller, CoreError};
use chrono::{DateTime, Utc};
use clinic_protocol::{
    AuditAction, AuditCategory, BillingSettings, DayClose, DaySummary, DaySummaryQuery,
    InvoiceDetail, PatientId, PatientStatement, PaymentId, Receipt, StatementQuery,
};
use clinic_store::Store;
use serde_json::{json, Value};

/// A document to print, with its letterhead and addressee.
#[derive(Clone, Debug)]
pub struct Printable<T> {
    pub document: T,
    pub clinic_name: String,
    pub settings: BillingSettings,
    /// IANA zone the clinic's times are shown in.
    pub time_zone: String,
    /// The patient's display name and MRN (`None`: a day close).
    pub patient: Option<(String, String)>,
}

fn printable<T>(
    store: &mut Store,
    caller: &Caller<'_>,
    document: T,
    patient: Option<PatientId>,
    detail: Value,
) -> Result<Printable<T>, CoreError> {
    let conn = store.conn();
    let clinic_name = identity::clinic_info(conn)?
        .map(|c| c.name)
        .unwrap_or_default();
    let settings = catalogue::settings(conn)?;
    let time_zone = time::clinic_zone(conn)?.name().to_string();
    let patient_id = patient;
    let patient = match patient {
        Some(id) => {
            let p = registry::get_patient(conn, id)?;
            let d = &p.details;
            let name = [&d.given_name, &d.middle_name, &d.family_name]
                .iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim())
                .collect::<Vec<_>>()
                .join(" ");
            Some((name, p.mrn))
        }
        None => None,
    };
    let mut event = caller
        .event(AuditAction::Export, AuditCategory::Billing)
        .detail(detail);
    if let Some(id) = patient_id {
        event = event.patient(id);
    }
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(Printable {
        document,
        clinic_name,
        settings,
        time_zone,
        patient,
    })
}

/// An invoice with its payments, refunds and credit notes (`format`: "pdf").
pub fn invoice_for_print(
    store: &mut Store,
    caller: &Caller<'_>,
    id: clinic_protocol::InvoiceId,
    format: &str,
) -> Result<Printable<InvoiceDetail>, CoreError> {
    let detail = invoices::invoice_detail(store, caller, id)?;
    let patient = detail.invoice.patient_id;
    let audit = json!({
        "document": "invoice",
        "format": format,
        "invoice_id": id.to_string(),
        "number": detail.invoice.number,
    });
    printable(store, caller, detail, Some(patient), audit)
}

/// A payment's receipt.
pub fn receipt_for_print(
    store: &mut Store,
    caller: &Caller<'_>,
    id: PaymentId,
    format: &str,
) -> Result<Printable<Receipt>, CoreError> {
    let receipt = payments::receipt(store, caller, id)?;
    let patient = payments::get_payment(store.conn(), id)?.patient_id;
    let audit = json!({ "document": "receipt", "format": format, "payment_id": id.to_string() });
    printable(store, caller, receipt, Some(patient), audit)
}

/// A patient's statement for a range of dates.
pub fn statement_for_print(
    store: &mut Store,
    caller: &Caller<'_>,
    query: StatementQuery,
    format: &str,
) -> Result<Printable<PatientStatement>, CoreError> {
    let statement = balances::statement(store, caller, query)?;
    let patient = statement.patient_id;
    let audit = json!({
        "document": "statement",
        "format": format,
        "from": statement.from,
        "to": statement.to,
        "entries": statement.entries.len(),
    });
    printable(store, caller, statement, Some(patient), audit)
}

/// The desk's day as exported: this desk's latest close of that date (a
/// recount's latest version) when the day has been closed, else the figures so
/// far, which print as "not closed".
#[derive(Clone, Debug)]
pub enum DayDocument {
    Open(DaySummary),
    Closed(DayClose),
}

/// The desk's day: payments by method, refunds, expected and counted cash.
pub fn day_for_print(
    store: &mut Store,
    caller: &Caller<'_>,
    query: DaySummaryQuery,
    now: DateTime<Utc>,
    format: &str,
) -> Result<Printable<DayDocument>, CoreError> {
    let summary = day_close::day_summary(store, caller, query, now)?;
    let close = day_close::list_day_closes(store, caller, &summary.date)?
        .into_iter()
        .filter(|c| c.summary.device_id == summary.device_id)
        .max_by_key(|c| c.version);
    let audit = json!({
        "document": "day_close",
        "format": format,
        "date": summary.date,
        "close": close.as_ref().map(|c| c.id.to_string()),
    });
    let document = match close {
        Some(close) => DayDocument::Closed(close),
        None => DayDocument::Open(summary),
    };
    printable(store, caller, document, None, audit)
}
