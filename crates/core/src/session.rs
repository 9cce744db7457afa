//! The sign-in session of this app, and the gate every command passes through.
//!
//! The shell holds one [`SessionGate`] and calls [`SessionGate::admit`] before any
//! command: it re-checks the account (a disabled account or a changed role ends
//! the session at once), locks a session idle longer than its auto-lock delay,
//! asks `authz` whether the command is allowed in the current state (no session,
//! enrollment-only, locked, full) and audits every refusal as `access_denied`.
//! It returns the [`Caller`] the use case runs with, so the audit trail records
//! the signed-in staff member and restricted-patient rules apply to them.
//!
//! Sign-in, sign-out, lock, unlock, first run and TOTP confirmation change the
//! session, so they live here too, each with its audit entry (`login`,
//! `login_failed`, `logout`, `lock`, `unlock`, `account_change`). Entries name
//! the staff member by id and never hold a username typed at a failed sign-in,
//! a password or a code.
use crate::audit::{self, NewAuditEvent};
use crate::authz::{self, Command};
use crate::{identity, Caller, CoreError};
use chrono::{DateTime, Utc};
use clinic_protocol::{
    AuditAction, AuditCategory, ChangePassword, ClinicCreated, ConfirmTotp, CreateClinic,
    LockReason, Login, LoginOutcome, SessionInfo, Unlock,
};
use clinic_store::Store;
use serde_json::json;

/// The signed-in staff member of this app (if any) and the state of the session.
#[derive(Debug, Default)]
pub struct SessionGate {
    active: Option<Active>,
}

#[derive(Debug)]
struct Active {
    info: SessionInfo,
    /// Of the password hash at sign-in: a reset by an administrator ends the session.
    password: Option<[u8; 32]>,
    locked: bool,
    /// The last command other than `app_status` (which the UI may poll).
    last_activity: DateTime<Utc>,
}

fn security_event(action: AuditAction, caller: &Caller<'_>) -> NewAuditEvent {
    NewAuditEvent::new(action, AuditCategory::Security).by(caller.actor.clone())
}

impl SessionGate {
    pub fn new() -> Self {
        Self::default()
    }

    /// The signed-in session and whether it is locked.
    pub fn current(&self) -> Option<(&SessionInfo, bool)> {
        self.active.as_ref().map(|a| (&a.info, a.locked))
    }

    /// Lets `command` through, or refuses it (and audits the refusal). See the
    /// module header for the checks, in order.
    pub fn admit<'k>(
        &mut self,
        store: &mut Store,
        audit_key: &'k [u8; 32],
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Caller<'k>, CoreError> {
        let Some(active) = self.active.as_mut() else {
            return match authz::authorize_anonymous(command) {
                Ok(()) => Ok(Caller::device(audit_key)),
                Err(e) => {
                    deny(store, &Caller::device(audit_key), &e)?;
                    Err(e)
                }
            };
        };
        let caller = Caller::staff(audit_key, &active.info);
        let mut still_valid = identity::verify_session_still_valid(store.conn(), &active.info);
        if still_valid.is_ok()
            && identity::password_fingerprint(store.conn(), active.info.staff_id)?
                != active.password
        {
            still_valid = Err(CoreError::SessionEnded);
        }
        if let Err(e) = still_valid {
            if matches!(e, CoreError::AccountDisabled | CoreError::SessionEnded) {
                let ended = if matches!(e, CoreError::AccountDisabled) {
                    "account_disabled"
                } else {
                    "session_ended"
                };
                self.active = None;
                let event = security_event(AuditAction::Logout, &caller)
                    .detail(json!({ "ended": ended, "command": command.as_str() }));
                audit::append_standalone(store, audit_key, &event)?;
                tracing::info!(ended, "session ended by an account change");
            }
            return Err(e);
        }
        let idle = now - active.last_activity;
        let limit = chrono::Duration::minutes(i64::from(active.info.auto_lock_minutes));
        if !active.locked && idle >= limit {
            active.locked = true;
            let event = security_event(AuditAction::Lock, &caller)
                .detail(json!({ "reason": "inactivity" }));
            audit::append_standalone(store, audit_key, &event)?;
            tracing::info!("session locked after inactivity");
        }
        let decision = if active.locked {
            authz::authorize_locked(&active.info, command)
        } else {
            authz::authorize(&active.info, command)
        };
        if let Err(e) = decision {
            deny(store, &caller, &e)?;
            return Err(e);
        }
        if command != Command::AppStatus {
            active.last_activity = now;
        }
        Ok(caller)
    }

    fn start(
        &mut self,
        store: &Store,
        info: SessionInfo,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let password = identity::password_fingerprint(store.conn(), info.staff_id)?;
        self.active = Some(Active {
            info,
            password,
            locked: false,
            last_activity: now,
        });
        Ok(())
    }

    /// First run: creates the clinic and its administrator, who is then signed in
    /// with a session limited to TOTP enrollment. Audited as the administrator's
    /// account creation and sign-in.
    pub fn create_clinic(
        &mut self,
        store: &mut Store,
        audit_key: &[u8; 32],
        request: CreateClinic,
        now: DateTime<Utc>,
    ) -> Result<ClinicCreated, CoreError> {
        let created = identity::create_clinic(store, request)?;
        let caller = Caller::staff(audit_key, &created.session);
        let event = security_event(AuditAction::AccountChange, &caller).detail(json!({
            "staff_id": created.admin.id.to_string(),
            "change": "created",
            "role": created.admin.role.as_str(),
            "first_run": true,
        }));
        audit::append_standalone(store, audit_key, &event)?;
        let event = security_event(AuditAction::Login, &caller)
            .detail(json!({ "scope": "totp_enrollment" }));
        audit::append_standalone(store, audit_key, &event)?;
        self.start(store, created.session.clone(), now)?;
        Ok(created)
    }

    /// Sign-in. A wrong password, unknown user, throttled attempt, wrong code or
    /// disabled account is audited as `login_failed` with the reason code only.
    pub fn login(
        &mut self,
        store: &mut Store,
        audit_key: &[u8; 32],
        request: Login,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome, CoreError> {
        match identity::login(store, request, now) {
            Ok(outcome) => {
                let session = match &outcome {
                    LoginOutcome::SignedIn { session } => Some((session, "full")),
                    LoginOutcome::TotpEnrollmentRequired { session } => {
                        Some((session, "totp_enrollment"))
                    }
                    LoginOutcome::TotpRequired => None,
                };
                if let Some((session, scope)) = session {
                    let caller = Caller::staff(audit_key, session);
                    let event = security_event(AuditAction::Login, &caller)
                        .detail(json!({ "scope": scope }));
                    audit::append_standalone(store, audit_key, &event)?;
                    self.start(store, session.clone(), now)?;
                }
                Ok(outcome)
            }
            Err(e) => {
                let reason = e.code();
                let event = NewAuditEvent::new(AuditAction::LoginFailed, AuditCategory::Security)
                    .detail(json!({ "reason": reason }));
                audit::append_standalone(store, audit_key, &event)?;
                Err(e)
            }
        }
    }

    /// Signs out (audited). Nothing to do when no one is signed in.
    pub fn logout(&mut self, store: &mut Store, audit_key: &[u8; 32]) -> Result<(), CoreError> {
        if let Some(active) = self.active.take() {
            let caller = Caller::staff(audit_key, &active.info);
            let event = security_event(AuditAction::Logout, &caller);
            audit::append_standalone(store, audit_key, &event)?;
            tracing::info!(staff = %active.info.staff_id, "signed out");
        }
        Ok(())
    }

    /// Locks the session (audited with the reason); already locked is a no-op.
    pub fn lock(
        &mut self,
        store: &mut Store,
        audit_key: &[u8; 32],
        reason: LockReason,
    ) -> Result<(), CoreError> {
        let Some(active) = self.active.as_mut() else {
            return Ok(());
        };
        if active.locked {
            return Ok(());
        }
        active.locked = true;
        let caller = Caller::staff(audit_key, &active.info);
        let reason = match reason {
            LockReason::Manual => "manual",
            LockReason::Inactivity => "inactivity",
        };
        let event = security_event(AuditAction::Lock, &caller).detail(json!({ "reason": reason }));
        audit::append_standalone(store, audit_key, &event)?;
        tracing::info!(reason, "session locked");
        Ok(())
    }

    /// Unlocks with the signed-in account's password (throttled like sign-in).
    /// A failure is audited as `login_failed`; a disabled account ends the session.
    pub fn unlock(
        &mut self,
        store: &mut Store,
        audit_key: &[u8; 32],
        request: Unlock,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let Some(active) = self.active.as_mut() else {
            return Err(CoreError::SessionEnded);
        };
        let caller = Caller::staff(audit_key, &active.info);
        match identity::unlock(store, &active.info, &request.password, now) {
            Ok(()) => {
                active.locked = false;
                active.last_activity = now;
                let event = security_event(AuditAction::Unlock, &caller);
                audit::append_standalone(store, audit_key, &event)?;
                Ok(())
            }
            Err(e) => {
                let event = security_event(AuditAction::LoginFailed, &caller)
                    .detail(json!({ "reason": e.code(), "during": "unlock" }));
                audit::append_standalone(store, audit_key, &event)?;
                if matches!(e, CoreError::AccountDisabled | CoreError::SessionEnded) {
                    self.active = None;
                }
                Err(e)
            }
        }
    }

    /// Confirms the signed-in member's authenticator; an enrollment-only session
    /// becomes a full one. Audited as an account change.
    pub fn confirm_totp(
        &mut self,
        store: &mut Store,
        audit_key: &[u8; 32],
        request: ConfirmTotp,
        now: DateTime<Utc>,
    ) -> Result<SessionInfo, CoreError> {
        let Some(active) = self.active.as_mut() else {
            return Err(CoreError::SessionEnded);
        };
        let session = identity::confirm_totp(store, &active.info, request, now)?;
        let caller = Caller::staff(audit_key, &session);
        let event = security_event(AuditAction::AccountChange, &caller).detail(json!({
            "staff_id": session.staff_id.to_string(),
            "change": "totp_enabled",
        }));
        audit::append_standalone(store, audit_key, &event)?;
        active.info = session.clone();
        Ok(session)
    }

    /// The signed-in member changes their own password (audited as an account
    /// change; a wrong current password as `login_failed`).
    pub fn change_password(
        &mut self,
        store: &mut Store,
        audit_key: &[u8; 32],
        request: ChangePassword,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let Some(active) = self.active.as_mut() else {
            return Err(CoreError::SessionEnded);
        };
        let caller = Caller::staff(audit_key, &active.info);
        match identity::change_password(store, &active.info, request, now) {
            Ok(()) => {
                active.password =
                    identity::password_fingerprint(store.conn(), active.info.staff_id)?;
                let event = security_event(AuditAction::AccountChange, &caller).detail(json!({
                    "staff_id": active.info.staff_id.to_string(),
                    "change": "password_changed",
                }));
                audit::append_standalone(store, audit_key, &event)?;
                Ok(())
            }
            Err(e) => {
                if matches!(
                    e,
                    CoreError::InvalidCredentials | CoreError::Throttled { .. }
                ) {
                    let event = security_event(AuditAction::LoginFailed, &caller)
                        .detail(json!({ "reason": e.code(), "during": "change_password" }));
                    audit::append_standalone(store, audit_key, &event)?;
                }
                Err(e)
            }
        }
    }
}

/// Audits a refused command (`access_denied`: command and reason, no data).
fn deny(store: &mut Store, caller: &Caller<'_>, error: &CoreError) -> Result<(), CoreError> {
    let CoreError::Forbidden(refusal) = error else {
        return Ok(());
    };
    let event = security_event(AuditAction::AccessDenied, caller).detail(json!({
        "command": refusal.command.as_str(),
        "refusal": refusal.reason.as_str(),
    }));
    audit::append_standalone(store, caller.audit_key, &event)?;
    tracing::info!(
        command = refusal.command.as_str(),
        reason = refusal.reason.as_str(),
        "command refused"
    );
    Ok(())
}
