-- Server 0001: clinics, enrollment codes, devices, the per-clinic op log and quarantine.
-- Append-only once landed: never edit; add a new numbered file instead.
-- Portable SQL (SQLite and PostgreSQL): TEXT ids (hyphenated UUIDs), BIGINT numbers,
-- times as BIGINT Unix milliseconds, no AUTOINCREMENT, no SQLite-only syntax.

-- One row per tenant. `epoch` is part of every pull cursor: if a clinic's log is ever
-- rebuilt (restore from backup), the epoch changes and old cursors are refused.
CREATE TABLE clinic (
    clinic_id  TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    epoch      BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);

-- The last `seq` handed out per clinic. Updated in the same transaction as the op
-- inserts that use the new values, so the log is gap-free.
CREATE TABLE clinic_seq (
    clinic_id TEXT PRIMARY KEY REFERENCES clinic (clinic_id),
    last_seq  BIGINT NOT NULL CHECK (last_seq >= 0)
);

-- One-time enrollment codes, stored as hex SHA-256 of the normalized code.
CREATE TABLE enrollment_code (
    clinic_id   TEXT NOT NULL REFERENCES clinic (clinic_id),
    code_hash   TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    expires_ms  BIGINT NOT NULL,
    used_ms     BIGINT,
    used_by     TEXT,
    PRIMARY KEY (clinic_id, code_hash)
);
CREATE UNIQUE INDEX enrollment_code_by_hash ON enrollment_code (code_hash);

-- Enrolled devices. A device id belongs to one clinic; the bearer token is stored
-- as hex SHA-256 only. `revoked_ms` set = the device must wipe on next contact.
CREATE TABLE device (
    clinic_id   TEXT NOT NULL REFERENCES clinic (clinic_id),
    device_id   TEXT NOT NULL,
    device_name TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    enrolled_ms BIGINT NOT NULL,
    revoked_ms  BIGINT,
    PRIMARY KEY (clinic_id, device_id)
);
CREATE UNIQUE INDEX device_by_id ON device (device_id);
CREATE UNIQUE INDEX device_by_token ON device (token_hash);

-- The append-only op log: one row per accepted op, `op_json` is the op exactly as
-- the server will hand it out on pull.
CREATE TABLE op_log (
    clinic_id      TEXT NOT NULL REFERENCES clinic (clinic_id),
    seq            BIGINT NOT NULL CHECK (seq >= 1),
    op_id          TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    device_counter BIGINT NOT NULL,
    schema_version BIGINT NOT NULL,
    op_json        TEXT NOT NULL,
    received_ms    BIGINT NOT NULL,
    PRIMARY KEY (clinic_id, seq)
);
CREATE UNIQUE INDEX op_log_by_op_id ON op_log (clinic_id, op_id);
CREATE UNIQUE INDEX op_log_by_device_counter ON op_log (clinic_id, device_id, device_counter);

-- Ops the server did not apply (newer schema, reused counter, conflicting id):
-- kept verbatim, never dropped. Re-pushing the same op does not add a row.
CREATE TABLE quarantine (
    clinic_id      TEXT NOT NULL REFERENCES clinic (clinic_id),
    device_id      TEXT NOT NULL,
    op_id          TEXT NOT NULL,
    device_counter BIGINT NOT NULL,
    schema_version BIGINT NOT NULL,
    reason         TEXT NOT NULL,
    op_json        TEXT NOT NULL,
    received_ms    BIGINT NOT NULL,
    PRIMARY KEY (clinic_id, device_id, op_id)
);
