//! This device's card payment gateway (Settings → Billing → Card payments):
//! which gateway, its API address, the clinic's billing email (Paystack,
//! Flutterwave) and the secret key. Local to the device (`payment_gateway`,
//! migrations 0018 and 0020):
//! written without an op, never pushed, the key never returned to the UI.
//!
//! The payment runner (crates/payments) reads [`config`] (with the key) and
//! records each exchange with [`record_contact`]; without a gateway here a
//! card payment cannot be started on this device (`require_configured`).
use crate::audit;
use crate::provider::check_url;
use crate::validation::Check;
use crate::{Caller, CoreError};
use clinic_protocol::{
    AuditAction, AuditCategory, GatewayKind, PaymentGatewaySettings, SavePaymentGateway,
};
use clinic_store::Store;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

/// The gateways' public APIs (an empty address means these).
pub const STRIPE_API: &str = "https://api.stripe.com";
pub const PAYSTACK_API: &str = "https://api.paystack.co";
pub const FLUTTERWAVE_API: &str = "https://api.flutterwave.com";
/// Longest accepted secret key.
const MAX_KEY: usize = 500;
/// Longest error kept from the last contact.
const MAX_ERROR: usize = 300;

/// What the runner needs to talk to the gateway (the key included).
#[derive(Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    pub kind: GatewayKind,
    pub api_base: String,
    pub customer_email: String,
    pub secret_key: String,
}

impl std::fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("kind", &self.kind)
            .field("api_base", &self.api_base)
            .field("secret_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

fn public_api(kind: GatewayKind) -> &'static str {
    match kind {
        GatewayKind::Stripe => STRIPE_API,
        GatewayKind::Paystack => PAYSTACK_API,
        GatewayKind::Flutterwave => FLUTTERWAVE_API,
    }
}

/// This device's gateway, without its key (an empty one when none is set).
pub fn gateway_settings(conn: &Connection) -> Result<PaymentGatewaySettings, CoreError> {
    let row = conn
        .prepare_cached(
            "SELECT kind, api_base, customer_email, last_contact_at, last_error
             FROM payment_gateway WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .optional()?;
    let Some((kind, api_base, customer_email, last_contact_at, last_error)) = row else {
        return Ok(PaymentGatewaySettings {
            kind: None,
            api_base: String::new(),
            customer_email: String::new(),
            has_secret_key: false,
            last_contact_at: None,
            last_error: None,
            webhook_url: None,
        });
    };
    let kind = GatewayKind::parse(&kind).ok_or(CoreError::Corrupt("payment gateway row".into()))?;
    Ok(PaymentGatewaySettings {
        kind: Some(kind),
        api_base,
        customer_email,
        has_secret_key: true,
        last_contact_at,
        last_error,
        webhook_url: crate::sync::state::enrollment(conn)?.map(|e| {
            format!(
                "{}/v1/gateway-webhooks/{}/{}",
                e.server_url.trim_end_matches('/'),
                kind.as_str(),
                e.clinic_id
            )
        }),
    })
}

/// The gateway with its key, for the runner (None: no gateway here).
pub fn config(conn: &Connection) -> Result<Option<GatewayConfig>, CoreError> {
    let row = conn
        .prepare_cached(
            "SELECT kind, api_base, customer_email, secret_key FROM payment_gateway WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .optional()?;
    let Some((kind, api_base, customer_email, secret_key)) = row else {
        return Ok(None);
    };
    let kind = GatewayKind::parse(&kind).ok_or(CoreError::Corrupt("payment gateway row".into()))?;
    Ok(Some(GatewayConfig {
        kind,
        api_base,
        customer_email,
        secret_key,
    }))
}

/// Refuses to start a card payment on a device with no gateway.
/// Whether this device has a card gateway.
pub(crate) fn is_configured(conn: &Connection) -> Result<bool, CoreError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM payment_gateway WHERE id = 1)")?
        .query_row([], |r| r.get(0))?)
}

pub(crate) fn require_configured(conn: &Connection) -> Result<(), CoreError> {
    if is_configured(conn)? {
        Ok(())
    } else {
        Err(CoreError::field(
            "method",
            "Card payments are not set up on this device: an administrator sets the gateway in Settings → Billing → Card payments. Take the payment another way.",
        ))
    }
}

/// Sets or (kind None) removes this device's gateway (administrators; the
/// session gate checks the role). A key is required the first time and kept
/// when none is given later; one audit entry without the key.
pub fn save_gateway(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SavePaymentGateway,
) -> Result<PaymentGatewaySettings, CoreError> {
    let device = store.device_id();
    let Some(kind) = request.kind else {
        store.write(|tx| {
            let removed = tx
                .conn()
                .execute("DELETE FROM payment_gateway WHERE id = 1", [])?;
            if removed > 0 {
                let event = caller
                    .event(AuditAction::SettingsChange, AuditCategory::Billing)
                    .detail(json!({ "payment_gateway": "removed" }));
                audit::append_in(tx, caller.audit_key, device, &event)?;
            }
            Ok::<_, CoreError>(())
        })?;
        tracing::info!("removed the payment gateway");
        return gateway_settings(store.conn());
    };
    let mut c = Check::new();
    let api_base = if request.api_base.trim().is_empty() {
        public_api(kind).to_string()
    } else {
        check_url(&mut c, "api_base", &request.api_base)
    };
    let email = request.customer_email.trim().to_string();
    if kind != GatewayKind::Stripe && email.is_empty() {
        c.fail(
            "customer_email",
            "Paystack and Flutterwave need the clinic's billing email (it is sent as the customer).",
        );
    }
    if !email.is_empty()
        && (email.len() > 254
            || !email.contains('@')
            || email.starts_with('@')
            || email.ends_with('@')
            || email
                .chars()
                .any(|ch| ch.is_whitespace() || ch.is_control()))
    {
        c.fail(
            "customer_email",
            "Enter an email address like billing@clinic.example.",
        );
    }
    let key = request
        .secret_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    if let Some(k) = key {
        if k.len() > MAX_KEY || k.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
            c.fail(
                "secret_key",
                "Paste the secret key as the gateway shows it, without spaces.",
            );
        }
    }
    c.finish().map_err(CoreError::Validation)?;
    store.write(|tx| {
        let held: Option<String> = tx
            .conn()
            .query_row(
                "SELECT secret_key FROM payment_gateway WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let Some(secret) = key.map(str::to_string).or(held.clone()) else {
            return Err(CoreError::field(
                "secret_key",
                "Enter the gateway's secret key.",
            ));
        };
        let now = tx.now_rfc3339();
        tx.conn().execute(
            "INSERT INTO payment_gateway (id, kind, api_base, customer_email, secret_key, saved_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, api_base = excluded.api_base,
                customer_email = excluded.customer_email, secret_key = excluded.secret_key,
                saved_at = excluded.saved_at, last_contact_at = NULL, last_error = NULL",
            params![kind.as_str(), api_base, email, secret, now],
        )?;
        let event = caller
            .event(AuditAction::SettingsChange, AuditCategory::Billing)
            .detail(json!({
                "payment_gateway": kind.as_str(),
                "public_api": api_base == public_api(kind),
                "secret_key": if key.is_some() { "set" } else { "kept" },
            }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok(())
    })?;
    tracing::info!(gateway = kind.as_str(), "saved the payment gateway");
    gateway_settings(store.conn())
}

/// The runner's last exchange with the gateway: `error` None when it went
/// well (a gateway code or kind, never card data or keys).
pub fn record_contact(store: &mut Store, error: Option<&str>) -> Result<(), CoreError> {
    let error = error.map(|e| e.chars().take(MAX_ERROR).collect::<String>());
    store.write(|tx| {
        let now = tx.now_rfc3339();
        tx.conn().execute(
            "UPDATE payment_gateway SET last_contact_at = ?1, last_error = ?2 WHERE id = 1",
            params![now, error],
        )?;
        Ok::<_, CoreError>(())
    })
}
