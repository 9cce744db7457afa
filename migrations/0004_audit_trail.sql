-- 0004: the tamper-evident audit trail (see crates/core/src/audit for the chain).
-- Append-only once landed: never edit; add a new numbered file instead.

-- One row per audited action on this device, in a keyed hash chain:
-- hash = HMAC-SHA256(audit key, prev_hash || canonical(seq, event_id, device_time,
-- device_id, actor_id, actor_name, actor_role, action, category, patient_id, detail)).
-- Rows are never updated or deleted. They are NOT outbox ops: the sync client will
-- push them separately, in seq order, remembering the last pushed seq elsewhere.
CREATE TABLE audit_event (
    seq         INTEGER PRIMARY KEY,           -- 1, 2, 3, … gap-free on this device
    event_id    TEXT NOT NULL UNIQUE,          -- UUIDv7
    device_time TEXT NOT NULL,                 -- RFC 3339 UTC, milliseconds, 'Z'
    device_id   TEXT NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT,
    actor_role  TEXT,
    action      TEXT NOT NULL,
    category    TEXT NOT NULL,
    patient_id  TEXT,
    detail      TEXT NOT NULL CHECK (json_valid(detail)),
    prev_hash   BLOB NOT NULL,                 -- 32 bytes: the previous row's hash (zeros for seq 1)
    hash        BLOB NOT NULL                  -- 32 bytes
);

-- The report's filters; each also orders by time (the rowid = seq breaks ties).
CREATE INDEX audit_event_time ON audit_event (device_time);
CREATE INDEX audit_event_actor ON audit_event (actor_id, device_time) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_event_patient ON audit_event (patient_id, device_time) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_event_action ON audit_event (action, device_time);

-- Defence in depth against ordinary tampering (the chain detects tampering done
-- with these dropped): no updates, no deletes, and only the next sequence number.
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit entries cannot be changed');
END;

CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit entries cannot be deleted');
END;

CREATE TRIGGER audit_event_append_only BEFORE INSERT ON audit_event
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit_event)
BEGIN
    SELECT RAISE(ABORT, 'audit entries are appended in sequence');
END;
