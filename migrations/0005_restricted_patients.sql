-- 0005: restricted patients (e.g. staff members, VIPs) visible only to their care
-- team, emergency ("break-glass") access grants, and the administrators' alerts
-- about them. Append-only once landed: never edit.
--
-- Synced (every write records an outbox op): patient_restriction,
-- care_team_member, break_glass_grant, break_glass_alert. The alert row is created
-- with its grant (the grant's op carries the alert id, so every device creates the
-- same alert when it applies the grant).
--
-- Times are RFC 3339 UTC with milliseconds (`2026-11-23T10:00:00.000Z`): fixed
-- width, so text comparison is time comparison.

-- A patient is restricted when a row says so; no row means not restricted.
-- category is a code from a closed list (`RestrictionCategory`), never free text;
-- it is not CHECKed against the list here so that a new code only needs a code change.
-- updated_by is the staff id of the last change (NULL for the device itself).
CREATE TABLE patient_restriction (
    patient_id TEXT PRIMARY KEY REFERENCES patient (id),
    restricted INTEGER NOT NULL CHECK (restricted IN (0, 1)),
    category   TEXT,
    updated_at TEXT NOT NULL,
    updated_by TEXT,
    CHECK (restricted = 0 OR length(category) > 0)
);

-- The care team of a patient: staff members who may open a restricted chart.
-- Removal is a status (active = 0), never a hard delete; re-adding reactivates.
CREATE TABLE care_team_member (
    patient_id TEXT NOT NULL REFERENCES patient (id),
    staff_id   TEXT NOT NULL REFERENCES staff (id),
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    updated_at TEXT NOT NULL,
    updated_by TEXT,
    PRIMARY KEY (patient_id, staff_id)
) WITHOUT ROWID;
CREATE INDEX care_team_member_staff ON care_team_member (staff_id, patient_id) WHERE active = 1;

-- Emergency access of one staff member to one restricted chart, until expires_at
-- (or revoked_at). reason is the free text the staff member typed: it lives only
-- here and in the grant's (encrypted) outbox op, for administrators to review —
-- never in the audit trail or in logs.
CREATE TABLE break_glass_grant (
    id         TEXT PRIMARY KEY,
    staff_id   TEXT NOT NULL REFERENCES staff (id),
    patient_id TEXT NOT NULL REFERENCES patient (id),
    reason     TEXT NOT NULL CHECK (length(trim(reason)) >= 10),
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL CHECK (expires_at > granted_at),
    revoked_at TEXT,
    revoked_by TEXT
);
CREATE INDEX break_glass_grant_access ON break_glass_grant (staff_id, patient_id, expires_at);
CREATE INDEX break_glass_grant_patient ON break_glass_grant (patient_id, granted_at);

-- One alert per grant, for the administrators' inbox. Pending until acknowledged
-- (acknowledged_by is NULL when the device itself acknowledged).
CREATE TABLE break_glass_alert (
    id              TEXT PRIMARY KEY,
    grant_id        TEXT NOT NULL UNIQUE REFERENCES break_glass_grant (id),
    created_at      TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT
);
CREATE INDEX break_glass_alert_pending ON break_glass_alert (created_at) WHERE acknowledged_at IS NULL;
