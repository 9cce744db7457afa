//! Practice dashboards, computed locally from the store: appointments per
//! period, attendance (no-show and cancellation rates), provider utilisation,
//! new versus returning patients (`schedule`, `utilisation`), revenue and
//! receivables over time (`revenue`), and the CSV export of any of them
//! (`csv`). `periods` checks a query and cuts it into clinic-time periods.
//!
//! Access (on top of the command matrix in `authz`, which the shell applies):
//! administrators see every dashboard for the clinic or any provider; doctors
//! see the schedule dashboards for themselves only (a query without a provider
//! is answered for them, one naming another provider is refused) and no money;
//! billing sees revenue and receivables only; everyone else, the device and the
//! kiosk are refused. A refusal here is audited as `access_denied`, like the
//! shell's.
//!
//! Invariants: a query is validated before anything is read (field errors for
//! the UI); every view is audited (`view`, category `schedule` or `billing`) and
//! every export (`export`, in the transaction that reads it), with the
//! dashboard, the range, the granularity, the provider id and the number of
//! periods — never a patient id or an amount. Only SQL aggregates over indexed
//! time ranges (`explain` lists each statement's plan for the query-plan test).
mod csv;
pub mod periods;
mod revenue;
mod schedule;
mod utilisation;

use crate::audit;
use crate::authz::{Command, Refusal, RefusalReason};
use crate::{Caller, CoreError};
use clinic_protocol::{
    AppointmentsDashboard, AttendanceDashboard, AuditAction, AuditCategory, DashboardKind,
    DashboardQuery, PatientMixDashboard, ReceivablesDashboard, RevenueDashboard, Role,
    UtilisationDashboard,
};
use clinic_store::Store;
use periods::Range;
use rusqlite::Connection;
use serde_json::json;

pub use revenue::billing_present;

/// The command a dashboard is viewed with.
pub fn view_command(kind: DashboardKind) -> Command {
    match kind {
        DashboardKind::Appointments => Command::GetAppointmentsDashboard,
        DashboardKind::Attendance => Command::GetAttendanceDashboard,
        DashboardKind::Utilisation => Command::GetUtilisationDashboard,
        DashboardKind::PatientMix => Command::GetPatientMixDashboard,
        DashboardKind::Revenue => Command::GetRevenueDashboard,
        DashboardKind::Receivables => Command::GetReceivablesDashboard,
    }
}

fn category(kind: DashboardKind) -> AuditCategory {
    if kind.is_financial() {
        AuditCategory::Billing
    } else {
        AuditCategory::Schedule
    }
}

/// The query `caller` may run for `kind` (a doctor's scoped to themselves), or
/// the refusal.
fn scope(
    caller: &Caller<'_>,
    kind: DashboardKind,
    command: Command,
    query: &DashboardQuery,
) -> Result<DashboardQuery, CoreError> {
    let role = caller
        .actor
        .as_ref()
        .filter(|_| !caller.is_kiosk())
        .and_then(|a| Role::parse(&a.role));
    let refuse = |reason| {
        CoreError::Forbidden(Box::new(Refusal {
            command,
            staff_id: caller.staff_id,
            role,
            reason,
        }))
    };
    let (Some(role), Some(me)) = (role, caller.staff_id) else {
        return Err(refuse(RefusalReason::NotSignedIn));
    };
    match role {
        Role::Administrator => Ok(query.clone()),
        Role::Billing if kind.is_financial() => Ok(query.clone()),
        Role::Doctor if !kind.is_financial() => match query.provider_id {
            None => Ok(DashboardQuery {
                provider_id: Some(me),
                ..query.clone()
            }),
            Some(p) if p == me => Ok(query.clone()),
            Some(_) => Err(refuse(RefusalReason::RoleNotPermitted)),
        },
        _ => Err(refuse(RefusalReason::RoleNotPermitted)),
    }
}

/// Scopes and checks `query`; a refusal is audited before it is returned.
fn admit(
    store: &mut Store,
    caller: &Caller<'_>,
    kind: DashboardKind,
    command: Command,
    query: &DashboardQuery,
) -> Result<Range, CoreError> {
    let scoped = match scope(caller, kind, command, query) {
        Ok(q) => q,
        Err(e) => {
            let reason = match &e {
                CoreError::Forbidden(r) => r.reason,
                _ => RefusalReason::RoleNotPermitted,
            };
            let event = caller
                .event(AuditAction::AccessDenied, AuditCategory::Security)
                .detail(json!({
                    "command": command.as_str(),
                    "refusal": reason.as_str(),
                    "dashboard": kind.as_str(),
                    "provider_id": query.provider_id.map(|p| p.to_string()),
                }));
            audit::append_standalone(store, caller.audit_key, &event)?;
            tracing::info!(command = command.as_str(), "dashboard refused");
            return Err(e);
        }
    };
    if kind.is_financial() && scoped.provider_id.is_some() {
        return Err(CoreError::field(
            "provider_id",
            "Revenue and balances are shown for the whole clinic.",
        ));
    }
    periods::check(store.conn(), &scoped)
}

/// The audit detail of a view or export: ids and ranges only.
fn detail(kind: DashboardKind, range: &Range) -> serde_json::Value {
    json!({
        "dashboard": kind.as_str(),
        "from": range.query.from,
        "to": range.query.to,
        "granularity": range.query.granularity.as_str(),
        "provider_id": range.query.provider_id.map(|p| p.to_string()),
        "periods": range.periods.len(),
    })
}

fn audit_view(
    store: &mut Store,
    caller: &Caller<'_>,
    kind: DashboardKind,
    range: &Range,
) -> Result<(), CoreError> {
    let event = caller
        .event(AuditAction::View, category(kind))
        .detail(detail(kind, range));
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(())
}

/// Checks access and the query, computes with `f`, audits the view.
fn view<T>(
    store: &mut Store,
    caller: &Caller<'_>,
    kind: DashboardKind,
    query: &DashboardQuery,
    f: impl FnOnce(&Connection, &Range) -> Result<T, CoreError>,
) -> Result<T, CoreError> {
    let range = admit(store, caller, kind, view_command(kind), query)?;
    let dashboard = f(store.conn(), &range)?;
    audit_view(store, caller, kind, &range)?;
    Ok(dashboard)
}

/// Appointments per period by outcome.
pub fn appointments(
    store: &mut Store,
    caller: &Caller<'_>,
    query: &DashboardQuery,
) -> Result<AppointmentsDashboard, CoreError> {
    view(
        store,
        caller,
        DashboardKind::Appointments,
        query,
        schedule::appointments,
    )
}

/// No-show and cancellation rates per period.
pub fn attendance(
    store: &mut Store,
    caller: &Caller<'_>,
    query: &DashboardQuery,
) -> Result<AttendanceDashboard, CoreError> {
    view(
        store,
        caller,
        DashboardKind::Attendance,
        query,
        schedule::attendance,
    )
}

/// Booked versus available minutes per provider and period.
pub fn utilisation(
    store: &mut Store,
    caller: &Caller<'_>,
    query: &DashboardQuery,
) -> Result<UtilisationDashboard, CoreError> {
    view(
        store,
        caller,
        DashboardKind::Utilisation,
        query,
        utilisation::utilisation_dashboard,
    )
}

/// New versus returning patients per period.
pub fn patient_mix(
    store: &mut Store,
    caller: &Caller<'_>,
    query: &DashboardQuery,
) -> Result<PatientMixDashboard, CoreError> {
    view(
        store,
        caller,
        DashboardKind::PatientMix,
        query,
        schedule::patient_mix,
    )
}

/// Invoiced, collected, refunded and credited per period and currency.
pub fn revenue(
    store: &mut Store,
    caller: &Caller<'_>,
    query: &DashboardQuery,
) -> Result<RevenueDashboard, CoreError> {
    view(
        store,
        caller,
        DashboardKind::Revenue,
        query,
        revenue::revenue,
    )
}

/// Outstanding balances at the end of each period, by age.
pub fn receivables(
    store: &mut Store,
    caller: &Caller<'_>,
    query: &DashboardQuery,
) -> Result<ReceivablesDashboard, CoreError> {
    view(
        store,
        caller,
        DashboardKind::Receivables,
        query,
        revenue::receivables,
    )
}

/// One dashboard as CSV (UTF-8 with a BOM, CRLF, a header then one row per
/// period — per period and provider for utilisation, per period and currency
/// for money). Audited as an export in the transaction that reads it: no
/// export without its audit entry. The shell writes it where the user chose.
pub fn dashboard_csv(
    store: &mut Store,
    caller: &Caller<'_>,
    kind: DashboardKind,
    query: &DashboardQuery,
) -> Result<String, CoreError> {
    let range = admit(store, caller, kind, Command::ExportDashboardCsv, query)?;
    let device = store.device_id();
    store.write(|tx| {
        let conn = tx.conn();
        let text = match kind {
            DashboardKind::Appointments => {
                csv::appointments(&schedule::appointments(conn, &range)?)
            }
            DashboardKind::Attendance => csv::attendance(&schedule::attendance(conn, &range)?),
            DashboardKind::Utilisation => {
                csv::utilisation(&utilisation::utilisation_dashboard(conn, &range)?)
            }
            DashboardKind::PatientMix => csv::patient_mix(&schedule::patient_mix(conn, &range)?),
            DashboardKind::Revenue => csv::revenue(&revenue::revenue(conn, &range)?),
            DashboardKind::Receivables => csv::receivables(&revenue::receivables(conn, &range)?),
        };
        let mut d = detail(kind, &range);
        d["format"] = json!("csv");
        let event = caller.event(AuditAction::Export, category(kind)).detail(d);
        audit::append_in(tx, caller.audit_key, device, &event)?;
        tracing::info!(dashboard = kind.as_str(), "dashboard exported");
        Ok(text)
    })
}

/// `EXPLAIN QUERY PLAN` of every statement the dashboards run for `query`
/// (checked, not scoped): `(statement, plan steps)`. For the query-plan test.
pub fn explain(
    conn: &Connection,
    query: &DashboardQuery,
) -> Result<Vec<(String, Vec<String>)>, CoreError> {
    let range = periods::check(conn, query)?;
    let (start, end) = range.bounds();
    let mut out = Vec::new();
    let mut plan = |name: &str, sql: &str, args: Vec<String>| -> Result<(), CoreError> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let steps = stmt
            .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))?
            .collect::<Result<Vec<_>, _>>()?;
        out.push((name.to_string(), steps));
        Ok(())
    };
    let a = || schedule::args(&range, start.clone(), end.clone());
    plan("appointment counts", &schedule::counts_sql(&range), a())?;
    plan("first visits", &schedule::firsts_sql(&range), a())?;
    plan("patients seen (range)", &schedule::seen_sql(&range), a())?;
    let mut booked = a();
    if range.query.provider_id.is_none() {
        booked.push(String::new());
    }
    plan("booked minutes", utilisation::BOOKED_SQL, booked)?;
    if billing_present(conn)? {
        for (name, sql) in revenue::STATEMENTS {
            plan(name, sql, vec![start.clone(), end.clone()])?;
        }
    }
    Ok(out)
}
