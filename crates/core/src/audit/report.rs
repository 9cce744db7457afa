//! The audit report: filters (local-day date range, staff member, patient, action,
//! category), a whitelist of sortable columns, pages of at most 500 entries, and
//! the CSV export of everything the filters match.
//!
//! The sort column and direction are enums mapped to fixed SQL fragments; filter
//! values are bound parameters. Nothing from the query is ever spliced into SQL.
use super::{event_from_row, AuditActor, NewAuditEvent, EVENT_COLUMNS};
use crate::CoreError;
use chrono::{NaiveDate, TimeZone};
use clinic_protocol::{
    AuditAction, AuditCategory, AuditEvent, AuditPage, AuditQuery, AuditSortColumn,
    AuditSortDirection, PatientId,
};
use clinic_store::Store;
use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;
use serde_json::json;

pub const MAX_PAGE_SIZE: u32 = 500;

/// One page of the report; dates are this device's local calendar days.
pub fn query(conn: &Connection, q: &AuditQuery) -> Result<AuditPage, CoreError> {
    query_in_zone(conn, q, &chrono::Local)
}

/// [`query`] with dates taken as calendar days in `zone`.
pub fn query_in_zone<Tz: TimeZone>(
    conn: &Connection,
    q: &AuditQuery,
    zone: &Tz,
) -> Result<AuditPage, CoreError> {
    if q.page_size == 0 || q.page_size > MAX_PAGE_SIZE {
        return Err(CoreError::field(
            "page_size",
            format!("Ask for 1 to {MAX_PAGE_SIZE} entries per page."),
        ));
    }
    let (filter, mut args) = filters(q, zone)?;
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM audit_event {filter}"),
        rusqlite::params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    args.push(SqlValue::Integer(i64::from(q.page_size)));
    args.push(SqlValue::Integer(
        i64::from(q.page) * i64::from(q.page_size),
    ));
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM audit_event {filter} ORDER BY {} LIMIT ? OFFSET ?",
        order_by(q)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let items = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), event_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AuditPage {
        items,
        page: q.page,
        page_size: q.page_size,
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// Every entry the filters match (page and page size are ignored), in the query's
/// order, as CSV. The caller must audit the export: prefer [`export_csv_audited`].
pub fn export_csv(conn: &Connection, q: &AuditQuery) -> Result<String, CoreError> {
    export_csv_in_zone(conn, q, &chrono::Local).map(|(csv, _)| csv)
}

/// [`export_csv`] with dates taken as calendar days in `zone`; also returns the
/// number of entries written.
pub fn export_csv_in_zone<Tz: TimeZone>(
    conn: &Connection,
    q: &AuditQuery,
    zone: &Tz,
) -> Result<(String, u64), CoreError> {
    let (filter, args) = filters(q, zone)?;
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM audit_event {filter} ORDER BY {}",
        order_by(q)
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), event_from_row)?;
    let mut out = String::from(CSV_BOM);
    write_record(&mut out, &CSV_HEADER);
    let mut count = 0u64;
    for row in rows {
        let e = row?;
        write_record(&mut out, &csv_cells(&e));
        count += 1;
    }
    Ok((out, count))
}

/// Exports as [`export_csv`] and appends an `export` entry (filters and row count,
/// category `audit`, the patient filter as its patient) in the same transaction
/// that reads: no export without its audit entry. Returns the CSV.
pub fn export_csv_audited(
    store: &mut Store,
    key: &[u8; 32],
    actor: Option<AuditActor>,
    q: &AuditQuery,
) -> Result<String, CoreError> {
    let device_id = store.device_id();
    store.write(|tx| {
        let (csv, rows) = export_csv_in_zone(tx.conn(), q, &chrono::Local)?;
        let mut event = NewAuditEvent::new(AuditAction::Export, AuditCategory::Audit)
            .by(actor)
            .detail(json!({
                "format": "csv",
                "rows": rows,
                "from": q.from,
                "to": q.to,
                "actor_id": q.actor_id,
                "action": q.action.map(AuditAction::as_str),
                "category": q.category.map(AuditCategory::as_str),
            }));
        if let Some(p) = q
            .patient_id
            .as_deref()
            .and_then(|p| p.parse::<PatientId>().ok())
        {
            event = event.patient(p);
        }
        super::append_in(tx, key, device_id, &event)?;
        tracing::info!(rows, "audit trail exported");
        Ok(csv)
    })
}

/// Excel needs the byte-order mark to read UTF-8.
const CSV_BOM: &str = "\u{feff}";
const CSV_HEADER: [&str; 12] = [
    "seq",
    "event_id",
    "device_time",
    "device_id",
    "actor_id",
    "actor_name",
    "actor_role",
    "action",
    "category",
    "patient_id",
    "detail",
    "hash",
];

fn csv_cells(e: &AuditEvent) -> [String; 12] {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    [
        e.seq.to_string(),
        e.event_id.clone(),
        e.device_time.clone(),
        e.device_id.clone(),
        opt(&e.actor_id),
        opt(&e.actor_name),
        opt(&e.actor_role),
        e.action.clone(),
        e.category.clone(),
        opt(&e.patient_id),
        e.detail.to_string(),
        e.hash.clone(),
    ]
}

/// One RFC 4180 record ending in CRLF.
fn write_record<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_cell(cell.as_ref()));
    }
    out.push_str("\r\n");
}

/// A cell, defused against formula injection (a leading `=`, `+`, `-`, `@`, tab
/// or CR gets a `'` in front) and quoted when it holds a comma, quote, CR or LF.
pub(crate) fn csv_cell(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if defused.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// The WHERE clause (possibly empty) and its arguments.
fn filters<Tz: TimeZone>(q: &AuditQuery, zone: &Tz) -> Result<(String, Vec<SqlValue>), CoreError> {
    let mut conds: Vec<&str> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    let from = q
        .from
        .as_deref()
        .map(|d| parse_day("from", d))
        .transpose()?;
    let to = q.to.as_deref().map(|d| parse_day("to", d)).transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(CoreError::field(
                "to",
                "The last day is before the first day.",
            ));
        }
    }
    if let Some(day) = from {
        conds.push("device_time >= ?");
        args.push(SqlValue::Text(day_start(zone, day)));
    }
    if let Some(day) = to {
        conds.push("device_time < ?");
        let next = day.succ_opt().unwrap_or(day);
        args.push(SqlValue::Text(day_start(zone, next)));
    }
    if let Some(actor) = &q.actor_id {
        conds.push("actor_id = ?");
        args.push(SqlValue::Text(actor.clone()));
    }
    if let Some(patient) = &q.patient_id {
        conds.push("patient_id = ?");
        args.push(SqlValue::Text(patient.clone()));
    }
    if let Some(action) = q.action {
        conds.push("action = ?");
        args.push(SqlValue::Text(action.as_str().into()));
    }
    if let Some(category) = q.category {
        conds.push("category = ?");
        args.push(SqlValue::Text(category.as_str().into()));
    }
    let clause = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    Ok((clause, args))
}

fn parse_day(field: &str, text: &str) -> Result<NaiveDate, CoreError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| CoreError::field(field, "Enter a date as YYYY-MM-DD."))
}

/// The first instant of `day` in `zone`, as stored device times are written
/// (RFC 3339 UTC, milliseconds, `Z`) so that text order is time order.
fn day_start<Tz: TimeZone>(zone: &Tz, day: NaiveDate) -> String {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    let instant = zone
        .from_local_datetime(&midnight)
        .earliest()
        // Midnight skipped by a DST change: the day starts an hour later at most.
        .or_else(|| {
            zone.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| midnight.and_utc());
    instant.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The ORDER BY of the query's sort: fixed fragments only (the whitelist).
fn order_by(q: &AuditQuery) -> String {
    let dir = match q.sort.direction {
        AuditSortDirection::Asc => "ASC",
        AuditSortDirection::Desc => "DESC",
    };
    let column = match q.sort.column {
        AuditSortColumn::Time => "device_time",
        AuditSortColumn::Seq => return format!("seq {dir}"),
        AuditSortColumn::Actor => "actor_name COLLATE NOCASE",
        AuditSortColumn::Patient => "patient_id",
        AuditSortColumn::Action => "action",
        AuditSortColumn::Category => "category",
    };
    format!("{column} {dir}, seq {dir}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_per_rfc_4180_and_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "\"'\rx\"");
        assert_eq!(
            csv_cell("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
        assert_eq!(csv_cell("a=b"), "a=b");
        assert_eq!(csv_cell("Zoë"), "Zoë");
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(day_start(&chrono::Utc, day), "2026-03-01T00:00:00.000Z");
        let east = chrono::FixedOffset::east_opt(3 * 3600).unwrap();
        assert_eq!(day_start(&east, day), "2026-02-28T21:00:00.000Z");
    }
}
