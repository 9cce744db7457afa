//! A patient's balance and statement: the patient's side of their invoices
//! (issued invoices' patient portions − credit notes' patient parts −
//! payments by the patient + refunds to the patient). Insurance remittances
//! pay the insurer's portions and are reported apart.
//!
//! Invariants: the balance equals the sum of the `patient_balance_minor` of
//! the patient's issued and void invoices (the property tests check it); a
//! record merged into the patient counts as theirs; a statement's closing
//! balance is its opening balance plus its entries, and the balance today is
//! the closing balance of a statement that ends today.
use super::{catalogue, rows};
use crate::schedule::time;
use crate::{audit, Caller, CoreError};
use clinic_protocol::{
    AuditAction, AuditCategory, InvoiceId, PatientBalance, PatientId, PatientStatement,
    StatementEntry, StatementEntryKind, StatementQuery,
};
use clinic_store::Store;
use rusqlite::Connection;
use serde_json::json;

/// The patient and every record merged into them (a fixed SQL fragment).
const PATIENTS: &str = "(SELECT id FROM patient WHERE id = ?1 OR merged_into = ?1)";

fn sum(conn: &Connection, sql: &str, patient: PatientId) -> Result<i64, CoreError> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row([patient.to_string()], |r| r.get::<_, Option<i64>>(0))?
        .unwrap_or(0))
}

fn ensure_patient(conn: &Connection, patient: PatientId) -> Result<(), CoreError> {
    if crate::sync::apply::exists(conn, "patient", &patient.to_string())? {
        Ok(())
    } else {
        Err(CoreError::NotFound("patient"))
    }
}

/// The balance without auditing (the kiosk's read audits its own way).
pub(crate) fn compute_balance(
    conn: &Connection,
    patient: PatientId,
) -> Result<PatientBalance, CoreError> {
    ensure_patient(conn, patient)?;
    let invoiced = sum(
        conn,
        &format!(
            "SELECT sum(patient_minor) FROM invoice WHERE patient_id IN {PATIENTS}
                  AND status IN ('issued', 'partially_paid', 'paid')"
        ),
        patient,
    )?;
    let credited = sum(
        conn,
        &format!(
            "SELECT sum(n.patient_minor) FROM credit_note n JOIN invoice i ON i.id = n.invoice_id
                  WHERE i.patient_id IN {PATIENTS} AND i.status <> 'void'"
        ),
        patient,
    )?;
    let paid = sum(
        conn,
        &format!(
            "SELECT sum(amount_minor) FROM payment WHERE patient_id IN {PATIENTS}
                  AND status = 'succeeded' AND method <> 'insurance_remittance'"
        ),
        patient,
    )?;
    let refunded = sum(
        conn,
        &format!(
            "SELECT sum(amount_minor) FROM refund WHERE patient_id IN {PATIENTS}
                  AND method <> 'insurance_remittance'"
        ),
        patient,
    )?;
    let insurance_outstanding = sum(
        conn,
        &format!(
            "SELECT sum(insurance_balance_minor) FROM invoice WHERE patient_id IN {PATIENTS}
                  AND status IN ('issued', 'partially_paid', 'paid')"
        ),
        patient,
    )?;
    let open_invoices = rows::summaries(
        conn,
        &format!(
            "WHERE patient_id IN {PATIENTS} AND status IN ('issued', 'partially_paid')
                  AND patient_balance_minor > 0 ORDER BY issued_at, id"
        ),
        &[&patient.to_string()],
    )?;
    Ok(PatientBalance {
        patient_id: patient,
        currency: catalogue::settings(conn)?.currency,
        invoiced_minor: invoiced,
        credited_minor: credited,
        paid_minor: paid,
        refunded_minor: refunded,
        balance_minor: invoiced - credited - paid + refunded,
        insurance_outstanding_minor: insurance_outstanding,
        open_invoices,
    })
}

/// What the patient owes (or is owed), with their open invoices (audited).
pub fn patient_balance(
    store: &mut Store,
    caller: &Caller<'_>,
    patient: PatientId,
) -> Result<PatientBalance, CoreError> {
    let balance = compute_balance(store.conn(), patient)?;
    let event = caller
        .event(AuditAction::View, AuditCategory::Billing)
        .patient(patient)
        .detail(json!({ "balance_minor": balance.balance_minor, "open_invoices": balance.open_invoices.len() }));
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(balance)
}

/// Every entry of the patient's side, in time order.
fn entries(conn: &Connection, patient: PatientId) -> Result<Vec<StatementEntry>, CoreError> {
    let sql = format!(
        "SELECT issued_at, 'invoice', coalesce(number, ''), id, patient_minor FROM invoice
           WHERE patient_id IN {PATIENTS} AND status IN ('issued', 'partially_paid', 'paid')
         UNION ALL
         SELECT received_at, 'payment', coalesce(receipt_number, ''), invoice_id, -amount_minor FROM payment
           WHERE patient_id IN {PATIENTS} AND status = 'succeeded' AND method <> 'insurance_remittance'
         UNION ALL
         SELECT refunded_at, 'refund', method, invoice_id, amount_minor FROM refund
           WHERE patient_id IN {PATIENTS} AND method <> 'insurance_remittance'
         UNION ALL
         SELECT n.created_at, 'credit_note', n.number, n.invoice_id, -n.patient_minor
           FROM credit_note n JOIN invoice i ON i.id = n.invoice_id
           WHERE i.patient_id IN {PATIENTS} AND i.status <> 'void' AND n.patient_minor > 0
         ORDER BY 1, 2, 3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([patient.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (at, kind, reference, invoice, amount) = row?;
        out.push(StatementEntry {
            at,
            kind: StatementEntryKind::parse(&kind)
                .ok_or_else(|| CoreError::Corrupt("statement".into()))?,
            reference,
            invoice_id: invoice
                .parse::<InvoiceId>()
                .map_err(|_| CoreError::Corrupt("statement".into()))?,
            amount_minor: amount,
            running_balance_minor: 0,
        });
    }
    Ok(out)
}

/// The patient's statement for `from..=to` (clinic dates): the balance before,
/// every charge, payment, refund and credit in the range with a running
/// balance, and the balance after (audited).
pub fn statement(
    store: &mut Store,
    caller: &Caller<'_>,
    query: StatementQuery,
) -> Result<PatientStatement, CoreError> {
    let mut c = crate::validation::Check::new();
    let from = time::parse_date(&query.from);
    let to = time::parse_date(&query.to);
    if from.is_none() {
        c.fail("from", "Enter the first day like 2026-03-01.");
    }
    if to.is_none() {
        c.fail("to", "Enter the last day like 2026-03-31.");
    }
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            c.fail("to", "The last day is before the first.");
        }
    }
    c.finish().map_err(CoreError::Validation)?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(CoreError::field("from", "Enter the range."));
    };
    let conn = store.conn();
    ensure_patient(conn, query.patient_id)?;
    let zone = time::clinic_zone(conn)?;
    let start = time::stored(time::day_start(zone, from));
    let end = time::stored(time::day_start(zone, to + chrono::Duration::days(1)));
    let all = entries(conn, query.patient_id)?;
    let opening: i64 = all
        .iter()
        .filter(|e| e.at < start)
        .map(|e| e.amount_minor)
        .sum();
    let mut running = opening;
    let mut inside = Vec::new();
    for mut e in all.into_iter().filter(|e| e.at >= start && e.at < end) {
        running += e.amount_minor;
        e.running_balance_minor = running;
        inside.push(e);
    }
    let statement = PatientStatement {
        patient_id: query.patient_id,
        currency: catalogue::settings(conn)?.currency,
        from: from.to_string(),
        to: to.to_string(),
        opening_balance_minor: opening,
        entries: inside,
        closing_balance_minor: running,
    };
    let event = caller
        .event(AuditAction::View, AuditCategory::Billing)
        .patient(query.patient_id)
        .detail(json!({
            "statement_from": statement.from, "statement_to": statement.to,
            "entries": statement.entries.len(), "closing_balance_minor": statement.closing_balance_minor,
        }));
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(statement)
}
