//! Payments, card payments through the gateway, refunds, credit notes,
//! balances, statements and the end-of-day close on a real encrypted store:
//! overpayment, currency mismatch, refunds above what was paid and credits
//! above a line are refused with a field error and write nothing; a card
//! payment started twice is one pending payment and confirmed twice is one
//! payment; balances and statements add up; the close counts this desk's day.
mod billing_common;
mod common;
mod identity_common;
mod schedule_common;

use billing_common::{check_sums, count, fields, line, setup, written};
use chrono::Utc;
use clinic_core::{billing, CoreError};
use clinic_protocol::{
    CardCheckoutCreated, CardPaymentConfirmed, CardPaymentFailed, CloseDay, CreditLineInput,
    DaySummaryQuery, InvoiceStatus, PaymentMethod, PaymentStatus, Portion, RecordCreditNote,
    RecordPayment, RecordRefund, StartCardPayment, StatementEntryKind, StatementQuery,
};

fn start(amount: i64, invoice: clinic_protocol::InvoiceId) -> StartCardPayment {
    StartCardPayment {
        invoice_id: invoice,
        amount_minor: amount,
        currency: "EUR".into(),
    }
}

fn refund(payment: clinic_protocol::PaymentId, amount: i64) -> RecordRefund {
    RecordRefund {
        payment_id: payment,
        amount_minor: amount,
        currency: "EUR".into(),
        reason: "Overcharged".into(),
    }
}

#[test]
fn partial_payments_then_paid_with_receipts() {
    let mut b = setup();
    let inv = b.issued();
    let cash = b.pay(&inv, PaymentMethod::Cash, 2000).unwrap();
    assert_eq!(cash.status, PaymentStatus::Succeeded);
    let code = clinic_core::registry::device_code(&b.store().device_id());
    assert_eq!(
        cash.receipt_number.as_deref(),
        Some(format!("RCP-{code}-000001").as_str())
    );
    let now = b.invoice(&inv);
    assert_eq!(now.status, InvoiceStatus::PartiallyPaid);
    assert_eq!(
        (now.totals.paid_minor, now.totals.balance_minor),
        (2000, 5200)
    );
    let card = b.pay(&now, PaymentMethod::Card, 5200).unwrap();
    let paid = b.invoice(&inv);
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(paid.totals.balance_minor, 0);
    let clerk = b.clerk();
    let r = billing::receipt(b.store(), &clerk, card.id).unwrap();
    assert_eq!(r.invoice_number, inv.number);
    assert_eq!((r.payment.amount_minor, r.invoice_balance_minor), (5200, 0));
    assert_eq!(r.invoice_footer, "Harbour Street Clinic — VAT GB123");
    let detail = billing::invoice_detail(b.store(), &clerk, inv.id).unwrap();
    assert_eq!(detail.payments.len(), 2);
    check_sums(b.store());
}

#[test]
fn overpayment_currency_mismatch_and_bad_amounts_are_refused_writing_nothing() {
    let mut b = setup();
    let clerk = b.clerk();
    let inv = b.issued();
    let draft = b.draft(vec![line(b.lab.id, 1)]);
    let before = written(b.store());
    let e = b.pay(&inv, PaymentMethod::Cash, 7201).unwrap_err();
    let CoreError::Validation(f) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(f[0].field, "amount_minor");
    assert!(f[0].message.contains("72.00 EUR"), "{}", f[0].message);
    for amount in [0, -500, i64::MAX] {
        assert_eq!(
            fields(b.pay(&inv, PaymentMethod::Cash, amount).unwrap_err()),
            ["amount_minor"]
        );
    }
    let in_dollars = RecordPayment {
        invoice_id: inv.id,
        method: PaymentMethod::Cash,
        amount_minor: 100,
        currency: "USD".into(),
        reference: String::new(),
    };
    assert_eq!(
        fields(billing::record_payment(b.store(), &clerk, in_dollars).unwrap_err()),
        ["currency"]
    );
    assert_eq!(
        fields(b.pay(&draft, PaymentMethod::Cash, 100).unwrap_err()),
        ["invoice_id"]
    );
    let unknown = clinic_protocol::Invoice {
        id: clinic_protocol::InvoiceId::new(),
        ..inv.clone()
    };
    assert!(matches!(
        b.pay(&unknown, PaymentMethod::Cash, 100),
        Err(CoreError::NotFound(_))
    ));
    assert_eq!(written(b.store()), before);
}

#[test]
fn the_front_desk_takes_cash_and_card_only() {
    let mut b = setup();
    let desk = b.desk();
    let inv = b.issued();
    let transfer = RecordPayment {
        invoice_id: inv.id,
        method: PaymentMethod::BankTransfer,
        amount_minor: 1000,
        currency: "EUR".into(),
        reference: "SEPA 1182".into(),
    };
    let before = written(b.store());
    let e = billing::record_payment(b.store(), &desk, transfer.clone()).unwrap_err();
    let CoreError::Forbidden(refusal) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(refusal.command, clinic_core::authz::Command::RecordPayment);
    assert_eq!(written(b.store()), before);
    let cash = RecordPayment {
        method: PaymentMethod::Cash,
        ..transfer.clone()
    };
    assert_eq!(
        billing::record_payment(b.store(), &desk, cash)
            .unwrap()
            .amount_minor,
        1000
    );
    let clerk = b.clerk();
    let p = billing::record_payment(b.store(), &clerk, transfer).unwrap();
    assert_eq!(
        (p.method, p.reference.as_str()),
        (PaymentMethod::BankTransfer, "SEPA 1182")
    );
}

#[test]
fn insurance_remittances_pay_the_insurers_portion_and_patients_theirs() {
    let mut b = setup();
    let mut insured = line(b.consult.id, 1);
    insured.insurance = Some(Portion::Percent { basis_points: 8000 });
    let d = b.draft(vec![insured]);
    let inv = b.issue(&d);
    assert_eq!(
        (inv.totals.insurance_minor, inv.totals.patient_minor),
        (4800, 1200)
    );
    let e = b
        .pay(&inv, PaymentMethod::InsuranceRemittance, 4801)
        .unwrap_err();
    let CoreError::Validation(f) = &e else {
        panic!("{e:?}")
    };
    assert!(f[0].message.contains("insurer"), "{}", f[0].message);
    assert_eq!(
        fields(b.pay(&inv, PaymentMethod::Cash, 1201).unwrap_err()),
        ["amount_minor"]
    );
    b.pay(&inv, PaymentMethod::Cash, 1200).unwrap();
    let clerk = b.clerk();
    let patient = b.c.patient;
    let balance = billing::patient_balance(b.store(), &clerk, patient).unwrap();
    assert_eq!(
        (balance.balance_minor, balance.insurance_outstanding_minor),
        (0, 4800)
    );
    assert!(balance.open_invoices.is_empty());
    b.pay(&inv, PaymentMethod::InsuranceRemittance, 4800)
        .unwrap();
    let done = b.invoice(&inv);
    assert_eq!(
        (done.status, done.totals.balance_minor),
        (InvoiceStatus::Paid, 0)
    );
    check_sums(b.store());
}

#[test]
fn refunds_never_exceed_what_was_paid() {
    let mut b = setup();
    let clerk = b.clerk();
    let inv = b.issued();
    let p = b.pay(&inv, PaymentMethod::Cash, 5000).unwrap();
    let before = written(b.store());
    assert_eq!(
        fields(billing::record_refund(b.store(), &clerk, refund(p.id, 5001)).unwrap_err()),
        ["amount_minor"]
    );
    assert_eq!(
        fields(billing::record_refund(b.store(), &clerk, refund(p.id, -1)).unwrap_err()),
        ["amount_minor"]
    );
    let mut no_reason = refund(p.id, 100);
    no_reason.reason = String::new();
    assert_eq!(
        fields(billing::record_refund(b.store(), &clerk, no_reason).unwrap_err()),
        ["reason"]
    );
    let mut yen = refund(p.id, 100);
    yen.currency = "JPY".into();
    assert_eq!(
        fields(billing::record_refund(b.store(), &clerk, yen).unwrap_err()),
        ["currency"]
    );
    assert_eq!(written(b.store()), before);
    billing::record_refund(b.store(), &clerk, refund(p.id, 3000)).unwrap();
    let e = billing::record_refund(b.store(), &clerk, refund(p.id, 2001)).unwrap_err();
    let CoreError::Validation(f) = &e else {
        panic!("{e:?}")
    };
    assert!(f[0].message.contains("20.00 EUR"), "{}", f[0].message);
    billing::record_refund(b.store(), &clerk, refund(p.id, 2000)).unwrap();
    let paid = billing::get_payment(b.store().conn(), p.id).unwrap();
    assert_eq!(
        (paid.status, paid.refunded_minor),
        (PaymentStatus::Refunded, 5000)
    );
    assert_eq!(
        fields(billing::record_refund(b.store(), &clerk, refund(p.id, 1)).unwrap_err()),
        ["payment_id"]
    );
    let now = b.invoice(&inv);
    assert_eq!(
        (now.status, now.totals.balance_minor),
        (InvoiceStatus::Issued, 7200)
    );
    check_sums(b.store());
}

#[test]
fn credit_notes_never_exceed_a_line_and_split_like_it() {
    let mut b = setup();
    let clerk = b.clerk();
    let mut insured = line(b.consult.id, 1);
    insured.insurance = Some(Portion::Percent { basis_points: 5000 });
    let d = b.draft(vec![insured, line(b.lab.id, 1)]);
    let before_issue = written(b.store());
    let on_draft = RecordCreditNote {
        invoice_id: d.id,
        lines: vec![CreditLineInput {
            invoice_line_id: d.lines[0].id,
            amount_minor: 100,
        }],
        reason: "Goodwill".into(),
    };
    assert_eq!(
        fields(billing::record_credit_note(b.store(), &clerk, on_draft).unwrap_err()),
        ["invoice_id"]
    );
    assert_eq!(written(b.store()), before_issue);
    let inv = b.issue(&d);
    let (consult, lab) = (inv.lines[0].id, inv.lines[1].id);
    let credit = |lines: Vec<(clinic_protocol::InvoiceLineId, i64)>| RecordCreditNote {
        invoice_id: inv.id,
        lines: lines
            .into_iter()
            .map(|(id, a)| CreditLineInput {
                invoice_line_id: id,
                amount_minor: a,
            })
            .collect(),
        reason: "Shortened consultation".into(),
    };
    let before = written(b.store());
    let e =
        billing::record_credit_note(b.store(), &clerk, credit(vec![(consult, 6001)])).unwrap_err();
    assert_eq!(fields(e), ["lines.0.amount_minor"]);
    let e = billing::record_credit_note(
        b.store(),
        &clerk,
        credit(vec![(lab, 100), (clinic_protocol::InvoiceLineId::new(), 1)]),
    )
    .unwrap_err();
    assert_eq!(fields(e), ["lines.1.invoice_line_id"]);
    let e = billing::record_credit_note(b.store(), &clerk, credit(vec![(lab, 100), (lab, 100)]))
        .unwrap_err();
    assert_eq!(fields(e), ["lines.1.invoice_line_id"]);
    assert_eq!(
        fields(billing::record_credit_note(b.store(), &clerk, credit(vec![])).unwrap_err()),
        ["lines"]
    );
    assert_eq!(written(b.store()), before);
    let note =
        billing::record_credit_note(b.store(), &clerk, credit(vec![(consult, 1001)])).unwrap();
    // 10.01 of a line half insured: 5.00 (half-even) from the insurer, 5.01 from the patient.
    assert_eq!(
        (note.lines[0].insurance_minor, note.lines[0].patient_minor),
        (500, 501)
    );
    assert!(note.number.starts_with("CN-"));
    let e =
        billing::record_credit_note(b.store(), &clerk, credit(vec![(consult, 5000)])).unwrap_err();
    let CoreError::Validation(f) = &e else {
        panic!("{e:?}")
    };
    assert!(f[0].message.contains("4999"), "{}", f[0].message);
    billing::record_credit_note(
        b.store(),
        &clerk,
        credit(vec![(consult, 4999), (lab, 1200)]),
    )
    .unwrap();
    let now = b.invoice(&inv);
    assert_eq!(
        (now.totals.credited_minor, now.totals.balance_minor),
        (7200, 0)
    );
    assert_eq!(now.status, InvoiceStatus::Paid, "nothing is due any more");
    assert_eq!(now.lines[0].credited_minor, 6000);
    check_sums(b.store());
}

#[test]
fn a_card_payment_started_twice_is_one_pending_payment_and_confirmed_twice_one_payment() {
    let mut b = setup();
    let clerk = b.clerk();
    let device = common::caller();
    let inv = b.issued();
    let ops = common::outbox_len(b.store());
    let pending = billing::start_card_payment(b.store(), &clerk, start(7200, inv.id)).unwrap();
    assert_eq!(pending.status, PaymentStatus::Pending);
    let key: uuid::Uuid = pending.idempotency_key.as_deref().unwrap().parse().unwrap();
    assert_eq!(key.get_version_num(), 7);
    assert_eq!(pending.receipt_number, None);
    let again = billing::start_card_payment(b.store(), &clerk, start(3000, inv.id)).unwrap();
    assert_eq!(
        (again.id, again.idempotency_key.clone()),
        (pending.id, pending.idempotency_key.clone())
    );
    assert_eq!(count(b.store(), "SELECT count(*) FROM payment"), 1);
    assert_eq!(common::outbox_len(b.store()), ops + 1);
    // The pending amount is spoken for: cash on top of it would overpay.
    let e = b.pay(&inv, PaymentMethod::Cash, 1).unwrap_err();
    let CoreError::Validation(f) = &e else {
        panic!("{e:?}")
    };
    assert!(f[0].message.contains("in progress"), "{}", f[0].message);
    let before = written(b.store());
    let wrong = CardPaymentConfirmed {
        payment_id: pending.id,
        gateway_ref: "cs_test_a1".into(),
        amount_minor: 7100,
        currency: "EUR".into(),
    };
    assert_eq!(
        fields(billing::card_payment_confirmed(b.store(), &device, wrong.clone()).unwrap_err()),
        ["amount_minor"]
    );
    let dollars = CardPaymentConfirmed {
        currency: "USD".into(),
        amount_minor: 7200,
        ..wrong.clone()
    };
    assert_eq!(
        fields(billing::card_payment_confirmed(b.store(), &device, dollars).unwrap_err()),
        ["currency"]
    );
    assert_eq!(written(b.store()), before);
    let checkout = CardCheckoutCreated {
        payment_id: pending.id,
        gateway_ref: "cs_test_a1".into(),
        checkout_url: Some("https://checkout.example.test/pay/cs_test_a1".into()),
    };
    let p = billing::card_checkout_created(b.store(), &device, checkout.clone()).unwrap();
    assert_eq!(p.gateway_ref.as_deref(), Some("cs_test_a1"));
    let ops = common::outbox_len(b.store());
    billing::card_checkout_created(b.store(), &device, checkout).unwrap();
    assert_eq!(
        common::outbox_len(b.store()),
        ops,
        "the same checkout twice records once"
    );
    assert_eq!(
        billing::pending_card_payments(b.store().conn())
            .unwrap()
            .len(),
        1
    );
    let ok = CardPaymentConfirmed {
        amount_minor: 7200,
        ..wrong
    };
    let confirmed = billing::card_payment_confirmed(b.store(), &device, ok.clone()).unwrap();
    assert_eq!(confirmed.status, PaymentStatus::Succeeded);
    assert!(confirmed.receipt_number.is_some());
    let after = written(b.store());
    let twice = billing::card_payment_confirmed(b.store(), &device, ok.clone()).unwrap();
    assert_eq!(twice, confirmed);
    let late_failure = CardPaymentFailed {
        payment_id: pending.id,
        reason: "expired".into(),
    };
    assert_eq!(
        billing::card_payment_failed(b.store(), &device, late_failure)
            .unwrap()
            .status,
        PaymentStatus::Succeeded
    );
    assert_eq!(
        written(b.store()),
        after,
        "confirming again or failing late changes nothing"
    );
    let other_ref = CardPaymentConfirmed {
        gateway_ref: "cs_other".into(),
        ..ok
    };
    assert_eq!(
        fields(billing::card_payment_confirmed(b.store(), &device, other_ref).unwrap_err()),
        ["gateway_ref"]
    );
    assert_eq!(count(b.store(), "SELECT count(*) FROM payment"), 1);
    assert!(billing::pending_card_payments(b.store().conn())
        .unwrap()
        .is_empty());
    assert_eq!(b.invoice(&inv).status, InvoiceStatus::Paid);
    check_sums(b.store());
}

#[test]
fn a_failed_card_payment_counts_for_nothing_and_a_new_one_gets_a_new_key() {
    let mut b = setup();
    let clerk = b.clerk();
    let device = common::caller();
    let inv = b.issued();
    let first = billing::start_card_payment(b.store(), &clerk, start(7200, inv.id)).unwrap();
    let failed = CardPaymentFailed {
        payment_id: first.id,
        reason: "card_declined".into(),
    };
    let f = billing::card_payment_failed(b.store(), &device, failed.clone()).unwrap();
    assert_eq!(
        (f.status, f.failure_reason.as_deref()),
        (PaymentStatus::Failed, Some("card_declined"))
    );
    let before = written(b.store());
    billing::card_payment_failed(b.store(), &device, failed).unwrap();
    assert_eq!(written(b.store()), before);
    let now = b.invoice(&inv);
    assert_eq!(
        (now.totals.pending_minor, now.totals.balance_minor),
        (0, 7200)
    );
    let second = billing::start_card_payment(b.store(), &clerk, start(2000, inv.id)).unwrap();
    assert_ne!(second.id, first.id);
    assert_ne!(second.idempotency_key, first.idempotency_key);
    // A cash payment is not a gateway payment.
    let cash = b.pay(&inv, PaymentMethod::Cash, 100).unwrap();
    let e = billing::card_payment_failed(
        b.store(),
        &device,
        CardPaymentFailed {
            payment_id: cash.id,
            reason: "x".into(),
        },
    )
    .unwrap_err();
    assert_eq!(fields(e), ["payment_id"]);
    check_sums(b.store());
}

#[test]
fn the_balance_and_the_statement_add_up() {
    let mut b = setup();
    let clerk = b.clerk();
    let patient = b.c.patient;
    let first = b.issued();
    let second = {
        let d = b.draft(vec![line(b.lab.id, 2)]);
        b.issue(&d)
    };
    let _draft_does_not_count = b.draft(vec![line(b.lab.id, 5)]);
    let p = b.pay(&first, PaymentMethod::Cash, 7200).unwrap();
    billing::record_refund(b.store(), &clerk, refund(p.id, 700)).unwrap();
    billing::record_credit_note(
        b.store(),
        &clerk,
        RecordCreditNote {
            invoice_id: second.id,
            lines: vec![CreditLineInput {
                invoice_line_id: second.lines[0].id,
                amount_minor: 400,
            }],
            reason: "Duplicate test".into(),
        },
    )
    .unwrap();
    let balance = billing::patient_balance(b.store(), &clerk, patient).unwrap();
    assert_eq!(balance.invoiced_minor, 7200 + 2400);
    assert_eq!(
        (
            balance.paid_minor,
            balance.refunded_minor,
            balance.credited_minor
        ),
        (7200, 700, 400)
    );
    assert_eq!(balance.balance_minor, 7200 + 2400 - 7200 + 700 - 400);
    assert_eq!(balance.open_invoices.len(), 2);
    let today = clinic_core::schedule::time::today(
        clinic_core::schedule::time::clinic_zone(b.store().conn()).unwrap(),
        Utc::now(),
    );
    let query = |from: chrono::NaiveDate, to: chrono::NaiveDate| StatementQuery {
        patient_id: patient,
        from: from.to_string(),
        to: to.to_string(),
    };
    let s = billing::statement(
        b.store(),
        &clerk,
        query(today - chrono::Duration::days(30), today),
    )
    .unwrap();
    assert_eq!(s.opening_balance_minor, 0);
    assert_eq!(s.entries.len(), 5);
    let kinds: Vec<StatementEntryKind> = s.entries.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == StatementEntryKind::Invoice)
            .count(),
        2
    );
    assert_eq!(s.closing_balance_minor, balance.balance_minor);
    assert_eq!(
        s.entries.last().unwrap().running_balance_minor,
        s.closing_balance_minor
    );
    let later = billing::statement(
        b.store(),
        &clerk,
        query(
            today + chrono::Duration::days(1),
            today + chrono::Duration::days(2),
        ),
    )
    .unwrap();
    assert_eq!(
        (later.opening_balance_minor, later.entries.len()),
        (balance.balance_minor, 0)
    );
    let e = billing::statement(
        b.store(),
        &clerk,
        query(today, today - chrono::Duration::days(1)),
    )
    .unwrap_err();
    assert_eq!(fields(e), ["to"]);
    check_sums(b.store());
}

#[test]
fn the_day_close_counts_this_desks_day_and_a_second_close_is_a_recount() {
    let mut b = setup();
    let (clerk, desk) = (b.clerk(), b.desk());
    let inv = b.issued();
    let cash = b.pay(&inv, PaymentMethod::Cash, 2000).unwrap();
    b.pay(&inv, PaymentMethod::Card, 3000).unwrap();
    billing::start_card_payment(b.store(), &clerk, start(1000, inv.id)).unwrap();
    billing::record_refund(b.store(), &clerk, refund(cash.id, 500)).unwrap();
    let now = Utc::now();
    // The clinic date the money was taken on (not "today": midnight may pass).
    let zone = clinic_core::schedule::time::clinic_zone(b.store().conn()).unwrap();
    let taken = clinic_core::schedule::time::parse_instant(&cash.received_at).unwrap();
    let day = clinic_core::schedule::time::local_date(zone, taken).to_string();
    let summary = billing::day_summary(
        b.store(),
        &desk,
        DaySummaryQuery {
            date: day.clone(),
            opening_float_minor: 10_000,
        },
        now,
    )
    .unwrap();
    let by = |m: PaymentMethod| {
        summary
            .by_method
            .iter()
            .find(|t| t.method == m)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            by(PaymentMethod::Cash).count,
            by(PaymentMethod::Cash).amount_minor
        ),
        (1, 2000)
    );
    assert_eq!(by(PaymentMethod::Cash).refunded_minor, 500);
    assert_eq!(
        (
            by(PaymentMethod::Card).count,
            by(PaymentMethod::Card).amount_minor
        ),
        (1, 3000)
    );
    assert_eq!(by(PaymentMethod::BankTransfer).count, 0);
    assert_eq!(summary.expected_cash_minor, 10_000 + 2000 - 500);
    assert_eq!(summary.pending_count, 1);
    let before = written(b.store());
    let bad = |counted: i64, date: &str| CloseDay {
        date: date.into(),
        opening_float_minor: 10_000,
        counted_cash_minor: counted,
        note: String::new(),
    };
    assert_eq!(
        fields(billing::close_day(b.store(), &desk, bad(-1, &day), now).unwrap_err()),
        ["counted_cash_minor"]
    );
    let today = clinic_core::schedule::time::today(zone, now);
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    assert_eq!(
        fields(billing::close_day(b.store(), &desk, bad(0, &tomorrow), now).unwrap_err()),
        ["date"]
    );
    assert_eq!(
        fields(billing::close_day(b.store(), &desk, bad(0, "29/03/2026"), now).unwrap_err()),
        ["date"]
    );
    assert_eq!(written(b.store()), before);
    let closed = billing::close_day(b.store(), &desk, bad(11_400, &day), now).unwrap();
    assert_eq!((closed.version, closed.difference_minor), (1, -100));
    let e = billing::close_day(b.store(), &desk, bad(11_500, &day), now).unwrap_err();
    assert_eq!(fields(e), ["note"]);
    let recount = CloseDay {
        note: "Found 1.00 under the tray".into(),
        ..bad(11_500, &day)
    };
    let second = billing::close_day(b.store(), &desk, recount, now).unwrap();
    assert_eq!((second.version, second.difference_minor), (2, 0));
    assert_eq!(summary.date, day);
    let closes = billing::list_day_closes(b.store(), &desk, &day).unwrap();
    assert_eq!(closes.iter().map(|c| c.version).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(closes[1], closed);
    let tamper = b
        .store()
        .conn()
        .execute("UPDATE day_close SET counted_cash_minor = 0", []);
    assert!(tamper.is_err(), "a close never changes");
}
