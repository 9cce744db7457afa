-- 0019: card refunds sent through this device's gateway. Append-only once
-- landed: never edit; add a new numbered file instead.
--
-- Local to this device (written without an op, never pushed). A refund recorded
-- here against a card payment taken through the gateway is a fact at once
-- (`refund`, `record_refund` op); this row is its exchange with the gateway:
-- the fixed idempotency key every attempt carries (so a retry after a lost
-- answer never refunds twice), and whether the gateway has taken it.
CREATE TABLE gateway_refund (
    refund_id       TEXT PRIMARY KEY REFERENCES refund (id),
    payment_id      TEXT NOT NULL REFERENCES payment (id),
    idempotency_key TEXT NOT NULL UNIQUE,
    -- pending: not taken by the gateway yet (retried every round);
    -- sent: the gateway took it (`gateway_ref`); failed: refused for good.
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    gateway_ref     TEXT,
    failure         TEXT,
    requested_at    TEXT NOT NULL,
    settled_at      TEXT
);
CREATE INDEX gateway_refund_by_status ON gateway_refund (status, requested_at);
