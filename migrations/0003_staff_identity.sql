-- 0003: the clinic and its staff accounts, TOTP enrollment state and sign-in
-- throttling. Append-only once landed: never edit.
--
-- Synced (every write records an outbox op): clinic, staff.
-- Device-local (never in an op): totp_device_state, login_throttle.

-- Exactly one row once first run is done: no row means "needs first run".
CREATE TABLE clinic (
    singleton         INTEGER PRIMARY KEY CHECK (singleton = 1),
    id                TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    auto_lock_minutes INTEGER NOT NULL DEFAULT 10 CHECK (auto_lock_minutes BETWEEN 1 AND 240),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- Staff accounts. username_key is the case- and accent-folded username: unique,
-- and what sign-in looks up. password_hash is an argon2id PHC string. totp_secret
-- is the confirmed authenticator secret (base32), NULL when none.
CREATE TABLE staff (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL,
    username_key  TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL
                  CHECK (role IN ('administrator', 'front_desk', 'doctor', 'nurse', 'billing')),
    password_hash TEXT NOT NULL,
    totp_secret   TEXT,
    totp_enabled  INTEGER NOT NULL DEFAULT 0 CHECK (totp_enabled IN (0, 1)),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK (totp_enabled = 0 OR totp_secret IS NOT NULL)
);

-- Per staff member, on this device only: an enrollment not yet confirmed (its
-- secret never leaves the device until confirmed), and the last accepted TOTP
-- time step (a code is not accepted twice).
CREATE TABLE totp_device_state (
    staff_id           TEXT PRIMARY KEY REFERENCES staff (id),
    pending_secret     TEXT,
    pending_created_at TEXT,
    last_used_step     INTEGER
);

-- Consecutive failed sign-ins per folded username, whether or not such an account
-- exists (so throttling says nothing about which usernames are real).
-- last_failure_ms is Unix milliseconds of the latest failure.
CREATE TABLE login_throttle (
    username_key    TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL CHECK (failures >= 0),
    last_failure_ms INTEGER NOT NULL
) WITHOUT ROWID;
