-- 0017: what the practice dashboards need to stay fast on years of data.
-- Append-only once landed: never edit; add a new numbered file instead.
--
-- Device-local and derived (never an op, never synced): receivable_movement,
-- kept by the triggers below from invoice, payment, refund and credit_note on
-- every device, whatever wrote those rows (a use case or a pulled op).

-- Appointments by start with their status and patient: the counts by outcome
-- and the patients seen per period are read from this index alone (through
-- appointment_by_time every row was fetched: 0.37 s for five busy years by month).
CREATE INDEX appointment_dashboard ON appointment (starts_at, status, patient_id);

-- Each patient's first attended appointment is one seek (new versus returning).
CREATE INDEX appointment_first_visit ON appointment (patient_id, starts_at, status)
    WHERE status IN ('checked_in', 'in_consultation', 'done');

-- Revenue per period: invoices issued and payments received, summed from the
-- index alone (through invoice_by_issued_at and payment_by_received_at every
-- row was fetched: 0.9 s for five busy years by month).
CREATE INDEX invoice_revenue ON invoice (issued_at, status, currency, total_minor)
    WHERE issued_at IS NOT NULL;
CREATE INDEX payment_revenue ON payment (received_at, status, currency, amount_minor);

-- Every movement of a receivable, stamped with its invoice's issue instant, so
-- the receivables dashboard can age past balances without joining each payment
-- to its invoice: a payment (negative), a refund (positive), a credit note
-- (negative), a void (minus the invoice's total). Written only by the triggers.
CREATE TABLE receivable_movement (
    -- 'payment:<id>', 'refund:<id>', 'credit_note:<id>' or 'void:<invoice id>'.
    source     TEXT PRIMARY KEY,
    invoice_id TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('payment', 'refund', 'credit_note', 'void')),
    currency   TEXT NOT NULL,
    -- The invoice's issue instant (NULL while the invoice is unknown or a draft).
    issued_at  TEXT,
    -- When the movement happened (RFC 3339 UTC, text order is time order).
    at         TEXT NOT NULL,
    -- What it adds to the invoice's balance, in minor units.
    amount     INTEGER NOT NULL
);
CREATE INDEX receivable_movement_by_invoice ON receivable_movement (invoice_id);
-- Movements after their invoice's issue: the only ones by which a balance at
-- an earlier date differs from today's.
CREATE INDEX receivable_movement_late ON receivable_movement (at, issued_at, currency, amount)
    WHERE at > issued_at;

-- Invoices with something left to pay today (the receivables' starting point).
CREATE INDEX invoice_open_balance ON invoice (issued_at, currency, balance_minor, status)
    WHERE balance_minor <> 0 AND status <> 'void';

CREATE TRIGGER receivable_payment_inserted
AFTER INSERT ON payment
WHEN NEW.status = 'succeeded'
BEGIN
    INSERT INTO receivable_movement (source, invoice_id, kind, currency, issued_at, at, amount)
    VALUES ('payment:' || NEW.id, NEW.invoice_id, 'payment', NEW.currency,
            (SELECT issued_at FROM invoice WHERE id = NEW.invoice_id), NEW.received_at,
            -NEW.amount_minor);
END;

CREATE TRIGGER receivable_payment_changed
AFTER UPDATE OF status, received_at ON payment
BEGIN
    DELETE FROM receivable_movement WHERE source = 'payment:' || OLD.id;
    INSERT INTO receivable_movement (source, invoice_id, kind, currency, issued_at, at, amount)
    SELECT 'payment:' || NEW.id, NEW.invoice_id, 'payment', NEW.currency,
           (SELECT issued_at FROM invoice WHERE id = NEW.invoice_id), NEW.received_at,
           -NEW.amount_minor
    WHERE NEW.status = 'succeeded';
END;

CREATE TRIGGER receivable_refund_inserted
AFTER INSERT ON refund
BEGIN
    INSERT INTO receivable_movement (source, invoice_id, kind, currency, issued_at, at, amount)
    VALUES ('refund:' || NEW.id, NEW.invoice_id, 'refund', NEW.currency,
            (SELECT issued_at FROM invoice WHERE id = NEW.invoice_id), NEW.refunded_at,
            NEW.amount_minor);
END;

CREATE TRIGGER receivable_credit_note_inserted
AFTER INSERT ON credit_note
BEGIN
    INSERT INTO receivable_movement (source, invoice_id, kind, currency, issued_at, at, amount)
    VALUES ('credit_note:' || NEW.id, NEW.invoice_id, 'credit_note', NEW.currency,
            (SELECT issued_at FROM invoice WHERE id = NEW.invoice_id), NEW.created_at,
            -NEW.total_minor);
END;

-- An invoice arriving (sync) or changing: its movements follow its issue
-- instant (facts may arrive before it; an earlier issue may win), and a void
-- is a movement of minus its total.
CREATE TRIGGER receivable_invoice_inserted
AFTER INSERT ON invoice
BEGIN
    UPDATE receivable_movement SET issued_at = NEW.issued_at
     WHERE invoice_id = NEW.id AND issued_at IS NOT NEW.issued_at;
    INSERT INTO receivable_movement (source, invoice_id, kind, currency, issued_at, at, amount)
    SELECT 'void:' || NEW.id, NEW.id, 'void', NEW.currency, NEW.issued_at, NEW.voided_at,
           -NEW.total_minor
    WHERE NEW.voided_at IS NOT NULL AND NEW.issued_at IS NOT NULL;
END;

CREATE TRIGGER receivable_invoice_changed
AFTER UPDATE OF issued_at, voided_at, total_minor, currency ON invoice
BEGIN
    UPDATE receivable_movement SET issued_at = NEW.issued_at
     WHERE invoice_id = NEW.id AND issued_at IS NOT NEW.issued_at;
    DELETE FROM receivable_movement WHERE source = 'void:' || NEW.id;
    INSERT INTO receivable_movement (source, invoice_id, kind, currency, issued_at, at, amount)
    SELECT 'void:' || NEW.id, NEW.id, 'void', NEW.currency, NEW.issued_at, NEW.voided_at,
           -NEW.total_minor
    WHERE NEW.voided_at IS NOT NULL AND NEW.issued_at IS NOT NULL;
END;

-- What a store already holds.
INSERT INTO receivable_movement (source, invoice_id, kind, currency, issued_at, at, amount)
SELECT 'payment:' || p.id, p.invoice_id, 'payment', p.currency, i.issued_at, p.received_at,
       -p.amount_minor
  FROM payment p LEFT JOIN invoice i ON i.id = p.invoice_id
 WHERE p.status = 'succeeded';
INSERT INTO receivable_movement (source, invoice_id, kind, currency, issued_at, at, amount)
SELECT 'refund:' || r.id, r.invoice_id, 'refund', r.currency, i.issued_at, r.refunded_at,
       r.amount_minor
  FROM refund r LEFT JOIN invoice i ON i.id = r.invoice_id;
INSERT INTO receivable_movement (source, invoice_id, kind, currency, issued_at, at, amount)
SELECT 'credit_note:' || c.id, c.invoice_id, 'credit_note', c.currency, i.issued_at, c.created_at,
       -c.total_minor
  FROM credit_note c LEFT JOIN invoice i ON i.id = c.invoice_id;
INSERT INTO receivable_movement (source, invoice_id, kind, currency, issued_at, at, amount)
SELECT 'void:' || id, id, 'void', currency, issued_at, voided_at, -total_minor
  FROM invoice WHERE voided_at IS NOT NULL AND issued_at IS NOT NULL;
