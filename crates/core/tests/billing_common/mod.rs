//! Billing fixtures: the scheduling clinic (Europe/London, doctors, front
//! desk, a consultation type, Ada) with a billing clerk, the clinic's currency
//! (EUR) and two services — a consultation at 50.00 + 20 % VAT mapped to the
//! consultation type, and a lab test at 12.00 without tax — plus helpers to
//! draft, issue and pay invoices, count what was written and check that every
//! invoice's stored totals equal the sums of its lines and facts (computed
//! here with SQL, independently of the core's arithmetic).
#![allow(dead_code)]
use crate::common::AUDIT_KEY;
use crate::identity_common;
use crate::schedule_common::{self, Clinic};
use clinic_core::{billing, Caller, CoreError};
use clinic_protocol::{
    GatewayKind, Invoice, InvoiceLineInput, IssueInvoice, Payment, PaymentMethod, RecordPayment,
    Role, SaveBillingSettings, SaveInvoiceDraft, SavePaymentGateway, SaveService, Service,
    ServiceId, SessionInfo, TaxMode, TaxRule,
};
use clinic_store::Store;

pub struct Billing {
    pub c: Clinic,
    pub clerk: SessionInfo,
    pub consult: Service,
    pub lab: Service,
}

pub fn vat(rate_bp: u32, mode: TaxMode) -> TaxRule {
    TaxRule {
        name: if rate_bp == 0 {
            String::new()
        } else {
            "VAT".into()
        },
        rate_bp,
        mode,
    }
}

pub fn service_request(code: &str, price: i64, tax: TaxRule) -> SaveService {
    SaveService {
        id: None,
        expected_version: None,
        code: code.into(),
        name: format!("{code} service"),
        price_minor: price,
        tax,
        appointment_type_id: None,
        active: true,
    }
}

/// Sets the currency, the two services and a card gateway on `store` as its
/// device.
pub fn configure(
    store: &mut Store,
    appointment_type: Option<clinic_protocol::AppointmentTypeId>,
) -> (Service, Service) {
    let device = Caller::device(&AUDIT_KEY);
    billing::save_settings(
        store,
        &device,
        SaveBillingSettings {
            currency: "EUR".into(),
            invoice_footer: "Harbour Street Clinic — VAT GB123".into(),
        },
    )
    .unwrap();
    billing::save_gateway(
        store,
        &device,
        SavePaymentGateway {
            kind: Some(GatewayKind::Stripe),
            api_base: String::new(),
            customer_email: String::new(),
            secret_key: Some("sk_test_harbour".into()),
        },
    )
    .unwrap();
    let mut consult = service_request("CONS", 5000, vat(2000, TaxMode::Exclusive));
    consult.appointment_type_id = appointment_type;
    let consult = billing::save_service(store, &device, consult).unwrap();
    let lab = billing::save_service(
        store,
        &device,
        service_request("LAB", 1200, vat(0, TaxMode::Exclusive)),
    )
    .unwrap();
    (consult, lab)
}

pub fn setup() -> Billing {
    let mut c = schedule_common::clinic();
    let clerk =
        identity_common::member_session(&mut c.t.store, "clerk", "Billing Clerk", Role::Billing);
    let kind = c.kind.id;
    let (consult, lab) = configure(&mut c.t.store, Some(kind));
    Billing {
        c,
        clerk,
        consult,
        lab,
    }
}

pub fn line(service: ServiceId, quantity: i64) -> InvoiceLineInput {
    InvoiceLineInput {
        id: None,
        service_id: Some(service),
        description: String::new(),
        quantity,
        unit_price_minor: None,
        tax: None,
        discount: None,
        insurance: None,
    }
}

pub fn free_line(description: &str, price: i64, quantity: i64) -> InvoiceLineInput {
    InvoiceLineInput {
        id: None,
        service_id: None,
        description: description.into(),
        quantity,
        unit_price_minor: Some(price),
        tax: None,
        discount: None,
        insurance: None,
    }
}

pub fn draft_request(
    patient: clinic_protocol::PatientId,
    lines: Vec<InvoiceLineInput>,
) -> SaveInvoiceDraft {
    SaveInvoiceDraft {
        id: None,
        expected_version: None,
        patient_id: patient,
        appointment_id: None,
        encounter_id: None,
        lines,
        discount: None,
        note: String::new(),
    }
}

impl Billing {
    pub fn admin(&self) -> Caller<'static> {
        Caller::staff(&AUDIT_KEY, &self.c.admin)
    }
    pub fn clerk(&self) -> Caller<'static> {
        Caller::staff(&AUDIT_KEY, &self.clerk)
    }
    pub fn desk(&self) -> Caller<'static> {
        Caller::staff(&AUDIT_KEY, &self.c.desk)
    }
    pub fn store(&mut self) -> &mut Store {
        &mut self.c.t.store
    }

    pub fn draft(&mut self, lines: Vec<InvoiceLineInput>) -> Invoice {
        let (caller, patient) = (self.clerk(), self.c.patient);
        billing::save_draft(self.store(), &caller, draft_request(patient, lines)).unwrap()
    }

    pub fn issue(&mut self, invoice: &Invoice) -> Invoice {
        let caller = self.clerk();
        billing::issue_invoice(
            self.store(),
            &caller,
            IssueInvoice {
                id: invoice.id,
                expected_version: invoice.version,
            },
        )
        .unwrap()
    }

    /// A consultation and a lab test, issued: 60.00 + 12.00 = 72.00.
    pub fn issued(&mut self) -> Invoice {
        let (consult, lab) = (self.consult.id, self.lab.id);
        let d = self.draft(vec![line(consult, 1), line(lab, 1)]);
        self.issue(&d)
    }

    pub fn pay(
        &mut self,
        invoice: &Invoice,
        method: PaymentMethod,
        amount: i64,
    ) -> Result<Payment, CoreError> {
        let caller = self.clerk();
        billing::record_payment(
            self.store(),
            &caller,
            RecordPayment {
                invoice_id: invoice.id,
                method,
                amount_minor: amount,
                currency: "EUR".into(),
                reference: String::new(),
            },
        )
    }

    pub fn invoice(&self, invoice: &Invoice) -> Invoice {
        billing::get_invoice(self.c.t.store.conn(), invoice.id).unwrap()
    }
}

pub fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Rows of every billing table, the outbox and the audit trail: what "nothing
/// written" compares.
pub fn written(store: &Store) -> Vec<i64> {
    [
        "outbox",
        "audit_event",
        "billing_settings",
        "service",
        "invoice",
        "invoice_line",
        "payment",
        "refund",
        "credit_note",
        "credit_note_line",
        "day_close",
        "billing_counter",
    ]
    .iter()
    .map(|t| count(store, &format!("SELECT count(*) FROM {t}")))
    .chain(std::iter::once(count(
        store,
        "SELECT coalesce(sum(version), 0) FROM invoice",
    )))
    .collect()
}

/// The field names of a validation error (panics on any other error).
pub fn fields(e: CoreError) -> Vec<String> {
    schedule_common::fields(e)
}

/// Every invoice's stored totals against sums computed here with SQL from its
/// lines, payments, refunds and credit notes; and each patient's balance
/// against the sum of their invoices. Panics with the first difference.
pub fn check_sums(store: &mut Store) {
    let sql = "SELECT i.id,
        i.subtotal_minor = (SELECT coalesce(sum(gross_minor), 0) FROM invoice_line WHERE invoice_id = i.id),
        i.discount_minor = (SELECT coalesce(sum(discount_minor + invoice_discount_minor), 0) FROM invoice_line WHERE invoice_id = i.id),
        i.tax_minor = (SELECT coalesce(sum(tax_minor), 0) FROM invoice_line WHERE invoice_id = i.id),
        i.total_minor = (SELECT coalesce(sum(total_minor), 0) FROM invoice_line WHERE invoice_id = i.id),
        i.total_minor = i.subtotal_minor - i.discount_minor
            + (SELECT coalesce(sum(tax_minor), 0) FROM invoice_line WHERE invoice_id = i.id AND tax_mode = 'exclusive'),
        i.insurance_minor + i.patient_minor = i.total_minor,
        i.credited_minor = (SELECT coalesce(sum(total_minor), 0) FROM credit_note WHERE invoice_id = i.id),
        i.paid_minor = (SELECT coalesce(sum(amount_minor), 0) FROM payment WHERE invoice_id = i.id AND status = 'succeeded'),
        i.pending_minor = (SELECT coalesce(sum(amount_minor), 0) FROM payment WHERE invoice_id = i.id AND status = 'pending'),
        i.refunded_minor = (SELECT coalesce(sum(amount_minor), 0) FROM refund WHERE invoice_id = i.id),
        i.balance_minor = (CASE WHEN i.voided_at IS NULL THEN i.total_minor - i.credited_minor ELSE 0 END)
            - i.paid_minor + i.refunded_minor,
        i.patient_balance_minor = (CASE WHEN i.voided_at IS NULL THEN i.patient_minor
                - (SELECT coalesce(sum(patient_minor), 0) FROM credit_note WHERE invoice_id = i.id) ELSE 0 END)
            - (SELECT coalesce(sum(amount_minor), 0) FROM payment WHERE invoice_id = i.id AND status = 'succeeded' AND method <> 'insurance_remittance')
            + (SELECT coalesce(sum(amount_minor), 0) FROM refund WHERE invoice_id = i.id AND method <> 'insurance_remittance'),
        i.patient_balance_minor + i.insurance_balance_minor = i.balance_minor,
        i.status = CASE WHEN i.voided_at IS NOT NULL THEN 'void' WHEN i.issued_at IS NULL THEN 'draft'
            WHEN i.balance_minor <= 0 THEN 'paid' WHEN i.paid_minor > i.refunded_minor THEN 'partially_paid'
            ELSE 'issued' END
        FROM invoice i";
    let names = [
        "subtotal",
        "discount",
        "tax",
        "total",
        "total identity",
        "portions",
        "credited",
        "paid",
        "pending",
        "refunded",
        "balance",
        "patient balance",
        "sides",
        "status",
    ];
    let results: Vec<(String, Vec<bool>)> = {
        let mut stmt = store.conn().prepare(sql).unwrap();
        let rows = stmt
            .query_map([], |r| {
                let id: String = r.get(0)?;
                let oks: Vec<bool> = (1..=names.len())
                    .map(|i| r.get(i))
                    .collect::<Result<_, _>>()?;
                Ok((id, oks))
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    for (id, oks) in results {
        for (ok, name) in oks.iter().zip(names) {
            assert!(
                ok,
                "invoice {id}: stored {name} differs from the sum of its parts"
            );
        }
    }
    let patients: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT DISTINCT patient_id FROM invoice")
            .unwrap();
        let v = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        v
    };
    for p in patients {
        let id: clinic_protocol::PatientId = p.parse().unwrap();
        let balance = billing::patient_balance(store, &Caller::device(&AUDIT_KEY), id)
            .unwrap()
            .balance_minor;
        let sum: i64 = store
            .conn()
            .query_row(
                "SELECT coalesce(sum(patient_balance_minor), 0) FROM invoice WHERE patient_id = ?1 AND status <> 'draft'",
                [&p],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            balance, sum,
            "patient {p}: balance differs from the sum of their invoices"
        );
    }
}
