//! kill -9 right after a registration was acknowledged (the profile was shown): after a
//! restart the database opens with the same key, the patient is there, and the files the
//! crash left behind (`-wal`, `-shm`) hold no plaintext patient data.
use anyhow::ensure;
use clinic_e2e::{
    assert_db_encrypted, assert_no_canary, Account, App, Canary, LaunchOptions, Profile,
};

#[tokio::test]
#[ignore = "end-to-end (real app, Xvfb, keyring): scripts/test.sh runs it; see tests/e2e/src/lib.rs"]
async fn acknowledged_registration_survives_kill_9() -> clinic_e2e::Result {
    let profile = Profile::new("crash_story")?;
    let c = Canary::new();

    let app = profile.launch(LaunchOptions::default()).await?;
    let outcome = register_then_crash(&app, &c).await;
    let mrn = profile.finish(app, outcome).await?;
    // Checked before any restart: what a stolen disk would hold right after the crash.
    assert_db_encrypted(&profile.db_path())?;
    assert_no_canary(&profile.app_dirs(), &c.secrets())?;

    let app = profile.launch(LaunchOptions::default()).await?;
    let outcome = find_after_restart(&app, &c, &mrn).await;
    profile.finish(app, outcome).await
}

async fn register_then_crash(app: &App, c: &Canary) -> clinic_e2e::Result<String> {
    app.wait_ready().await?;
    app.sign_in(Account::FrontDesk).await?;
    app.click("nav-register").await?;
    app.fill("field-given_name", &c.given).await?;
    app.fill("field-family_name", &c.family).await?;
    app.fill("field-date_of_birth", &c.date_of_birth).await?;
    app.fill("field-sex", "other").await?;
    app.fill("field-phone", &c.phone).await?;
    app.click("register-submit").await?;
    app.find("patient-profile").await?;
    let mrn = app.profile_mrn().await?;
    app.kill_hard().await?;
    Ok(mrn)
}

async fn find_after_restart(app: &App, c: &Canary, mrn: &str) -> clinic_e2e::Result {
    app.wait_ready().await?;
    app.sign_in(Account::FrontDesk).await?;
    let name = app.reopen_by_mrn(mrn, &c.token).await?;
    ensure!(
        name.starts_with(&c.family),
        "profile-name after the crash is {name:?}"
    );
    Ok(())
}
