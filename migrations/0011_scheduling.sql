-- 0011: scheduling — the clinic's time zone and kiosk/reminder settings,
-- appointment types, rooms, providers' weekly hours, exceptions (leave,
-- holidays), appointments, the waitlist and the reminder queue.
-- Append-only once landed: never edit.
--
-- Synced (every write records an outbox op): clinic settings, appointment_type,
-- room, provider_hours, schedule_exception, appointment, waitlist_entry.
-- Device-local, derived from appointments (never in an op): reminder.
--
-- Instants are RFC 3339 UTC with milliseconds (text order is time order); dates
-- and wall-clock times in provider_hours/schedule_exception are the clinic's.
--
-- No double booking on one device is enforced HERE, not only in the core: a
-- trigger refuses an appointment that holds time (booked, confirmed, checked in,
-- in consultation, done) overlapping another such appointment of the same
-- provider or room. Appointments that arrive from other devices and overlap are
-- stored as `needs_reschedule` (DESIGN.md §5), which holds no time.

ALTER TABLE clinic ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE clinic ADD COLUMN kiosk_idle_seconds INTEGER NOT NULL DEFAULT 90
    CHECK (kiosk_idle_seconds BETWEEN 30 AND 900);
ALTER TABLE clinic ADD COLUMN reminder_hours_before INTEGER NOT NULL DEFAULT 24
    CHECK (reminder_hours_before BETWEEN 1 AND 168);

CREATE TABLE appointment_type (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    colour           TEXT NOT NULL,
    active           INTEGER NOT NULL CHECK (active IN (0, 1)),
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL CHECK (version >= 1)
);

CREATE TABLE room (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1)
);

-- One row per provider: the whole week as JSON (`WeeklyPeriod` list), replaced
-- as one (an edit of the week is one decision and one op).
CREATE TABLE provider_hours (
    provider_id TEXT PRIMARY KEY REFERENCES staff (id),
    periods     TEXT NOT NULL CHECK (json_valid(periods)),
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1)
);

CREATE TABLE schedule_exception (
    id          TEXT PRIMARY KEY,
    -- NULL: the whole clinic is closed.
    provider_id TEXT REFERENCES staff (id),
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL CHECK (ends_on >= starts_on),
    -- leave, holiday, other (`ExceptionKind`).
    kind        TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    -- A removed exception is kept (tombstone).
    removed     INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    created_by  TEXT,
    created_at  TEXT NOT NULL
);

CREATE INDEX schedule_exception_by_day ON schedule_exception (starts_on, ends_on)
    WHERE removed = 0;

CREATE TABLE appointment (
    id                  TEXT PRIMARY KEY,
    patient_id          TEXT NOT NULL REFERENCES patient (id),
    provider_id         TEXT NOT NULL REFERENCES staff (id),
    appointment_type_id TEXT NOT NULL REFERENCES appointment_type (id),
    room_id             TEXT REFERENCES room (id),
    starts_at           TEXT NOT NULL,
    ends_at             TEXT NOT NULL,
    -- booked, confirmed, checked_in, in_consultation, done, no_show, cancelled,
    -- needs_reschedule (`AppointmentStatus`).
    status              TEXT NOT NULL CHECK (status IN ('booked', 'confirmed', 'checked_in',
                            'in_consultation', 'done', 'no_show', 'cancelled', 'needs_reschedule')),
    -- 1 until the sync server has accepted the booking.
    tentative           INTEGER NOT NULL DEFAULT 1 CHECK (tentative IN (0, 1)),
    series_id           TEXT,
    check_in_code       TEXT NOT NULL,
    note                TEXT NOT NULL DEFAULT '',
    cancel_reason       TEXT NOT NULL DEFAULT '',
    checked_in_at       TEXT,
    booked_by           TEXT,
    booked_by_name      TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL CHECK (version >= 1),
    -- At most 8 hours: the overlap triggers look back that far only.
    CHECK (ends_at > starts_at),
    CHECK (julianday(ends_at) - julianday(starts_at) <= 8.0 / 24.0 + 1e-9)
);

-- Range queries read in time order. The provider and room indexes also cover
-- the busy-time reads of the slot search and the overlap triggers (ends_at,
-- status), so those never touch the table.
CREATE INDEX appointment_by_provider ON appointment (provider_id, starts_at, ends_at, status);
CREATE INDEX appointment_by_room ON appointment (room_id, starts_at, ends_at, status)
    WHERE room_id IS NOT NULL;
CREATE INDEX appointment_by_patient ON appointment (patient_id, starts_at);
CREATE INDEX appointment_by_time ON appointment (starts_at);
CREATE INDEX appointment_by_code ON appointment (check_in_code);

CREATE TRIGGER appointment_is_never_deleted
BEFORE DELETE ON appointment
BEGIN
    SELECT RAISE(ABORT, 'appointments are never deleted: cancel them');
END;

CREATE TRIGGER appointment_no_provider_overlap_insert
BEFORE INSERT ON appointment
WHEN NEW.status IN ('booked', 'confirmed', 'checked_in', 'in_consultation', 'done')
 AND EXISTS (
    SELECT 1 FROM appointment a
    WHERE a.provider_id = NEW.provider_id
      AND a.starts_at < NEW.ends_at
      AND a.starts_at > strftime('%Y-%m-%dT%H:%M:%fZ', NEW.starts_at, '-8 hours')
      AND a.ends_at > NEW.starts_at
      AND a.status IN ('booked', 'confirmed', 'checked_in', 'in_consultation', 'done'))
BEGIN
    SELECT RAISE(ABORT, 'slot_taken: provider double booked');
END;

CREATE TRIGGER appointment_no_provider_overlap_update
BEFORE UPDATE OF provider_id, starts_at, ends_at, status ON appointment
WHEN NEW.status IN ('booked', 'confirmed', 'checked_in', 'in_consultation', 'done')
 AND EXISTS (
    SELECT 1 FROM appointment a
    WHERE a.provider_id = NEW.provider_id
      AND a.id <> NEW.id
      AND a.starts_at < NEW.ends_at
      AND a.starts_at > strftime('%Y-%m-%dT%H:%M:%fZ', NEW.starts_at, '-8 hours')
      AND a.ends_at > NEW.starts_at
      AND a.status IN ('booked', 'confirmed', 'checked_in', 'in_consultation', 'done'))
BEGIN
    SELECT RAISE(ABORT, 'slot_taken: provider double booked');
END;

CREATE TRIGGER appointment_no_room_overlap_insert
BEFORE INSERT ON appointment
WHEN NEW.room_id IS NOT NULL
 AND NEW.status IN ('booked', 'confirmed', 'checked_in', 'in_consultation', 'done')
 AND EXISTS (
    SELECT 1 FROM appointment a
    WHERE a.room_id = NEW.room_id
      AND a.starts_at < NEW.ends_at
      AND a.starts_at > strftime('%Y-%m-%dT%H:%M:%fZ', NEW.starts_at, '-8 hours')
      AND a.ends_at > NEW.starts_at
      AND a.status IN ('booked', 'confirmed', 'checked_in', 'in_consultation', 'done'))
BEGIN
    SELECT RAISE(ABORT, 'slot_taken: room double booked');
END;

CREATE TRIGGER appointment_no_room_overlap_update
BEFORE UPDATE OF room_id, starts_at, ends_at, status ON appointment
WHEN NEW.room_id IS NOT NULL
 AND NEW.status IN ('booked', 'confirmed', 'checked_in', 'in_consultation', 'done')
 AND EXISTS (
    SELECT 1 FROM appointment a
    WHERE a.room_id = NEW.room_id
      AND a.id <> NEW.id
      AND a.starts_at < NEW.ends_at
      AND a.starts_at > strftime('%Y-%m-%dT%H:%M:%fZ', NEW.starts_at, '-8 hours')
      AND a.ends_at > NEW.starts_at
      AND a.status IN ('booked', 'confirmed', 'checked_in', 'in_consultation', 'done'))
BEGIN
    SELECT RAISE(ABORT, 'slot_taken: room double booked');
END;

CREATE TABLE waitlist_entry (
    id                  TEXT PRIMARY KEY,
    patient_id          TEXT NOT NULL REFERENCES patient (id),
    -- NULL: any provider.
    provider_id         TEXT REFERENCES staff (id),
    appointment_type_id TEXT NOT NULL REFERENCES appointment_type (id),
    earliest            TEXT NOT NULL,
    latest              TEXT NOT NULL CHECK (latest >= earliest),
    note                TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL CHECK (status IN ('waiting', 'booked', 'removed')),
    created_by          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

CREATE INDEX waitlist_waiting ON waitlist_entry (earliest, latest) WHERE status = 'waiting';

-- Reminders to send before appointments (delivery by SMS/email comes with the
-- sync server). Derived from appointments on this device; never synced.
CREATE TABLE reminder (
    id             INTEGER PRIMARY KEY,
    appointment_id TEXT NOT NULL REFERENCES appointment (id),
    -- sms, email or none: the patient's preferred channel when queued.
    channel        TEXT NOT NULL,
    due_at         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('queued', 'cancelled', 'sent')),
    created_at     TEXT NOT NULL
);

CREATE INDEX reminder_due ON reminder (status, due_at);
CREATE INDEX reminder_by_appointment ON reminder (appointment_id);
