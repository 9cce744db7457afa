-- 0001: this device's identity and clock, and the outbox of intent operations.
-- Append-only once landed: never edit; add a new numbered file instead.

-- Exactly one row: who this device is, and the persisted hybrid logical clock
-- (so it never goes backwards across restarts) and gap-free op counter.
CREATE TABLE device_state (
    singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id      TEXT NOT NULL,
    hlc_millis     INTEGER NOT NULL DEFAULT 0,
    hlc_counter    INTEGER NOT NULL DEFAULT 0,
    device_counter INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);

-- Intent operations captured in the same transaction as the domain write, keyed
-- by the device counter (gap-free, increasing: it is also the push order).
CREATE TABLE outbox (
    device_counter INTEGER PRIMARY KEY,
    op_id          TEXT NOT NULL UNIQUE,
    hlc            TEXT NOT NULL,
    kind           TEXT NOT NULL,
    entity         TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    payload        TEXT NOT NULL CHECK (json_valid(payload)),
    schema_version INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    pushed_at      TEXT
);
CREATE INDEX outbox_unpushed ON outbox (device_counter) WHERE pushed_at IS NULL;
