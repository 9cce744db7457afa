-- 0012: the device's sync client state: enrollment, the server cursor, ops
-- received from other devices (applied or held), and conflicts for staff to resolve.
-- Append-only once landed: never edit; add a new numbered file instead.

-- Exactly one row once the device is enrolled with a sync server. The device
-- token lives here, inside the encrypted database (whose key is in the keychain).
CREATE TABLE sync_state (
    singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
    server_url       TEXT NOT NULL,
    ca_pem           TEXT,
    clinic_id        TEXT NOT NULL,
    device_token     TEXT NOT NULL,
    device_name      TEXT NOT NULL,
    -- Opaque, as received from the server; saved in the transaction that applied its page.
    cursor           TEXT,
    head_seq         INTEGER NOT NULL DEFAULT 0,
    applied_seq      INTEGER NOT NULL DEFAULT 0,
    first_sync_done  INTEGER NOT NULL DEFAULT 0 CHECK (first_sync_done IN (0, 1)),
    last_sync_at     TEXT,
    last_error       TEXT,
    upgrade_required INTEGER NOT NULL DEFAULT 0 CHECK (upgrade_required IN (0, 1)),
    -- The end of this device's audit chain as the server holds it (its anchor).
    audit_anchor_seq  INTEGER NOT NULL DEFAULT 0,
    audit_anchor_hash TEXT,
    enrolled_at      TEXT NOT NULL
);

-- Every op received from another device and applied here (idempotency, and the
-- clocks of last-writer-wins decisions together with the outbox).
CREATE TABLE applied_op (
    op_id      TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL,
    device_id  TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    kind       TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    payload    TEXT NOT NULL CHECK (json_valid(payload)),
    applied_at TEXT NOT NULL
);
CREATE INDEX applied_op_entity ON applied_op (entity, entity_id);
CREATE INDEX outbox_entity ON outbox (entity, entity_id);

-- Ops this build could not apply (newer schema, unknown kind, or refused by
-- the domain): kept whole, never dropped, retried by a later build.
CREATE TABLE held_op (
    op_id   TEXT PRIMARY KEY,
    seq     INTEGER NOT NULL,
    op      TEXT NOT NULL CHECK (json_valid(op)),
    reason  TEXT NOT NULL,
    held_at TEXT NOT NULL
);

-- What needs a human: concurrent edits of an identity field, possible duplicate
-- registrations. Detected the same way on every device; resolved by an op that syncs.
CREATE TABLE sync_conflict (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('identity_field', 'possible_duplicate')),
    patient_id   TEXT NOT NULL,
    other_id     TEXT,
    field        TEXT,
    local_value  TEXT,
    remote_value TEXT,
    detected_at  TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
    resolved_at  TEXT,
    resolution   TEXT
);
CREATE INDEX sync_conflict_open ON sync_conflict (status, detected_at);
