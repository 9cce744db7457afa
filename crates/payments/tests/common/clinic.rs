//! A clinic's billing on a real encrypted store, for the runner and webhook
//! tests: the currency, this device's gateway, a 72.00 service, issued invoices
//! for new patients and card payments started on them.
use clinic_core::{billing, registry, Caller};
use clinic_protocol::{
    GatewayKind, Invoice, InvoiceLineInput, IssueInvoice, Payment, RegisterOutcome,
    RegisterPatient, SaveBillingSettings, SaveInvoiceDraft, SavePaymentGateway, SaveService,
    Service, StartCardPayment, TaxMode, TaxRule,
};
use clinic_server_harness::GatewayServer;
use clinic_store::{DbKey, Encryption, Store};

pub const AUDIT_KEY: [u8; 32] = [9; 32];

/// The device itself, as the runner acts.
pub fn me() -> Caller<'static> {
    Caller::device(&AUDIT_KEY)
}

/// A new encrypted store in `dir` (the test key).
pub fn open_store(dir: &tempfile::TempDir) -> Store {
    let key = Encryption::Key(DbKey::from_bytes([7; 32]));
    clinic_store::open(&dir.path().join("clinic.db"), &key).unwrap()
}

/// The clinic's currency and this device's gateway pointed at `gateway`.
pub fn set_up_billing(
    store: &mut Store,
    gateway: &GatewayServer,
    kind: GatewayKind,
    currency: &str,
) {
    billing::save_settings(
        store,
        &me(),
        SaveBillingSettings {
            currency: currency.into(),
            invoice_footer: String::new(),
        },
    )
    .unwrap();
    billing::save_gateway(
        store,
        &me(),
        SavePaymentGateway {
            kind: Some(kind),
            api_base: gateway.base_url(),
            customer_email: super::CLINIC_EMAIL.into(),
            secret_key: Some(gateway.secret_key().into()),
        },
    )
    .unwrap();
}

/// The 72.00 consultation (created the first time).
fn consultation(store: &mut Store) -> Service {
    if let Some(s) = billing::list_services(store.conn(), true)
        .unwrap()
        .into_iter()
        .find(|s| s.code == "CONS")
    {
        return s;
    }
    billing::save_service(
        store,
        &me(),
        SaveService {
            id: None,
            expected_version: None,
            code: "CONS".into(),
            name: "Consultation".into(),
            price_minor: 7200,
            tax: TaxRule {
                name: String::new(),
                rate_bp: 0,
                mode: TaxMode::Exclusive,
            },
            appointment_type_id: None,
            active: true,
        },
    )
    .unwrap()
}

/// An issued invoice of 72.00 for a new patient (`seed` picks the patient).
pub fn issued_invoice(store: &mut Store, seed: u64) -> Invoice {
    let service = consultation(store);
    let details = clinic_testkit::PatientGenerator::new(seed).next_patient();
    let RegisterOutcome::Registered { patient } = registry::register_patient(
        store,
        &me(),
        RegisterPatient {
            details,
            confirm_not_duplicate: true,
        },
    )
    .unwrap() else {
        panic!("not registered")
    };
    let draft = billing::save_draft(
        store,
        &me(),
        SaveInvoiceDraft {
            id: None,
            expected_version: None,
            patient_id: patient.id,
            appointment_id: None,
            encounter_id: None,
            lines: vec![InvoiceLineInput {
                id: None,
                service_id: Some(service.id),
                description: String::new(),
                quantity: 1,
                unit_price_minor: None,
                tax: None,
                discount: None,
                insurance: None,
            }],
            discount: None,
            note: String::new(),
        },
    )
    .unwrap();
    billing::issue_invoice(
        store,
        &me(),
        IssueInvoice {
            id: draft.id,
            expected_version: draft.version,
        },
    )
    .unwrap()
}

/// A card payment of `amount` started on `invoice` (pending).
pub fn start_card(store: &mut Store, invoice: &Invoice, amount: i64) -> Payment {
    billing::start_card_payment(
        store,
        &me(),
        StartCardPayment {
            invoice_id: invoice.id,
            amount_minor: amount,
            currency: invoice.currency.clone(),
        },
    )
    .unwrap()
}

/// The hosted page's id: the last segment of the checkout link.
pub fn page_id(p: &Payment) -> String {
    let url = p.checkout_url.as_deref().expect("a checkout link");
    url.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}
