//! The demo clinic's schedule, seeded through the core like everything else:
//! the machine's time zone, four appointment types, two rooms, weekday hours
//! with a lunch break (and Saturday mornings) for the demo doctor and nurse, and
//! a few upcoming appointments for the first demo patients. Seeded once (when no
//! appointment type exists yet).
use chrono::Utc;
use clinic_core::schedule::{booking, config, slots};
use clinic_core::{Caller, CoreError};
use clinic_protocol::{
    BookAppointment, FindSlots, PeriodKind, SaveAppointmentType, SaveRoom, ScheduleSettings,
    SetProviderHours, WeeklyPeriod,
};
use clinic_store::Store;

const TYPES: [(&str, u32, &str); 4] = [
    ("Consultation", 15, "#3b82f6"),
    ("Long consultation", 30, "#8b5cf6"),
    ("Check-up", 20, "#10b981"),
    ("Vaccination", 10, "#f59e0b"),
];

fn period(weekday: u8, start: &str, end: &str, kind: PeriodKind) -> WeeklyPeriod {
    WeeklyPeriod {
        weekday,
        start: start.into(),
        end: end.into(),
        kind,
        room_id: None,
    }
}

pub fn seed_schedule(store: &mut Store, caller: &Caller<'_>) -> Result<(), CoreError> {
    if !config::appointment_types(store.conn(), true)?.is_empty() {
        return Ok(());
    }
    // The session's `TZ` (an IANA name) wins over the system's zone, as it does
    // for the rest of the process (the e2e stories pin a zone this way).
    let session_zone = std::env::var("TZ")
        .ok()
        .map(|z| z.trim_start_matches(':').to_string());
    let zone = session_zone
        .into_iter()
        .chain(iana_time_zone::get_timezone().ok())
        .find(|z| clinic_core::schedule::time::parse_zone(z).is_some())
        .unwrap_or_else(|| "UTC".to_string());
    let current = config::settings(store.conn())?;
    config::set_settings(
        store,
        caller,
        ScheduleSettings {
            time_zone: zone,
            ..current
        },
    )?;
    let mut types = Vec::new();
    for (name, duration_minutes, colour) in TYPES {
        types.push(config::save_appointment_type(
            store,
            caller,
            SaveAppointmentType {
                id: None,
                expected_version: None,
                name: name.into(),
                duration_minutes,
                colour: colour.into(),
                active: true,
            },
        )?);
    }
    for name in ["Room 1", "Room 2"] {
        config::save_room(
            store,
            caller,
            SaveRoom {
                id: None,
                expected_version: None,
                name: name.into(),
                active: true,
            },
        )?;
    }
    let providers = config::providers(store.conn())?;
    for provider in &providers {
        let mut periods = Vec::new();
        for day in 1..=5 {
            periods.push(period(day, "08:00", "18:00", PeriodKind::Work));
            periods.push(period(day, "12:30", "13:30", PeriodKind::Break));
        }
        periods.push(period(6, "09:00", "13:00", PeriodKind::Work));
        config::set_hours(
            store,
            caller,
            SetProviderHours {
                provider_id: provider.id,
                expected_version: 0,
                periods,
            },
        )?;
    }
    let patients: Vec<String> = {
        let mut stmt = store.conn().prepare(
            "SELECT id FROM patient WHERE merged_into IS NULL ORDER BY created_at, id LIMIT 30",
        )?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        ids
    };
    let mut next_patient = patients.iter().filter_map(|p| p.parse().ok());
    let now = Utc::now();
    let mut booked = 0;
    for provider in &providers {
        let found = slots::find_slots(
            store.conn(),
            now,
            &FindSlots {
                provider_id: Some(provider.id),
                appointment_type_id: types[0].id,
                from: String::new(),
                days: 7,
                limit: 40,
            },
        )?;
        // Every third slot, so the calendar shows free time between them.
        for slot in found.iter().step_by(3).take(12) {
            let Some(patient_id) = next_patient.next() else {
                break;
            };
            booking::book(
                store,
                caller,
                BookAppointment {
                    patient_id,
                    provider_id: provider.id,
                    appointment_type_id: types[0].id,
                    room_id: None,
                    starts_at: slot.starts_at.clone(),
                    note: String::new(),
                    recurrence: None,
                    waitlist_entry_id: None,
                },
                now,
            )?;
            booked += 1;
        }
    }
    tracing::info!(
        providers = providers.len(),
        appointments = booked,
        "seeded the demo schedule"
    );
    Ok(())
}
