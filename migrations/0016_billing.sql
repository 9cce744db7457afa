-- 0016: billing — the clinic's currency, the service catalogue (fee schedule),
-- invoices and their lines, payments (card payments pending until the gateway
-- confirms them), refunds, credit notes and the desks' end-of-day closes.
-- Append-only once landed: never edit; add a new numbered file instead.
--
-- Money is INTEGER minor units of an ISO 4217 currency (never REAL); rates are
-- basis points. Instants are RFC 3339 UTC text (text order is time order).
--
-- Synced (every write records an op): billing_settings (`save_billing_settings`,
-- last writer by HLC wins), service (`save_service`, idem), invoice and
-- invoice_line (`save_invoice` while a draft, last writer wins; `issue_invoice`
-- freezes the lines, earliest issue wins; `void_invoice`), payment
-- (`record_payment`, then `update_payment_status`: statuses only move forward),
-- refund (`record_refund`), credit_note + credit_note_line
-- (`record_credit_note`), day_close (`record_day_close`). Payments, refunds,
-- credit notes and closes are immutable facts (triggers refuse changes and
-- deletes). An invoice's derived columns (status, totals, balances,
-- needs_review) are recomputed from its lines and facts in the transaction of
-- every change, on every device, so they converge whatever the arrival order.
-- Local to this device (no op): billing_counter.

-- The clinic's billing settings (one row once an administrator set them).
CREATE TABLE billing_settings (
    singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
    currency       TEXT NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    invoice_footer TEXT NOT NULL DEFAULT '',
    updated_at     TEXT NOT NULL
);

-- Local: this device's next invoice, receipt and credit note numbers. Numbers
-- embed the device code (`INV-<code>-<n>`), so offline devices never collide.
CREATE TABLE billing_counter (
    kind TEXT PRIMARY KEY CHECK (kind IN ('invoice', 'receipt', 'credit_note')),
    next INTEGER NOT NULL CHECK (next >= 1)
);

-- The fee schedule.
CREATE TABLE service (
    id                  TEXT PRIMARY KEY,
    code                TEXT NOT NULL,
    name                TEXT NOT NULL,
    price_minor         INTEGER NOT NULL CHECK (price_minor >= 0),
    currency            TEXT NOT NULL CHECK (length(currency) = 3),
    tax_name            TEXT NOT NULL DEFAULT '',
    tax_rate_bp         INTEGER NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    tax_mode            TEXT NOT NULL CHECK (tax_mode IN ('exclusive', 'inclusive')),
    -- Appointments of this type are invoiced with this service by default.
    appointment_type_id TEXT,
    active              INTEGER NOT NULL CHECK (active IN (0, 1)),
    version             INTEGER NOT NULL CHECK (version >= 1),
    updated_at          TEXT NOT NULL
);
CREATE INDEX service_by_code ON service (code);
CREATE INDEX service_by_appointment_type ON service (appointment_type_id)
    WHERE appointment_type_id IS NOT NULL;

CREATE TABLE invoice (
    id                      TEXT PRIMARY KEY,
    -- `INV-<device code>-<n>`, assigned when issued.
    number                  TEXT,
    patient_id              TEXT NOT NULL REFERENCES patient (id),
    appointment_id          TEXT,
    encounter_id            TEXT,
    currency                TEXT NOT NULL CHECK (length(currency) = 3),
    -- The whole-invoice discount as JSON (`Portion`), or NULL.
    discount                TEXT CHECK (discount IS NULL OR json_valid(discount)),
    note                    TEXT NOT NULL DEFAULT '',
    created_at              TEXT NOT NULL,
    created_by              TEXT,
    updated_at              TEXT NOT NULL,
    issued_at               TEXT,
    voided_at               TEXT,
    void_reason             TEXT,
    -- Derived (recomputed in every transaction that touches the invoice).
    status                  TEXT NOT NULL CHECK (status IN ('draft', 'issued', 'partially_paid', 'paid', 'void')),
    subtotal_minor          INTEGER NOT NULL DEFAULT 0,
    discount_minor          INTEGER NOT NULL DEFAULT 0,
    tax_minor               INTEGER NOT NULL DEFAULT 0,
    total_minor             INTEGER NOT NULL DEFAULT 0,
    insurance_minor         INTEGER NOT NULL DEFAULT 0,
    patient_minor           INTEGER NOT NULL DEFAULT 0,
    credited_minor          INTEGER NOT NULL DEFAULT 0,
    paid_minor              INTEGER NOT NULL DEFAULT 0,
    refunded_minor          INTEGER NOT NULL DEFAULT 0,
    pending_minor           INTEGER NOT NULL DEFAULT 0,
    balance_minor           INTEGER NOT NULL DEFAULT 0,
    patient_balance_minor   INTEGER NOT NULL DEFAULT 0,
    insurance_balance_minor INTEGER NOT NULL DEFAULT 0,
    needs_review            INTEGER NOT NULL DEFAULT 0 CHECK (needs_review IN (0, 1)),
    version                 INTEGER NOT NULL CHECK (version >= 1),
    CHECK (status <> 'void' OR voided_at IS NOT NULL)
);
CREATE UNIQUE INDEX invoice_by_number ON invoice (number) WHERE number IS NOT NULL;
CREATE INDEX invoice_by_patient ON invoice (patient_id, created_at);
CREATE INDEX invoice_by_issued_at ON invoice (issued_at);
CREATE INDEX invoice_by_appointment ON invoice (appointment_id) WHERE appointment_id IS NOT NULL;
CREATE INDEX invoice_needing_review ON invoice (created_at) WHERE needs_review = 1;

CREATE TRIGGER invoice_is_never_deleted
BEFORE DELETE ON invoice
BEGIN
    SELECT RAISE(ABORT, 'invoices are never deleted: void them');
END;

CREATE TABLE invoice_line (
    id                     TEXT PRIMARY KEY,
    invoice_id             TEXT NOT NULL REFERENCES invoice (id),
    position               INTEGER NOT NULL CHECK (position >= 0),
    service_id             TEXT,
    service_code           TEXT NOT NULL DEFAULT '',
    description            TEXT NOT NULL,
    quantity               INTEGER NOT NULL CHECK (quantity >= 1),
    unit_price_minor       INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    tax_name               TEXT NOT NULL DEFAULT '',
    tax_rate_bp            INTEGER NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    tax_mode               TEXT NOT NULL CHECK (tax_mode IN ('exclusive', 'inclusive')),
    discount               TEXT CHECK (discount IS NULL OR json_valid(discount)),
    insurance              TEXT CHECK (insurance IS NULL OR json_valid(insurance)),
    gross_minor            INTEGER NOT NULL CHECK (gross_minor >= 0),
    discount_minor         INTEGER NOT NULL CHECK (discount_minor >= 0),
    invoice_discount_minor INTEGER NOT NULL CHECK (invoice_discount_minor >= 0),
    tax_minor              INTEGER NOT NULL CHECK (tax_minor >= 0),
    total_minor            INTEGER NOT NULL CHECK (total_minor >= 0),
    insurance_minor        INTEGER NOT NULL CHECK (insurance_minor BETWEEN 0 AND total_minor),
    patient_minor          INTEGER NOT NULL CHECK (patient_minor = total_minor - insurance_minor)
);
CREATE INDEX invoice_line_by_invoice ON invoice_line (invoice_id, position);

-- An issued invoice's lines never change (the issue applier un-issues inside its
-- own savepoint to replace a later issue's lines with the earlier one's).
CREATE TRIGGER invoice_line_frozen_insert
BEFORE INSERT ON invoice_line
WHEN (SELECT issued_at FROM invoice WHERE id = NEW.invoice_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'an issued invoice''s lines never change');
END;
CREATE TRIGGER invoice_line_frozen_update
BEFORE UPDATE ON invoice_line
WHEN (SELECT issued_at FROM invoice WHERE id = OLD.invoice_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'an issued invoice''s lines never change');
END;
CREATE TRIGGER invoice_line_frozen_delete
BEFORE DELETE ON invoice_line
WHEN (SELECT issued_at FROM invoice WHERE id = OLD.invoice_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'an issued invoice''s lines never change');
END;

CREATE TABLE payment (
    id              TEXT PRIMARY KEY,
    invoice_id      TEXT NOT NULL REFERENCES invoice (id),
    patient_id      TEXT NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('cash', 'card', 'bank_transfer', 'insurance_remittance')),
    -- Stored statuses; `refunded` is derived (succeeded and refunded in full).
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    reference       TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT,
    gateway_ref     TEXT,
    checkout_url    TEXT,
    failure_reason  TEXT,
    started_at      TEXT NOT NULL,
    -- When the money was received (succeeded), else when it was started.
    received_at     TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    recorded_by     TEXT NOT NULL DEFAULT '',
    recorded_by_id  TEXT,
    receipt_number  TEXT,
    -- The clock of the status change that won (statuses only move forward;
    -- between two equal moves the earlier clock wins).
    status_hlc      TEXT NOT NULL
);
CREATE INDEX payment_by_received_at ON payment (received_at);
CREATE INDEX payment_by_invoice ON payment (invoice_id);
CREATE INDEX payment_by_patient ON payment (patient_id, received_at);
CREATE INDEX payment_by_desk ON payment (device_id, received_at);
CREATE UNIQUE INDEX payment_by_idempotency_key ON payment (idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TRIGGER payment_is_never_deleted
BEFORE DELETE ON payment
BEGIN
    SELECT RAISE(ABORT, 'payments are never deleted: refund them');
END;
CREATE TRIGGER payment_facts_never_change
BEFORE UPDATE OF id, invoice_id, patient_id, method, amount_minor, currency, idempotency_key,
    started_at, device_id ON payment
BEGIN
    SELECT RAISE(ABORT, 'a payment''s amount, method and invoice never change');
END;

CREATE TABLE refund (
    id             TEXT PRIMARY KEY,
    payment_id     TEXT NOT NULL REFERENCES payment (id),
    invoice_id     TEXT NOT NULL REFERENCES invoice (id),
    patient_id     TEXT NOT NULL,
    method         TEXT NOT NULL CHECK (method IN ('cash', 'card', 'bank_transfer', 'insurance_remittance')),
    amount_minor   INTEGER NOT NULL CHECK (amount_minor > 0),
    currency       TEXT NOT NULL CHECK (length(currency) = 3),
    reason         TEXT NOT NULL,
    refunded_at    TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    recorded_by    TEXT NOT NULL DEFAULT '',
    recorded_by_id TEXT
);
CREATE INDEX refund_by_refunded_at ON refund (refunded_at);
CREATE INDEX refund_by_payment ON refund (payment_id);
CREATE INDEX refund_by_invoice ON refund (invoice_id);
CREATE INDEX refund_by_patient ON refund (patient_id, refunded_at);
CREATE INDEX refund_by_desk ON refund (device_id, refunded_at);

CREATE TRIGGER refund_never_changes
BEFORE UPDATE ON refund
BEGIN
    SELECT RAISE(ABORT, 'refunds never change');
END;
CREATE TRIGGER refund_is_never_deleted
BEFORE DELETE ON refund
BEGIN
    SELECT RAISE(ABORT, 'refunds are never deleted');
END;

CREATE TABLE credit_note (
    id              TEXT PRIMARY KEY,
    -- `CN-<device code>-<n>`.
    number          TEXT NOT NULL UNIQUE,
    invoice_id      TEXT NOT NULL REFERENCES invoice (id),
    patient_id      TEXT NOT NULL,
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    total_minor     INTEGER NOT NULL CHECK (total_minor > 0),
    insurance_minor INTEGER NOT NULL CHECK (insurance_minor >= 0),
    patient_minor   INTEGER NOT NULL CHECK (patient_minor = total_minor - insurance_minor),
    reason          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    recorded_by     TEXT NOT NULL DEFAULT '',
    recorded_by_id  TEXT
);
CREATE INDEX credit_note_by_invoice ON credit_note (invoice_id);
CREATE INDEX credit_note_by_patient ON credit_note (patient_id, created_at);
CREATE INDEX credit_note_by_created_at ON credit_note (created_at);

CREATE TABLE credit_note_line (
    credit_note_id  TEXT NOT NULL REFERENCES credit_note (id),
    invoice_line_id TEXT NOT NULL REFERENCES invoice_line (id),
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    insurance_minor INTEGER NOT NULL CHECK (insurance_minor BETWEEN 0 AND amount_minor),
    patient_minor   INTEGER NOT NULL CHECK (patient_minor = amount_minor - insurance_minor),
    PRIMARY KEY (credit_note_id, invoice_line_id)
) WITHOUT ROWID;
CREATE INDEX credit_note_line_by_line ON credit_note_line (invoice_line_id);

CREATE TRIGGER credit_note_never_changes
BEFORE UPDATE ON credit_note
BEGIN
    SELECT RAISE(ABORT, 'credit notes never change');
END;
CREATE TRIGGER credit_note_is_never_deleted
BEFORE DELETE ON credit_note
BEGIN
    SELECT RAISE(ABORT, 'credit notes are never deleted');
END;
CREATE TRIGGER credit_note_line_never_changes
BEFORE UPDATE ON credit_note_line
BEGIN
    SELECT RAISE(ABORT, 'credit notes never change');
END;
CREATE TRIGGER credit_note_line_is_never_deleted
BEFORE DELETE ON credit_note_line
BEGIN
    SELECT RAISE(ABORT, 'credit notes are never deleted');
END;

-- A desk's (device's) end-of-day close: a recount is a new version.
CREATE TABLE day_close (
    id                  TEXT PRIMARY KEY,
    -- Clinic date.
    date                TEXT NOT NULL,
    device_id           TEXT NOT NULL,
    version             INTEGER NOT NULL CHECK (version >= 1),
    currency            TEXT NOT NULL CHECK (length(currency) = 3),
    -- `[MethodTotal]` as JSON, every method.
    by_method           TEXT NOT NULL CHECK (json_valid(by_method)),
    pending_count       INTEGER NOT NULL DEFAULT 0,
    opening_float_minor INTEGER NOT NULL CHECK (opening_float_minor >= 0),
    expected_cash_minor INTEGER NOT NULL,
    counted_cash_minor  INTEGER NOT NULL CHECK (counted_cash_minor >= 0),
    difference_minor    INTEGER NOT NULL CHECK (difference_minor = counted_cash_minor - expected_cash_minor),
    note                TEXT NOT NULL DEFAULT '',
    closed_at           TEXT NOT NULL,
    closed_by           TEXT NOT NULL DEFAULT '',
    closed_by_id        TEXT,
    UNIQUE (date, device_id, version)
);
CREATE INDEX day_close_by_date ON day_close (date);

CREATE TRIGGER day_close_never_changes
BEFORE UPDATE ON day_close
BEGIN
    SELECT RAISE(ABORT, 'day closes never change: close again for a recount');
END;
CREATE TRIGGER day_close_is_never_deleted
BEFORE DELETE ON day_close
BEGIN
    SELECT RAISE(ABORT, 'day closes are never deleted');
END;
