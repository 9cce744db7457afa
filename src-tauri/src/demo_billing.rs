//! The demo clinic's billing, seeded through the core like everything else when
//! `run-demo.sh` starts its local test gateway (`CLINIC_DEMO_GATEWAY`, honoured
//! only on the insecure test key): the currency (USD) and invoice footer, one
//! service per demo appointment type (so an appointment's invoice is drafted
//! from its type), a lab test without a type, and this device's card gateway
//! pointed at the local test gateway (Stripe's API, its public test key). Seeded
//! once (when no currency is set yet).
use clinic_core::billing;
use clinic_core::schedule::config;
use clinic_core::{Caller, CoreError};
use clinic_protocol::{
    GatewayKind, SaveBillingSettings, SavePaymentGateway, SaveService, TaxMode, TaxRule,
};
use clinic_store::Store;

/// The local test gateway's default secret key (tests/gateway-server): not a secret.
pub const DEMO_GATEWAY_KEY: &str = "sk_test_clinic";

/// Price (cents) per demo appointment type name.
const PRICES: [(&str, &str, i64); 4] = [
    ("CONS", "Consultation", 6_500),
    ("LONG", "Long consultation", 11_000),
    ("CHECK", "Check-up", 8_000),
    ("VACC", "Vaccination", 3_500),
];

fn no_tax() -> TaxRule {
    TaxRule {
        name: String::new(),
        rate_bp: 0,
        mode: TaxMode::Exclusive,
    }
}

pub fn seed_billing(
    store: &mut Store,
    caller: &Caller<'_>,
    gateway: &str,
) -> Result<(), CoreError> {
    if !billing::settings(store.conn())?.currency.is_empty() {
        return Ok(());
    }
    billing::save_settings(
        store,
        caller,
        SaveBillingSettings {
            currency: "USD".into(),
            invoice_footer: "Demo Clinic — synthetic data, not a real invoice".into(),
        },
    )?;
    let types = config::appointment_types(store.conn(), true)?;
    for (code, name, price_minor) in PRICES {
        billing::save_service(
            store,
            caller,
            SaveService {
                id: None,
                expected_version: None,
                code: code.into(),
                name: name.into(),
                price_minor,
                tax: no_tax(),
                appointment_type_id: types.iter().find(|t| t.name == name).map(|t| t.id),
                active: true,
            },
        )?;
    }
    billing::save_service(
        store,
        caller,
        SaveService {
            id: None,
            expected_version: None,
            code: "LAB".into(),
            name: "Blood panel".into(),
            price_minor: 4_200,
            tax: no_tax(),
            appointment_type_id: None,
            active: true,
        },
    )?;
    billing::save_gateway(
        store,
        caller,
        SavePaymentGateway {
            kind: Some(GatewayKind::Stripe),
            api_base: gateway.into(),
            customer_email: String::new(),
            secret_key: Some(DEMO_GATEWAY_KEY.into()),
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_bills_each_appointment_type_and_takes_cards_at_its_gateway_once() {
        let dir = tempfile::tempdir().unwrap();
        let key = clinic_store::Encryption::Key(clinic_store::DbKey::generate().unwrap());
        let mut store = clinic_store::open(&dir.path().join("demo.db"), &key).unwrap();
        let audit_key = [3u8; 32];
        let caller = Caller::device(&audit_key);
        let demo = crate::demo::Demo {
            staff: true,
            patients: 5,
            gateway: None,
        };
        crate::demo::seed_if_empty(&mut store, &caller, &demo).unwrap();
        seed_billing(&mut store, &caller, "http://127.0.0.1:8744").unwrap();
        assert_eq!(billing::settings(store.conn()).unwrap().currency, "USD");
        let services = billing::list_services(store.conn(), true).unwrap();
        assert_eq!(services.len(), 5);
        let types = config::appointment_types(store.conn(), true).unwrap();
        for t in &types {
            assert!(
                services.iter().any(|s| s.appointment_type_id == Some(t.id)),
                "{} has a service",
                t.name
            );
        }
        let gateway = billing::gateway_settings(store.conn()).unwrap();
        assert_eq!(gateway.kind, Some(GatewayKind::Stripe));
        assert_eq!(gateway.api_base, "http://127.0.0.1:8744");
        // A second start seeds nothing more.
        seed_billing(&mut store, &caller, "http://127.0.0.1:9999").unwrap();
        assert_eq!(billing::list_services(store.conn(), true).unwrap().len(), 5);
        let again = billing::gateway_settings(store.conn()).unwrap();
        assert_eq!(again.api_base, "http://127.0.0.1:8744");
    }
}
