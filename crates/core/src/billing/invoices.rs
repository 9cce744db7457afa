//! Invoices: drafts (created and edited whole, from a visit or an
//! appointment), issuing (a number unique offline, lines frozen), voiding
//! (with a reason, only with nothing paid net and no card payment in
//! progress), the invoice list and an invoice with everything recorded
//! against it.
//!
//! Invariants: a draft is validated whole before anything is written (every
//! bad line named by its field path); a save that changes nothing records
//! nothing; an appointment has at most one invoice that is not void
//! (`invoice_for_appointment` returns it instead of making a second one).
use super::catalogue::{self, check_tax};
use super::compute::{self, LineSpec};
use super::rows::{self, Header};
use super::{adjustments, allocate_number, check_reason, payments, MAX_LINES};
use crate::validation::Check;
use crate::{audit, registry, Caller, CoreError};
use clinic_protocol::{
    AppointmentId, AuditAction, AuditCategory, EntityKind, FieldError, Invoice, InvoiceDetail,
    InvoiceId, InvoiceLineId, InvoiceLineInput, InvoiceQuery, InvoiceStatus, InvoiceSummary,
    IssueInvoice, OpKind, PatientId, SaveInvoiceDraft, TaxMode, TaxRule, VoidInvoice,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use std::collections::HashSet;

/// Longest line description and invoice note.
const MAX_DESCRIPTION: usize = 200;
const MAX_NOTE: usize = 1000;

fn field(errors: &mut Vec<FieldError>, field: String, message: impl Into<String>) {
    errors.push(FieldError {
        field,
        message: message.into(),
    });
}

/// The patient to bill: present here and not merged into another record.
pub(crate) fn check_patient(conn: &Connection, patient: PatientId) -> Result<(), CoreError> {
    let merged: Option<Option<String>> = conn
        .prepare_cached("SELECT merged_into FROM patient WHERE id = ?1")?
        .query_row([patient.to_string()], |r| r.get(0))
        .optional()?;
    match merged {
        None => Err(CoreError::field(
            "patient_id",
            "This patient does not exist.",
        )),
        Some(Some(_)) => Err(CoreError::field(
            "patient_id",
            "This record was merged into another: bill the surviving record.",
        )),
        Some(None) => Ok(()),
    }
}

/// Whether `table`'s row `id` belongs to `patient` (`None`: no such row).
fn owner(conn: &Connection, table: &'static str, id: &str) -> Result<Option<String>, CoreError> {
    Ok(conn
        .prepare_cached(&format!("SELECT patient_id FROM {table} WHERE id = ?1"))?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// Resolves the submitted lines against the catalogue (price, tax and code
/// of a service line come from the service).
fn resolve_lines(
    conn: &Connection,
    lines: &[InvoiceLineInput],
    currency: &str,
    existing: &[InvoiceLineId],
) -> Result<Vec<LineSpec>, CoreError> {
    let mut errors = Vec::new();
    if lines.len() > MAX_LINES {
        field(
            &mut errors,
            "lines".into(),
            format!("An invoice has at most {MAX_LINES} lines."),
        );
    }
    let mut seen = HashSet::new();
    let mut specs = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let mut c = Check::new();
        let mut description = l.description.clone();
        c.text(
            &format!("lines.{i}.description"),
            &mut description,
            false,
            MAX_DESCRIPTION,
        );
        if let Err(mut e) = c.finish() {
            errors.append(&mut e);
        }
        let id = l.id.unwrap_or_default();
        if !seen.insert(id) || (l.id.is_some() && !existing.contains(&id)) {
            field(
                &mut errors,
                format!("lines.{i}.id"),
                "This line is not on this invoice.",
            );
        }
        let spec = match l.service_id {
            Some(service_id) => match catalogue::find_service(conn, service_id)? {
                None => {
                    field(
                        &mut errors,
                        format!("lines.{i}.service_id"),
                        "This service is not in the catalogue.",
                    );
                    continue;
                }
                Some(s) if !s.active => {
                    field(
                        &mut errors,
                        format!("lines.{i}.service_id"),
                        "This service is no longer offered.",
                    );
                    continue;
                }
                Some(s) if s.currency != currency => {
                    field(
                        &mut errors,
                        format!("lines.{i}.service_id"),
                        format!(
                            "This service is priced in {}, the invoice is in {currency}.",
                            s.currency
                        ),
                    );
                    continue;
                }
                Some(s) => LineSpec {
                    id,
                    service_id: Some(s.id),
                    service_code: s.code,
                    description: if description.is_empty() {
                        s.name
                    } else {
                        description
                    },
                    quantity: l.quantity,
                    unit_price_minor: s.price_minor,
                    tax: s.tax,
                    discount: l.discount.clone(),
                    insurance: l.insurance.clone(),
                },
            },
            None => {
                if description.is_empty() {
                    field(
                        &mut errors,
                        format!("lines.{i}.description"),
                        "Describe what this line is for.",
                    );
                }
                let Some(price) = l.unit_price_minor else {
                    field(
                        &mut errors,
                        format!("lines.{i}.unit_price_minor"),
                        "Enter the unit price.",
                    );
                    continue;
                };
                let tax = match &l.tax {
                    Some(t) => {
                        let mut c = Check::new();
                        let t = check_tax(&mut c, &format!("lines.{i}.tax"), t);
                        if let Err(mut e) = c.finish() {
                            errors.append(&mut e);
                        }
                        t
                    }
                    None => TaxRule {
                        name: String::new(),
                        rate_bp: 0,
                        mode: TaxMode::Exclusive,
                    },
                };
                LineSpec {
                    id,
                    service_id: None,
                    service_code: String::new(),
                    description,
                    quantity: l.quantity,
                    unit_price_minor: price,
                    tax,
                    discount: l.discount.clone(),
                    insurance: l.insurance.clone(),
                }
            }
        };
        specs.push(spec);
    }
    if errors.is_empty() {
        Ok(specs)
    } else {
        Err(CoreError::Validation(errors))
    }
}

/// A draft that cannot change any more, with the reason.
fn refuse_frozen(invoice: &Invoice) -> CoreError {
    let message = match invoice.status {
        InvoiceStatus::Void => "This invoice is void: it cannot change.",
        _ => "This invoice is issued: its lines cannot change. Record a credit note instead.",
    };
    CoreError::field("status", message)
}

fn check_version(invoice: &Invoice, expected: Option<i64>) -> Result<(), CoreError> {
    match expected {
        Some(v) if v != invoice.version => Err(CoreError::EditConflict {
            expected: v,
            current: invoice.version,
        }),
        _ => Ok(()),
    }
}

/// Creates or edits a draft invoice (the whole draft).
pub fn save_draft(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SaveInvoiceDraft,
) -> Result<Invoice, CoreError> {
    let mut c = Check::new();
    let mut note = request.note.clone();
    c.multiline("note", &mut note, false, MAX_NOTE);
    c.finish().map_err(CoreError::Validation)?;
    let device = store.device_id();
    let id = request.id.unwrap_or_default();
    store.write(|tx| {
        let conn = tx.conn();
        let before = rows::find(conn, id)?;
        let currency = match &before {
            None if request.id.is_some() => return Err(CoreError::NotFound("invoice")),
            None => catalogue::currency(conn)?,
            Some(b) => {
                check_version(b, request.expected_version)?;
                if b.status != InvoiceStatus::Draft {
                    return Err(refuse_frozen(b));
                }
                b.currency.clone()
            }
        };
        check_patient(conn, request.patient_id)?;
        let patient = request.patient_id.to_string();
        if let Some(a) = request.appointment_id {
            if owner(conn, "appointment", &a.to_string())?.as_deref() != Some(patient.as_str()) {
                return Err(CoreError::field(
                    "appointment_id",
                    "This appointment is not this patient's.",
                ));
            }
        }
        if let Some(e) = request.encounter_id {
            if owner(conn, "encounter", &e.to_string())?.as_deref() != Some(patient.as_str()) {
                return Err(CoreError::field(
                    "encounter_id",
                    "This visit is not this patient's.",
                ));
            }
        }
        let existing: Vec<InvoiceLineId> = before
            .as_ref()
            .map(|b| b.lines.iter().map(|l| l.id).collect())
            .unwrap_or_default();
        let specs = resolve_lines(conn, &request.lines, &currency, &existing)?;
        compute::compute_lines(&specs, request.discount.as_ref()).map_err(CoreError::Validation)?;
        let header = Header {
            id,
            patient_id: request.patient_id,
            appointment_id: request.appointment_id,
            encounter_id: request.encounter_id,
            currency,
            discount: request.discount.clone(),
            note: note.clone(),
            created_at: before
                .as_ref()
                .map_or_else(|| tx.now_rfc3339(), |b| b.created_at.clone()),
            created_by: match &before {
                Some(_) => rows::created_by(conn, id)?,
                None => caller.actor_id(),
            },
        };
        if let Some(b) = &before {
            let old: Vec<LineSpec> = b.lines.iter().map(LineSpec::of).collect();
            let same_header = Header {
                created_by: header.created_by.clone(),
                ..Header::of(b, None)
            } == header;
            if same_header && old == specs {
                return Ok(());
            }
        }
        write_draft(tx, &header, &specs)?;
        let invoice = rows::get(tx.conn(), id)?;
        let event = caller
            .event(
                if before.is_some() {
                    AuditAction::Update
                } else {
                    AuditAction::Create
                },
                AuditCategory::Billing,
            )
            .patient(invoice.patient_id)
            .detail(json!({
                "invoice_id": id.to_string(),
                "lines": invoice.lines.len(),
                "total_minor": invoice.totals.total_minor,
                "currency": invoice.currency,
            }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok(())
    })?;
    rows::get(store.conn(), id)
}

/// Records `save_invoice` and writes the draft (header, computed lines, totals).
fn write_draft(tx: &mut WriteTx<'_>, header: &Header, specs: &[LineSpec]) -> Result<(), CoreError> {
    let lines =
        compute::compute_lines(specs, header.discount.as_ref()).map_err(CoreError::Validation)?;
    tx.record(
        OpKind::SaveInvoice,
        EntityKind::Invoice,
        &header.id.to_string(),
        rows::draft_payload(header, specs),
    )?;
    let now = tx.now_rfc3339();
    rows::write_header(tx.conn(), header, &now)?;
    rows::write_lines(tx.conn(), header.id, &lines)?;
    rows::recompute(tx.conn(), header.id, &now)
}

/// The appointment's invoice: the one already made (not void), else a new
/// draft with the service its appointment type maps to (if any).
pub fn invoice_for_appointment(
    store: &mut Store,
    caller: &Caller<'_>,
    appointment_id: AppointmentId,
) -> Result<Invoice, CoreError> {
    let appointment = crate::schedule::appointments::get(store.conn(), appointment_id)?;
    let existing = rows::summaries(
        store.conn(),
        "WHERE appointment_id = ?1 AND status <> 'void' ORDER BY created_at, id LIMIT 1",
        &[&appointment_id.to_string()],
    )?;
    if let Some(found) = existing.first() {
        return rows::get(store.conn(), found.id);
    }
    let currency = catalogue::currency(store.conn())?;
    let service =
        catalogue::service_for_appointment_type(store.conn(), appointment.appointment_type_id)?
            .filter(|s| s.currency == currency);
    let lines = service
        .map(|s| InvoiceLineInput {
            id: None,
            service_id: Some(s.id),
            description: String::new(),
            quantity: 1,
            unit_price_minor: None,
            tax: None,
            discount: None,
            insurance: None,
        })
        .into_iter()
        .collect();
    save_draft(
        store,
        caller,
        SaveInvoiceDraft {
            id: None,
            expected_version: None,
            patient_id: appointment.patient_id,
            appointment_id: Some(appointment_id),
            encounter_id: None,
            lines,
            discount: None,
            note: String::new(),
        },
    )
}

/// Issues a draft: numbered `INV-<device code>-<n>`, its lines frozen.
pub fn issue_invoice(
    store: &mut Store,
    caller: &Caller<'_>,
    request: IssueInvoice,
) -> Result<Invoice, CoreError> {
    let device = store.device_id();
    let device_code = registry::device_code(&device);
    let id = request.id;
    store.write(|tx| {
        let invoice = rows::get(tx.conn(), id)?;
        check_version(&invoice, Some(request.expected_version))?;
        match invoice.status {
            InvoiceStatus::Draft => {}
            InvoiceStatus::Void => {
                return Err(CoreError::field(
                    "status",
                    "A void invoice cannot be issued.",
                ))
            }
            _ => {
                return Err(CoreError::field(
                    "status",
                    "This invoice is already issued.",
                ))
            }
        }
        if invoice.lines.is_empty() {
            return Err(CoreError::field(
                "lines",
                "Add at least one line before issuing the invoice.",
            ));
        }
        check_patient(tx.conn(), invoice.patient_id)?;
        let number = allocate_number(tx, "invoice", &device_code)?;
        let issued_at = tx.now_rfc3339();
        let specs: Vec<LineSpec> = invoice.lines.iter().map(LineSpec::of).collect();
        let created_by = rows::created_by(tx.conn(), id)?;
        let mut payload = rows::draft_payload(&Header::of(&invoice, created_by), &specs);
        payload["number"] = json!(number);
        payload["issued_at"] = json!(issued_at);
        tx.record(
            OpKind::IssueInvoice,
            EntityKind::Invoice,
            &id.to_string(),
            payload,
        )?;
        tx.conn().execute(
            "UPDATE invoice SET number = ?2, issued_at = ?3 WHERE id = ?1",
            params![id.to_string(), number, issued_at],
        )?;
        rows::recompute(tx.conn(), id, &issued_at)?;
        let event = caller
            .event(AuditAction::Update, AuditCategory::Billing)
            .patient(invoice.patient_id)
            .detail(json!({
                "invoice_id": id.to_string(),
                "issued": number,
                "total_minor": invoice.totals.total_minor,
                "patient_minor": invoice.totals.patient_minor,
                "insurance_minor": invoice.totals.insurance_minor,
                "currency": invoice.currency,
            }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok(())
    })?;
    rows::get(store.conn(), id)
}

/// Voids an invoice with a reason: only when nothing is paid net and no card
/// payment is in progress (refund first).
pub fn void_invoice(
    store: &mut Store,
    caller: &Caller<'_>,
    request: VoidInvoice,
) -> Result<Invoice, CoreError> {
    let reason = check_reason("reason", &request.reason)?;
    let device = store.device_id();
    let id = request.id;
    store.write(|tx| {
        let invoice = rows::get(tx.conn(), id)?;
        check_version(&invoice, Some(request.expected_version))?;
        let t = &invoice.totals;
        if invoice.status == InvoiceStatus::Void {
            return Err(CoreError::field("status", "This invoice is already void."));
        }
        if t.pending_minor > 0 {
            return Err(CoreError::field(
                "status",
                "A card payment for this invoice is in progress: wait for it to finish, then refund it if needed.",
            ));
        }
        if t.paid_minor - t.refunded_minor != 0 {
            return Err(CoreError::field(
                "status",
                format!(
                    "{} {} is paid on this invoice: refund it before voiding (or record a credit note).",
                    super::money::format_minor(t.paid_minor - t.refunded_minor, super::money::minor_digits(&invoice.currency).unwrap_or(2)),
                    invoice.currency
                ),
            ));
        }
        let voided_at = tx.now_rfc3339();
        tx.record(
            OpKind::VoidInvoice,
            EntityKind::Invoice,
            &id.to_string(),
            json!({ "reason": reason, "voided_at": voided_at }),
        )?;
        set_void(tx.conn(), id, &voided_at, &reason)?;
        rows::recompute(tx.conn(), id, &voided_at)?;
        let event = caller
            .event(AuditAction::Update, AuditCategory::Billing)
            .patient(invoice.patient_id)
            .detail(json!({
                "invoice_id": id.to_string(),
                "voided": true,
                "total_minor": t.total_minor,
                "was": invoice.status.as_str(),
            }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok(())
    })?;
    rows::get(store.conn(), id)
}

/// Marks an invoice void. Shared with sync's applier.
pub(crate) fn set_void(
    conn: &Connection,
    id: InvoiceId,
    at: &str,
    reason: &str,
) -> Result<(), CoreError> {
    conn.prepare_cached("UPDATE invoice SET voided_at = ?2, void_reason = ?3 WHERE id = ?1")?
        .execute(params![id.to_string(), at, reason])?;
    Ok(())
}

/// Invoices matching the query, newest first (without lines; audited as a
/// search with the filter and the number of results).
pub fn list_invoices(
    store: &mut Store,
    caller: &Caller<'_>,
    query: InvoiceQuery,
) -> Result<Vec<InvoiceSummary>, CoreError> {
    let limit = if query.limit == 0 {
        100
    } else {
        query.limit.min(500)
    };
    let found = rows::summaries(
        store.conn(),
        "WHERE (?1 IS NULL OR patient_id IN (SELECT id FROM patient WHERE id = ?1 OR merged_into = ?1))
           AND (?2 IS NULL OR status = ?2)
           AND (NOT ?3 OR (status IN ('issued', 'partially_paid', 'paid') AND balance_minor > 0))
           AND (NOT ?4 OR needs_review = 1)
         ORDER BY created_at DESC, id DESC LIMIT ?5",
        &[
            &query.patient_id.map(|p| p.to_string()),
            &query.status.map(|s| s.as_str()),
            &query.outstanding_only,
            &query.needs_review_only,
            &limit,
        ],
    )?;
    let mut event = caller
        .event(AuditAction::Search, AuditCategory::Billing)
        .detail(json!({
            "invoices": found.len(),
            "status": query.status.map(|s| s.as_str()),
            "outstanding_only": query.outstanding_only,
            "needs_review_only": query.needs_review_only,
        }));
    if let Some(p) = query.patient_id {
        event = event.patient(p);
    }
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(found)
}

/// An invoice with its payments, refunds and credit notes (audited as a view).
pub fn invoice_detail(
    store: &mut Store,
    caller: &Caller<'_>,
    id: InvoiceId,
) -> Result<InvoiceDetail, CoreError> {
    let invoice = rows::get(store.conn(), id)?;
    let detail = InvoiceDetail {
        payments: payments::for_invoice(store.conn(), id)?,
        refunds: adjustments::refunds_for_invoice(store.conn(), id)?,
        credit_notes: adjustments::credit_notes_for_invoice(store.conn(), id)?,
        invoice,
    };
    let event = caller
        .event(AuditAction::View, AuditCategory::Billing)
        .patient(detail.invoice.patient_id)
        .detail(json!({ "invoice_id": id.to_string() }));
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(detail)
}
