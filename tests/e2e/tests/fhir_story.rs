//! The FHIR import story on the real app: a doctor opens "FHIR", imports a
//! Synthea bundle from the shared test data (the native open dialog cannot be
//! driven over WebDriver: the app's test hook `CLINIC_E2E_FHIR_IMPORT_FILES`,
//! honoured only on the insecure test key, names the file instead), sees the
//! progress bar give way to the summary (one new patient, encounters and
//! conditions imported, claims skipped with the reason), finds the patient,
//! opens the chart with the imported problems, and imports the same file again:
//! nothing new, nothing updated. The front desk gets no FHIR screen. Afterwards
//! nothing of the patient is on disk outside the encrypted database.
use anyhow::{ensure, Context};
use clinic_e2e::{assert_db_encrypted, assert_no_canary, Account, App, LaunchOptions, Profile};
use std::path::PathBuf;

/// The shared test data's Synthea bundles: `CLINIC_SHARED_DATA` (scripts/test.sh
/// sets it), else `../shared/data` next to the repository. Missing data fails.
fn synthea_bundle() -> clinic_e2e::Result<PathBuf> {
    let dir = match std::env::var_os("CLINIC_SHARED_DATA") {
        Some(d) => PathBuf::from(d),
        None => clinic_e2e::driver::workspace_root().join("../shared/data"),
    }
    .join("synthea-r4-bundles");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("the shared test data is missing: {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    files
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .context("no Synthea bundle in the shared test data")
}

/// The bundle's patient: (given, family, date of birth).
fn patient_of(bundle: &PathBuf) -> clinic_e2e::Result<(String, String, String)> {
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
    let name = &patient["name"][0];
    Ok((
        name["given"][0].as_str().unwrap_or_default().to_string(),
        name["family"].as_str().unwrap_or_default().to_string(),
        patient["birthDate"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    ))
}

#[tokio::test]
#[ignore = "end-to-end (real app, Xvfb, keyring): scripts/test.sh runs it; see tests/e2e/src/lib.rs"]
async fn fhir_story() -> clinic_e2e::Result {
    let bundle = synthea_bundle()?;
    let (given, family, dob) = patient_of(&bundle)?;
    ensure!(
        !family.is_empty() && !dob.is_empty(),
        "the bundle's patient has no name or birth date"
    );
    let profile = Profile::new("fhir_story")?;
    let app = profile
        .launch(LaunchOptions::default().env("CLINIC_E2E_FHIR_IMPORT_FILES", bundle.as_os_str()))
        .await?;
    let outcome = story(&app, &given, &family).await;
    profile.finish(app, outcome).await?;

    assert_db_encrypted(&profile.db_path())?;
    // The bundle itself lives outside the profile; nothing of the patient may be
    // written anywhere in it but the encrypted database (logs included).
    let secrets = vec![
        clinic_e2e::TEST_DB_KEY.to_string(),
        format!("{given} {family}"),
        format!("{family}, {given}"),
    ];
    let checked = assert_no_canary(&profile.app_dirs(), &secrets)?;
    ensure!(checked >= 2, "the disk walk saw only {checked} files");
    Ok(())
}

/// Waits for an import summary saying `expected` (a Synthea bundle takes a
/// few seconds; the summary of an earlier import does not say it).
async fn summary(app: &App, expected: &str) -> clinic_e2e::Result<String> {
    app.wait_until_for(
        &format!("an import summary saying {expected:?}"),
        app.timeout() * 6,
        async || {
            for e in app.visible_now("fhir-summary-overview").await? {
                let text = e.text().await?;
                if text.contains(expected) {
                    return Ok(Some(text));
                }
            }
            Ok(None)
        },
    )
    .await
}

/// The import counts of one resource type row (`data-column` → text).
async fn imported(app: &App, resource_type: &str) -> clinic_e2e::Result<u32> {
    for row in app.find_all("fhir-type-row").await? {
        if row.attr("data-type").await?.as_deref() == Some(resource_type) {
            let cell = row
                .find(fantoccini::Locator::Css("[data-column=imported]"))
                .await?;
            return Ok(cell.text().await?.trim().parse().unwrap_or(0));
        }
    }
    anyhow::bail!("no {resource_type} row in the summary")
}

async fn story(app: &App, given: &str, family: &str) -> clinic_e2e::Result {
    app.wait_ready().await?;

    // The front desk has no FHIR screen.
    app.sign_in(Account::FrontDesk).await?;
    ensure!(
        !app.is_visible("nav-fhir").await?,
        "the front desk is offered FHIR import"
    );
    app.sign_out().await?;

    // A doctor imports the bundle: progress, then the summary.
    app.sign_in(Account::Doctor).await?;
    app.click("nav-fhir").await?;
    app.find("fhir-screen").await?;
    app.click("fhir-import").await?;
    summary(app, "Patients: 1 new, 0 updated").await?;
    ensure!(
        imported(app, "Encounter").await? > 0,
        "no encounter imported"
    );
    ensure!(
        imported(app, "Condition").await? > 0,
        "no condition imported"
    );
    let claims = app
        .wait_text("fhir-problem", "about Claims", |t| t.contains("Claim"))
        .await?;
    ensure!(
        claims.contains("not a resource type the clinic imports"),
        "the skipped claims give no reason: {claims:?}"
    );

    // The imported patient is found and their chart holds the imported problems.
    app.click("nav-search").await?;
    app.type_into("search-input", family).await?;
    app.wait_text("search-result", &format!("naming {family}"), |t| {
        t.contains(family) && t.contains(given)
    })
    .await?;
    app.click("search-result").await?;
    app.find("patient-profile").await?;
    app.click("open-chart").await?;
    app.find("chart-screen").await?;
    let name = app.text("chart-patient-name").await?;
    ensure!(name.contains(family), "the chart shows {name:?}");
    app.find("chart-section-problem").await?;
    ensure!(
        !app.find_all("chart-entry").await?.is_empty(),
        "the chart shows no imported entry"
    );
    ensure!(
        app.is_visible("fhir-export-patient").await?,
        "the chart offers no FHIR export"
    );

    // The same file again: matched, nothing new or changed.
    app.click("nav-fhir").await?;
    app.click("fhir-import").await?;
    summary(app, "Patients: 0 new, 0 updated, 1 unchanged").await?;
    app.sign_out().await?;
    Ok(())
}
