//! Restricted patients (e.g. staff members, VIPs): their charts open only for their
//! care team, or for a clinician who breaks the glass — with a reason, an audit
//! entry, an alert to administrators, and an expiry.
//!
//! Decisions:
//! - access is decided per staff member and patient by [`access`]: `Open` (not
//!   restricted: the role matrix alone decides), `CareTeam`, `BreakGlass` (an
//!   unexpired, unrevoked grant) or `Denied`. Nobody is implicitly on a care team,
//!   administrators included; a disabled account is denied every restricted chart.
//! - who may break the glass is the permission matrix's `Command::BreakGlass`
//!   (doctors, nurses); [`break_glass`] checks it itself and audits a refusal as
//!   `access_denied`. Marking patients restricted, care teams, revoking grants and
//!   acknowledging alerts have no command in the matrix yet: like `identity`, these
//!   functions assume the shell authorized the command.
//! - all four tables are synced: every write is one `Store::write` transaction
//!   holding the rows, exactly one outbox op and exactly one audit entry (a write
//!   that changes nothing writes none of them).
//! - the break-glass reason is free text that may describe the patient. It is
//!   stored in `break_glass_grant` and in the grant's op (the outbox is inside the
//!   encrypted store; administrators on every device must be able to review it),
//!   and NEVER in the audit trail or in logs: audit entries and log lines carry
//!   ids, times and counts only.
//! - times are RFC 3339 UTC with milliseconds, compared as text (fixed width).
use crate::audit::{self, NewAuditEvent};
use crate::authz::{self, Command};
use crate::{Caller, CoreError};
use chrono::{DateTime, Utc};
use clinic_protocol::{
    AuditAction, AuditCategory, BreakGlassAlert, BreakGlassGrant, EntityKind, OpKind,
    PatientAccess, PatientId, PatientRestriction, PatientSummary, RestrictionCategory, SessionInfo,
    StaffId,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::json;
use uuid::Uuid;

/// How long a break-glass grant lasts.
pub const BREAK_GLASS_MINUTES: i64 = 60;
/// Shortest accepted break-glass reason, in characters (after trimming).
pub const MIN_REASON_CHARS: usize = 10;
/// Longest accepted break-glass reason, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

/// A time as stored: RFC 3339 UTC with milliseconds (fixed width).
pub fn stored_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// SQL condition, true when the patient row aliased `p` may be shown to the staff
/// member bound as `:staff_id` at the time bound as `:now` (a [`stored_time`]).
/// The same rule as [`access`] (tested against it), for list queries such as search.
pub const VISIBLE_TO_STAFF_SQL: &str = "(NOT EXISTS (SELECT 1 FROM patient_restriction r
        WHERE r.patient_id = p.id AND r.restricted = 1)
    OR EXISTS (SELECT 1 FROM staff s WHERE s.id = :staff_id AND s.disabled = 0 AND (
        EXISTS (SELECT 1 FROM care_team_member c
            WHERE c.patient_id = p.id AND c.staff_id = :staff_id AND c.active = 1)
        OR EXISTS (SELECT 1 FROM break_glass_grant g
            WHERE g.staff_id = :staff_id AND g.patient_id = p.id
              AND g.revoked_at IS NULL AND g.expires_at > :now))))";

fn require_staff(conn: &Connection, id: StaffId) -> Result<(), CoreError> {
    conn.query_row(
        "SELECT 1 FROM staff WHERE id = ?1",
        [id.to_string()],
        |_| Ok(()),
    )
    .optional()?
    .ok_or(CoreError::NotFound("staff member"))
}

// ---------------------------------------------------------------------------
// Restriction

/// Whether a patient is restricted (not restricted when never marked).
pub fn restriction(
    conn: &Connection,
    patient_id: PatientId,
) -> Result<PatientRestriction, CoreError> {
    let row: Option<(bool, Option<String>, String)> = conn
        .query_row(
            "SELECT restricted, category, updated_at FROM patient_restriction WHERE patient_id = ?1",
            [patient_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(match row {
        None => PatientRestriction {
            patient_id,
            restricted: false,
            category: None,
            updated_at: None,
        },
        Some((restricted, category, updated_at)) => PatientRestriction {
            patient_id,
            restricted,
            // An unknown code (from a newer device) is shown as `other`: still restricted.
            category: category
                .filter(|_| restricted)
                .map(|c| RestrictionCategory::parse(&c).unwrap_or(RestrictionCategory::Other)),
            updated_at: Some(updated_at),
        },
    })
}

/// Marks a patient restricted (a category is required) or no longer restricted.
/// One `set_patient_restriction` op and one audit entry; nothing when unchanged.
pub fn set_restricted(
    store: &mut Store,
    caller: &Caller<'_>,
    patient_id: PatientId,
    restricted: bool,
    category: Option<RestrictionCategory>,
) -> Result<PatientRestriction, CoreError> {
    let category = if restricted {
        Some(category.ok_or_else(|| {
            CoreError::field("category", "Choose why this patient is restricted.")
        })?)
    } else {
        None
    };
    let device = store.device_id();
    let changed = store.write(|tx| {
        crate::registry::require_patient(tx.conn(), patient_id)?;
        let current = restriction(tx.conn(), patient_id)?;
        if current.restricted == restricted && current.category == category {
            return Ok(false);
        }
        let category_text = category.map(RestrictionCategory::as_str);
        tx.record(
            OpKind::SetPatientRestriction,
            EntityKind::Patient,
            &patient_id.to_string(),
            json!({ "restricted": restricted, "category": category_text }),
        )?;
        tx.conn().execute(
            "INSERT INTO patient_restriction (patient_id, restricted, category, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (patient_id) DO UPDATE SET restricted = excluded.restricted,
                category = excluded.category, updated_at = excluded.updated_at,
                updated_by = excluded.updated_by",
            params![
                patient_id.to_string(),
                restricted,
                category_text,
                tx.now_rfc3339(),
                caller.actor_id()
            ],
        )?;
        let event = NewAuditEvent::new(AuditAction::Update, AuditCategory::Security)
            .by(caller.actor.clone())
            .patient(patient_id)
            .detail(json!({ "restricted": restricted, "category": category_text }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(true)
    })?;
    if changed {
        tracing::info!(patient = %patient_id, restricted, "set a patient's restriction");
    }
    restriction(store.conn(), patient_id)
}

// ---------------------------------------------------------------------------
// Care team

/// The active members of a patient's care team.
pub fn care_team(conn: &Connection, patient_id: PatientId) -> Result<Vec<StaffId>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT staff_id FROM care_team_member WHERE patient_id = ?1 AND active = 1 ORDER BY staff_id",
    )?;
    let rows = stmt.query_map([patient_id.to_string()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(
            row?.parse()
                .map_err(|_| CoreError::Corrupt("care team member".into()))?,
        );
    }
    Ok(out)
}

fn set_care_team_member(
    store: &mut Store,
    caller: &Caller<'_>,
    patient_id: PatientId,
    staff_id: StaffId,
    active: bool,
) -> Result<(), CoreError> {
    let device = store.device_id();
    let changed = store.write(|tx| {
        crate::registry::require_patient(tx.conn(), patient_id)?;
        require_staff(tx.conn(), staff_id)?;
        let current: bool = tx
            .conn()
            .query_row(
                "SELECT active FROM care_team_member WHERE patient_id = ?1 AND staff_id = ?2",
                params![patient_id.to_string(), staff_id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false);
        if current == active {
            return Ok(false);
        }
        let kind = if active {
            OpKind::AddCareTeamMember
        } else {
            OpKind::RemoveCareTeamMember
        };
        tx.record(
            kind,
            EntityKind::Patient,
            &patient_id.to_string(),
            json!({ "staff_id": staff_id.to_string() }),
        )?;
        tx.conn().execute(
            "INSERT INTO care_team_member (patient_id, staff_id, active, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (patient_id, staff_id) DO UPDATE SET active = excluded.active,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            params![
                patient_id.to_string(),
                staff_id.to_string(),
                active,
                tx.now_rfc3339(),
                caller.actor_id()
            ],
        )?;
        let event = NewAuditEvent::new(AuditAction::Update, AuditCategory::Security)
            .by(caller.actor.clone())
            .patient(patient_id)
            .detail(json!({
                "care_team": if active { "add" } else { "remove" },
                "staff_id": staff_id.to_string(),
            }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(true)
    })?;
    if changed {
        tracing::info!(patient = %patient_id, staff = %staff_id, active, "changed a care team");
    }
    Ok(())
}

/// Adds a staff member to a patient's care team (one `add_care_team_member` op and
/// one audit entry; nothing if already a member).
pub fn add_to_care_team(
    store: &mut Store,
    caller: &Caller<'_>,
    patient_id: PatientId,
    staff_id: StaffId,
) -> Result<(), CoreError> {
    set_care_team_member(store, caller, patient_id, staff_id, true)
}

/// Removes a staff member from a patient's care team (a status, not a delete: one
/// `remove_care_team_member` op and one audit entry; nothing if not a member).
pub fn remove_from_care_team(
    store: &mut Store,
    caller: &Caller<'_>,
    patient_id: PatientId,
    staff_id: StaffId,
) -> Result<(), CoreError> {
    set_care_team_member(store, caller, patient_id, staff_id, false)
}

// ---------------------------------------------------------------------------
// Access

/// What `staff_id` may do with `patient_id`'s chart at `now`. Reads only; audits
/// nothing (see [`ensure_access`] for the audited check).
pub fn access(
    conn: &Connection,
    staff_id: StaffId,
    patient_id: PatientId,
    now: DateTime<Utc>,
) -> Result<PatientAccess, CoreError> {
    if !restriction(conn, patient_id)?.restricted {
        return Ok(PatientAccess::Open);
    }
    let enabled: Option<bool> = conn
        .query_row(
            "SELECT disabled = 0 FROM staff WHERE id = ?1",
            [staff_id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if enabled != Some(true) {
        return Ok(PatientAccess::Denied);
    }
    let member = conn
        .query_row(
            "SELECT 1 FROM care_team_member WHERE patient_id = ?1 AND staff_id = ?2 AND active = 1",
            params![patient_id.to_string(), staff_id.to_string()],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if member {
        return Ok(PatientAccess::CareTeam);
    }
    let expires_at: Option<String> = conn.query_row(
        "SELECT max(expires_at) FROM break_glass_grant
         WHERE staff_id = ?1 AND patient_id = ?2 AND revoked_at IS NULL AND expires_at > ?3",
        params![
            staff_id.to_string(),
            patient_id.to_string(),
            stored_time(now)
        ],
        |r| r.get(0),
    )?;
    Ok(match expires_at {
        Some(expires_at) => PatientAccess::BreakGlass { expires_at },
        None => PatientAccess::Denied,
    })
}

/// Blanks a search or duplicate-check result the staff member may not open
/// (restricted, not on the care team, no unexpired grant): only `id` and `mrn`
/// stay, and `restricted` is set so the UI can offer break-glass. Rows stay in
/// place so paging is unchanged.
pub fn mask_if_hidden(
    conn: &Connection,
    staff_id: StaffId,
    now: DateTime<Utc>,
    summary: &mut PatientSummary,
) -> Result<(), CoreError> {
    if access(conn, staff_id, summary.id, now)?.allows() {
        return Ok(());
    }
    *summary = PatientSummary {
        id: summary.id,
        mrn: std::mem::take(&mut summary.mrn),
        given_name: String::new(),
        middle_name: String::new(),
        family_name: String::new(),
        date_of_birth: String::new(),
        sex: None,
        phone: String::new(),
        restricted: true,
    };
    Ok(())
}

/// The patients among `patients` whose record the caller may not open now
/// (restricted, not on the care team, no unexpired grant): lists show them by
/// MRN only. Each patient is looked up once; the device and the kiosk (no staff
/// member) are not restricted.
pub fn hidden_from(
    conn: &Connection,
    caller: &Caller<'_>,
    now: DateTime<Utc>,
    patients: impl IntoIterator<Item = PatientId>,
) -> Result<std::collections::HashSet<PatientId>, CoreError> {
    let mut hidden = std::collections::HashSet::new();
    let Some(staff) = caller.staff_id else {
        return Ok(hidden);
    };
    let mut seen = std::collections::HashSet::new();
    for patient in patients {
        if seen.insert(patient) && !access(conn, staff, patient, now)?.allows() {
            hidden.insert(patient);
        }
    }
    Ok(hidden)
}

/// [`ensure_access`] for the caller's staff member, now; the device itself (no
/// staff member) is not restricted.
pub fn ensure_caller_access(
    store: &mut Store,
    caller: &Caller<'_>,
    patient_id: PatientId,
    command: Command,
) -> Result<(), CoreError> {
    if let Some(staff) = caller.staff_id {
        ensure_access(store, caller, staff, patient_id, command, Utc::now())?;
    }
    Ok(())
}

/// [`access`] for a command acting on one patient's chart (e.g. `get_patient`):
/// returns the access when allowed; when denied, appends an `access_denied` audit
/// entry (ids only) and returns `CoreError::RestrictedPatient`.
pub fn ensure_access(
    store: &mut Store,
    caller: &Caller<'_>,
    staff_id: StaffId,
    patient_id: PatientId,
    command: Command,
    now: DateTime<Utc>,
) -> Result<PatientAccess, CoreError> {
    let decision = access(store.conn(), staff_id, patient_id, now)?;
    if decision.allows() {
        return Ok(decision);
    }
    let event = NewAuditEvent::new(AuditAction::AccessDenied, AuditCategory::Security)
        .by(caller.actor.clone())
        .patient(patient_id)
        .detail(json!({ "command": command.as_str(), "refusal": "restricted_patient" }));
    audit::append_standalone(store, caller.audit_key, &event)?;
    tracing::info!(patient = %patient_id, staff = %staff_id, command = command.as_str(), "restricted chart refused");
    Err(CoreError::RestrictedPatient)
}

// ---------------------------------------------------------------------------
// Break-glass

/// Checks a break-glass reason: trimmed, [`MIN_REASON_CHARS`] to
/// [`MAX_REASON_CHARS`] characters. The message never repeats the text.
fn check_reason(reason: &str) -> Result<String, CoreError> {
    let reason = reason.trim();
    let n = reason.chars().count();
    if n < MIN_REASON_CHARS {
        return Err(CoreError::field(
            "reason",
            format!("Say why you need access (at least {MIN_REASON_CHARS} characters)."),
        ));
    }
    if n > MAX_REASON_CHARS {
        return Err(CoreError::field(
            "reason",
            format!("Use at most {MAX_REASON_CHARS} characters."),
        ));
    }
    Ok(reason.to_string())
}

/// Emergency access for the signed-in clinician to a restricted chart, for
/// [`BREAK_GLASS_MINUTES`] from `now`. Requires `Command::BreakGlass` (a refusal is
/// audited as `access_denied` and returned as `Forbidden`) and a reason of at least
/// [`MIN_REASON_CHARS`] characters (else a field error; nothing written). Writes the
/// grant and its administrators' alert with one `break_glass` op and one
/// `break_glass` audit entry (which holds ids and times, never the reason).
pub fn break_glass(
    store: &mut Store,
    caller: &Caller<'_>,
    session: &SessionInfo,
    patient_id: PatientId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<BreakGlassGrant, CoreError> {
    if let Err(e) = authz::authorize(session, Command::BreakGlass) {
        if let CoreError::Forbidden(refusal) = &e {
            let event = NewAuditEvent::new(AuditAction::AccessDenied, AuditCategory::Security)
                .by(caller.actor.clone())
                .patient(patient_id)
                .detail(json!({
                    "command": Command::BreakGlass.as_str(),
                    "refusal": refusal.reason.as_str(),
                }));
            audit::append_standalone(store, caller.audit_key, &event)?;
            tracing::info!(staff = %session.staff_id, role = session.role.as_str(), "break-glass refused");
        }
        return Err(e);
    }
    let reason = check_reason(reason)?;
    let staff_id = session.staff_id;
    let device = store.device_id();
    let grant = store.write(|tx| {
        crate::registry::require_patient(tx.conn(), patient_id)?;
        // A session of a disabled or removed account gets nothing.
        let disabled: Option<bool> = tx
            .conn()
            .query_row(
                "SELECT disabled FROM staff WHERE id = ?1",
                [staff_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        if disabled != Some(false) {
            return Err(CoreError::SessionEnded);
        }
        match access(tx.conn(), staff_id, patient_id, now)? {
            PatientAccess::Open => {
                return Err(CoreError::field(
                    "patient_id",
                    "This chart is not restricted: open it normally.",
                ))
            }
            PatientAccess::CareTeam => {
                return Err(CoreError::field(
                    "patient_id",
                    "You are on this patient's care team: open the chart normally.",
                ))
            }
            PatientAccess::BreakGlass { .. } | PatientAccess::Denied => {}
        }
        insert_grant(tx, caller, device, staff_id, patient_id, reason, now)
    })?;
    tracing::info!(grant = %grant.id, staff = %staff_id, patient = %patient_id, expires_at = grant.expires_at, "break-glass access granted");
    Ok(grant)
}

fn insert_grant(
    tx: &mut WriteTx<'_>,
    caller: &Caller<'_>,
    device: clinic_protocol::DeviceId,
    staff_id: StaffId,
    patient_id: PatientId,
    reason: String,
    now: DateTime<Utc>,
) -> Result<BreakGlassGrant, CoreError> {
    let id = Uuid::now_v7();
    let alert_id = Uuid::now_v7();
    let granted_at = stored_time(now);
    let expires_at = stored_time(now + chrono::Duration::minutes(BREAK_GLASS_MINUTES));
    // The reason travels in the op (encrypted outbox, TLS): administrators on
    // every device review it. It never goes in the audit entry below.
    tx.record(
        OpKind::BreakGlass,
        EntityKind::BreakGlassGrant,
        &id.to_string(),
        json!({
            "staff_id": staff_id.to_string(),
            "patient_id": patient_id.to_string(),
            "reason": reason,
            "granted_at": granted_at,
            "expires_at": expires_at,
            "alert_id": alert_id.to_string(),
        }),
    )?;
    tx.conn().execute(
        "INSERT INTO break_glass_grant (id, staff_id, patient_id, reason, granted_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id.to_string(),
            staff_id.to_string(),
            patient_id.to_string(),
            reason,
            granted_at,
            expires_at
        ],
    )?;
    tx.conn().execute(
        "INSERT INTO break_glass_alert (id, grant_id, created_at) VALUES (?1, ?2, ?3)",
        params![alert_id.to_string(), id.to_string(), granted_at],
    )?;
    let event = NewAuditEvent::new(AuditAction::BreakGlass, AuditCategory::Security)
        .by(caller.actor.clone())
        .patient(patient_id)
        .detail(json!({
            "grant_id": id.to_string(),
            "alert_id": alert_id.to_string(),
            "expires_at": expires_at,
            "minutes": BREAK_GLASS_MINUTES,
        }));
    audit::append_in(tx, caller.audit_key, device, &event)?;
    Ok(BreakGlassGrant {
        id,
        staff_id,
        patient_id,
        reason,
        granted_at,
        expires_at,
        revoked_at: None,
    })
}

const GRANT_COLUMNS: &str =
    "g.id, g.staff_id, g.patient_id, g.reason, g.granted_at, g.expires_at, g.revoked_at";

fn grant_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Result<BreakGlassGrant, CoreError>> {
    let id: String = r.get(at)?;
    let staff: String = r.get(at + 1)?;
    let patient: String = r.get(at + 2)?;
    let (Ok(id), Ok(staff_id), Ok(patient_id)) = (id.parse(), staff.parse(), patient.parse())
    else {
        return Ok(Err(CoreError::Corrupt("break-glass grant".into())));
    };
    Ok(Ok(BreakGlassGrant {
        id,
        staff_id,
        patient_id,
        reason: r.get(at + 3)?,
        granted_at: r.get(at + 4)?,
        expires_at: r.get(at + 5)?,
        revoked_at: r.get(at + 6)?,
    }))
}

/// One grant.
pub fn get_grant(conn: &Connection, id: Uuid) -> Result<BreakGlassGrant, CoreError> {
    conn.query_row(
        &format!("SELECT {GRANT_COLUMNS} FROM break_glass_grant g WHERE g.id = ?1"),
        [id.to_string()],
        |r| grant_from_row(r, 0),
    )
    .optional()?
    .ok_or(CoreError::NotFound("break-glass grant"))?
}

/// Grants neither expired nor revoked at `now`, newest first.
pub fn active_grants(
    conn: &Connection,
    now: DateTime<Utc>,
) -> Result<Vec<BreakGlassGrant>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {GRANT_COLUMNS} FROM break_glass_grant g
         WHERE g.revoked_at IS NULL AND g.expires_at > ?1
         ORDER BY g.granted_at DESC, g.id DESC"
    ))?;
    let rows = stmt.query_map([stored_time(now)], |r| grant_from_row(r, 0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// Ends a grant before its expiry (one `revoke_break_glass` op and one audit
/// entry; nothing if already revoked).
pub fn revoke_grant(
    store: &mut Store,
    caller: &Caller<'_>,
    grant_id: Uuid,
    now: DateTime<Utc>,
) -> Result<BreakGlassGrant, CoreError> {
    let device = store.device_id();
    store.write(|tx| {
        let grant = get_grant(tx.conn(), grant_id)?;
        if grant.revoked_at.is_some() {
            return Ok(());
        }
        let revoked_at = stored_time(now);
        tx.record(
            OpKind::RevokeBreakGlass,
            EntityKind::BreakGlassGrant,
            &grant_id.to_string(),
            json!({ "revoked_at": revoked_at, "revoked_by": caller.actor_id() }),
        )?;
        tx.conn().execute(
            "UPDATE break_glass_grant SET revoked_at = ?2, revoked_by = ?3 WHERE id = ?1",
            params![grant_id.to_string(), revoked_at, caller.actor_id()],
        )?;
        let event = NewAuditEvent::new(AuditAction::Update, AuditCategory::Security)
            .by(caller.actor.clone())
            .patient(grant.patient_id)
            .detail(json!({ "grant_id": grant_id.to_string(), "revoked": true }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        tracing::info!(grant = %grant_id, "break-glass grant revoked");
        Ok::<_, CoreError>(())
    })?;
    get_grant(store.conn(), grant_id)
}

// ---------------------------------------------------------------------------
// Administrators' alerts

fn alert_from_row(r: &Row<'_>) -> rusqlite::Result<Result<BreakGlassAlert, CoreError>> {
    let id: String = r.get(0)?;
    let by: Option<String> = r.get(3)?;
    let grant = match grant_from_row(r, 4)? {
        Ok(g) => g,
        Err(e) => return Ok(Err(e)),
    };
    let Ok(id) = id.parse() else {
        return Ok(Err(CoreError::Corrupt("break-glass alert".into())));
    };
    Ok(Ok(BreakGlassAlert {
        id,
        created_at: r.get(1)?,
        acknowledged_at: r.get(2)?,
        acknowledged_by: by.and_then(|b| b.parse().ok()),
        grant,
        staff_display_name: r.get(11)?,
        patient_mrn: r.get(12)?,
    }))
}

const ALERT_SELECT: &str = "SELECT a.id, a.created_at, a.acknowledged_at, a.acknowledged_by,
        g.id, g.staff_id, g.patient_id, g.reason, g.granted_at, g.expires_at, g.revoked_at,
        s.display_name, p.mrn
     FROM break_glass_alert a JOIN break_glass_grant g ON g.id = a.grant_id
     JOIN staff s ON s.id = g.staff_id JOIN patient p ON p.id = g.patient_id";

/// One alert with its grant.
pub fn get_alert(conn: &Connection, id: Uuid) -> Result<BreakGlassAlert, CoreError> {
    conn.query_row(
        &format!("{ALERT_SELECT} WHERE a.id = ?1"),
        [id.to_string()],
        alert_from_row,
    )
    .optional()?
    .ok_or(CoreError::NotFound("break-glass alert"))?
}

/// Alerts no administrator has acknowledged yet, oldest first.
pub fn pending_admin_alerts(conn: &Connection) -> Result<Vec<BreakGlassAlert>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ALERT_SELECT} WHERE a.acknowledged_at IS NULL ORDER BY a.created_at, a.id"
    ))?;
    let rows = stmt.query_map([], alert_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// An administrator has reviewed a break-glass alert (one `acknowledge_alert` op
/// and one audit entry; nothing if already acknowledged).
pub fn acknowledge_alert(
    store: &mut Store,
    caller: &Caller<'_>,
    alert_id: Uuid,
) -> Result<BreakGlassAlert, CoreError> {
    let device = store.device_id();
    store.write(|tx| {
        let alert = get_alert(tx.conn(), alert_id)?;
        if alert.acknowledged_at.is_some() {
            return Ok(());
        }
        let now = tx.now_rfc3339();
        tx.record(
            OpKind::AcknowledgeAlert,
            EntityKind::BreakGlassAlert,
            &alert_id.to_string(),
            json!({ "acknowledged_at": now, "acknowledged_by": caller.actor_id() }),
        )?;
        tx.conn().execute(
            "UPDATE break_glass_alert SET acknowledged_at = ?2, acknowledged_by = ?3 WHERE id = ?1",
            params![alert_id.to_string(), now, caller.actor_id()],
        )?;
        let event = NewAuditEvent::new(AuditAction::Update, AuditCategory::Security)
            .by(caller.actor.clone())
            .patient(alert.grant.patient_id)
            .detail(json!({
                "alert_id": alert_id.to_string(),
                "grant_id": alert.grant.id.to_string(),
                "acknowledged": true,
            }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        tracing::info!(alert = %alert_id, "break-glass alert acknowledged");
        Ok::<_, CoreError>(())
    })?;
    get_alert(store.conn(), alert_id)
}
