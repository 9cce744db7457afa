-- 0020: Flutterwave joins the card gateways a device can use. Append-only once
-- landed: never edit; add a new numbered file instead.
--
-- SQLite cannot change a CHECK constraint in place: `payment_gateway` (local to
-- the device, at most one row) is rebuilt with the wider list and its row kept.
CREATE TABLE payment_gateway_0020 (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    kind            TEXT NOT NULL CHECK (kind IN ('stripe', 'paystack', 'flutterwave')),
    -- The API address, without a trailing slash.
    api_base        TEXT NOT NULL,
    customer_email  TEXT NOT NULL DEFAULT '',
    secret_key      TEXT NOT NULL,
    saved_at        TEXT NOT NULL,
    last_contact_at TEXT,
    -- What went wrong at the last contact (a gateway code, never card data).
    last_error      TEXT
);
INSERT INTO payment_gateway_0020 (id, kind, api_base, customer_email, secret_key, saved_at,
        last_contact_at, last_error)
    SELECT id, kind, api_base, customer_email, secret_key, saved_at, last_contact_at, last_error
    FROM payment_gateway;
DROP TABLE payment_gateway;
ALTER TABLE payment_gateway_0020 RENAME TO payment_gateway;
