-- 0018: this device's card payment gateway. Append-only once landed: never
-- edit; add a new numbered file instead.
--
-- Local to this device (written without an op, never pushed): the gateway an
-- administrator configured here and its secret key (never returned to the UI),
-- and how the last exchange with it went.
CREATE TABLE payment_gateway (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    kind            TEXT NOT NULL CHECK (kind IN ('stripe', 'paystack')),
    -- The API address, without a trailing slash.
    api_base        TEXT NOT NULL,
    customer_email  TEXT NOT NULL DEFAULT '',
    secret_key      TEXT NOT NULL,
    saved_at        TEXT NOT NULL,
    last_contact_at TEXT,
    -- What went wrong at the last contact (a gateway code, never card data).
    last_error      TEXT
);
