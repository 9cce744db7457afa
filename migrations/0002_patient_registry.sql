-- 0002: the patient registry (demographics, contacts, insurance, preferences)
-- and its search index. Append-only once landed: never edit.

-- Narrow rows: what search, lists and duplicate checks read. The bulky parts of a
-- record live in patient_detail, so the search working set stays small.
CREATE TABLE patient (
    id             TEXT PRIMARY KEY,
    mrn            TEXT NOT NULL UNIQUE,
    version        INTEGER NOT NULL DEFAULT 1,
    given_name     TEXT NOT NULL,
    middle_name    TEXT NOT NULL DEFAULT '',
    family_name    TEXT NOT NULL,
    date_of_birth  TEXT NOT NULL,
    sex            TEXT,
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    -- Derived search keys (lower-case, accents removed / digits only).
    sort_name      TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    phone_digits   TEXT NOT NULL DEFAULT '',
    -- Digits reversed, so "last digits of the phone" is a prefix range too.
    phone_reversed TEXT NOT NULL DEFAULT '',
    email_key      TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
-- Covers a search result row, so paging in name order never reads the table.
CREATE INDEX patient_sort ON patient
    (sort_name, id, mrn, given_name, middle_name, family_name, date_of_birth, sex, phone);
CREATE INDEX patient_dob ON patient (date_of_birth);
CREATE INDEX patient_phone ON patient (phone_digits);
CREATE INDEX patient_phone_reversed ON patient (phone_reversed);
CREATE INDEX patient_email ON patient (email_key);

-- One row per patient: the structured parts of the record, as JSON, and the
-- per-field HLC of the last write (for last-writer-wins merges when syncing).
CREATE TABLE patient_detail (
    patient_id         TEXT PRIMARY KEY REFERENCES patient (id),
    address            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(address)),
    emergency_contacts TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(emergency_contacts)),
    insurance          TEXT CHECK (insurance IS NULL OR json_valid(insurance)),
    preferences        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(preferences)),
    field_clock        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(field_clock))
);

-- One row per normalized name word (given, middle, family): prefix search by range.
-- sort_name is copied from patient so matches can be ordered without reading it;
-- family_only is 1 when the word occurs only in the family name (such matches
-- cluster in name order, which the search planner needs to know).
CREATE TABLE patient_name_token (
    token       TEXT NOT NULL,
    patient_id  TEXT NOT NULL REFERENCES patient (id),
    sort_name   TEXT NOT NULL,
    family_only INTEGER NOT NULL CHECK (family_only IN (0, 1)),
    PRIMARY KEY (token, patient_id)
) WITHOUT ROWID;
CREATE INDEX patient_name_token_patient ON patient_name_token (patient_id);

-- MRN allocation: one counter per device; MRNs embed the device code so two
-- offline devices never hand out the same number.
CREATE TABLE mrn_counter (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    next      INTEGER NOT NULL
);
