//! Invoice rows: reading an invoice with its lines, writing a header and its
//! lines, and recomputing the derived columns (status, totals, balances,
//! review flag) from the lines and the facts recorded against the invoice.
//! Shared by the use cases and sync's appliers, so both derive the same way.
//!
//! Invariant: every transaction that changes an invoice's lines or records a
//! payment, refund or credit note against it calls [`recompute`] before it
//! commits, so the stored totals always equal the sums of their parts.
use super::compute::{self, Credit, LineSpec, PaymentFact, RefundFact};
use crate::CoreError;
use clinic_protocol::{
    AppointmentId, EncounterId, Invoice, InvoiceId, InvoiceLine, InvoiceLineId, InvoiceStatus,
    InvoiceSummary, InvoiceTotals, PatientId, PaymentMethod, PaymentStatus, Portion, TaxMode,
    TaxRule,
};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};

/// What an invoice is about, apart from its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub id: InvoiceId,
    pub patient_id: PatientId,
    pub appointment_id: Option<AppointmentId>,
    pub encounter_id: Option<EncounterId>,
    pub currency: String,
    pub discount: Option<Portion>,
    pub note: String,
    pub created_at: String,
    pub created_by: Option<String>,
}

impl Header {
    pub fn of(invoice: &Invoice, created_by: Option<String>) -> Self {
        Self {
            id: invoice.id,
            patient_id: invoice.patient_id,
            appointment_id: invoice.appointment_id,
            encounter_id: invoice.encounter_id,
            currency: invoice.currency.clone(),
            discount: invoice.discount.clone(),
            note: invoice.note.clone(),
            created_at: invoice.created_at.clone(),
            created_by,
        }
    }
}

/// The payload of `save_invoice` and (with the number) `issue_invoice`: the
/// header and the resolved lines. Shared with sync's applier.
pub(crate) fn draft_payload(h: &Header, lines: &[LineSpec]) -> Value {
    json!({
        "patient_id": h.patient_id, "appointment_id": h.appointment_id,
        "encounter_id": h.encounter_id, "currency": h.currency, "discount": h.discount,
        "note": h.note, "created_at": h.created_at, "created_by": h.created_by,
        "lines": lines,
    })
}

fn portion_text(p: &Option<Portion>) -> Option<String> {
    p.as_ref()
        .map(|p| serde_json::to_string(p).unwrap_or_default())
}

fn parse_portion(text: Option<String>) -> Result<Option<Portion>, CoreError> {
    text.map(|t| serde_json::from_str(&t).map_err(|_| CoreError::Corrupt("stored portion".into())))
        .transpose()
}

/// Inserts a draft's header or updates it (the creation time and author stay).
pub(crate) fn write_header(conn: &Connection, h: &Header, now: &str) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO invoice (id, patient_id, appointment_id, encounter_id, currency, discount,
            note, created_at, created_by, updated_at, status, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'draft', 1)
         ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id,
            appointment_id = excluded.appointment_id, encounter_id = excluded.encounter_id,
            currency = excluded.currency, discount = excluded.discount, note = excluded.note,
            updated_at = excluded.updated_at",
    )?
    .execute(params![
        h.id.to_string(),
        h.patient_id.to_string(),
        h.appointment_id.map(|a| a.to_string()),
        h.encounter_id.map(|e| e.to_string()),
        h.currency,
        portion_text(&h.discount),
        h.note,
        h.created_at,
        h.created_by,
        now,
    ])?;
    Ok(())
}

/// Who created the invoice (a staff id; `None`: the device).
pub(crate) fn created_by(conn: &Connection, id: InvoiceId) -> Result<Option<String>, CoreError> {
    Ok(conn
        .prepare_cached("SELECT created_by FROM invoice WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?
        .flatten())
}

/// Replaces a draft's lines (kept lines by id, removed ones deleted). The store
/// refuses this once the invoice is issued.
pub(crate) fn write_lines(
    conn: &Connection,
    invoice: InvoiceId,
    lines: &[InvoiceLine],
) -> Result<(), CoreError> {
    let keep: Vec<String> = lines.iter().map(|l| l.id.to_string()).collect();
    conn.prepare_cached(
        "DELETE FROM invoice_line WHERE invoice_id = ?1
           AND id NOT IN (SELECT value FROM json_each(?2))",
    )?
    .execute(params![
        invoice.to_string(),
        serde_json::to_string(&keep).unwrap_or_default()
    ])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO invoice_line (id, invoice_id, position, service_id, service_code, description,
            quantity, unit_price_minor, tax_name, tax_rate_bp, tax_mode, discount, insurance,
            gross_minor, discount_minor, invoice_discount_minor, tax_minor, total_minor,
            insurance_minor, patient_minor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
         ON CONFLICT (id) DO UPDATE SET position = excluded.position,
            service_id = excluded.service_id, service_code = excluded.service_code,
            description = excluded.description, quantity = excluded.quantity,
            unit_price_minor = excluded.unit_price_minor, tax_name = excluded.tax_name,
            tax_rate_bp = excluded.tax_rate_bp, tax_mode = excluded.tax_mode,
            discount = excluded.discount, insurance = excluded.insurance,
            gross_minor = excluded.gross_minor, discount_minor = excluded.discount_minor,
            invoice_discount_minor = excluded.invoice_discount_minor,
            tax_minor = excluded.tax_minor, total_minor = excluded.total_minor,
            insurance_minor = excluded.insurance_minor, patient_minor = excluded.patient_minor
         WHERE invoice_line.invoice_id = excluded.invoice_id",
    )?;
    for l in lines {
        let changed = stmt.execute(params![
            l.id.to_string(),
            invoice.to_string(),
            l.position,
            l.service_id.map(|s| s.to_string()),
            l.service_code,
            l.description,
            l.quantity,
            l.unit_price_minor,
            l.tax.name,
            l.tax.rate_bp,
            l.tax.mode.as_str(),
            portion_text(&l.discount),
            portion_text(&l.insurance),
            l.gross_minor,
            l.discount_minor,
            l.invoice_discount_minor,
            l.tax_minor,
            l.total_minor,
            l.insurance_minor,
            l.patient_minor,
        ])?;
        if changed == 0 {
            return Err(CoreError::Corrupt(
                "an invoice line id belongs to another invoice".into(),
            ));
        }
    }
    Ok(())
}

const LINE_COLUMNS: &str = "l.id, l.position, l.service_id, l.service_code, l.description,
    l.quantity, l.unit_price_minor, l.tax_name, l.tax_rate_bp, l.tax_mode, l.discount,
    l.insurance, l.gross_minor, l.discount_minor, l.invoice_discount_minor, l.tax_minor,
    l.total_minor, l.insurance_minor, l.patient_minor,
    (SELECT coalesce(sum(c.amount_minor), 0) FROM credit_note_line c WHERE c.invoice_line_id = l.id)";

fn line_from_row(r: &Row<'_>) -> rusqlite::Result<Result<InvoiceLine, CoreError>> {
    let corrupt = || Ok(Err(CoreError::Corrupt("invoice line row".into())));
    let (id, service, mode): (String, Option<String>, String) = (r.get(0)?, r.get(2)?, r.get(9)?);
    let Ok(id) = id.parse::<InvoiceLineId>() else {
        return corrupt();
    };
    let service_id = match service.map(|s| s.parse()) {
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => return corrupt(),
        None => None,
    };
    let Some(mode) = TaxMode::parse(&mode) else {
        return corrupt();
    };
    let (Ok(discount), Ok(insurance)) = (parse_portion(r.get(10)?), parse_portion(r.get(11)?))
    else {
        return corrupt();
    };
    Ok(Ok(InvoiceLine {
        id,
        position: r.get(1)?,
        service_id,
        service_code: r.get(3)?,
        description: r.get(4)?,
        quantity: r.get(5)?,
        unit_price_minor: r.get(6)?,
        tax: TaxRule {
            name: r.get(7)?,
            rate_bp: r.get(8)?,
            mode,
        },
        discount,
        insurance,
        gross_minor: r.get(12)?,
        discount_minor: r.get(13)?,
        invoice_discount_minor: r.get(14)?,
        tax_minor: r.get(15)?,
        total_minor: r.get(16)?,
        insurance_minor: r.get(17)?,
        patient_minor: r.get(18)?,
        credited_minor: r.get(19)?,
    }))
}

/// An invoice's lines in order, with what credit notes took from each.
pub(crate) fn lines(conn: &Connection, invoice: InvoiceId) -> Result<Vec<InvoiceLine>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {LINE_COLUMNS} FROM invoice_line l WHERE l.invoice_id = ?1 ORDER BY l.position, l.id"
    ))?;
    let rows = stmt.query_map([invoice.to_string()], line_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// Every credit line of the invoice's credit notes.
pub(crate) fn credits(
    conn: &Connection,
    invoice: InvoiceId,
) -> Result<Vec<(InvoiceLineId, Credit)>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT cl.invoice_line_id, cl.amount_minor, cl.insurance_minor, cl.patient_minor
         FROM credit_note_line cl JOIN credit_note n ON n.id = cl.credit_note_id
         WHERE n.invoice_id = ?1",
    )?;
    let rows = stmt.query_map([invoice.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Credit {
                amount: r.get(1)?,
                insurance: r.get(2)?,
                patient: r.get(3)?,
            },
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, c) = row?;
        let id = id
            .parse()
            .map_err(|_| CoreError::Corrupt("credit note line".into()))?;
        out.push((id, c));
    }
    Ok(out)
}

fn payment_facts(conn: &Connection, invoice: InvoiceId) -> Result<Vec<PaymentFact>, CoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT method, status, amount_minor FROM payment WHERE invoice_id = ?1")?;
    let rows = stmt.query_map([invoice.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (method, status, amount) = row?;
        let (Some(method), Some(status)) =
            (PaymentMethod::parse(&method), PaymentStatus::parse(&status))
        else {
            return Err(CoreError::Corrupt("payment row".into()));
        };
        out.push(PaymentFact {
            method,
            status,
            amount,
        });
    }
    Ok(out)
}

fn refund_facts(conn: &Connection, invoice: InvoiceId) -> Result<Vec<RefundFact>, CoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT method, amount_minor FROM refund WHERE invoice_id = ?1")?;
    let rows = stmt.query_map([invoice.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (method, amount) = row?;
        let method =
            PaymentMethod::parse(&method).ok_or_else(|| CoreError::Corrupt("refund row".into()))?;
        out.push(RefundFact { method, amount });
    }
    Ok(out)
}

/// Recomputes the invoice's derived columns from its lines and facts (and
/// moves its version on). Call in every transaction that changes either.
pub(crate) fn recompute(conn: &Connection, invoice: InvoiceId, now: &str) -> Result<(), CoreError> {
    let (issued, voided): (bool, bool) = conn
        .prepare_cached(
            "SELECT issued_at IS NOT NULL, voided_at IS NOT NULL FROM invoice WHERE id = ?1",
        )?
        .query_row([invoice.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or(CoreError::NotFound("invoice"))?;
    let d = compute::derive(
        &lines(conn, invoice)?,
        &credits(conn, invoice)?,
        &payment_facts(conn, invoice)?,
        &refund_facts(conn, invoice)?,
        issued,
        voided,
    );
    let t = &d.totals;
    conn.prepare_cached(
        "UPDATE invoice SET status = ?2, subtotal_minor = ?3, discount_minor = ?4, tax_minor = ?5,
            total_minor = ?6, insurance_minor = ?7, patient_minor = ?8, credited_minor = ?9,
            paid_minor = ?10, refunded_minor = ?11, pending_minor = ?12, balance_minor = ?13,
            patient_balance_minor = ?14, insurance_balance_minor = ?15, needs_review = ?16,
            version = version + 1, updated_at = ?17
         WHERE id = ?1",
    )?
    .execute(params![
        invoice.to_string(),
        d.status.as_str(),
        t.subtotal_minor,
        t.discount_minor,
        t.tax_minor,
        t.total_minor,
        t.insurance_minor,
        t.patient_minor,
        t.credited_minor,
        t.paid_minor,
        t.refunded_minor,
        t.pending_minor,
        t.balance_minor,
        t.patient_balance_minor,
        t.insurance_balance_minor,
        d.needs_review,
        now,
    ])?;
    Ok(())
}

const COLUMNS: &str = "id, number, patient_id, appointment_id, encounter_id, currency, status,
    discount, note, created_at, issued_at, voided_at, void_reason, needs_review, version,
    subtotal_minor, discount_minor, tax_minor, total_minor, insurance_minor, patient_minor,
    credited_minor, paid_minor, refunded_minor, pending_minor, balance_minor,
    patient_balance_minor, insurance_balance_minor";

fn parse_id<T: std::str::FromStr>(s: Option<String>) -> Result<Option<T>, CoreError> {
    s.map(|s| {
        s.parse()
            .map_err(|_| CoreError::Corrupt("invoice row".into()))
    })
    .transpose()
}

fn invoice_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Invoice, CoreError>> {
    let build = || -> Result<Invoice, CoreError> {
        let status: String = r.get(6)?;
        Ok(Invoice {
            id: parse_id(Some(r.get(0)?))?.ok_or(CoreError::NotFound("invoice"))?,
            number: r.get(1)?,
            patient_id: parse_id(Some(r.get(2)?))?.ok_or(CoreError::NotFound("patient"))?,
            appointment_id: parse_id(r.get(3)?)?,
            encounter_id: parse_id(r.get(4)?)?,
            currency: r.get(5)?,
            status: InvoiceStatus::parse(&status)
                .ok_or_else(|| CoreError::Corrupt("invoice status".into()))?,
            lines: Vec::new(),
            discount: parse_portion(r.get(7)?)?,
            note: r.get(8)?,
            created_at: r.get(9)?,
            issued_at: r.get(10)?,
            voided_at: r.get(11)?,
            void_reason: r.get(12)?,
            needs_review: r.get(13)?,
            version: r.get(14)?,
            totals: InvoiceTotals {
                subtotal_minor: r.get(15)?,
                discount_minor: r.get(16)?,
                tax_minor: r.get(17)?,
                total_minor: r.get(18)?,
                insurance_minor: r.get(19)?,
                patient_minor: r.get(20)?,
                credited_minor: r.get(21)?,
                paid_minor: r.get(22)?,
                refunded_minor: r.get(23)?,
                pending_minor: r.get(24)?,
                balance_minor: r.get(25)?,
                patient_balance_minor: r.get(26)?,
                insurance_balance_minor: r.get(27)?,
            },
        })
    };
    Ok(build())
}

/// An invoice with its lines, if it exists here.
pub(crate) fn find(conn: &Connection, id: InvoiceId) -> Result<Option<Invoice>, CoreError> {
    let row = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM invoice WHERE id = ?1"))?
        .query_row([id.to_string()], invoice_from_row)
        .optional()?
        .transpose()?;
    match row {
        Some(mut invoice) => {
            invoice.lines = lines(conn, id)?;
            Ok(Some(invoice))
        }
        None => Ok(None),
    }
}

/// An invoice with its lines (`NotFound` when unknown here).
pub fn get(conn: &Connection, id: InvoiceId) -> Result<Invoice, CoreError> {
    find(conn, id)?.ok_or(CoreError::NotFound("invoice"))
}

/// Invoices (without lines) matching `filter` (a fixed SQL condition on the
/// `invoice` table, never input) with `args`, as summaries.
pub(crate) fn summaries(
    conn: &Connection,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<InvoiceSummary>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM invoice {filter}"))?;
    let rows = stmt.query_map(args, invoice_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        let i = row??;
        out.push(InvoiceSummary {
            id: i.id,
            number: i.number,
            patient_id: i.patient_id,
            appointment_id: i.appointment_id,
            status: i.status,
            currency: i.currency,
            total_minor: i.totals.total_minor,
            balance_minor: i.totals.balance_minor,
            patient_balance_minor: i.totals.patient_balance_minor,
            created_at: i.created_at,
            issued_at: i.issued_at,
            needs_review: i.needs_review,
        });
    }
    Ok(out)
}
