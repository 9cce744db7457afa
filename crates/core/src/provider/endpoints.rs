//! Provider endpoints: the clinic's configuration of each provider's FHIR
//! endpoint (synced to every device as a `save_provider_endpoint` op, whole
//! row, last writer by HLC wins) and this device's credentials for it (local
//! only: a bearer token or a SMART private key in `provider_credential`,
//! never in an op, never returned — `has_credentials` says whether they are
//! here).
//!
//! Checks: a name; an `https://` base URL with a host (plain `http://` only
//! for this machine: localhost, 127.x, ::1), no credentials, query or fragment
//! in it; SMART Backend Services needs a client id and a token URL (the same
//! URL rules); automatic refresh every 5 minutes to 7 days, or never.
use crate::audit;
use crate::validation::Check;
use crate::{Caller, CoreError};
use clinic_protocol::{
    AuditAction, AuditCategory, EntityKind, OpKind, ProviderAuthKind, ProviderEndpoint,
    SaveProviderEndpoint,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};
use uuid::Uuid;

/// Shortest and longest automatic refresh (minutes; 0 turns it off).
pub const MIN_REFRESH_MINUTES: u32 = 5;
pub const MAX_REFRESH_MINUTES: u32 = 7 * 24 * 60;
/// Longest accepted secret (a PEM private key is a few KiB).
const MAX_SECRET_BYTES: usize = 16 * 1024;
const MAX_URL: usize = 2000;

const COLUMNS: &str = "e.id, e.name, e.base_url, e.auth, e.client_id, e.token_url, e.scope,
    e.refresh_minutes, e.send_demographics, e.clinic_default, e.updated_at,
    EXISTS (SELECT 1 FROM provider_credential c WHERE c.provider_id = e.id)";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<ProviderEndpoint, CoreError>> {
    let (id, auth): (String, String) = (r.get(0)?, r.get(3)?);
    let (Ok(id), Some(auth)) = (id.parse(), ProviderAuthKind::parse(&auth)) else {
        return Ok(Err(CoreError::Corrupt("provider endpoint row".into())));
    };
    Ok(Ok(ProviderEndpoint {
        id,
        name: r.get(1)?,
        base_url: r.get(2)?,
        auth,
        client_id: r.get(4)?,
        token_url: r.get(5)?,
        scope: r.get(6)?,
        refresh_minutes: r.get::<_, i64>(7)?.clamp(0, u32::MAX as i64) as u32,
        send_demographics: r.get(8)?,
        clinic_default: r.get(9)?,
        updated_at: r.get(10)?,
        has_credentials: r.get(11)?,
    }))
}

/// One endpoint (`NotFound` when unknown here).
pub fn get(conn: &Connection, id: Uuid) -> Result<ProviderEndpoint, CoreError> {
    find(conn, id)?.ok_or(CoreError::NotFound("provider"))
}

pub(crate) fn find(conn: &Connection, id: Uuid) -> Result<Option<ProviderEndpoint>, CoreError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM provider_endpoint e WHERE e.id = ?1"
    ))?
    .query_row([id.to_string()], from_row)
    .optional()?
    .transpose()
}

/// Every endpoint, by name.
pub fn all(conn: &Connection) -> Result<Vec<ProviderEndpoint>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM provider_endpoint e ORDER BY e.name COLLATE NOCASE, e.id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// The endpoints, for the settings screen and the link dialog (no secrets).
pub fn list_endpoints(
    store: &Store,
    _caller: &Caller<'_>,
) -> Result<Vec<ProviderEndpoint>, CoreError> {
    all(store.conn())
}

/// The clinic's default endpoint, if one is marked.
pub(crate) fn clinic_default(conn: &Connection) -> Result<Option<ProviderEndpoint>, CoreError> {
    let id: Option<String> = conn
        .prepare_cached(
            "SELECT id FROM provider_endpoint WHERE clinic_default = 1
             ORDER BY updated_at DESC, id LIMIT 1",
        )?
        .query_row([], |r| r.get(0))
        .optional()?;
    match id.and_then(|i| i.parse().ok()) {
        Some(id) => find(conn, id),
        None => Ok(None),
    }
}

/// Whether this device can run jobs for the endpoint: no credentials are
/// needed, or they are held here.
pub fn can_run_here(endpoint: &ProviderEndpoint) -> bool {
    endpoint.auth == ProviderAuthKind::Open || endpoint.has_credentials
}

/// This device's secret for the endpoint, if any.
pub(crate) fn secret(conn: &Connection, id: Uuid) -> Result<Option<String>, CoreError> {
    Ok(conn
        .prepare_cached("SELECT secret FROM provider_credential WHERE provider_id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?)
}

/// Checks an http(s) URL (see the module header); returns it without a
/// trailing slash.
pub(crate) fn check_url(c: &mut Check, field: &str, url: &str) -> String {
    let url = url.trim().trim_end_matches('/').to_string();
    if url.is_empty() {
        c.fail(field, "This field is required.");
        return url;
    }
    if url.len() > MAX_URL || url.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
        c.fail(
            field,
            "Enter the address without spaces (at most 2000 characters).",
        );
        return url;
    }
    let lower = url.to_ascii_lowercase();
    let (secure, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        c.fail(field, "Start the address with https://.");
        return url;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if rest.contains('?') || rest.contains('#') {
        c.fail(field, "Leave out the query (?…) and fragment (#…).");
        return url;
    }
    if authority.contains('@') {
        c.fail(
            field,
            "Leave user names and passwords out of the address: enter credentials below.",
        );
        return url;
    }
    let host = if authority.starts_with('[') {
        authority
            .split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or("").to_string()
    };
    let port_ok = authority
        .strip_prefix(host.as_str())
        .map(|p| {
            p.is_empty()
                || p.strip_prefix(':')
                    .is_some_and(|n| n.parse::<u16>().is_ok())
        })
        .unwrap_or(false);
    if host.is_empty() || !port_ok {
        c.fail(
            field,
            "Enter a full address with a host, e.g. https://fhir.example.org/r4.",
        );
        return url;
    }
    if !secure && !is_loopback(&host) {
        c.fail(
            field,
            "Use https:// (plain http:// is only for this computer: localhost).",
        );
    }
    url
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "[::1]" || host.starts_with("127.")
}

fn optional(c: &mut Check, field: &str, value: &Option<String>, max: usize) -> Option<String> {
    let mut v = value.clone().unwrap_or_default();
    c.text(field, &mut v, false, max);
    (!v.is_empty()).then_some(v)
}

/// The checked endpoint and what to do with this device's secret.
struct Checked {
    endpoint: ProviderEndpoint,
    secret: SecretChange,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SecretChange {
    Keep,
    Set,
    Forget,
}

fn check(request: &SaveProviderEndpoint) -> Result<Checked, CoreError> {
    let mut c = Check::new();
    let mut name = request.name.clone();
    c.text("name", &mut name, true, 200);
    let base_url = check_url(&mut c, "base_url", &request.base_url);
    let smart = request.auth == ProviderAuthKind::SmartBackend;
    let client_id = optional(&mut c, "client_id", &request.client_id, 200);
    let scope = optional(&mut c, "scope", &request.scope, 1000);
    let token_url = match request.token_url.as_deref().map(str::trim) {
        Some(u) if !u.is_empty() => Some(check_url(&mut c, "token_url", u)),
        _ => None,
    };
    if smart && client_id.is_none() {
        c.fail(
            "client_id",
            "SMART Backend Services needs the client id registered at the provider.",
        );
    }
    if smart && token_url.is_none() {
        c.fail(
            "token_url",
            "SMART Backend Services needs the provider's token URL.",
        );
    }
    if request.refresh_minutes != 0
        && !(MIN_REFRESH_MINUTES..=MAX_REFRESH_MINUTES).contains(&request.refresh_minutes)
    {
        c.fail(
            "refresh_minutes",
            format!(
                "Refresh every {MIN_REFRESH_MINUTES} minutes to 7 days ({MAX_REFRESH_MINUTES} minutes), or 0 for manual only."
            ),
        );
    }
    let secret = match request.secret.as_deref() {
        None => SecretChange::Keep,
        Some(s) if s.trim().is_empty() => SecretChange::Forget,
        Some(s) => {
            let s = s.trim();
            if s.len() > MAX_SECRET_BYTES {
                c.fail("secret", "This is too long for a token or a private key.");
            } else if smart && !(s.starts_with("-----BEGIN") && s.contains("PRIVATE KEY-----")) {
                c.fail(
                    "secret",
                    "Paste the private key in PEM form (-----BEGIN PRIVATE KEY----- …).",
                );
            } else if request.auth == ProviderAuthKind::Bearer
                && s.chars().any(|ch| ch.is_whitespace() || ch.is_control())
            {
                c.fail("secret", "A bearer token has no spaces or line breaks.");
            } else if request.auth == ProviderAuthKind::Open {
                c.fail("secret", "An open endpoint takes no credentials.");
            }
            SecretChange::Set
        }
    };
    c.finish().map_err(CoreError::Validation)?;
    Ok(Checked {
        endpoint: ProviderEndpoint {
            id: request.id.unwrap_or_else(Uuid::now_v7),
            name,
            base_url,
            auth: request.auth,
            client_id: if smart { client_id } else { None },
            token_url: if smart { token_url } else { None },
            scope,
            has_credentials: false,
            refresh_minutes: request.refresh_minutes,
            send_demographics: request.send_demographics,
            clinic_default: request.clinic_default,
            updated_at: String::new(),
        },
        secret,
    })
}

/// The `save_provider_endpoint` payload: the whole row, never credentials.
/// Shared with sync's applier.
fn payload(e: &ProviderEndpoint) -> Value {
    json!({
        "name": e.name, "base_url": e.base_url, "auth": e.auth.as_str(),
        "client_id": e.client_id, "token_url": e.token_url, "scope": e.scope,
        "refresh_minutes": e.refresh_minutes, "send_demographics": e.send_demographics,
        "clinic_default": e.clinic_default,
    })
}

/// Inserts or replaces an endpoint's row. Shared with sync's applier.
pub(crate) fn write_row(
    conn: &Connection,
    e: &ProviderEndpoint,
    now: &str,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO provider_endpoint (id, name, base_url, auth, client_id, token_url, scope,
            refresh_minutes, send_demographics, clinic_default, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, base_url = excluded.base_url,
            auth = excluded.auth, client_id = excluded.client_id, token_url = excluded.token_url,
            scope = excluded.scope, refresh_minutes = excluded.refresh_minutes,
            send_demographics = excluded.send_demographics,
            clinic_default = excluded.clinic_default, updated_at = excluded.updated_at",
    )?
    .execute(params![
        e.id.to_string(),
        e.name,
        e.base_url,
        e.auth.as_str(),
        e.client_id,
        e.token_url,
        e.scope,
        e.refresh_minutes,
        e.send_demographics,
        e.clinic_default,
        now,
    ])?;
    Ok(())
}

fn record(tx: &mut WriteTx<'_>, e: &ProviderEndpoint) -> Result<(), CoreError> {
    tx.record(
        OpKind::SaveProviderEndpoint,
        EntityKind::ProviderEndpoint,
        &e.id.to_string(),
        payload(e),
    )?;
    let now = tx.now_rfc3339();
    write_row(tx.conn(), e, &now)
}

/// Creates or changes an endpoint (administrators): one op per row written
/// (marking one the clinic default unmarks the others), the secret kept on
/// this device only, one audit entry (the fields changed and what happened to
/// the credentials, never them).
pub fn save_endpoint(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SaveProviderEndpoint,
) -> Result<ProviderEndpoint, CoreError> {
    let Checked {
        mut endpoint,
        secret: mut change,
    } = check(&request)?;
    let device = store.device_id();
    let id = endpoint.id;
    store.write(|tx| {
        let before = find(tx.conn(), id)?;
        if request.id.is_some() && before.is_none() {
            return Err(CoreError::NotFound("provider"));
        }
        let held = secret(tx.conn(), id)?.is_some();
        // A secret of the other kind of authentication is of no use any more.
        if change == SecretChange::Keep
            && held
            && before.as_ref().is_some_and(|b| b.auth != endpoint.auth)
        {
            change = SecretChange::Forget;
        }
        if endpoint.auth == ProviderAuthKind::Open && held {
            change = SecretChange::Forget;
        }
        let fields = changed_fields(before.as_ref(), &endpoint);
        if !fields.is_empty() {
            record(tx, &endpoint)?;
        }
        if endpoint.clinic_default {
            for mut other in all(tx.conn())?.into_iter().filter(|o| o.id != id && o.clinic_default) {
                other.clinic_default = false;
                record(tx, &other)?;
            }
        }
        let now = tx.now_rfc3339();
        let credentials = match (change, request.secret.as_deref()) {
            (SecretChange::Set, Some(s)) => {
                tx.conn().execute(
                    "INSERT INTO provider_credential (provider_id, secret, saved_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (provider_id) DO UPDATE SET secret = excluded.secret, saved_at = excluded.saved_at",
                    params![id.to_string(), s.trim(), now],
                )?;
                "set"
            }
            (SecretChange::Forget, _) if held => {
                tx.conn().execute(
                    "DELETE FROM provider_credential WHERE provider_id = ?1",
                    [id.to_string()],
                )?;
                "removed"
            }
            _ => "kept",
        };
        if fields.is_empty() && credentials == "kept" {
            return Ok(());
        }
        let event = caller
            .event(AuditAction::SettingsChange, AuditCategory::System)
            .detail(json!({
                "provider_endpoint": id.to_string(),
                "created": before.is_none(),
                "fields": fields,
                "auth": endpoint.auth.as_str(),
                "credentials": credentials,
            }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok(())
    })?;
    endpoint = get(store.conn(), id)?;
    tracing::info!(provider = %id, auth = endpoint.auth.as_str(), "saved a provider endpoint");
    Ok(endpoint)
}

fn changed_fields(
    before: Option<&ProviderEndpoint>,
    after: &ProviderEndpoint,
) -> Vec<&'static str> {
    let Some(b) = before else {
        return vec!["name", "base_url", "auth"];
    };
    let mut out = Vec::new();
    let pairs: [(&'static str, bool); 9] = [
        ("name", b.name != after.name),
        ("base_url", b.base_url != after.base_url),
        ("auth", b.auth != after.auth),
        ("client_id", b.client_id != after.client_id),
        ("token_url", b.token_url != after.token_url),
        ("scope", b.scope != after.scope),
        (
            "refresh_minutes",
            b.refresh_minutes != after.refresh_minutes,
        ),
        (
            "send_demographics",
            b.send_demographics != after.send_demographics,
        ),
        ("clinic_default", b.clinic_default != after.clinic_default),
    ];
    for (name, changed) in pairs {
        if changed {
            out.push(name);
        }
    }
    out
}
