//! The front desk's end-of-day close, per desk (this device) and clinic date:
//! succeeded payments and refunds by method, the cash expected in the drawer
//! (opening float + cash taken − cash refunded), the cash counted and the
//! difference, recorded as an immutable fact (an op and an audit entry).
//!
//! Invariants: the day is the clinic's (its time zone, daylight-saving
//! changes included); a payment belongs to the desk that took it, on the day
//! it was received (a card payment: confirmed); closing the same day and desk
//! again is a recount — a new version with a note saying why — and the
//! earlier closes stay.
use super::catalogue;
use super::money::MAX_AMOUNT_MINOR;
use crate::schedule::time;
use crate::{audit, Caller, CoreError};
use chrono::{DateTime, NaiveDate, Utc};
use clinic_protocol::{
    AuditAction, AuditCategory, CloseDay, DayClose, DayCloseId, DaySummary, DaySummaryQuery,
    DeviceId, EntityKind, MethodTotal, OpKind, PaymentMethod,
};
use clinic_store::Store;
use rusqlite::{params, Connection};
use serde_json::{json, Value};

/// The clinic date asked for: empty means today; never after today.
fn day(conn: &Connection, date: &str, now: DateTime<Utc>) -> Result<NaiveDate, CoreError> {
    let zone = time::clinic_zone(conn)?;
    let today = time::today(zone, now);
    if date.trim().is_empty() {
        return Ok(today);
    }
    match time::parse_date(date) {
        None => Err(CoreError::field("date", "Enter the day like 2026-03-29.")),
        Some(d) if d > today => Err(CoreError::field("date", "This day has not ended yet.")),
        Some(d) => Ok(d),
    }
}

fn check_cash(field: &str, amount: i64) -> Result<(), CoreError> {
    if (0..=MAX_AMOUNT_MINOR).contains(&amount) {
        Ok(())
    } else {
        Err(CoreError::field(
            field,
            "Enter an amount of zero or more (in the currency's smallest unit).",
        ))
    }
}

/// The desk's figures for a clinic date.
pub(crate) fn summarize(
    conn: &Connection,
    device: DeviceId,
    date: NaiveDate,
    opening_float: i64,
) -> Result<DaySummary, CoreError> {
    let currency = catalogue::currency(conn)?;
    let zone = time::clinic_zone(conn)?;
    let start = time::stored(time::day_start(zone, date));
    let end = time::stored(time::day_start(zone, date + chrono::Duration::days(1)));
    let device_text = device.to_string();
    let mut by_method: Vec<MethodTotal> = PaymentMethod::ALL
        .iter()
        .map(|m| MethodTotal {
            method: *m,
            count: 0,
            amount_minor: 0,
            refunded_minor: 0,
        })
        .collect();
    let mut stmt = conn.prepare_cached(
        "SELECT method, count(*), sum(amount_minor) FROM payment
         WHERE device_id = ?1 AND status = 'succeeded' AND received_at >= ?2 AND received_at < ?3
         GROUP BY method",
    )?;
    let rows = stmt.query_map(params![device_text, start, end], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (method, count, amount) = row?;
        if let Some(t) = by_method.iter_mut().find(|t| t.method.as_str() == method) {
            t.count = u32::try_from(count).unwrap_or(u32::MAX);
            t.amount_minor = amount;
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT method, sum(amount_minor) FROM refund
         WHERE device_id = ?1 AND refunded_at >= ?2 AND refunded_at < ?3 GROUP BY method",
    )?;
    let rows = stmt.query_map(params![device_text, start, end], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (method, amount) = row?;
        if let Some(t) = by_method.iter_mut().find(|t| t.method.as_str() == method) {
            t.refunded_minor = amount;
        }
    }
    let pending: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM payment WHERE device_id = ?1 AND status = 'pending'
           AND started_at >= ?2 AND started_at < ?3",
        )?
        .query_row(params![device_text, start, end], |r| r.get(0))?;
    let cash = by_method
        .iter()
        .find(|t| t.method == PaymentMethod::Cash)
        .map_or(0, |t| t.amount_minor - t.refunded_minor);
    Ok(DaySummary {
        date: date.to_string(),
        device_id: device,
        currency,
        by_method,
        opening_float_minor: opening_float,
        expected_cash_minor: opening_float + cash,
        pending_count: u32::try_from(pending).unwrap_or(u32::MAX),
    })
}

/// This desk's figures for a day, before closing it.
pub fn day_summary(
    store: &Store,
    _caller: &Caller<'_>,
    query: DaySummaryQuery,
    now: DateTime<Utc>,
) -> Result<DaySummary, CoreError> {
    check_cash("opening_float_minor", query.opening_float_minor)?;
    let date = day(store.conn(), &query.date, now)?;
    summarize(
        store.conn(),
        store.device_id(),
        date,
        query.opening_float_minor,
    )
}

/// The `record_day_close` payload: the whole close. Shared with sync's applier.
pub(crate) fn payload(c: &DayClose, closed_by_id: Option<&str>) -> Value {
    json!({ "close": c, "closed_by_id": closed_by_id })
}

/// Inserts a close once (by id). Shared with sync's applier.
pub(crate) fn insert(
    conn: &Connection,
    c: &DayClose,
    closed_by_id: Option<&str>,
) -> Result<bool, CoreError> {
    let s = &c.summary;
    let by_method =
        serde_json::to_string(&s.by_method).map_err(|_| CoreError::Corrupt("day close".into()))?;
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO day_close (id, date, device_id, version, currency, by_method,
                pending_count, opening_float_minor, expected_cash_minor, counted_cash_minor,
                difference_minor, note, closed_at, closed_by, closed_by_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?
        .execute(params![
            c.id.to_string(),
            s.date,
            s.device_id.to_string(),
            c.version,
            s.currency,
            by_method,
            s.pending_count,
            s.opening_float_minor,
            s.expected_cash_minor,
            c.counted_cash_minor,
            c.difference_minor,
            c.note,
            c.closed_at,
            c.closed_by,
            closed_by_id,
        ])?;
    Ok(n == 1)
}

/// Closes this desk's day (or records a recount as a new version).
pub fn close_day(
    store: &mut Store,
    caller: &Caller<'_>,
    request: CloseDay,
    now: DateTime<Utc>,
) -> Result<DayClose, CoreError> {
    check_cash("opening_float_minor", request.opening_float_minor)?;
    check_cash("counted_cash_minor", request.counted_cash_minor)?;
    let mut c = crate::validation::Check::new();
    let mut note = request.note.clone();
    c.multiline("note", &mut note, false, super::MAX_REASON);
    c.finish().map_err(CoreError::Validation)?;
    let device = store.device_id();
    let date = day(store.conn(), &request.date, now)?;
    let close = store.write(|tx| {
        let summary = summarize(tx.conn(), device, date, request.opening_float_minor)?;
        let version: u32 = tx.conn().query_row(
            "SELECT coalesce(max(version), 0) + 1 FROM day_close WHERE date = ?1 AND device_id = ?2",
            params![summary.date, device.to_string()],
            |r| r.get(0),
        )?;
        if version > 1 && note.is_empty() {
            return Err(CoreError::field(
                "note",
                "This day is already closed at this desk: say why you are closing it again (a recount).",
            ));
        }
        let close = DayClose {
            id: DayCloseId::new(),
            counted_cash_minor: request.counted_cash_minor,
            difference_minor: request.counted_cash_minor - summary.expected_cash_minor,
            summary,
            version,
            note: note.clone(),
            closed_at: tx.now_rfc3339(),
            closed_by: caller.actor_name(),
        };
        let by = caller.actor_id();
        tx.record(OpKind::RecordDayClose, EntityKind::DayClose, &close.id.to_string(), payload(&close, by.as_deref()))?;
        insert(tx.conn(), &close, by.as_deref())?;
        let event = caller
            .event(AuditAction::Create, AuditCategory::Billing)
            .detail(json!({
                "day_close_id": close.id.to_string(), "date": close.summary.date, "version": close.version,
                "expected_cash_minor": close.summary.expected_cash_minor,
                "counted_cash_minor": close.counted_cash_minor,
                "difference_minor": close.difference_minor, "currency": close.summary.currency,
            }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(close)
    })?;
    tracing::info!(day_close = %close.id, version = close.version, "closed the day");
    Ok(close)
}

/// The closes of a clinic date (every desk and version, latest first).
pub fn list_day_closes(
    store: &Store,
    _caller: &Caller<'_>,
    date: &str,
) -> Result<Vec<DayClose>, CoreError> {
    let date = time::parse_date(date)
        .ok_or_else(|| CoreError::field("date", "Enter the day like 2026-03-29."))?;
    let mut stmt = store.conn().prepare_cached(
        "SELECT id, date, device_id, version, currency, by_method, pending_count, opening_float_minor,
            expected_cash_minor, counted_cash_minor, difference_minor, note, closed_at, closed_by
         FROM day_close WHERE date = ?1 ORDER BY device_id, version DESC",
    )?;
    let rows = stmt.query_map([date.to_string()], |r| {
        Ok((
            (
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
            ),
            (
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, u32>(6)?,
                r.get::<_, i64>(7)?,
            ),
            (
                r.get::<_, i64>(8)?,
                r.get::<_, i64>(9)?,
                r.get::<_, i64>(10)?,
            ),
            (
                r.get::<_, String>(11)?,
                r.get::<_, String>(12)?,
                r.get::<_, String>(13)?,
            ),
        ))
    })?;
    let corrupt = || CoreError::Corrupt("day close row".into());
    let mut out = Vec::new();
    for row in rows {
        let (
            (id, date, device, version),
            (currency, by_method, pending, float),
            (expected, counted, difference),
            (note, closed_at, closed_by),
        ) = row?;
        out.push(DayClose {
            id: id.parse().map_err(|_| corrupt())?,
            summary: DaySummary {
                date,
                device_id: device.parse().map_err(|_| corrupt())?,
                currency,
                by_method: serde_json::from_str(&by_method).map_err(|_| corrupt())?,
                opening_float_minor: float,
                expected_cash_minor: expected,
                pending_count: pending,
            },
            counted_cash_minor: counted,
            difference_minor: difference,
            version,
            note,
            closed_at,
            closed_by,
        });
    }
    Ok(out)
}
