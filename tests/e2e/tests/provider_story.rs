//! The primary-provider story on the real app, against the real test FHIR
//! server (Medplum's router from npm, tests/fhir-server) holding two Synthea
//! patients and their documents behind a bearer token: the administrator
//! configures the provider in Settings (the token goes in, never comes back)
//! and imports one patient's Synthea bundle (so the clinic knows the patient);
//! a doctor opens the patient's chart, links them to the provider by their
//! identifier there, presses "Sync now", sees the pull succeed, the provider's
//! documents listed with their source, opens one in the app, and finds the pull
//! in the sync history (searched and filtered). Afterwards nothing of the token
//! is on disk outside the encrypted database.
use anyhow::{ensure, Context};
use clinic_e2e::{assert_db_encrypted, assert_no_canary, Account, App, LaunchOptions, Profile};
use clinic_server_harness::{FhirOptions, FhirServer};
use std::path::PathBuf;

const TOKEN: &str = "riverside-e2e-token-8c41";
const PROVIDER: &str = "Riverside Family Practice";
const SYNTHEA: &str = "https://github.com/synthetichealth/synthea";

/// The shared test data's Synthea bundles (`CLINIC_SHARED_DATA`, else
/// `../shared/data` next to the repository), sorted; missing data fails.
fn synthea_bundles() -> clinic_e2e::Result<Vec<PathBuf>> {
    let dir = match std::env::var_os("CLINIC_SHARED_DATA") {
        Some(d) => PathBuf::from(d),
        None => clinic_e2e::driver::workspace_root().join("../shared/data"),
    }
    .join("synthea-r4-bundles");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("the shared test data is missing: {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    ensure!(files.len() >= 2, "fewer than two Synthea bundles");
    files.truncate(2);
    Ok(files)
}

/// The bundle's patient: family name and Synthea identifier (`system|value`).
fn patient_of(bundle: &PathBuf) -> clinic_e2e::Result<(String, String)> {
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(bundle)?)?;
    let patient = json["entry"]
        .as_array()
        .and_then(|entries| {
            entries
                .iter()
                .map(|e| &e["resource"])
                .find(|r| r["resourceType"] == "Patient")
        })
        .context("a Patient in the bundle")?;
    let family = patient["name"][0]["family"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let value = patient["identifier"]
        .as_array()
        .and_then(|ids| ids.iter().find(|i| i["system"] == SYNTHEA))
        .and_then(|i| i["value"].as_str())
        .context("a Synthea identifier")?;
    Ok((family, format!("{SYNTHEA}|{value}")))
}

#[tokio::test]
#[ignore = "end-to-end (real app, Xvfb, keyring): scripts/test.sh runs it; see tests/e2e/src/lib.rs"]
async fn provider_story() -> clinic_e2e::Result {
    let bundles = synthea_bundles()?;
    let (family, identifier) = patient_of(&bundles[0])?;
    let server = FhirServer::start(
        FhirOptions::new()
            .load(&bundles[0])
            .load(&bundles[1])
            .documents(2)
            .token(TOKEN),
    )?;
    let profile = Profile::new("provider_story")?;
    let app = profile
        .launch(
            LaunchOptions::default().env("CLINIC_E2E_FHIR_IMPORT_FILES", bundles[0].as_os_str()),
        )
        .await?;
    let outcome = story(&app, &server.base_url(), &family, &identifier).await;
    if outcome.is_err() {
        eprintln!("test FHIR server stderr:\n{}", server.stderr_tail(30));
    }
    profile.finish(app, outcome).await?;

    assert_db_encrypted(&profile.db_path())?;
    let secrets = vec![clinic_e2e::TEST_DB_KEY.to_string(), TOKEN.to_string()];
    let checked = assert_no_canary(&profile.app_dirs(), &secrets)?;
    ensure!(checked >= 2, "the disk walk saw only {checked} files");
    Ok(())
}

async fn story(app: &App, base_url: &str, family: &str, identifier: &str) -> clinic_e2e::Result {
    app.wait_ready().await?;

    // The administrator configures the provider; the token is never shown again.
    app.sign_in(Account::Admin).await?;
    app.click("nav-settings").await?;
    app.click("settings-tab-providers").await?;
    app.find("provider-settings").await?;
    if app.is_visible("provider-endpoint-new").await? {
        app.click("provider-endpoint-new").await?; // the form opens by itself when there is none
    }
    app.fill("provider-endpoint-name", PROVIDER).await?;
    app.fill("provider-endpoint-url", base_url).await?;
    app.fill("provider-endpoint-auth", "bearer").await?;
    app.fill("provider-endpoint-secret", TOKEN).await?;
    app.fill("provider-endpoint-default", "true").await?;
    app.click("provider-endpoint-save").await?;
    let row = app
        .wait_text("provider-endpoint-row", "the saved provider", |t| {
            t.contains(PROVIDER)
        })
        .await?;
    ensure!(!row.contains(TOKEN), "the token is shown: {row:?}");

    // The clinic knows the patient (imported from their Synthea bundle).
    app.click("nav-fhir").await?;
    app.click("fhir-import").await?;
    app.wait_until_for("the import summary", app.timeout() * 6, async || {
        for e in app.visible_now("fhir-summary-overview").await? {
            if e.text().await?.contains("Patients: 1 new") {
                return Ok(Some(()));
            }
        }
        Ok(None)
    })
    .await?;
    app.sign_out().await?;

    // A doctor links the patient to the provider and pulls their records.
    app.sign_in(Account::Doctor).await?;
    app.click("nav-search").await?;
    app.type_into("search-input", family).await?;
    app.wait_text("search-result", &format!("naming {family}"), |t| {
        t.contains(family)
    })
    .await?;
    app.click("search-result").await?;
    app.find("patient-profile").await?;
    app.click("open-chart").await?;
    app.find("chart-screen").await?;
    app.find("provider-records").await?;
    if app.is_visible("provider-link-edit").await? {
        app.click("provider-link-edit").await?;
    }
    app.fill("provider-link-identifier", identifier).await?;
    app.click("provider-link-save").await?;
    app.wait_text("provider-link-summary", "the link", |t| {
        t.contains(PROVIDER)
    })
    .await?;
    app.click("provider-sync-now").await?;
    app.wait_until_for("the pull to succeed", app.timeout() * 6, async || {
        for e in app.visible_now("provider-last-status").await? {
            match e.attr("data-status").await?.as_deref() {
                Some("succeeded") => return Ok(Some(())),
                Some("failed") => anyhow::bail!("the pull failed: {:?}", e.text().await?),
                _ => {}
            }
        }
        Ok(None)
    })
    .await?;

    // The provider's documents, with their source; one opens in the app.
    let rows = app
        .wait_until("two documents from the provider", async || {
            let rows = app.visible_now("provider-document-row").await?;
            Ok((rows.len() >= 2).then_some(rows))
        })
        .await?;
    for row in &rows {
        let text = row.text().await?;
        ensure!(
            text.contains(PROVIDER),
            "a document without its source: {text:?}"
        );
    }
    let open = app
        .client()
        .find(fantoccini::Locator::Css(
            "[data-testid^='provider-document-open-']",
        ))
        .await
        .context("an Open button on a provider document")?;
    app.click_element(&open).await?;
    let source = app.text("document-viewer-source").await?;
    ensure!(
        source.contains(PROVIDER),
        "the viewer names the source {source:?}"
    );
    app.click("document-viewer-close").await?;
    app.wait_gone("document-viewer").await?;

    // The sync history has the pull; searching and filtering narrow it.
    app.click("nav-provider-sync").await?;
    app.find("provider-history-screen").await?;
    let row = app
        .wait_text("provider-history-row", "the pull in the history", |t| {
            t.to_lowercase().contains("pull")
        })
        .await?;
    ensure!(
        row.contains(PROVIDER),
        "the history row names no provider: {row:?}"
    );
    app.fill("provider-history-status", "failed").await?;
    app.wait_gone("provider-history-row").await?;
    app.fill("provider-history-status", "").await?;
    app.type_into("provider-history-search", "Riverside")
        .await?;
    app.wait_text("provider-history-row", "the searched pull", |t| {
        t.contains(PROVIDER)
    })
    .await?;
    app.sign_out().await?;
    Ok(())
}
