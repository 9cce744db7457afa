//! Front-desk registry story on the real app: register, duplicate warning, search three
//! ways, edit, validation — then, with the app closed, nothing of the patient is on disk
//! outside the encrypted database.
use anyhow::{ensure, Context};
use clinic_e2e::{
    assert_db_encrypted, assert_no_canary, Account, App, Canary, LaunchOptions, Profile,
};

#[tokio::test]
#[ignore = "end-to-end (real app, Xvfb, keyring): scripts/test.sh runs it; see tests/e2e/src/lib.rs"]
async fn registry_story() -> clinic_e2e::Result {
    let profile = Profile::new("registry_story")?;
    let canary = Canary::new();
    let app = profile.launch(LaunchOptions::default()).await?;
    let outcome = story(&app, &canary).await;
    profile.finish(app, outcome).await?;

    // The app is closed now: check what it left on disk.
    assert_db_encrypted(&profile.db_path())?;
    // The patient's identifiers, and the database key itself (the app ran with
    // CLINIC_LOG=trace, its most verbose logging).
    let mut secrets = canary.secrets();
    secrets.push(clinic_e2e::TEST_DB_KEY.to_string());
    let checked = assert_no_canary(&profile.app_dirs(), &secrets)?;
    ensure!(checked >= 2, "the disk walk saw only {checked} files");
    Ok(())
}

async fn story(app: &App, c: &Canary) -> clinic_e2e::Result {
    app.wait_ready().await?;
    app.sign_in(Account::FrontDesk).await?;
    ensure!(
        app.is_visible("test-key-badge").await?,
        "the test key source is in use but test-key-badge is not shown"
    );

    // 1. Register with an emergency contact and insurance.
    app.click("nav-register").await?;
    fill_identity(app, c).await?;
    app.fill("field-phone", &c.phone).await?;
    app.fill("field-email", &c.email).await?;
    app.fill("field-address.line1", "12 Canary Row").await?;
    app.fill("field-address.city", "Lowell").await?;
    app.fill("field-address.postal_code", "01850").await?;
    app.fill("field-address.country", "US").await?;
    app.click("add-emergency-contact").await?;
    app.fill("field-emergency_contacts.0.name", "Mirelle Zarathustrová")
        .await?;
    app.fill("field-emergency_contacts.0.relationship", "sister")
        .await?;
    app.fill("field-emergency_contacts.0.phone", "+1 202 555 0188")
        .await?;
    app.fill("field-has-insurance", "true").await?;
    app.fill("field-insurance.payer", "Acme Health").await?;
    app.fill("field-insurance.member_id", &format!("M-{}", c.token))
        .await?;
    app.fill("field-insurance.group_number", "G-100").await?;
    app.fill("field-preferences.language", "en").await?;
    app.fill("field-preferences.contact_channel", "sms").await?;
    app.click("register-submit").await?;

    app.find("patient-profile")
        .await
        .context("no profile after registering")?;
    let name = app.text("profile-name").await?;
    ensure!(
        name == c.display_name(),
        "profile-name is {name:?}, expected {:?}",
        c.display_name()
    );
    let mrn = app.profile_mrn().await?;
    let profile_text = app.text("patient-profile").await?;
    for shown in ["Acme Health", "Lowell", "Mirelle"] {
        ensure!(
            profile_text.contains(shown),
            "the profile does not show {shown:?}: {profile_text:?}"
        );
    }

    // 2. Same name and date of birth again: a duplicate warning, nothing registered.
    app.click("nav-register").await?;
    fill_identity(app, c).await?;
    app.click("register-submit").await?;
    app.find("duplicate-warning").await?;
    let candidates = app.find_all("duplicate-candidate").await?;
    ensure!(
        candidates.len() == 1,
        "expected 1 duplicate candidate, got {}",
        candidates.len()
    );
    let cand_text = candidates[0].text().await?;
    ensure!(
        cand_text.contains(&c.token) && cand_text.contains(&mrn),
        "the duplicate candidate does not name the first record ({mrn}): {cand_text:?}"
    );
    ensure!(
        app.is_visible("register-anyway").await?,
        "register-anyway is not offered"
    );
    app.click("open-existing").await?;
    app.find("patient-profile").await?;
    let opened = app.profile_mrn().await?;
    ensure!(
        opened == mrn,
        "open-existing opened MRN {opened}, expected {mrn}"
    );

    // 3. Search: name prefix without accent in lowercase, last 4 phone digits, MRN.
    app.click("nav-search").await?;
    for query in [
        c.family_folded[..13].to_string(),
        c.phone_last4.clone(),
        mrn.clone(),
    ] {
        expect_no_results(app).await?;
        app.type_into("search-input", &query).await?;
        let rows = app
            .wait_until(&format!("a search-result for {query:?}"), async || {
                let rows = app.visible_now("search-result").await?;
                for r in &rows {
                    if r.text().await?.contains(&c.token) {
                        return Ok(Some(rows.len()));
                    }
                }
                Ok(None)
            })
            .await?;
        ensure!(
            rows == 1,
            "search {query:?} returned {rows} rows; expected only our patient"
        );
    }

    // 4. Open the result and edit phone and city.
    app.click("search-result").await?;
    app.find("patient-profile").await?;
    ensure!(
        app.profile_mrn().await? == mrn,
        "the search result opened another patient"
    );
    app.click("edit-patient").await?;
    let new_phone = format!("+1 303 555 {}", c.phone_last4);
    app.fill("field-phone", &new_phone).await?;
    app.fill("field-address.city", "Gloucester").await?;
    app.click("save-patient").await?;
    app.wait_gone("save-patient").await?;
    let shown = app
        .wait_text("patient-profile", "showing the new city", |t| {
            t.contains("Gloucester")
        })
        .await?;
    ensure!(
        shown
            .lines()
            .any(|l| digits(l).contains(&format!("303555{}", c.phone_last4))),
        "the profile does not show the new phone {new_phone:?}: {shown:?}"
    );
    ensure!(
        !shown.contains("Lowell"),
        "the profile still shows the old city: {shown:?}"
    );

    // 5. Validation: empty family name and a future date of birth; nothing is saved.
    app.click("nav-register").await?;
    app.fill("field-given_name", &c.given).await?;
    app.fill("field-family_name", "").await?;
    app.fill("field-date_of_birth", &format!("{}-06-15", this_year() + 1))
        .await?;
    app.fill("field-sex", "female").await?;
    app.fill("field-phone", "+1 202 555 0199").await?;
    app.click("register-submit").await?;
    app.find("error-family_name").await?;
    app.find("error-date_of_birth").await?;
    ensure!(
        !app.is_visible("patient-profile").await?,
        "a profile is shown after a submit with errors"
    );
    ensure!(
        app.find("field-given_name")
            .await?
            .prop("value")
            .await?
            .as_deref()
            == Some(c.given.as_str()),
        "the form lost its input after the validation error"
    );
    app.click("nav-search").await?;
    expect_no_results(app).await?;
    app.type_into("search-input", &c.given.to_lowercase())
        .await?;
    app.find("search-result").await?;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await; // let the search settle
    let rows = app.visible_now("search-result").await?;
    ensure!(
        rows.len() == 1,
        "{} patients named {} exist; the invalid form saved one",
        rows.len(),
        c.given
    );
    Ok(())
}

async fn fill_identity(app: &App, c: &Canary) -> clinic_e2e::Result {
    app.fill("field-given_name", &c.given).await?;
    app.fill("field-middle_name", &c.middle).await?;
    app.fill("field-family_name", &c.family).await?;
    app.fill("field-date_of_birth", &c.date_of_birth).await?;
    app.fill("field-sex", "female").await
}

/// Types a query that matches nobody and waits for the empty state, so the next query's
/// results cannot be left over from the previous one.
async fn expect_no_results(app: &App) -> clinic_e2e::Result {
    app.type_into("search-input", "Xqzwvnomatch").await?;
    app.find("search-empty").await?;
    ensure!(
        app.visible_now("search-result").await?.is_empty(),
        "search-empty is shown together with results"
    );
    Ok(())
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn this_year() -> u64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    1970 + secs / 31_556_952
}
