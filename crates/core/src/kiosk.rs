//! Patient self check-in at the kiosk window: identification by family name,
//! date of birth and one more factor (the appointment's check-in code or the
//! last 4 digits of the phone on record), confirming or correcting contact
//! details and insurance, and checking in (which notifies the provider).
//!
//! Invariants:
//! - every failed identification gets the same answer (`KioskNoMatch`) whatever
//!   the reason, so the kiosk never reveals whether someone is a patient or has
//!   an appointment; repeated failures slow the kiosk down (throttling);
//! - a visit token names one patient and one appointment today, lives in memory
//!   only, and ends after the clinic's idle time without activity, when the
//!   patient finishes, or when staff close the kiosk;
//! - the kiosk reaches only its patient's contact details, insurance,
//!   today's appointment and outstanding balance (paying it by card through
//!   `crate::billing`) — never chart data (the shell admits only the kiosk
//!   commands from the kiosk window, and the core has no other use case for it);
//! - identification attempts, updates and check-ins are audited as the kiosk.
use crate::schedule::{appointments, booking, time};
use crate::{audit, registry, text, Caller, CoreError};
use chrono::{DateTime, Duration, Utc};
use clinic_protocol::{
    AppointmentId, AppointmentStatus, AuditAction, AuditCategory, KioskBalance, KioskCardPayment,
    KioskDetails, KioskFactor, KioskIdentify, KioskPayInvoice, KioskPaymentQuery, KioskStatus,
    KioskUpdateDetails, KioskVisit, PatientId, SetAppointmentStatus, UpdatePatient,
};
use clinic_store::Store;
use rusqlite::params;
use serde_json::json;
use std::collections::HashMap;

/// Failed identifications in a row before the kiosk slows down.
pub const FREE_ATTEMPTS: u32 = 5;
/// The wait after the first failure beyond the free ones; doubles each time.
pub const FIRST_WAIT_SECS: i64 = 30;
pub const MAX_WAIT_SECS: i64 = 300;

struct Visit {
    appointment: AppointmentId,
    patient: PatientId,
    last_seen: DateTime<Utc>,
}

/// The kiosk's state on this device: whether staff opened it, open visits and
/// the failure throttle.
#[derive(Default)]
pub struct KioskDesk {
    open: bool,
    visits: HashMap<String, Visit>,
    failures: u32,
    blocked_until: Option<DateTime<Utc>>,
}

fn new_token() -> Result<String, CoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|_| CoreError::Corrupt("no OS random source for a kiosk token".into()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn idle_seconds(conn: &rusqlite::Connection) -> Result<u32, CoreError> {
    Ok(crate::schedule::config::settings(conn)?.kiosk_idle_seconds)
}

impl KioskDesk {
    pub fn new() -> Self {
        Self::default()
    }

    /// Staff opened the kiosk window.
    pub fn open(&mut self) {
        self.open = true;
    }

    /// Staff closed the kiosk window: every visit ends.
    pub fn close(&mut self) {
        self.open = false;
        self.visits.clear();
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    pub fn status(&self, conn: &rusqlite::Connection) -> Result<KioskStatus, CoreError> {
        let clinic = crate::identity::clinic_info(conn)?.ok_or(CoreError::NotFound("clinic"))?;
        Ok(KioskStatus {
            clinic_name: clinic.name,
            idle_seconds: idle_seconds(conn)?,
        })
    }

    fn refuse(&mut self, store: &mut Store, caller: &Caller<'_>, now: DateTime<Utc>) -> CoreError {
        self.failures += 1;
        if self.failures >= FREE_ATTEMPTS {
            let doublings = (self.failures - FREE_ATTEMPTS).min(8);
            let wait = (FIRST_WAIT_SECS << doublings).min(MAX_WAIT_SECS);
            self.blocked_until = Some(now + Duration::seconds(wait));
        }
        let e = caller
            .event(AuditAction::Search, AuditCategory::Schedule)
            .detail(json!({ "kiosk_identify": "no_match", "failures": self.failures }));
        if let Err(err) = audit::append_standalone(store, caller.audit_key, &e) {
            return err;
        }
        CoreError::KioskNoMatch
    }

    /// Finds the patient's appointment today, or the one answer for every failure.
    pub fn identify(
        &mut self,
        store: &mut Store,
        caller: &Caller<'_>,
        request: KioskIdentify,
        now: DateTime<Utc>,
    ) -> Result<KioskVisit, CoreError> {
        if !self.open {
            return Err(CoreError::KioskVisitEnded);
        }
        if let Some(until) = self.blocked_until.filter(|u| *u > now) {
            return Err(CoreError::Throttled {
                retry_after_secs: (until - now).num_seconds().max(1) as u32,
            });
        }
        let mut c = crate::validation::Check::new();
        let family = text::fold(request.family_name.trim());
        if family.is_empty() || family.len() > 100 {
            c.fail("family_name", "Enter your family name (surname).");
        }
        let dob = time::parse_date(&request.date_of_birth);
        if dob.is_none() {
            c.fail("date_of_birth", "Enter your date of birth like 1980-04-25.");
        }
        let factor_ok = match &request.factor {
            KioskFactor::AppointmentCode(code) => (4..=12).contains(&code.trim().len()),
            KioskFactor::PhoneLastDigits(d) => {
                d.trim().len() == 4 && d.trim().chars().all(|c| c.is_ascii_digit())
            }
        };
        if !factor_ok {
            c.fail(
                "factor",
                "Enter the code from your appointment, or the last 4 digits of your phone number.",
            );
        }
        c.finish().map_err(CoreError::Validation)?;
        let found = find_appointment(store.conn(), &family, dob, &request.factor, now)?;
        let Some(appointment) = found else {
            return Err(self.refuse(store, caller, now));
        };
        self.failures = 0;
        self.blocked_until = None;
        let token = new_token()?;
        self.visits.insert(
            token.clone(),
            Visit {
                appointment: appointment.id,
                patient: appointment.patient_id,
                last_seen: now,
            },
        );
        let e = caller
            .event(AuditAction::View, AuditCategory::Schedule)
            .patient(appointment.patient_id)
            .detail(json!({ "kiosk_identify": "matched", "appointment_id": appointment.id.to_string() }));
        audit::append_standalone(store, caller.audit_key, &e)?;
        visit_view(store.conn(), token, appointment.id)
    }

    /// The open visit of `token` (touched), or `KioskVisitEnded`: also when its
    /// appointment was cancelled or moved to another day since identification.
    fn visit(
        &mut self,
        conn: &rusqlite::Connection,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<(AppointmentId, PatientId), CoreError> {
        let idle = Duration::seconds(i64::from(idle_seconds(conn)?));
        let Some(v) = self.visits.get(token) else {
            return Err(CoreError::KioskVisitEnded);
        };
        let (appointment, patient) = (v.appointment, v.patient);
        let live = self.open && now - v.last_seen <= idle && still_today(conn, appointment, now)?;
        if !live {
            self.visits.remove(token);
            return Err(CoreError::KioskVisitEnded);
        }
        if let Some(v) = self.visits.get_mut(token) {
            v.last_seen = now;
        }
        Ok((appointment, patient))
    }

    /// The patient confirms or corrects contact details and insurance.
    pub fn update_details(
        &mut self,
        store: &mut Store,
        caller: &Caller<'_>,
        request: KioskUpdateDetails,
        now: DateTime<Utc>,
    ) -> Result<KioskVisit, CoreError> {
        let (appointment, patient) = self.visit(store.conn(), &request.token, now)?;
        let current = registry::get_patient(store.conn(), patient)?;
        let mut details = current.details.clone();
        details.phone = request.details.phone;
        details.email = request.details.email;
        details.address = request.details.address;
        details.insurance = request.details.insurance;
        registry::update_patient(
            store,
            caller,
            UpdatePatient {
                id: patient,
                expected_version: current.version,
                details,
            },
        )?;
        visit_view(store.conn(), request.token, appointment)
    }

    /// Checks the patient in (the provider is notified).
    pub fn check_in(
        &mut self,
        store: &mut Store,
        caller: &Caller<'_>,
        token: String,
        now: DateTime<Utc>,
    ) -> Result<KioskVisit, CoreError> {
        let (appointment, _) = self.visit(store.conn(), &token, now)?;
        let a = appointments::get(store.conn(), appointment)?;
        if matches!(
            a.status,
            AppointmentStatus::Booked | AppointmentStatus::Confirmed
        ) {
            booking::set_status(
                store,
                caller,
                SetAppointmentStatus {
                    id: a.id,
                    expected_version: a.version,
                    status: AppointmentStatus::CheckedIn,
                },
                now,
            )?;
        }
        visit_view(store.conn(), token, appointment)
    }

    /// The patient's outstanding balance and open invoices (`crate::billing`).
    pub fn balance(
        &mut self,
        store: &mut Store,
        caller: &Caller<'_>,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<KioskBalance, CoreError> {
        let (_, patient) = self.visit(store.conn(), token, now)?;
        crate::billing::kiosk_balance(store, caller, patient)
    }

    /// The patient pays one of their invoices' balance by card (a pending
    /// payment the gateway's runner takes over; a second tap returns it).
    pub fn pay_invoice(
        &mut self,
        store: &mut Store,
        caller: &Caller<'_>,
        request: KioskPayInvoice,
        now: DateTime<Utc>,
    ) -> Result<KioskCardPayment, CoreError> {
        let (_, patient) = self.visit(store.conn(), &request.token, now)?;
        crate::billing::kiosk_start_card_payment(store, caller, patient, request.invoice_id)
    }

    /// How the patient's card payment is going (its checkout page once ready).
    pub fn payment_status(
        &mut self,
        store: &Store,
        request: KioskPaymentQuery,
        now: DateTime<Utc>,
    ) -> Result<KioskCardPayment, CoreError> {
        let (_, patient) = self.visit(store.conn(), &request.token, now)?;
        crate::billing::kiosk_card_payment(store.conn(), patient, request.payment_id)
    }

    /// The patient is done (or the kiosk reset): the token stops working.
    pub fn end(&mut self, token: &str) {
        self.visits.remove(token);
    }
}

/// Whether the appointment still holds its time today (not cancelled, not a
/// no-show, not moved to another day).
fn still_today(
    conn: &rusqlite::Connection,
    appointment: AppointmentId,
    now: DateTime<Utc>,
) -> Result<bool, CoreError> {
    let a = appointments::get(conn, appointment)?;
    let zone = time::clinic_zone(conn)?;
    Ok(a.status.holds_time()
        && time::parse_instant(&a.starts_at)
            .is_some_and(|t| time::local_date(zone, t) == time::today(zone, now)))
}

/// What the kiosk shows for a visit: greeting, time, provider, details.
fn visit_view(
    conn: &rusqlite::Connection,
    token: String,
    appointment: AppointmentId,
) -> Result<KioskVisit, CoreError> {
    let a = appointments::get(conn, appointment)?;
    let patient = registry::get_patient(conn, a.patient_id)?;
    let zone = time::clinic_zone(conn)?;
    let start = time::parse_instant(&a.starts_at)
        .ok_or_else(|| CoreError::Corrupt("appointment time".into()))?;
    Ok(KioskVisit {
        token,
        given_name: patient.details.given_name,
        appointment_time: time::local_clock(zone, start),
        provider_name: a.provider_name,
        already_checked_in: !matches!(
            a.status,
            AppointmentStatus::Booked | AppointmentStatus::Confirmed
        ),
        details: KioskDetails {
            phone: patient.details.phone,
            email: patient.details.email,
            address: patient.details.address,
            insurance: patient.details.insurance,
        },
    })
}

/// The patient's appointment today matching all three factors, if exactly
/// findable; `None` for every kind of failure.
fn find_appointment(
    conn: &rusqlite::Connection,
    family: &str,
    dob: Option<chrono::NaiveDate>,
    factor: &KioskFactor,
    now: DateTime<Utc>,
) -> Result<Option<clinic_protocol::Appointment>, CoreError> {
    let zone = time::clinic_zone(conn)?;
    let today = time::today(zone, now);
    let (start, end) = (
        time::day_start(zone, today),
        time::day_start(zone, today + Duration::days(1)),
    );
    let dob = dob.map(|d| d.to_string()).unwrap_or_default();
    let mut stmt = conn.prepare_cached(
        "SELECT id, family_name, phone FROM patient WHERE date_of_birth = ?1 AND merged_into IS NULL",
    )?;
    let people = stmt
        .query_map([&dob], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut found = None;
    for (id, _, phone) in people.into_iter().filter(|p| text::fold(&p.1) == *family) {
        let todays = appointments::query(
            conn,
            "WHERE a.patient_id = ?1 AND a.starts_at >= ?2 AND a.starts_at < ?3
               AND a.status IN ('booked', 'confirmed', 'checked_in') ORDER BY a.starts_at",
            params![id, time::stored(start), time::stored(end)],
        )?;
        let hit = match factor {
            KioskFactor::AppointmentCode(code) => todays
                .into_iter()
                .find(|a| a.check_in_code.eq_ignore_ascii_case(code.trim())),
            KioskFactor::PhoneLastDigits(d) => {
                let digits = text::digits(&phone);
                if digits.len() >= 4 && digits.ends_with(d.trim()) {
                    // The next one not yet checked in, else the last checked in.
                    let pending = todays
                        .iter()
                        .position(|a| a.status != AppointmentStatus::CheckedIn);
                    let at = pending.unwrap_or(todays.len().saturating_sub(1));
                    todays.into_iter().nth(at)
                } else {
                    None
                }
            }
        };
        if hit.is_some() {
            found = hit;
            break;
        }
    }
    Ok(found)
}

/// Audits a command refused because of the window it came from (the kiosk
/// window calling a staff command, or a staff window calling a kiosk command):
/// `access_denied` by the kiosk or the device, naming the command only.
pub fn audit_refusal(
    store: &mut Store,
    audit_key: &[u8; 32],
    window: &str,
    command: &str,
) -> Result<(), CoreError> {
    let caller = if window == KIOSK_WINDOW {
        Caller::kiosk(audit_key)
    } else {
        Caller::device(audit_key)
    };
    let name: String = command
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(60)
        .collect();
    let e = caller
        .event(AuditAction::AccessDenied, AuditCategory::Security)
        .detail(json!({ "command": name, "refusal": "window_not_permitted", "window": if window == KIOSK_WINDOW { "kiosk" } else { "staff" } }));
    audit::append_standalone(store, audit_key, &e)?;
    tracing::warn!(command = %name, window = if window == KIOSK_WINDOW { "kiosk" } else { "staff" }, "command refused for its window");
    Ok(())
}

/// The label of the kiosk window (its capability and the invoke filter key on it).
pub const KIOSK_WINDOW: &str = "kiosk";
