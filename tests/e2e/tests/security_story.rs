//! Security stories on the real app: the lock screen (by hand and after inactivity)
//! leaves no patient data in the page; break-glass from a doctor's search to the
//! administrator's alert and audit report; sign-in refusals. Afterwards nothing
//! of the patient, the break-glass reason, the passwords or the key is on disk
//! outside the encrypted database, although the app ran at trace log level.
use anyhow::{ensure, Context};
use clinic_e2e::{
    assert_db_encrypted, assert_no_canary, Account, App, Canary, LaunchOptions, Profile,
};
use std::time::Duration;

const ALL: [Account; 5] = [
    Account::Admin,
    Account::FrontDesk,
    Account::Doctor,
    Account::Nurse,
    Account::Billing,
];

/// Registers the canary patient as the signed-in user and returns its MRN.
async fn register(app: &App, c: &Canary) -> clinic_e2e::Result<String> {
    app.click("nav-register").await?;
    app.fill("field-given_name", &c.given).await?;
    app.fill("field-family_name", &c.family).await?;
    app.fill("field-date_of_birth", &c.date_of_birth).await?;
    app.fill("field-sex", "female").await?;
    app.fill("field-phone", &c.phone).await?;
    app.click("register-submit").await?;
    app.find("patient-profile").await?;
    app.profile_mrn().await
}

/// The page's whole HTML must not hold the patient's name, MRN or phone.
async fn page_holds_no_patient(app: &App, c: &Canary, mrn: &str, when: &str) -> clinic_e2e::Result {
    let html = app.client().source().await?;
    for (what, value) in [
        ("family name", c.family.as_str()),
        ("given name", c.given.as_str()),
        ("MRN", mrn),
        ("phone", c.phone.as_str()),
        ("token", c.token.as_str()),
    ] {
        ensure!(
            !html.contains(value),
            "{when}: the page still holds the patient's {what}"
        );
    }
    Ok(())
}

async fn check_disk(profile: &Profile, c: &Canary, extra: &[&str]) -> clinic_e2e::Result {
    assert_db_encrypted(&profile.db_path())?;
    let mut secrets = c.secrets();
    secrets.push(clinic_e2e::TEST_DB_KEY.to_string());
    secrets.extend(ALL.iter().map(|a| a.password()));
    secrets.extend(extra.iter().map(|s| s.to_string()));
    let checked = assert_no_canary(&profile.app_dirs(), &secrets)?;
    ensure!(checked >= 2, "the disk walk saw only {checked} files");
    Ok(())
}

#[tokio::test]
#[ignore = "end-to-end (real app, Xvfb, keyring): scripts/test.sh runs it; see tests/e2e/src/lib.rs"]
async fn lock_story() -> clinic_e2e::Result {
    let profile = Profile::new("lock_story")?;
    let canary = Canary::new();
    let app = profile.launch(LaunchOptions::default()).await?;
    let outcome = lock(&app, &canary).await;
    profile.finish(app, outcome).await?;
    check_disk(&profile, &canary, &[]).await
}

async fn lock(app: &App, c: &Canary) -> clinic_e2e::Result {
    app.wait_ready().await?;

    // Sign-in refusals: a wrong password and an unknown user get the same answer.
    app.fill("login-username", "frontdesk").await?;
    app.fill("login-password", "not-the-password").await?;
    app.click("login-submit").await?;
    let wrong = app.text("login-error").await?;
    app.fill("login-username", "nobody-here").await?;
    app.click("login-submit").await?;
    tokio::time::sleep(Duration::from_millis(1500)).await; // the second answer
    let unknown = app.text("login-error").await?;
    ensure!(
        wrong == unknown,
        "different answers: {wrong:?} vs {unknown:?}"
    );

    // The administrator shortens the inactivity lock to 1 minute.
    app.sign_in(Account::Admin).await?;
    app.click("nav-settings").await?;
    app.fill("auto-lock-minutes", "1").await?;
    app.click("auto-lock-save").await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    app.sign_out().await?;

    // Locked by hand: no patient data in the page, the password unlocks.
    app.sign_in(Account::FrontDesk).await?;
    let mrn = register(app, c).await?;
    app.click("lock-button").await?;
    app.find("lock-screen").await?;
    page_holds_no_patient(app, c, &mrn, "after locking").await?;
    app.fill("unlock-password", "wrong-password-1").await?;
    app.click("unlock-submit").await?;
    app.find("unlock-error").await?;
    ensure!(
        app.is_visible("lock-screen").await?,
        "a wrong password unlocked"
    );
    app.fill("unlock-password", &Account::FrontDesk.password())
        .await?;
    app.click("unlock-submit").await?;
    app.wait_gone("lock-screen").await?;
    let name = app.reopen_by_mrn(&mrn, &c.token).await?;
    ensure!(name.contains(&c.family), "reopened {name:?}");

    // Locked by inactivity (1 minute, set above): leave the profile open and wait.
    let locked = app
        .wait_until_for(
            "the inactivity lock",
            Duration::from_secs(100),
            async || Ok(app.is_visible("lock-screen").await?.then_some(())),
        )
        .await;
    locked.context("the app did not lock itself after 1 minute of inactivity")?;
    page_holds_no_patient(app, c, &mrn, "after the inactivity lock").await?;
    app.click("lock-logout").await?;
    app.find("login-form").await?;
    page_holds_no_patient(app, c, &mrn, "after signing out").await?;
    Ok(())
}

const REASON: &str = "Canary reason: unconscious in bay 3, need allergy history";

#[tokio::test]
#[ignore = "end-to-end (real app, Xvfb, keyring): scripts/test.sh runs it; see tests/e2e/src/lib.rs"]
async fn break_glass_story() -> clinic_e2e::Result {
    let profile = Profile::new("break_glass_story")?;
    let canary = Canary::new();
    let app = profile.launch(LaunchOptions::default()).await?;
    let outcome = break_glass(&app, &canary).await;
    profile.finish(app, outcome).await?;
    check_disk(&profile, &canary, &[REASON]).await
}

/// Searches for `mrn` and returns the single result row's text, checking whether
/// it is a masked (restricted) row.
async fn search_row(app: &App, mrn: &str, restricted: bool) -> clinic_e2e::Result<String> {
    app.click("nav-search").await?;
    app.type_into("search-input", mrn).await?;
    app.wait_text("search-result", &format!("for {mrn}"), |t| t.contains(mrn))
        .await?;
    let row = app.find("search-result").await?;
    let flag = row.attr("data-restricted").await?.unwrap_or_default();
    ensure!(
        (flag == "true") == restricted,
        "search row for {mrn}: data-restricted={flag:?}, expected restricted={restricted}"
    );
    Ok(row.text().await?)
}

async fn break_glass(app: &App, c: &Canary) -> clinic_e2e::Result {
    app.wait_ready().await?;
    app.sign_in(Account::FrontDesk).await?;
    let mrn = register(app, c).await?;
    app.sign_out().await?;

    // The administrator restricts the patient (no care team).
    app.sign_in(Account::Admin).await?;
    let name = app.reopen_by_mrn(&mrn, &c.token).await?;
    ensure!(
        name.contains(&c.family),
        "the administrator opened {name:?}"
    );
    app.click("profile-restriction").await?;
    app.fill("restriction-toggle", "true").await?;
    app.fill("restriction-category", "public_figure").await?;
    app.click("restriction-save").await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    app.sign_out().await?;

    // Front desk: a masked row, no way in.
    app.sign_in(Account::FrontDesk).await?;
    let row = search_row(app, &mrn, true).await?;
    ensure!(
        !row.contains(&c.family),
        "the masked row shows the name: {row:?}"
    );
    app.sign_out().await?;

    // The doctor breaks the glass: a too-short reason is refused, then access.
    app.sign_in(Account::Doctor).await?;
    let row = search_row(app, &mrn, true).await?;
    ensure!(
        !row.contains(&c.family),
        "the masked row shows the name: {row:?}"
    );
    app.click("search-result").await?;
    app.find("break-glass-dialog").await?;
    app.fill("break-glass-reason", "because").await?;
    app.click("break-glass-submit").await?;
    app.find("break-glass-error").await?;
    app.fill("break-glass-reason", REASON).await?;
    app.click("break-glass-submit").await?;
    let name = app
        .wait_text("profile-name", "after break-glass", |t| {
            t.contains(&c.family)
        })
        .await?;
    ensure!(
        name.contains(&c.given),
        "profile after break-glass: {name:?}"
    );
    app.sign_out().await?;

    // The administrator sees the alert, acknowledges it, and finds it in the audit.
    app.sign_in(Account::Admin).await?;
    app.click("nav-alerts").await?;
    let alert = app
        .wait_text("alert-item", "naming the doctor", |t| {
            t.contains(Account::Doctor.display_name())
        })
        .await?;
    ensure!(
        alert.contains(&mrn),
        "the alert does not show the MRN: {alert:?}"
    );
    ensure!(alert.contains(REASON), "the alert does not show the reason");
    app.click("alert-acknowledge").await?;
    app.wait_gone("alert-item").await?;
    app.click("nav-audit").await?;
    app.find("audit-table").await?;
    app.fill("audit-filter-action", "break_glass").await?;
    let row = app
        .wait_until("a break_glass audit row", async || {
            for r in app.visible_now("audit-row").await? {
                if r.attr("data-action").await?.as_deref() == Some("break_glass") {
                    return Ok(Some(r.text().await?));
                }
            }
            Ok(None)
        })
        .await?;
    ensure!(
        row.contains(Account::Doctor.display_name()),
        "the break_glass entry does not name the doctor: {row:?}"
    );
    ensure!(
        !row.contains("Canary"),
        "the audit row holds the reason: {row:?}"
    );
    app.click("audit-verify").await?;
    let ok = app
        .wait_until("the verification result", async || {
            for r in app.visible_now("audit-verify-result").await? {
                if let Some(v) = r.attr("data-ok").await? {
                    return Ok(Some(v));
                }
            }
            Ok(None)
        })
        .await?;
    ensure!(ok == "true", "the audit chain did not verify: data-ok={ok}");
    Ok(())
}
