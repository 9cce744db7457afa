//! Billing between devices (real encrypted stores and an in-process log
//! standing in for the server): offline payments, refunds, credit notes and
//! card confirmations made on two devices converge whatever order each device
//! hears them in; a payment racing a void is kept and flagged for review; the
//! earliest of two issues wins everywhere; card statuses only move forward;
//! concurrent draft edits end the same everywhere.
mod billing_common;
mod common;
mod identity_common;
mod schedule_common;
mod sync_common;

use billing_common::{check_sums, configure, count, draft_request, line};
use clinic_core::billing;
use clinic_protocol::{
    CardPaymentConfirmed, CardPaymentFailed, CreditLineInput, Hlc, Invoice, InvoiceStatus,
    IssueInvoice, PatientId, PaymentMethod, PaymentStatus, RecordCreditNote, RecordPayment,
    RecordRefund, SaveInvoiceDraft, Service, StartCardPayment, VoidInvoice,
};
use clinic_store::Store;
use common::caller;
use sync_common::{device, rows, Log};

const INVOICES: &str =
    "SELECT id || '|' || coalesce(number, '') || '|' || status || '|' || total_minor
    || '|' || credited_minor || '|' || paid_minor || '|' || refunded_minor || '|' || pending_minor
    || '|' || balance_minor || '|' || patient_balance_minor || '|' || insurance_balance_minor
    || '|' || needs_review || '|' || coalesce(void_reason, '') || '|' || coalesce(issued_at, '')
    FROM invoice ORDER BY id";
const LINES: &str = "SELECT id || '|' || invoice_id || '|' || position || '|' || quantity || '|'
    || total_minor || '|' || patient_minor FROM invoice_line ORDER BY id";
const PAYMENTS: &str = "SELECT id || '|' || status || '|' || amount_minor || '|' || coalesce(gateway_ref, '')
    || '|' || coalesce(receipt_number, '') || '|' || received_at || '|' || coalesce(failure_reason, '')
    FROM payment ORDER BY id";
const FACTS: &str = "SELECT id || '|' || amount_minor FROM refund
    UNION ALL SELECT id || '|' || total_minor || '|' || patient_minor FROM credit_note
    UNION ALL SELECT credit_note_id || invoice_line_id || amount_minor FROM credit_note_line
    UNION ALL SELECT id || '|' || version || '|' || difference_minor FROM day_close ORDER BY 1";

struct Devices {
    a: common::TestStore,
    b: common::TestStore,
    log: Log,
    patient: PatientId,
    consult: Service,
    lab: Service,
}

/// Two devices sharing a clinic: currency, services and Ada, made on A.
fn devices() -> Devices {
    let mut a = device();
    let mut b = device();
    let patient = common::register_ada(&mut a.store);
    let (consult, lab) = configure(&mut a.store, None);
    let mut log = Log::default();
    log.push(&mut a.store);
    let page = log.pull(&mut b.store);
    assert_eq!(page.held, 0, "{:?}", sync_common::held(&b.store));
    Devices {
        a,
        b,
        log,
        patient,
        consult,
        lab,
    }
}

impl Devices {
    /// A pushes, B pushes, then each pulls: each hears the other's changes
    /// after its own, in a different order.
    fn exchange(&mut self) {
        self.log.push(&mut self.a.store);
        self.log.push(&mut self.b.store);
        for s in [&mut self.a.store, &mut self.b.store] {
            let page = self.log.pull(s);
            assert_eq!(page.held, 0, "{:?}", sync_common::held(s));
        }
    }

    fn share(&mut self) {
        self.log.push(&mut self.a.store);
        self.log.push(&mut self.b.store);
        self.log.pull(&mut self.a.store);
        self.log.pull(&mut self.b.store);
    }

    fn issued_on_a(&mut self) -> Invoice {
        let d = billing::save_draft(
            &mut self.a.store,
            &caller(),
            draft_request(
                self.patient,
                vec![line(self.consult.id, 1), line(self.lab.id, 1)],
            ),
        )
        .unwrap();
        let inv = billing::issue_invoice(
            &mut self.a.store,
            &caller(),
            IssueInvoice {
                id: d.id,
                expected_version: d.version,
            },
        )
        .unwrap();
        self.share();
        inv
    }
}

fn same(stores: &[&Store], sql: &str) {
    let first = rows(stores[0], sql);
    assert!(!first.is_empty(), "{sql}");
    for s in &stores[1..] {
        assert_eq!(rows(s, sql), first, "{sql}");
    }
}

fn pay(
    store: &mut Store,
    invoice: &Invoice,
    method: PaymentMethod,
    amount: i64,
) -> clinic_protocol::Payment {
    billing::record_payment(
        store,
        &caller(),
        RecordPayment {
            invoice_id: invoice.id,
            method,
            amount_minor: amount,
            currency: "EUR".into(),
            reference: String::new(),
        },
    )
    .unwrap()
}

fn get(store: &Store, invoice: &Invoice) -> Invoice {
    billing::get_invoice(store.conn(), invoice.id).unwrap()
}

#[test]
fn offline_money_on_two_devices_converges_whatever_the_order() {
    let mut d = devices();
    let inv = d.issued_on_a();
    // Offline on A: cash, a credit on the lab line, a card payment confirmed.
    pay(&mut d.a.store, &inv, PaymentMethod::Cash, 2000);
    billing::record_credit_note(
        &mut d.a.store,
        &caller(),
        RecordCreditNote {
            invoice_id: inv.id,
            lines: vec![CreditLineInput {
                invoice_line_id: inv.lines[1].id,
                amount_minor: 1200,
            }],
            reason: "Test not done".into(),
        },
    )
    .unwrap();
    let card = billing::start_card_payment(
        &mut d.a.store,
        &caller(),
        StartCardPayment {
            invoice_id: inv.id,
            amount_minor: 1500,
            currency: "EUR".into(),
        },
    )
    .unwrap();
    billing::card_payment_confirmed(
        &mut d.a.store,
        &caller(),
        CardPaymentConfirmed {
            payment_id: card.id,
            gateway_ref: "pi_1".into(),
            amount_minor: 1500,
            currency: "EUR".into(),
        },
    )
    .unwrap();
    // Offline on B: a bank transfer, partly refunded, and a day close.
    let transfer = pay(&mut d.b.store, &inv, PaymentMethod::BankTransfer, 1000);
    billing::record_refund(
        &mut d.b.store,
        &caller(),
        RecordRefund {
            payment_id: transfer.id,
            amount_minor: 400,
            currency: "EUR".into(),
            reason: "Fee".into(),
        },
    )
    .unwrap();
    billing::close_day(
        &mut d.b.store,
        &caller(),
        clinic_protocol::CloseDay {
            date: String::new(),
            opening_float_minor: 0,
            counted_cash_minor: 0,
            note: String::new(),
        },
        chrono::Utc::now(),
    )
    .unwrap();
    d.exchange();
    // A third device hears everything in log order.
    let mut c = device();
    assert_eq!(
        d.log.pull(&mut c.store).held,
        0,
        "{:?}",
        sync_common::held(&c.store)
    );
    let stores = [&d.a.store, &d.b.store, &c.store];
    for sql in [INVOICES, LINES, PAYMENTS, FACTS] {
        same(&stores, sql);
    }
    let there = get(&c.store, &inv);
    assert_eq!(there.totals.paid_minor, 2000 + 1500 + 1000);
    assert_eq!(there.totals.refunded_minor, 400);
    assert_eq!(there.totals.credited_minor, 1200);
    assert_eq!(there.totals.balance_minor, 7200 - 1200 - 4500 + 400);
    assert_eq!(
        (there.status, there.needs_review),
        (InvoiceStatus::PartiallyPaid, false)
    );
    for s in [&mut d.a.store, &mut d.b.store, &mut c.store] {
        check_sums(s);
    }
    let balances: Vec<i64> = [&mut d.a.store, &mut d.b.store, &mut c.store]
        .into_iter()
        .map(|s| {
            billing::patient_balance(s, &caller(), d.patient)
                .unwrap()
                .balance_minor
        })
        .collect();
    assert_eq!(balances, [1900, 1900, 1900]);
}

#[test]
fn a_payment_racing_a_void_is_kept_and_flagged_for_review() {
    let mut d = devices();
    let inv = d.issued_on_a();
    let on_a = get(&d.a.store, &inv);
    billing::void_invoice(
        &mut d.a.store,
        &caller(),
        VoidInvoice {
            id: inv.id,
            expected_version: on_a.version,
            reason: "Duplicate".into(),
        },
    )
    .unwrap();
    pay(&mut d.b.store, &inv, PaymentMethod::Cash, 2000);
    d.exchange();
    same(&[&d.a.store, &d.b.store], INVOICES);
    for s in [&d.a.store, &d.b.store] {
        let i = get(s, &inv);
        assert_eq!((i.status, i.needs_review), (InvoiceStatus::Void, true));
        assert_eq!((i.totals.paid_minor, i.totals.balance_minor), (2000, -2000));
    }
    let flagged = billing::list_invoices(
        &mut d.a.store,
        &caller(),
        clinic_protocol::InvoiceQuery {
            needs_review_only: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(flagged.len(), 1);
    // The money is the patient's: their balance shows it owed back.
    assert_eq!(
        billing::patient_balance(&mut d.b.store, &caller(), d.patient)
            .unwrap()
            .balance_minor,
        -2000
    );
    check_sums(&mut d.a.store);
    check_sums(&mut d.b.store);
}

fn issue_hlc(store: &Store) -> (Hlc, String) {
    store
        .conn()
        .query_row(
            "SELECT hlc, json_extract(payload, '$.number') FROM outbox WHERE kind = 'issue_invoice'",
            [],
            |r| Ok((r.get::<_, String>(0)?.parse().unwrap(), r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn two_devices_issuing_the_same_draft_agree_on_the_earliest() {
    let mut d = devices();
    let draft = billing::save_draft(
        &mut d.a.store,
        &caller(),
        draft_request(d.patient, vec![line(d.consult.id, 2)]),
    )
    .unwrap();
    d.share();
    let issue = IssueInvoice {
        id: draft.id,
        expected_version: 0,
    };
    for s in [&mut d.a.store, &mut d.b.store] {
        let v = billing::get_invoice(s.conn(), draft.id).unwrap().version;
        let issued = billing::issue_invoice(
            s,
            &caller(),
            IssueInvoice {
                expected_version: v,
                ..issue.clone()
            },
        )
        .unwrap();
        assert_eq!(issued.status, InvoiceStatus::Issued);
    }
    // B takes a payment on its issued copy meanwhile.
    let on_b = get(&d.b.store, &draft);
    pay(&mut d.b.store, &on_b, PaymentMethod::Cash, 1000);
    let (ha, na) = issue_hlc(&d.a.store);
    let (hb, nb) = issue_hlc(&d.b.store);
    assert_ne!(na, nb);
    let winner = if ha < hb { na } else { nb };
    d.exchange();
    same(&[&d.a.store, &d.b.store], INVOICES);
    same(&[&d.a.store, &d.b.store], LINES);
    assert_eq!(get(&d.a.store, &draft).number, Some(winner));
    assert_eq!(get(&d.a.store, &draft).status, InvoiceStatus::PartiallyPaid);
    check_sums(&mut d.a.store);
}

#[test]
fn card_statuses_only_move_forward_whatever_the_order() {
    let mut d = devices();
    let inv = d.issued_on_a();
    let card = billing::start_card_payment(
        &mut d.a.store,
        &caller(),
        StartCardPayment {
            invoice_id: inv.id,
            amount_minor: 7200,
            currency: "EUR".into(),
        },
    )
    .unwrap();
    d.share();
    // B's runner saw the checkout expire; A's saw it paid.
    billing::card_payment_failed(
        &mut d.b.store,
        &caller(),
        CardPaymentFailed {
            payment_id: card.id,
            reason: "expired".into(),
        },
    )
    .unwrap();
    billing::card_payment_confirmed(
        &mut d.a.store,
        &caller(),
        CardPaymentConfirmed {
            payment_id: card.id,
            gateway_ref: "pi_9".into(),
            amount_minor: 7200,
            currency: "EUR".into(),
        },
    )
    .unwrap();
    d.exchange();
    same(&[&d.a.store, &d.b.store], PAYMENTS);
    for s in [&d.a.store, &d.b.store] {
        let p = billing::get_payment(s.conn(), card.id).unwrap();
        assert_eq!(
            (p.status, p.gateway_ref.as_deref()),
            (PaymentStatus::Succeeded, Some("pi_9"))
        );
        assert_eq!(get(s, &inv).status, InvoiceStatus::Paid);
    }
}

#[test]
fn concurrent_draft_edits_end_the_same_everywhere() {
    let mut d = devices();
    let draft = billing::save_draft(
        &mut d.a.store,
        &caller(),
        draft_request(d.patient, vec![line(d.consult.id, 1)]),
    )
    .unwrap();
    d.share();
    let edit = |s: &mut Store, quantity: i64, note: &str| {
        let current = billing::get_invoice(s.conn(), draft.id).unwrap();
        let mut l = line(d.consult.id, quantity);
        l.id = Some(current.lines[0].id);
        billing::save_draft(
            s,
            &caller(),
            SaveInvoiceDraft {
                id: Some(draft.id),
                expected_version: Some(current.version),
                note: note.into(),
                ..draft_request(d.patient, vec![l, line(d.lab.id, quantity)])
            },
        )
        .unwrap()
    };
    edit(&mut d.a.store, 2, "from A");
    edit(&mut d.b.store, 3, "from B");
    d.exchange();
    same(&[&d.a.store, &d.b.store], INVOICES);
    same(&[&d.a.store, &d.b.store], LINES);
    let total = get(&d.a.store, &draft).totals.total_minor;
    assert!(total == 2 * 7200 || total == 3 * 7200, "{total}");
    check_sums(&mut d.b.store);
}

#[test]
fn a_payment_arriving_before_its_invoice_is_held_then_applied() {
    let mut d = devices();
    let inv = d.issued_on_a();
    let from = d.log.ops.len() as u64;
    pay(&mut d.a.store, &inv, PaymentMethod::Cash, 7200);
    d.log.push(&mut d.a.store);
    // A new device hears the payment first (a page cut badly), then the rest.
    let mut c = device();
    let payment_only = d.log.page(from, d.log.ops.len() as u64);
    let first = clinic_core::sync::apply_page(&mut c.store, &payment_only, None).unwrap();
    assert_eq!((first.applied, first.held), (0, 1));
    assert_eq!(count(&c.store, "SELECT count(*) FROM payment"), 0);
    d.log.pull(&mut c.store);
    assert_eq!(clinic_core::sync::retry_held(&mut c.store).unwrap(), 1);
    same(&[&d.a.store, &c.store], INVOICES);
    same(&[&d.a.store, &c.store], PAYMENTS);
    assert_eq!(get(&c.store, &inv).status, InvoiceStatus::Paid);
}
