-- 0002: each device's audit hash chain, uploaded entry by entry. The server keeps
-- the entries (ids only, no patient data) and the chain's end is the device's
-- anchor: a device whose local chain no longer continues it was tampered with.
CREATE TABLE audit_entry (
    device_id   TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    clinic_id   TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    entry_json  TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (device_id, seq)
);
