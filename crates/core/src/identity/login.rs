//! Sign-in, unlock and session re-validation, with brute-force throttling.
//!
//! Invariants:
//! - one answer (`invalid_credentials`) for an unknown username and a wrong
//!   password, and the same work: an unknown username is verified against a dummy
//!   argon2id hash. `account_disabled` is said only after a correct password.
//! - throttling is per folded username (existing or not), on this device: after
//!   `FREE_FAILURES` consecutive failures every further attempt must wait
//!   2^(failures − FREE_FAILURES) seconds (capped at `MAX_DELAY_SECS`) after the
//!   last failure; attempts inside the wait are refused with `throttled` without
//!   checking the password (so they neither verify nor count). A success resets.
//!   So at most `FREE_FAILURES` failures pass without a delay, and 100
//!   consecutive failures take days.
//! - wrong TOTP codes count as failures too (6 digits must not be brute-forced).
use super::{clinic_info, get_staff, password, session_for, totp, username_key};
use crate::CoreError;
use chrono::{DateTime, Utc};
use clinic_protocol::{Login, LoginOutcome, Role, SessionInfo, SessionScope, StaffId};
use clinic_store::Store;
use rusqlite::{params, Connection, OptionalExtension};

/// Consecutive failures allowed before delays start.
pub const FREE_FAILURES: u32 = 5;
/// The longest delay between attempts once throttled (15 minutes).
pub const MAX_DELAY_SECS: u64 = 15 * 60;

/// How long after the last failure the next attempt must wait, in milliseconds.
fn delay_ms(failures: u32) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let exponent = failures - FREE_FAILURES;
    let secs = if exponent >= 10 {
        MAX_DELAY_SECS
    } else {
        (1u64 << exponent).min(MAX_DELAY_SECS)
    };
    secs as i64 * 1000
}

/// Refuses an attempt inside the wait after recent failures.
fn check_throttle(conn: &Connection, key: &str, now_ms: i64) -> Result<(), CoreError> {
    let row: Option<(u32, i64)> = conn
        .query_row(
            "SELECT failures, last_failure_ms FROM login_throttle WHERE username_key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((failures, last_ms)) = row else {
        return Ok(());
    };
    let delay = delay_ms(failures);
    // A clock that moved backwards counts as no time elapsed (never a longer wait).
    let elapsed = (now_ms - last_ms).max(0);
    if elapsed < delay {
        let wait_ms = delay - elapsed;
        let retry_after_secs = u32::try_from((wait_ms + 999) / 1000).unwrap_or(u32::MAX);
        tracing::info!(failures, retry_after_secs, "sign-in attempt throttled");
        return Err(CoreError::Throttled { retry_after_secs });
    }
    Ok(())
}

fn record_failure(store: &mut Store, key: &str, now_ms: i64) -> Result<(), CoreError> {
    // Device-local bookkeeping: no op.
    store.write(|tx| {
        tx.conn().execute(
            "INSERT INTO login_throttle (username_key, failures, last_failure_ms) VALUES (?1, 1, ?2)
             ON CONFLICT (username_key) DO UPDATE SET failures = failures + 1, last_failure_ms = ?2",
            params![key, now_ms],
        )?;
        Ok::<_, CoreError>(())
    })
}

pub(super) fn reset_failures(store: &mut Store, key: &str) -> Result<(), CoreError> {
    store.write(|tx| {
        tx.conn()
            .execute("DELETE FROM login_throttle WHERE username_key = ?1", [key])?;
        Ok::<_, CoreError>(())
    })
}

/// What sign-in needs to know about an account (never leaves this module).
pub(super) struct Account {
    id: StaffId,
    password_hash: String,
    totp_secret: Option<String>,
    totp_enabled: bool,
    disabled: bool,
}

fn find_account(conn: &Connection, key: &str) -> Result<Option<Account>, CoreError> {
    let row: Option<(String, String, Option<String>, bool, bool)> = conn
        .query_row(
            "SELECT id, password_hash, totp_secret, totp_enabled, disabled
             FROM staff WHERE username_key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    row.map(|(id, password_hash, totp_secret, totp_enabled, disabled)| {
        Ok(Account {
            id: id
                .parse()
                .map_err(|_| CoreError::Corrupt("staff id".into()))?,
            password_hash,
            totp_secret,
            totp_enabled,
            disabled,
        })
    })
    .transpose()
}

/// Throttle check, then password check (against a dummy hash for unknown users).
/// Counts a failure on a wrong password. Returns the account on success.
pub(super) fn check_password(
    store: &mut Store,
    key: &str,
    password: &str,
    now_ms: i64,
) -> Result<Account, CoreError> {
    check_throttle(store.conn(), key, now_ms)?;
    let account = find_account(store.conn(), key)?;
    // Over-long input cannot match any stored password (the policy caps it); still
    // spend one hash so the answer takes as long as any other.
    let too_long = password.chars().count() > password::MAX_PASSWORD_CHARS;
    let (candidate, hash) = match (&account, too_long) {
        (Some(a), false) => (password, a.password_hash.as_str()),
        (None, false) => (password, password::DUMMY_HASH),
        (_, true) => ("", password::DUMMY_HASH),
    };
    let matches = password::verify_password(candidate, hash)?;
    match account {
        Some(a) if matches && !too_long => Ok(a),
        _ => {
            record_failure(store, key, now_ms)?;
            tracing::info!("sign-in refused: invalid credentials");
            Err(CoreError::InvalidCredentials)
        }
    }
}

/// Checks a TOTP code for `account` and remembers its step; counts a failure
/// when it is wrong.
fn check_totp(
    store: &mut Store,
    key: &str,
    account: &Account,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), CoreError> {
    let secret = zeroize::Zeroizing::new(account.totp_secret.clone().unwrap_or_default());
    let last_used: Option<i64> = store
        .conn()
        .query_row(
            "SELECT last_used_step FROM totp_device_state WHERE staff_id = ?1",
            [account.id.to_string()],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let Some(step) = totp::verify(&secret, code, now.timestamp(), last_used) else {
        record_failure(store, key, now.timestamp_millis())?;
        tracing::info!(staff = %account.id, "sign-in refused: wrong TOTP code");
        return Err(CoreError::InvalidTotpCode);
    };
    // Device-local: no op.
    store.write(|tx| {
        tx.conn().execute(
            "INSERT INTO totp_device_state (staff_id, last_used_step) VALUES (?1, ?2)
             ON CONFLICT (staff_id) DO UPDATE SET last_used_step = ?2",
            params![account.id.to_string(), step],
        )?;
        Ok::<_, CoreError>(())
    })
}

/// Signs a staff member in at `now`. Errors: `throttled`, `invalid_credentials`,
/// `account_disabled` (after a correct password only), `invalid_totp_code`.
pub fn login(
    store: &mut Store,
    request: Login,
    now: DateTime<Utc>,
) -> Result<LoginOutcome, CoreError> {
    let key = username_key(&request.username);
    let account = check_password(store, &key, &request.password, now.timestamp_millis())?;
    if account.disabled {
        tracing::info!(staff = %account.id, "sign-in refused: account disabled");
        return Err(CoreError::AccountDisabled);
    }
    if account.totp_enabled {
        let Some(code) = request.totp_code.as_deref() else {
            return Ok(LoginOutcome::TotpRequired);
        };
        check_totp(store, &key, &account, code, now)?;
    }
    reset_failures(store, &key)?;
    let staff = get_staff(store.conn(), account.id)?;
    let clinic = clinic_info(store.conn())?.ok_or(CoreError::NotFound("clinic"))?;
    let signed_in_at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    if staff.role == Role::Administrator && !staff.totp_enabled {
        tracing::info!(staff = %staff.id, "signed in for TOTP enrollment only");
        let session = session_for(&staff, SessionScope::TotpEnrollment, &clinic, &signed_in_at);
        return Ok(LoginOutcome::TotpEnrollmentRequired { session });
    }
    tracing::info!(staff = %staff.id, "signed in");
    Ok(LoginOutcome::SignedIn {
        session: session_for(&staff, SessionScope::Full, &clinic, &signed_in_at),
    })
}

/// Unlocks a locked session with the account's password (throttled like sign-in;
/// no second factor: the session already passed it). Refuses a disabled account.
pub fn unlock(
    store: &mut Store,
    session: &SessionInfo,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), CoreError> {
    let staff = get_staff(store.conn(), session.staff_id).map_err(|_| CoreError::SessionEnded)?;
    let key = username_key(&staff.username);
    let account = check_password(store, &key, password, now.timestamp_millis())?;
    if account.disabled {
        return Err(CoreError::AccountDisabled);
    }
    verify_session_still_valid(store.conn(), session)?;
    reset_failures(store, &key)?;
    tracing::info!(staff = %staff.id, "unlocked");
    Ok(())
}

/// Is `session` still good for its account? Call before every command: a
/// disabled account is refused at once (`account_disabled`); a changed role, a
/// missing account or an administrator without a second factor in a full session
/// ends the session (`session_ended`: sign in again).
pub fn verify_session_still_valid(
    conn: &Connection,
    session: &SessionInfo,
) -> Result<(), CoreError> {
    let staff = match get_staff(conn, session.staff_id) {
        Ok(s) => s,
        Err(CoreError::NotFound(_)) => return Err(CoreError::SessionEnded),
        Err(e) => return Err(e),
    };
    if staff.disabled {
        return Err(CoreError::AccountDisabled);
    }
    if staff.role != session.role {
        return Err(CoreError::SessionEnded);
    }
    if session.scope == SessionScope::Full
        && staff.role == Role::Administrator
        && !staff.totp_enabled
    {
        return Err(CoreError::SessionEnded);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_then_cap() {
        assert_eq!(delay_ms(0), 0);
        assert_eq!(delay_ms(4), 0);
        assert_eq!(delay_ms(5), 1_000);
        assert_eq!(delay_ms(6), 2_000);
        assert_eq!(delay_ms(14), 512_000);
        assert_eq!(delay_ms(15), 900_000);
        assert_eq!(delay_ms(u32::MAX), 900_000);
        for n in 0..200 {
            assert!(delay_ms(n + 1) >= delay_ms(n));
        }
    }
}
