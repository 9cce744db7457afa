-- 0006: the clinical chart's list entries — allergies, medications, problems and
-- treatment plans — with every version kept, and the patient-level "no known
-- allergies" statement. Append-only once landed: never edit.
--
-- Synced (every write records an outbox op). Entries are add-wins: an entry is
-- never deleted; removal is a status (inactive, resolved, stopped, completed,
-- entered_in_error) with a reason. `details` is the JSON of the kind's fields
-- (`ChartEntryDetails` in crates/protocol/src/chart.rs).
--
-- Times are RFC 3339 UTC with milliseconds (fixed width: text order is time order).
-- *_by columns hold a staff id (NULL for the device itself); *_by_name a snapshot of
-- the display name at the time, so history reads without joins and survives renames.

CREATE TABLE chart_entry (
    id               TEXT PRIMARY KEY,
    patient_id       TEXT NOT NULL REFERENCES patient (id),
    kind             TEXT NOT NULL CHECK (kind IN ('allergy', 'medication', 'problem', 'plan')),
    status           TEXT NOT NULL,
    status_reason    TEXT NOT NULL DEFAULT '',
    details          TEXT NOT NULL CHECK (json_valid(details)),
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT,
    recorded_by_name TEXT NOT NULL DEFAULT '',
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL CHECK (version >= 1)
);

-- The summary and the lists read one patient's entries of one kind by status.
CREATE INDEX chart_entry_by_patient ON chart_entry (patient_id, kind, status, recorded_at, id);

-- Every version of every entry (version 1 is the recording), never updated.
CREATE TABLE chart_entry_version (
    entry_id        TEXT NOT NULL REFERENCES chart_entry (id),
    version         INTEGER NOT NULL,
    status          TEXT NOT NULL,
    status_reason   TEXT NOT NULL DEFAULT '',
    details         TEXT NOT NULL CHECK (json_valid(details)),
    changed_at      TEXT NOT NULL,
    changed_by      TEXT,
    changed_by_name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (entry_id, version)
) WITHOUT ROWID;

CREATE TRIGGER chart_entry_version_is_append_only_update
BEFORE UPDATE ON chart_entry_version
BEGIN
    SELECT RAISE(ABORT, 'chart entry versions are never changed');
END;

CREATE TRIGGER chart_entry_version_is_append_only_delete
BEFORE DELETE ON chart_entry_version
BEGIN
    SELECT RAISE(ABORT, 'chart entry versions are never deleted');
END;

CREATE TRIGGER chart_entry_is_never_deleted
BEFORE DELETE ON chart_entry
BEGIN
    SELECT RAISE(ABORT, 'chart entries are never deleted: change their status');
END;

-- "No known allergies" as stated by a clinician. No row: not recorded. Cleared
-- (no_known_allergies = 0) when an allergy is recorded afterwards.
CREATE TABLE allergy_statement (
    patient_id         TEXT PRIMARY KEY REFERENCES patient (id),
    no_known_allergies INTEGER NOT NULL CHECK (no_known_allergies IN (0, 1)),
    stated_at          TEXT NOT NULL,
    stated_by          TEXT,
    stated_by_name     TEXT NOT NULL DEFAULT ''
);
