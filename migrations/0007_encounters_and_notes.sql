-- 0007: encounters (visits) and clinical notes with drafts, signing and amendments.
-- Append-only once landed: never edit.
--
-- Synced (every write records an outbox op). A note is a draft until its author
-- signs it; a signed note never changes (a trigger refuses it): corrections are
-- amendments, new notes whose `amends` points at the original, shown together.
-- Nothing here is ever deleted: an encounter recorded by mistake is a status.
--
-- Times are RFC 3339 UTC with milliseconds (text order is time order).

CREATE TABLE encounter (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL REFERENCES patient (id),
    -- office_visit, telephone, home_visit, video, other (`EncounterType`).
    type            TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    started_at      TEXT NOT NULL,
    -- in_progress, finished, entered_in_error.
    status          TEXT NOT NULL,
    recorded_by     TEXT,
    recorded_by_name TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1)
);

-- The timeline pages through one patient's encounters, newest first.
CREATE INDEX encounter_by_patient ON encounter (patient_id, started_at DESC, id DESC);

CREATE TRIGGER encounter_is_never_deleted
BEFORE DELETE ON encounter
BEGIN
    SELECT RAISE(ABORT, 'encounters are never deleted: change their status');
END;

CREATE TABLE clinical_note (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL REFERENCES patient (id),
    encounter_id  TEXT REFERENCES encounter (id),
    -- The note this one amends (NULL for an original note).
    amends        TEXT REFERENCES clinical_note (id),
    -- soap or free (`NoteTemplate`); content is the JSON of its sections.
    template      TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    content       TEXT NOT NULL CHECK (json_valid(content)),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'signed')),
    author_id     TEXT,
    author_name   TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    signed_at     TEXT,
    version       INTEGER NOT NULL CHECK (version >= 1),
    CHECK ((status = 'signed') = (signed_at IS NOT NULL))
);

CREATE INDEX clinical_note_by_patient ON clinical_note (patient_id, created_at DESC, id DESC);
CREATE INDEX clinical_note_by_encounter ON clinical_note (encounter_id, created_at, id);
CREATE INDEX clinical_note_amendments ON clinical_note (amends) WHERE amends IS NOT NULL;
-- Notes written outside any encounter (the timeline lists them apart).
CREATE INDEX clinical_note_loose ON clinical_note (patient_id, created_at)
    WHERE encounter_id IS NULL AND amends IS NULL;

CREATE TRIGGER clinical_note_signed_is_immutable
BEFORE UPDATE ON clinical_note
WHEN OLD.status = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed note never changes: amend it');
END;

CREATE TRIGGER clinical_note_is_never_deleted
BEFORE DELETE ON clinical_note
BEGIN
    SELECT RAISE(ABORT, 'clinical notes are never deleted');
END;
