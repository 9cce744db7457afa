-- 0008: observations — vital signs and test results — and the staff notification
-- inbox. Append-only once landed: never edit.
--
-- Synced (every write records an outbox op). An observation is immutable once
-- recorded except for its status (`final` → `entered_in_error`, with a reason):
-- corrections are new observations. Values are stored in the catalogue's unit
-- for the code (`crates/core/src/observations/catalogue.rs`), so trends compare like
-- with like; the unit as entered is kept for display and audit of the conversion.
--
-- Times are RFC 3339 UTC with milliseconds (text order is time order).

CREATE TABLE observation (
    id               TEXT PRIMARY KEY,
    patient_id       TEXT NOT NULL REFERENCES patient (id),
    encounter_id     TEXT REFERENCES encounter (id),
    -- vital_signs or laboratory.
    category         TEXT NOT NULL,
    -- A catalogue code (e.g. `glucose`, `systolic_bp`) with its LOINC code beside it.
    code             TEXT NOT NULL,
    loinc            TEXT NOT NULL,
    value            REAL NOT NULL,
    unit             TEXT NOT NULL,
    entered_value    REAL NOT NULL,
    entered_unit     TEXT NOT NULL,
    ref_low          REAL,
    ref_high         REAL,
    -- normal, low, high, critical_low, critical_high (`AbnormalFlag`).
    flag             TEXT NOT NULL,
    effective_at     TEXT NOT NULL,
    -- Where the value comes from: e.g. "in clinic", a lab's name.
    source           TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('final', 'entered_in_error')),
    status_reason    TEXT NOT NULL DEFAULT '',
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT,
    recorded_by_name TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL CHECK (version >= 1)
);

-- Trends read one patient's values of one code over time; the results list reads
-- one patient's observations newest first. Every index ends with (effective_at, id)
-- to match the ORDER BY of the queries (read backwards for newest first), so no
-- query sorts a long history.
CREATE INDEX observation_by_code ON observation (patient_id, code, effective_at, id);
CREATE INDEX observation_by_time ON observation (patient_id, effective_at, id);
-- The chart summary's most recent laboratory results.
CREATE INDEX observation_by_category ON observation (patient_id, category, effective_at, id);

CREATE TRIGGER observation_is_never_deleted
BEFORE DELETE ON observation
BEGIN
    SELECT RAISE(ABORT, 'observations are never deleted: mark them entered in error');
END;

CREATE TRIGGER observation_value_is_immutable
BEFORE UPDATE OF value, unit, code, effective_at ON observation
BEGIN
    SELECT RAISE(ABORT, 'an observation value never changes: record a new one');
END;

-- In-app notifications for one staff member (e.g. "new result for a patient").
-- Device-local delivery state is synced like any other write.
CREATE TABLE notification (
    id          TEXT PRIMARY KEY,
    staff_id    TEXT NOT NULL REFERENCES staff (id),
    -- new_result, … (`NotificationKind`).
    kind        TEXT NOT NULL,
    patient_id  TEXT REFERENCES patient (id),
    -- Ids and counts only (e.g. the observation ids); never names or values.
    detail      TEXT NOT NULL CHECK (json_valid(detail)),
    created_at  TEXT NOT NULL,
    read_at     TEXT
);

CREATE INDEX notification_inbox ON notification (staff_id, read_at, created_at DESC);
