//! Billing's catalogue and invoices on a real encrypted store: the currency and
//! prices (administrators only), exact tax, discounts and insurance portions,
//! every bad input refused with a field error and nothing written, issuing
//! (numbers unique per device, lines frozen by the store), voiding, one invoice
//! per appointment, and every change an op and an audit entry without names.
mod billing_common;
mod common;
mod identity_common;
mod provider_common;
mod schedule_common;

use billing_common::{count, draft_request, fields, free_line, line, setup, vat, written};
use clinic_core::{billing, CoreError};
use clinic_protocol::{
    InvoiceStatus, IssueInvoice, PaymentMethod, Portion, RecordRefund, SaveBillingSettings,
    SaveService, TaxMode, VoidInvoice,
};
use schedule_common::{book, utc};

#[test]
fn the_currency_is_a_known_code_and_fixed_once_services_exist() {
    let mut b = setup();
    let admin = b.admin();
    let s = billing::settings(b.store().conn()).unwrap();
    assert_eq!((s.currency.as_str(), s.minor_digits), ("EUR", 2));
    let before = written(b.store());
    for code in ["EUX", "euro", ""] {
        let e = billing::save_settings(
            b.store(),
            &admin,
            SaveBillingSettings {
                currency: code.into(),
                invoice_footer: String::new(),
            },
        )
        .unwrap_err();
        assert_eq!(fields(e), ["currency"], "{code}");
    }
    let e = billing::save_settings(
        b.store(),
        &admin,
        SaveBillingSettings {
            currency: "usd".into(),
            invoice_footer: String::new(),
        },
    )
    .unwrap_err();
    let CoreError::Validation(f) = &e else {
        panic!("{e:?}")
    };
    assert!(f[0].message.contains("cannot change"), "{}", f[0].message);
    assert_eq!(written(b.store()), before);
    // A fresh store takes any known code, with its minor-unit digits.
    let mut fresh = common::store();
    for (code, digits) in [("jpy", 0), ("KWD", 3)] {
        let s = billing::save_settings(
            &mut fresh.store,
            &common::caller(),
            SaveBillingSettings {
                currency: code.into(),
                invoice_footer: String::new(),
            },
        )
        .unwrap();
        assert_eq!((s.currency, s.minor_digits), (code.to_uppercase(), digits));
    }
}

#[test]
fn prices_and_taxes_are_for_administrators_the_rest_for_billing_too() {
    let mut b = setup();
    let (admin, clerk) = (b.admin(), b.clerk());
    let before = written(b.store());
    let e = billing::save_service(
        b.store(),
        &clerk,
        billing_common::service_request("XRAY", 900, vat(0, TaxMode::Exclusive)),
    )
    .unwrap_err();
    assert!(matches!(e, CoreError::Forbidden(_)), "{e:?}");
    let mut edit = SaveService {
        id: Some(b.consult.id),
        expected_version: Some(b.consult.version),
        code: "CONS".into(),
        name: "Consultation (15 min)".into(),
        price_minor: 5000,
        tax: b.consult.tax.clone(),
        appointment_type_id: b.consult.appointment_type_id,
        active: true,
    };
    let mut dearer = edit.clone();
    dearer.price_minor = 5500;
    assert!(matches!(
        billing::save_service(b.store(), &clerk, dearer.clone()),
        Err(CoreError::Forbidden(_))
    ));
    let mut taxed = edit.clone();
    taxed.tax = vat(500, TaxMode::Exclusive);
    assert!(matches!(
        billing::save_service(b.store(), &clerk, taxed),
        Err(CoreError::Forbidden(_))
    ));
    assert_eq!(written(b.store()), before, "a refused save writes nothing");
    let renamed = billing::save_service(b.store(), &clerk, edit.clone()).unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.version),
        ("Consultation (15 min)", 2)
    );
    // Stale version, duplicate code, negative price, tax above 100 %.
    assert!(matches!(
        billing::save_service(b.store(), &admin, dearer.clone()),
        Err(CoreError::EditConflict {
            expected: 1,
            current: 2
        })
    ));
    dearer.expected_version = Some(2);
    edit.code = "lab".into();
    edit.expected_version = Some(2);
    assert_eq!(
        fields(billing::save_service(b.store(), &admin, edit).unwrap_err()),
        ["code"]
    );
    let mut bad = billing_common::service_request("NEG", -1, vat(10_001, TaxMode::Inclusive));
    bad.name = " ".into();
    let mut got = fields(billing::save_service(b.store(), &admin, bad).unwrap_err());
    got.sort();
    assert_eq!(got, ["name", "price_minor", "tax.rate_bp"]);
    let dearer = billing::save_service(b.store(), &admin, dearer).unwrap();
    assert_eq!((dearer.price_minor, dearer.version), (5500, 3));
    assert_eq!(
        billing::list_services(b.store().conn(), false)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn a_draft_computes_tax_discounts_and_portions_exactly() {
    let mut b = setup();
    let (consult, lab) = (b.consult.id, b.lab.id);
    let mut c = line(consult, 2);
    c.discount = Some(Portion::Percent { basis_points: 1000 });
    c.insurance = Some(Portion::Percent { basis_points: 8000 });
    let mut dressing = free_line("Dressing", 1200, 1);
    dressing.tax = Some(vat(2000, TaxMode::Inclusive));
    let mut request = draft_request(b.c.patient, vec![c, line(lab, 1), dressing]);
    request.discount = Some(Portion::Fixed { amount_minor: 500 });
    let clerk = b.clerk();
    let d = billing::save_draft(b.store(), &clerk, request).unwrap();
    assert_eq!(d.status, InvoiceStatus::Draft);
    assert_eq!(d.number, None);
    let l = &d.lines;
    // Consultation: 2 × 50.00 = 100.00, −10 % = 90.00, share of the 5.00 off.
    assert_eq!((l[0].gross_minor, l[0].discount_minor), (10_000, 1000));
    // 5.00 shared over 90.00 / 12.00 / 12.00 by amount: 394.73…, 52.63…,
    // 52.63… → 394, 52, 52 and the 2 left to the largest remainders (the
    // consultation, then the earlier of the tied lines): 395, 53, 52.
    let shares: Vec<i64> = l.iter().map(|x| x.invoice_discount_minor).collect();
    assert_eq!(shares, [395, 53, 52]);
    // 86.05 + 20 % = 17.21; 80 % of 103.26 = 82.608 → 82.61.
    assert_eq!((l[0].tax_minor, l[0].total_minor), (1721, 10_326));
    assert_eq!((l[0].insurance_minor, l[0].patient_minor), (8261, 2065));
    assert_eq!((l[1].tax_minor, l[1].total_minor), (0, 1147));
    // 11.48 including 20 %: 1.9133… → 1.91 of tax inside it.
    assert_eq!((l[2].tax_minor, l[2].total_minor), (191, 1148));
    assert_eq!(l[0].description, "CONS service");
    let t = &d.totals;
    assert_eq!(t.subtotal_minor, 12_400);
    assert_eq!(t.discount_minor, 1500);
    assert_eq!(t.tax_minor, 1912);
    assert_eq!(t.total_minor, 12_621);
    assert_eq!(t.total_minor, t.subtotal_minor - t.discount_minor + 1721);
    assert_eq!((t.insurance_minor, t.patient_minor), (8261, 12_621 - 8261));
    assert_eq!(t.balance_minor, t.total_minor);
    billing_common::check_sums(b.store());
}

#[test]
fn bad_drafts_get_a_field_error_and_write_nothing() {
    let mut b = setup();
    let (consult, patient) = (b.consult.id, b.c.patient);
    let other = schedule_common::bob(b.store());
    let clerk = b.clerk();
    let by_desk = b.desk();
    let (doctor, at) = (b.c.doctor.staff_id, utc("2027-05-31T08:00:00Z"));
    let bobs = book(
        &mut b.c,
        &by_desk,
        other,
        doctor,
        "2027-06-01T10:00:00+01:00",
        at,
    );
    let before = written(b.store());
    let mut cases: Vec<(clinic_protocol::SaveInvoiceDraft, &str)> = Vec::new();
    cases.push((
        draft_request(patient, vec![line(consult, -2)]),
        "lines.0.quantity",
    ));
    cases.push((
        draft_request(patient, vec![line(consult, 0)]),
        "lines.0.quantity",
    ));
    cases.push((
        draft_request(patient, vec![line(clinic_protocol::ServiceId::new(), 1)]),
        "lines.0.service_id",
    ));
    let mut no_price = free_line("Splint", 0, 1);
    no_price.unit_price_minor = None;
    cases.push((
        draft_request(patient, vec![line(consult, 1), no_price]),
        "lines.1.unit_price_minor",
    ));
    cases.push((
        draft_request(patient, vec![free_line("Splint", -100, 1)]),
        "lines.0.unit_price_minor",
    ));
    cases.push((
        draft_request(patient, vec![free_line("", 100, 1)]),
        "lines.0.description",
    ));
    let mut too_much = line(consult, 1);
    too_much.discount = Some(Portion::Fixed { amount_minor: 5001 });
    cases.push((draft_request(patient, vec![too_much]), "lines.0.discount"));
    let mut negative = line(consult, 1);
    negative.discount = Some(Portion::Fixed { amount_minor: -1 });
    cases.push((draft_request(patient, vec![negative]), "lines.0.discount"));
    let mut over_insured = line(consult, 1);
    over_insured.insurance = Some(Portion::Fixed { amount_minor: 6001 });
    cases.push((
        draft_request(patient, vec![over_insured]),
        "lines.0.insurance",
    ));
    let mut big_discount = draft_request(patient, vec![line(consult, 1)]);
    big_discount.discount = Some(Portion::Percent {
        basis_points: 10_001,
    });
    cases.push((big_discount, "discount"));
    let mut above_total = draft_request(patient, vec![line(consult, 1)]);
    above_total.discount = Some(Portion::Fixed { amount_minor: 5001 });
    cases.push((above_total, "discount"));
    cases.push((
        draft_request(clinic_protocol::PatientId::new(), vec![line(consult, 1)]),
        "patient_id",
    ));
    let mut not_hers = draft_request(patient, vec![line(consult, 1)]);
    not_hers.appointment_id = Some(bobs.id);
    cases.push((not_hers, "appointment_id"));
    let mut too_many = draft_request(patient, Vec::new());
    too_many.lines = (0..201).map(|_| line(consult, 1)).collect();
    cases.push((too_many, "lines"));
    for (request, field) in cases {
        let e = billing::save_draft(b.store(), &clerk, request).unwrap_err();
        assert!(fields(e).contains(&field.to_string()), "{field}");
        assert_eq!(written(b.store()), before, "{field}: nothing is written");
    }
}

#[test]
fn issuing_numbers_the_invoice_and_freezes_its_lines() {
    let mut b = setup();
    let clerk = b.clerk();
    let first = b.issued();
    let code = clinic_core::registry::device_code(&b.store().device_id());
    assert_eq!(
        first.number.as_deref(),
        Some(format!("INV-{code}-000001").as_str())
    );
    assert_eq!(first.status, InvoiceStatus::Issued);
    assert!(first.issued_at.is_some());
    assert_eq!(first.totals.total_minor, 7200);
    let second = b.issued();
    assert_eq!(
        second.number.as_deref(),
        Some(format!("INV-{code}-000002").as_str())
    );
    let before = written(b.store());
    // Edit, issue again: refused; the store refuses a changed line as well.
    let mut edit = draft_request(b.c.patient, vec![line(b.lab.id, 3)]);
    edit.id = Some(first.id);
    assert_eq!(
        fields(billing::save_draft(b.store(), &clerk, edit).unwrap_err()),
        ["status"]
    );
    let again = IssueInvoice {
        id: first.id,
        expected_version: first.version,
    };
    assert_eq!(
        fields(billing::issue_invoice(b.store(), &clerk, again).unwrap_err()),
        ["status"]
    );
    let stale = IssueInvoice {
        id: second.id,
        expected_version: second.version - 1,
    };
    assert!(matches!(
        billing::issue_invoice(b.store(), &clerk, stale),
        Err(CoreError::EditConflict { .. })
    ));
    let tamper = b.store().conn().execute(
        "UPDATE invoice_line SET quantity = 9 WHERE invoice_id = ?1",
        [first.id.to_string()],
    );
    assert!(tamper.unwrap_err().to_string().contains("never change"));
    assert_eq!(written(b.store()), before);
    // An empty draft cannot be issued.
    let empty = b.draft(Vec::new());
    let e = billing::issue_invoice(
        b.store(),
        &clerk,
        IssueInvoice {
            id: empty.id,
            expected_version: empty.version,
        },
    )
    .unwrap_err();
    assert_eq!(fields(e), ["lines"]);
}

#[test]
fn an_appointment_is_invoiced_once_with_its_mapped_service() {
    let mut b = setup();
    let by_desk = b.desk();
    let (patient, doctor) = (b.c.patient, b.c.doctor.staff_id);
    let a = book(
        &mut b.c,
        &by_desk,
        patient,
        doctor,
        "2027-06-01T10:00:00+01:00",
        utc("2027-05-31T08:00:00Z"),
    );
    let ops = common::outbox_len(b.store());
    let d = billing::invoice_for_appointment(b.store(), &by_desk, a.id).unwrap();
    assert_eq!(d.appointment_id, Some(a.id));
    assert_eq!(d.patient_id, patient);
    assert_eq!(d.lines.len(), 1);
    assert_eq!(d.lines[0].service_code, "CONS");
    assert_eq!(d.totals.total_minor, 6000);
    let again = billing::invoice_for_appointment(b.store(), &by_desk, a.id).unwrap();
    assert_eq!(again.id, d.id);
    assert_eq!(
        common::outbox_len(b.store()),
        ops + 1,
        "one save_invoice op"
    );
    let issued = billing::issue_invoice(
        b.store(),
        &by_desk,
        IssueInvoice {
            id: d.id,
            expected_version: d.version,
        },
    )
    .unwrap();
    assert_eq!(issued.status, InvoiceStatus::Issued);
    assert_eq!(
        billing::invoice_for_appointment(b.store(), &by_desk, a.id)
            .unwrap()
            .id,
        d.id
    );
}

#[test]
fn voiding_needs_a_reason_and_nothing_paid_net() {
    let mut b = setup();
    let clerk = b.clerk();
    let inv = b.issued();
    let before = written(b.store());
    let no_reason = VoidInvoice {
        id: inv.id,
        expected_version: inv.version,
        reason: "  ".into(),
    };
    assert_eq!(
        fields(billing::void_invoice(b.store(), &clerk, no_reason).unwrap_err()),
        ["reason"]
    );
    assert_eq!(written(b.store()), before);
    let paid = b.pay(&inv, PaymentMethod::Cash, 1000).unwrap();
    let inv = b.invoice(&inv);
    let void = VoidInvoice {
        id: inv.id,
        expected_version: inv.version,
        reason: "Billed to the wrong patient".into(),
    };
    let e = billing::void_invoice(b.store(), &clerk, void.clone()).unwrap_err();
    let CoreError::Validation(f) = &e else {
        panic!("{e:?}")
    };
    assert!(f[0].message.contains("10.00 EUR"), "{}", f[0].message);
    billing::record_refund(
        b.store(),
        &clerk,
        RecordRefund {
            payment_id: paid.id,
            amount_minor: 1000,
            currency: "EUR".into(),
            reason: "Wrong patient".into(),
        },
    )
    .unwrap();
    let inv = b.invoice(&inv);
    let void = VoidInvoice {
        expected_version: inv.version,
        ..void
    };
    let voided = billing::void_invoice(b.store(), &clerk, void.clone()).unwrap();
    assert_eq!(voided.status, InvoiceStatus::Void);
    assert_eq!(
        voided.void_reason.as_deref(),
        Some("Billed to the wrong patient")
    );
    assert_eq!(
        (voided.totals.balance_minor, voided.needs_review),
        (0, false)
    );
    let e = b.pay(&voided, PaymentMethod::Cash, 100).unwrap_err();
    assert_eq!(fields(e), ["invoice_id"]);
    let again = VoidInvoice {
        expected_version: voided.version,
        ..void
    };
    assert_eq!(
        fields(billing::void_invoice(b.store(), &clerk, again).unwrap_err()),
        ["status"]
    );
    billing_common::check_sums(b.store());
}

#[test]
fn every_change_is_an_op_and_an_audit_entry_with_ids_and_amounts_only() {
    let mut b = setup();
    let seq = schedule_common::last_audit_seq(b.store());
    let from = count(
        b.store(),
        "SELECT coalesce(max(device_counter), 0) FROM outbox",
    );
    let inv = b.issued();
    b.pay(&inv, PaymentMethod::Cash, 7200).unwrap();
    let mut stmt = b
        .store()
        .conn()
        .prepare(
            "SELECT kind, entity FROM outbox WHERE device_counter > ?1 ORDER BY device_counter",
        )
        .unwrap();
    let ops: Vec<(String, String)> = stmt
        .query_map([from], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    drop(stmt);
    let kinds: Vec<&str> = ops.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["save_invoice", "issue_invoice", "record_payment"]);
    let entries = schedule_common::audit_after(b.store(), seq);
    assert_eq!(entries.len(), 3);
    let patient = b.c.patient.to_string();
    for (who, detail) in &entries {
        assert_eq!(who.as_deref(), Some(patient.as_str()));
        for name in ["Ada", "Lovelace", "CONS service"] {
            assert!(!detail.contains(name), "{detail}");
        }
    }
    assert!(
        entries[2].1.contains("\"amount_minor\":7200"),
        "{}",
        entries[2].1
    );
    assert_eq!(b.invoice(&inv).status, InvoiceStatus::Paid);
}

#[test]
fn the_gate_refuses_billing_commands_to_roles_without_them_and_audits_it() {
    use clinic_core::authz::Command;
    use clinic_protocol::Role;
    use provider_common::{admit, staff};
    let mut t = common::store();
    let clerk = staff(&mut t.store, Role::Billing, "clerk");
    let desk = staff(&mut t.store, Role::FrontDesk, "desk");
    let nurse = staff(&mut t.store, Role::Nurse, "nurse");
    let doctor = staff(&mut t.store, Role::Doctor, "doctor");
    for (session, command) in [
        (&doctor, Command::RecordPayment),
        (&doctor, Command::GetInvoice),
        (&nurse, Command::CloseDay),
        (&desk, Command::VoidInvoice),
        (&desk, Command::RecordRefund),
        (&desk, Command::SaveInvoiceDraft),
        (&clerk, Command::SaveBillingSettings),
        (&clerk, Command::KioskPayInvoice),
    ] {
        let e = admit(&mut t.store, session, command).unwrap_err();
        assert!(matches!(e, CoreError::Forbidden(_)), "{command}");
        let detail: String = t
            .store
            .conn()
            .query_row(
                "SELECT detail FROM audit_event WHERE action = 'access_denied' ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(detail.contains(command.as_str()), "{detail}");
    }
    for (session, command) in [
        (&doctor, Command::GetPatientBalance),
        (&nurse, Command::GetPatientBalance),
        (&desk, Command::InvoiceForAppointment),
        (&desk, Command::StartCardPayment),
        (&desk, Command::CloseDay),
        (&clerk, Command::RecordCreditNote),
        (&clerk, Command::SaveService),
    ] {
        admit(&mut t.store, session, command).unwrap();
    }
}
