//! The clinic's billing settings (currency, invoice footer) and its service
//! catalogue (fee schedule): each a synced row, last writer by HLC wins.
//!
//! Invariants:
//! - the currency is a known ISO 4217 code and can change only while no
//!   service and no invoice exists (every amount is in its minor units);
//! - a service's price is integer minor units ≥ 0 of the clinic's currency,
//!   its tax rate 0–100 % in basis points; codes are unique (case-insensitive);
//! - creating a service, or changing its price or tax, is for administrators;
//!   billing staff rename, (de)activate and map services to appointment types.
use super::money::{self, FULL_BP, MAX_AMOUNT_MINOR};
use super::require_role;
use crate::authz::Command;
use crate::validation::Check;
use crate::{audit, Caller, CoreError};
use clinic_protocol::{
    AppointmentTypeId, AuditAction, AuditCategory, BillingSettings, EntityKind, OpKind, Role,
    SaveBillingSettings, SaveService, Service, ServiceId, TaxMode, TaxRule,
};
use clinic_store::Store;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};

/// The entity id of the clinic's billing settings ops.
pub const SETTINGS_ENTITY_ID: &str = "clinic";

/// The clinic's billing settings (`currency` empty until set).
pub fn settings(conn: &Connection) -> Result<BillingSettings, CoreError> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT currency, invoice_footer FROM billing_settings WHERE singleton = 1",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match row {
        Some((currency, invoice_footer)) => BillingSettings {
            minor_digits: money::minor_digits(&currency)
                .ok_or_else(|| CoreError::Corrupt("billing currency".into()))?,
            currency,
            invoice_footer,
        },
        None => BillingSettings {
            currency: String::new(),
            minor_digits: 2,
            invoice_footer: String::new(),
        },
    })
}

/// The clinic's currency, or a clear error when billing is not set up.
pub fn currency(conn: &Connection) -> Result<String, CoreError> {
    let s = settings(conn)?;
    if s.currency.is_empty() {
        return Err(CoreError::field(
            "currency",
            "Set the clinic's currency in the billing settings first.",
        ));
    }
    Ok(s.currency)
}

/// Inserts or replaces the settings row. Shared with sync's applier.
pub(crate) fn write_settings_row(
    conn: &Connection,
    currency: &str,
    footer: &str,
    now: &str,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO billing_settings (singleton, currency, invoice_footer, updated_at)
         VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (singleton) DO UPDATE SET currency = excluded.currency,
            invoice_footer = excluded.invoice_footer, updated_at = excluded.updated_at",
    )?
    .execute(params![currency, footer, now])?;
    Ok(())
}

/// Sets the currency and the invoice footer (administrators).
pub fn save_settings(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SaveBillingSettings,
) -> Result<BillingSettings, CoreError> {
    let mut c = Check::new();
    let currency = money::normalize_currency(&request.currency);
    if currency.is_none() {
        c.fail(
            "currency",
            "Enter a three-letter ISO 4217 currency code, e.g. EUR, USD, JPY.",
        );
    }
    let mut footer = request.invoice_footer.clone();
    c.multiline("invoice_footer", &mut footer, false, 1000);
    c.finish().map_err(CoreError::Validation)?;
    let currency = currency.unwrap_or_default();
    let device = store.device_id();
    store.write(|tx| {
        let before = settings(tx.conn())?;
        if !before.currency.is_empty() && before.currency != currency {
            let used: bool = tx.conn().query_row(
                "SELECT EXISTS (SELECT 1 FROM service) OR EXISTS (SELECT 1 FROM invoice)",
                [],
                |r| r.get(0),
            )?;
            if used {
                return Err(CoreError::field(
                    "currency",
                    "The currency cannot change once services or invoices exist: their amounts are in its smallest unit.",
                ));
            }
        }
        if before.currency == currency && before.invoice_footer == footer {
            return Ok(());
        }
        tx.record(
            OpKind::SaveBillingSettings,
            EntityKind::BillingSettings,
            SETTINGS_ENTITY_ID,
            json!({ "currency": currency, "invoice_footer": footer }),
        )?;
        let now = tx.now_rfc3339();
        write_settings_row(tx.conn(), &currency, &footer, &now)?;
        let event = caller
            .event(AuditAction::SettingsChange, AuditCategory::Billing)
            .detail(json!({
                "billing_settings": true,
                "currency": currency,
                "currency_changed": before.currency != currency,
            }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok(())
    })?;
    settings(store.conn())
}

const COLUMNS: &str = "id, code, name, price_minor, currency, tax_name, tax_rate_bp, tax_mode,
    appointment_type_id, active, version";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<Service, CoreError>> {
    let (id, mode, appointment_type): (String, String, Option<String>) =
        (r.get(0)?, r.get(7)?, r.get(8)?);
    let appointment_type_id = match appointment_type.map(|t| t.parse::<AppointmentTypeId>()) {
        Some(Ok(t)) => Some(t),
        Some(Err(_)) => return Ok(Err(CoreError::Corrupt("service row".into()))),
        None => None,
    };
    let (Ok(id), Some(mode)) = (id.parse::<ServiceId>(), TaxMode::parse(&mode)) else {
        return Ok(Err(CoreError::Corrupt("service row".into())));
    };
    Ok(Ok(Service {
        id,
        code: r.get(1)?,
        name: r.get(2)?,
        price_minor: r.get(3)?,
        currency: r.get(4)?,
        tax: TaxRule {
            name: r.get(5)?,
            rate_bp: r.get(6)?,
            mode,
        },
        appointment_type_id,
        active: r.get(9)?,
        version: r.get(10)?,
    }))
}

pub(crate) fn find_service(conn: &Connection, id: ServiceId) -> Result<Option<Service>, CoreError> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM service WHERE id = ?1"))?
        .query_row([id.to_string()], from_row)
        .optional()?
        .transpose()
}

/// One service (`NotFound` when unknown).
pub fn get_service(conn: &Connection, id: ServiceId) -> Result<Service, CoreError> {
    find_service(conn, id)?.ok_or(CoreError::NotFound("service"))
}

/// The catalogue by code (inactive services too when asked).
pub fn list_services(conn: &Connection, include_inactive: bool) -> Result<Vec<Service>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM service WHERE active = 1 OR ?1 ORDER BY code COLLATE NOCASE, id"
    ))?;
    let rows = stmt.query_map([include_inactive], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// The active service appointments of this type are invoiced with, if any.
pub(crate) fn service_for_appointment_type(
    conn: &Connection,
    appointment_type: AppointmentTypeId,
) -> Result<Option<Service>, CoreError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM service WHERE appointment_type_id = ?1 AND active = 1
         ORDER BY code COLLATE NOCASE, id LIMIT 1"
    ))?
    .query_row([appointment_type.to_string()], from_row)
    .optional()?
    .transpose()
}

/// The `save_service` payload: the whole row. Shared with sync's applier.
pub(crate) fn service_payload(s: &Service) -> Value {
    json!({
        "code": s.code, "name": s.name, "price_minor": s.price_minor, "currency": s.currency,
        "tax": s.tax, "appointment_type_id": s.appointment_type_id, "active": s.active,
    })
}

/// Inserts or replaces a service row (its version goes up by one). Shared with
/// sync's applier.
pub(crate) fn write_service_row(
    conn: &Connection,
    s: &Service,
    now: &str,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO service (id, code, name, price_minor, currency, tax_name, tax_rate_bp, tax_mode,
            appointment_type_id, active, version, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11)
         ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name,
            price_minor = excluded.price_minor, currency = excluded.currency,
            tax_name = excluded.tax_name, tax_rate_bp = excluded.tax_rate_bp,
            tax_mode = excluded.tax_mode, appointment_type_id = excluded.appointment_type_id,
            active = excluded.active, version = service.version + 1,
            updated_at = excluded.updated_at",
    )?
    .execute(params![
        s.id.to_string(),
        s.code,
        s.name,
        s.price_minor,
        s.currency,
        s.tax.name,
        s.tax.rate_bp,
        s.tax.mode.as_str(),
        s.appointment_type_id.map(|t| t.to_string()),
        s.active,
        now,
    ])?;
    Ok(())
}

/// Checks a tax rule (shared with free invoice lines).
pub(crate) fn check_tax(c: &mut Check, field: &str, tax: &TaxRule) -> TaxRule {
    let mut name = tax.name.clone();
    c.text(&format!("{field}.name"), &mut name, false, 50);
    if tax.rate_bp > FULL_BP {
        c.fail(
            &format!("{field}.rate_bp"),
            "Enter a tax rate from 0 to 100 % (in basis points: 2000 = 20 %).",
        );
    }
    TaxRule {
        name,
        rate_bp: tax.rate_bp,
        mode: tax.mode,
    }
}

/// Creates or edits a service. Administrators create services and change
/// prices and taxes; billing staff may edit the rest.
pub fn save_service(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SaveService,
) -> Result<Service, CoreError> {
    let mut c = Check::new();
    let mut code = request.code.clone();
    c.text("code", &mut code, true, 30);
    let mut name = request.name.clone();
    c.text("name", &mut name, true, 200);
    if !(0..=MAX_AMOUNT_MINOR).contains(&request.price_minor) {
        c.fail(
            "price_minor",
            "Enter a price of zero or more, in the currency's smallest unit (cents, pence, yen).",
        );
    }
    let tax = check_tax(&mut c, "tax", &request.tax);
    c.finish().map_err(CoreError::Validation)?;
    let device = store.device_id();
    let id = request.id.unwrap_or_default();
    store.write(|tx| {
        let conn = tx.conn();
        let currency = currency(conn)?;
        let before = find_service(conn, id)?;
        match (&before, request.id, request.expected_version) {
            (None, Some(_), _) => return Err(CoreError::NotFound("service")),
            (Some(b), _, Some(v)) if b.version != v => {
                return Err(CoreError::EditConflict {
                    expected: v,
                    current: b.version,
                })
            }
            _ => {}
        }
        let pricing_changed = before
            .as_ref()
            .is_none_or(|b| b.price_minor != request.price_minor || b.tax != tax);
        if pricing_changed {
            require_role(caller, Command::SaveService, &[Role::Administrator])?;
        }
        let taken: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM service WHERE code = ?1 COLLATE NOCASE AND id <> ?2)",
            )?
            .query_row(params![code, id.to_string()], |r| r.get(0))?;
        if taken {
            return Err(CoreError::field("code", "Another service has this code."));
        }
        if let Some(t) = request.appointment_type_id {
            if !crate::sync::apply::exists(conn, "appointment_type", &t.to_string())? {
                return Err(CoreError::field(
                    "appointment_type_id",
                    "This appointment type does not exist.",
                ));
            }
        }
        let service = Service {
            id,
            code: code.clone(),
            name: name.clone(),
            price_minor: request.price_minor,
            currency: before.as_ref().map_or(currency, |b| b.currency.clone()),
            tax: tax.clone(),
            appointment_type_id: request.appointment_type_id,
            active: request.active,
            version: 0,
        };
        let unchanged = before.as_ref().is_some_and(|b| {
            Service {
                version: 0,
                ..b.clone()
            } == service
        });
        if unchanged {
            return Ok(());
        }
        tx.record(
            OpKind::SaveService,
            EntityKind::Service,
            &id.to_string(),
            service_payload(&service),
        )?;
        let now = tx.now_rfc3339();
        write_service_row(tx.conn(), &service, &now)?;
        let event = caller
            .event(AuditAction::SettingsChange, AuditCategory::Billing)
            .detail(json!({
                "service_id": id.to_string(),
                "created": before.is_none(),
                "price_minor": service.price_minor,
                "tax_rate_bp": service.tax.rate_bp,
                "active": service.active,
            }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok(())
    })?;
    get_service(store.conn(), id)
}
