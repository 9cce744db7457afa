//! The money of five busy years: an invoice for every appointment that was
//! done (one or two lines, GBP, a third of them with 70 % billed to an
//! insurer), the patient's part mostly paid at the desk on the day, some later
//! by bank transfer, a few never; insurers remitting 20–90 days later; refunds,
//! credit notes and voids now and then. Written with direct SQL in one
//! transaction (the invoice's derived columns computed here as billing
//! computes them), so the store's triggers keep `receivable_movement` as they
//! would for the use cases. Facts after "now" are left out (their invoices
//! stay open).
use anyhow::Result;
use chrono::{DateTime, TimeDelta, Utc};
use clinic_core::schedule::time;
use clinic_store::rusqlite::params;
use clinic_store::Store;
use rand::{Rng, SeedableRng};

/// What was written.
pub struct Seeded {
    pub invoices: usize,
    pub payments: usize,
    pub refunds: usize,
    pub credit_notes: usize,
}

struct Line {
    id: String,
    total: i64,
    insurance: i64,
}

/// Invoices for the done appointments before `now`.
pub fn seed(store: &mut Store, now: DateTime<Utc>) -> Result<Seeded> {
    let visits: Vec<(String, String, String)> = {
        let mut stmt = store.conn().prepare(
            "SELECT id, patient_id, ends_at FROM appointment
             WHERE status = 'done' AND ends_at < ?1 ORDER BY starts_at",
        )?;
        let rows = stmt.query_map([time::stored(now)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let device = store.device_id().to_string();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2016);
    let mut seeded = Seeded {
        invoices: 0,
        payments: 0,
        refunds: 0,
        credit_notes: 0,
    };
    store.write(|tx| -> Result<()> {
        let conn = tx.conn();
        let mut draft = conn.prepare(
            "INSERT INTO invoice (id, number, patient_id, appointment_id, currency, created_at,
                updated_at, status, version)
             VALUES (?1, ?2, ?3, ?4, 'GBP', ?5, ?5, 'draft', 1)",
        )?;
        let mut line = conn.prepare(
            "INSERT INTO invoice_line (id, invoice_id, position, service_code, description, quantity,
                unit_price_minor, tax_rate_bp, tax_mode, insurance, gross_minor, discount_minor,
                invoice_discount_minor, tax_minor, total_minor, insurance_minor, patient_minor)
             VALUES (?1, ?2, ?3, 'CONS', 'Consultation', 1, ?4, 0, 'exclusive', ?5, ?4, 0, 0, 0,
                ?4, ?6, ?4 - ?6)",
        )?;
        let mut issue = conn.prepare(
            "UPDATE invoice SET issued_at = ?2, voided_at = ?3, void_reason = ?4, status = ?5,
                subtotal_minor = ?6, total_minor = ?6, insurance_minor = ?7, patient_minor = ?6 - ?7,
                credited_minor = ?8, paid_minor = ?9, refunded_minor = ?10, balance_minor = ?11,
                patient_balance_minor = ?12, insurance_balance_minor = ?13, updated_at = ?14
             WHERE id = ?1",
        )?;
        let mut payment = conn.prepare(
            "INSERT INTO payment (id, invoice_id, patient_id, method, status, amount_minor, currency,
                started_at, received_at, device_id, status_hlc)
             VALUES (?1, ?2, ?3, ?4, 'succeeded', ?5, 'GBP', ?6, ?6, ?7, '0')",
        )?;
        let mut refund = conn.prepare(
            "INSERT INTO refund (id, payment_id, invoice_id, patient_id, method, amount_minor,
                currency, reason, refunded_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'GBP', 'Overcharged', ?7, ?8)",
        )?;
        let mut credit = conn.prepare(
            "INSERT INTO credit_note (id, number, invoice_id, patient_id, currency, total_minor,
                insurance_minor, patient_minor, reason, created_at, device_id)
             VALUES (?1, ?2, ?3, ?4, 'GBP', ?5, ?6, ?5 - ?6, 'Goodwill', ?7, ?8)",
        )?;
        let mut credit_line = conn.prepare(
            "INSERT INTO credit_note_line (credit_note_id, invoice_line_id, amount_minor,
                insurance_minor, patient_minor) VALUES (?1, ?2, ?3, ?4, ?3 - ?4)",
        )?;
        let id = uuid_text;
        for (n, (appointment, patient, ends_at)) in visits.iter().enumerate() {
            let issued = time::parse_instant(ends_at).unwrap_or(now) + TimeDelta::minutes(5);
            let at = |t: DateTime<Utc>| time::stored(t);
            let invoice = id();
            draft.execute(params![invoice, format!("INV-BENCH-{n}"), patient, appointment, at(issued)])?;
            let insured = rng.random_range(0..3) == 0;
            let mut lines = Vec::new();
            let prices = [4_500, 6_000, 9_000];
            let mut amounts = vec![prices[rng.random_range(0..prices.len())]];
            if rng.random_range(0..10) < 3 {
                amounts.push(1_500);
            }
            for (position, total) in amounts.into_iter().enumerate() {
                let insurance = if insured { total * 7 / 10 } else { 0 };
                let l = Line { id: id(), total, insurance };
                let portion = insured.then_some(r#"{"kind":"percent","basis_points":7000}"#);
                line.execute(params![l.id, invoice, position as i64, l.total, portion, l.insurance])?;
                lines.push(l);
            }
            let total: i64 = lines.iter().map(|l| l.total).sum();
            let insurance: i64 = lines.iter().map(|l| l.insurance).sum();
            let patient_part = total - insurance;
            let (mut paid, mut patient_paid, mut insurer_paid, mut refunded) = (0, 0, 0, 0);
            let (mut credited, mut credited_insurance) = (0, 0);
            let mut voided = None;
            let mut desk_payment = None;
            if rng.random_range(0..100) == 0 && issued + TimeDelta::days(1) < now {
                voided = Some(issued + TimeDelta::days(1));
            } else {
                let when = match rng.random_range(0..100) {
                    0..90 => Some((issued + TimeDelta::minutes(2), "card")),
                    90..97 => Some((issued + TimeDelta::days(rng.random_range(1..31)), "bank_transfer")),
                    _ => None,
                };
                if let Some((t, method)) = when.filter(|(t, _)| *t < now) {
                    let p = id();
                    payment.execute(params![p, invoice, patient, method, patient_part, at(t), device])?;
                    (paid, patient_paid) = (paid + patient_part, patient_paid + patient_part);
                    desk_payment = Some((p, method, t));
                    seeded.payments += 1;
                }
                let remit = issued + TimeDelta::days(rng.random_range(20..91));
                if insured && rng.random_range(0..20) > 0 && remit < now {
                    payment.execute(params![id(), invoice, patient, "insurance_remittance", insurance, at(remit), device])?;
                    (paid, insurer_paid) = (paid + insurance, insurer_paid + insurance);
                    seeded.payments += 1;
                }
                if let Some((p, method, t)) = desk_payment.filter(|_| rng.random_range(0..50) == 0) {
                    let back = t + TimeDelta::days(rng.random_range(3..11));
                    let amount = patient_part.min(1_000);
                    if back < now {
                        refund.execute(params![id(), p, invoice, patient, method, amount, at(back), device])?;
                        refunded += amount;
                        seeded.refunds += 1;
                    }
                }
                let when = issued + TimeDelta::days(rng.random_range(2..21));
                if rng.random_range(0..200) < 3 && when < now {
                    let first = &lines[0];
                    let amount = first.total.min(1_000);
                    let part = amount * first.insurance / first.total;
                    let c = id();
                    credit.execute(params![c, format!("CN-BENCH-{n}"), invoice, patient, amount, part, at(when), device])?;
                    credit_line.execute(params![c, first.id, amount, part])?;
                    (credited, credited_insurance) = (credited + amount, credited_insurance + part);
                    seeded.credit_notes += 1;
                }
            }
            let balance = total - credited - paid + refunded;
            let status = match () {
                _ if voided.is_some() => "void",
                _ if balance <= 0 => "paid",
                _ if paid > 0 => "partially_paid",
                _ => "issued",
            };
            let patient_balance = patient_part - (credited - credited_insurance) - patient_paid + refunded;
            let insurance_balance = insurance - credited_insurance - insurer_paid;
            issue.execute(params![
                invoice,
                at(issued),
                voided.map(at),
                voided.map(|_| "Entered twice"),
                status,
                total,
                insurance,
                credited,
                paid,
                refunded,
                if voided.is_some() { 0 } else { balance },
                patient_balance,
                insurance_balance,
                at(now),
            ])?;
            seeded.invoices += 1;
        }
        Ok(())
    })?;
    Ok(seeded)
}

fn uuid_text() -> String {
    clinic_protocol::InvoiceId::new().to_string()
}
