//! The money's dashboards over billing's tables (migration 0016): revenue per
//! period and receivables at the end of each period, aged.
//!
//! Revenue: per period and currency, SQL sums over indexed time ranges of each
//! fact table — invoices issued (void ones left out), payments received
//! (succeeded), refunds paid and credit notes issued.
//!
//! Receivables at instant E (a period's end), exactly as they stood then:
//! for an invoice issued before E, its balance at E is today's balance minus
//! whatever moved on it at or after E (`receivable_movement`, kept by the
//! triggers of migration 0017 with each movement's invoice issue instant). So
//! the receivables are today's open invoices (a small partial index) minus the
//! movements that straddle E (`issued_at < E <= at`: only movements later than
//! their invoice's issue, another partial index), both read once for the whole
//! range and swept per period here — no join of each payment to its invoice.
//! A void invoice's balance today is nil (billing voids only what is not paid
//! net), and its void is a movement like a payment.
//!
//! Invariants: amounts are integer minor units per currency, never converted
//! or mixed; ages are clinic days (`ends_on` minus the issue date, in the
//! clinic's zone); every series has one row per period.
use super::periods::Range;
use crate::schedule::time;
use crate::CoreError;
use chrono::Duration;
use clinic_protocol::{
    Receivables, ReceivablesDashboard, ReceivablesRow, ReceivablesSeries, RevenueAmounts,
    RevenueDashboard, RevenueRow, RevenueSeries,
};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;

const INVOICED: &str = "SELECT currency, sum(total_minor) FROM invoice
     WHERE issued_at >= ?1 AND issued_at < ?2 AND status <> 'void' GROUP BY currency";
const COLLECTED: &str = "SELECT currency, sum(amount_minor) FROM payment
     WHERE received_at >= ?1 AND received_at < ?2 AND status = 'succeeded' GROUP BY currency";
const REFUNDED: &str = "SELECT currency, sum(amount_minor) FROM refund
     WHERE refunded_at >= ?1 AND refunded_at < ?2 GROUP BY currency";
const CREDITED: &str = "SELECT currency, sum(total_minor) FROM credit_note
     WHERE created_at >= ?1 AND created_at < ?2 GROUP BY currency";
/// Issued invoices with a balance today, issued before `?2`.
const OPEN: &str = "SELECT issued_at, currency, balance_minor FROM invoice
     WHERE balance_minor <> 0 AND status <> 'void' AND issued_at < ?2";
/// Movements later than their invoice's issue that straddle some instant in
/// `[?1, ?2]`: at or after `?1`, on invoices issued before `?2`.
const LATE: &str = "SELECT issued_at, at, currency, amount FROM receivable_movement
     WHERE at > issued_at AND at >= ?1 AND issued_at < ?2";

/// `(name, sql)` of every statement (each takes a range `?1`, `?2`), for `explain`.
pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("invoiced", INVOICED),
    ("collected", COLLECTED),
    ("refunded", REFUNDED),
    ("credited", CREDITED),
    ("open invoices", OPEN),
    ("late movements", LATE),
];

/// Whether the billing tables (and the dashboards' movements) exist in this store.
pub fn billing_present(conn: &Connection) -> Result<bool, CoreError> {
    Ok(conn.query_row(
        "SELECT count(*) = 5 FROM sqlite_schema WHERE type = 'table'
         AND name IN ('invoice', 'payment', 'refund', 'credit_note', 'receivable_movement')",
        [],
        |r| r.get(0),
    )?)
}

/// The clinic's billing currency once set (shown with zeros before any invoice).
fn clinic_currency(conn: &Connection) -> Result<Option<String>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT currency FROM billing_settings WHERE singleton = 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// Runs a `(currency, sum)` statement over `[start, end)`, adding into `into`.
fn sums(
    stmt: &mut rusqlite::CachedStatement<'_>,
    start: &str,
    end: &str,
    mut into: impl FnMut(String, i64),
) -> Result<(), CoreError> {
    let mut rows = stmt.query(params![start, end])?;
    while let Some(row) = rows.next()? {
        into(row.get(0)?, row.get::<_, Option<i64>>(1)?.unwrap_or(0));
    }
    Ok(())
}

pub fn revenue(conn: &Connection, range: &Range) -> Result<RevenueDashboard, CoreError> {
    let n = range.periods.len();
    let mut by_currency: BTreeMap<String, Vec<RevenueAmounts>> = BTreeMap::new();
    if billing_present(conn)? {
        if let Some(c) = clinic_currency(conn)? {
            by_currency.insert(c, vec![RevenueAmounts::default(); n]);
        }
        let mut statements = [INVOICED, COLLECTED, REFUNDED, CREDITED]
            .map(|sql| conn.prepare_cached(sql))
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        for (k, period) in range.periods.iter().enumerate() {
            let (start, end) = period.bounds();
            for (which, stmt) in statements.iter_mut().enumerate() {
                sums(stmt, &start, &end, |currency, amount| {
                    let row = &mut by_currency
                        .entry(currency)
                        .or_insert_with(|| vec![RevenueAmounts::default(); n])[k];
                    match which {
                        0 => row.invoiced += amount,
                        1 => row.collected += amount,
                        2 => row.refunded += amount,
                        _ => row.credited += amount,
                    }
                })?;
            }
        }
    }
    let series = by_currency
        .into_iter()
        .map(|(currency, amounts)| {
            let mut totals = RevenueAmounts::default();
            for a in &amounts {
                totals.invoiced += a.invoiced;
                totals.collected += a.collected;
                totals.refunded += a.refunded;
                totals.credited += a.credited;
            }
            RevenueSeries {
                currency,
                rows: range
                    .periods
                    .iter()
                    .zip(amounts)
                    .map(|(p, amounts)| RevenueRow {
                        period: p.wire(),
                        amounts,
                    })
                    .collect(),
                totals,
            }
        })
        .collect();
    Ok(RevenueDashboard {
        time_zone: range.zone.name().to_string(),
        query: range.query.clone(),
        series,
    })
}

/// A period's end and the issue instants its age buckets start at (stored text).
struct AgeLimits {
    end: String,
    /// Issued at or after: 0–30 days old, 31–60, 61–90.
    from: [String; 3],
}

impl AgeLimits {
    fn bucket(&self, issued_at: &str) -> usize {
        self.from
            .iter()
            .position(|f| issued_at >= f.as_str())
            .unwrap_or(3)
    }
}

pub fn receivables(conn: &Connection, range: &Range) -> Result<ReceivablesDashboard, CoreError> {
    let limits: Vec<AgeLimits> = range
        .periods
        .iter()
        .map(|p| AgeLimits {
            end: time::stored(p.end),
            from: [30, 60, 90].map(|days| {
                time::stored(time::day_start(
                    range.zone,
                    p.ends_on - Duration::days(days),
                ))
            }),
        })
        .collect();
    let n = limits.len();
    // Per currency and period: the four buckets.
    let mut by_currency: BTreeMap<String, Vec<[i64; 4]>> = BTreeMap::new();
    if billing_present(conn)? && n > 0 {
        if let Some(c) = clinic_currency(conn)? {
            by_currency.insert(c, vec![[0; 4]; n]);
        }
        let (first_end, last_end) = (&limits[0].end, &limits[n - 1].end);
        // Today's open balances count at every period end after their issue.
        let mut stmt = conn.prepare_cached(OPEN)?;
        let mut rows = stmt.query(params![first_end, last_end])?;
        while let Some(row) = rows.next()? {
            let (issued_at, currency, balance): (String, String, i64) =
                (row.get(0)?, row.get(1)?, row.get(2)?);
            let series = by_currency
                .entry(currency)
                .or_insert_with(|| vec![[0; 4]; n]);
            let first = limits.partition_point(|l| l.end.as_str() <= issued_at.as_str());
            for (k, l) in limits.iter().enumerate().skip(first) {
                series[k][l.bucket(&issued_at)] += balance;
            }
        }
        // A movement at or after E had not happened yet at E: take it back.
        let mut stmt = conn.prepare_cached(LATE)?;
        let mut rows = stmt.query(params![first_end, last_end])?;
        while let Some(row) = rows.next()? {
            let (issued_at, at, currency, amount): (String, String, String, i64) =
                (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
            let series = by_currency
                .entry(currency)
                .or_insert_with(|| vec![[0; 4]; n]);
            let first = limits.partition_point(|l| l.end.as_str() <= issued_at.as_str());
            let last = limits.partition_point(|l| l.end.as_str() <= at.as_str());
            for k in first..last {
                series[k][limits[k].bucket(&issued_at)] -= amount;
            }
        }
    }
    let series = by_currency
        .into_iter()
        .map(|(currency, buckets)| ReceivablesSeries {
            currency,
            rows: range
                .periods
                .iter()
                .zip(buckets)
                .map(|(p, b)| ReceivablesRow {
                    period: p.wire(),
                    receivables: Receivables {
                        outstanding: b.iter().sum(),
                        days_0_30: b[0],
                        days_31_60: b[1],
                        days_61_90: b[2],
                        days_over_90: b[3],
                    },
                })
                .collect(),
        })
        .collect();
    Ok(ReceivablesDashboard {
        time_zone: range.zone.name().to_string(),
        query: range.query.clone(),
        series,
    })
}
