//! The database key in the real OS keychain (Secret Service over D-Bus; scripts/e2e-env.sh
//! provides a private session bus with an unlocked gnome-keyring): created on first run,
//! used again after a restart, and an explicit start-up error — never a fresh empty
//! database or a fallback — when the keychain is unreachable or the key is gone.
use anyhow::{bail, ensure, Context};
use clinic_e2e::{assert_db_encrypted, Account, App, Canary, LaunchOptions, Profile};
use std::process::{Command, Stdio};

/// Keychain service name the app stores database keys under (clinic_store::KEYCHAIN_SERVICE).
const SERVICE: &str = "org.clinic.desktop";

#[tokio::test]
#[ignore = "end-to-end (real app, Xvfb, keyring): scripts/test.sh runs it; see tests/e2e/src/lib.rs"]
async fn keychain_story() -> clinic_e2e::Result {
    require_keyring()?;
    let profile = Profile::new("keychain_story")?;
    let entry = KeychainEntry(format!("db-key:{}", profile.db_path().display()));
    ensure!(
        entry.secret_len()?.is_none(),
        "a keychain entry exists before the first run"
    );
    let c = Canary::new();

    // First run: a key is created in the keychain, a patient registered.
    let app = profile.launch(LaunchOptions::keychain()).await?;
    let outcome = first_run(&app, &c).await;
    let mrn = profile.finish(app, outcome).await?;
    assert_db_encrypted(&profile.db_path())?;
    match entry.secret_len()? {
        Some(64) => {}
        Some(n) => bail!("the keychain entry holds {n} characters, expected 64 hex digits"),
        None => bail!(
            "no keychain entry service={SERVICE} username={} after the first run",
            entry.0
        ),
    }

    // Second run, same data dir: the same key opens the database, the patient is there.
    let app = profile.launch(LaunchOptions::keychain()).await?;
    let outcome = find_again(&app, &c, &mrn).await;
    profile.finish(app, outcome).await?;

    // The key is gone from the keychain: an explicit error; the database is left alone.
    let before = std::fs::read(profile.db_path())?;
    entry.clear()?;
    let app = profile.launch(LaunchOptions::keychain()).await?;
    let outcome = app.wait_startup_error().await;
    let code = profile.finish(app, outcome).await?;
    ensure!(
        code == "key_missing",
        "startup-error-code is {code:?}, expected key_missing"
    );
    ensure!(
        std::fs::read(profile.db_path())? == before,
        "the database file changed although its key was missing"
    );
    ensure!(
        entry.secret_len()?.is_none(),
        "a new key was stored for an existing database"
    );
    Ok(())
}

#[tokio::test]
#[ignore = "end-to-end (real app, Xvfb, keyring): scripts/test.sh runs it; see tests/e2e/src/lib.rs"]
async fn keychain_unavailable_is_an_explicit_error() -> clinic_e2e::Result {
    let profile = Profile::new("keychain_unavailable")?;
    let no_bus = profile.root().join("no-such-bus");
    let opts = LaunchOptions::keychain().env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", no_bus.display()),
    );
    let app = profile.launch(opts).await?;
    let outcome = app.wait_startup_error().await;
    let code = profile.finish(app, outcome).await?;
    ensure!(
        code == "keychain_unavailable",
        "startup-error-code is {code:?}, expected keychain_unavailable"
    );
    let db_len = std::fs::metadata(profile.db_path())
        .map(|m| m.len())
        .unwrap_or(0);
    ensure!(
        db_len == 0,
        "a {db_len}-byte database was created without a key from the keychain"
    );
    Ok(())
}

async fn first_run(app: &App, c: &Canary) -> clinic_e2e::Result<String> {
    app.wait_ready().await?;
    app.sign_in(Account::FrontDesk).await?;
    ensure!(
        !app.is_visible("test-key-badge").await?,
        "test-key-badge is shown although the key comes from the keychain"
    );
    app.click("nav-register").await?;
    app.fill("field-given_name", &c.given).await?;
    app.fill("field-family_name", &c.family).await?;
    app.fill("field-date_of_birth", &c.date_of_birth).await?;
    app.fill("field-sex", "male").await?;
    app.fill("field-phone", &c.phone).await?;
    app.click("register-submit").await?;
    app.find("patient-profile").await?;
    app.profile_mrn().await
}

async fn find_again(app: &App, c: &Canary, mrn: &str) -> clinic_e2e::Result {
    app.wait_ready().await?;
    app.sign_in(Account::FrontDesk).await?;
    let name = app.reopen_by_mrn(mrn, &c.token).await?;
    ensure!(
        name.contains(&c.family),
        "profile-name after restart is {name:?}"
    );
    Ok(())
}

/// The keychain test needs an unlocked Secret Service on the session bus: prove it with a
/// throw-away entry (store, read back, clear) and say how to get one if that fails.
fn require_keyring() -> clinic_e2e::Result {
    let hint = "run the e2e tests through scripts/e2e-env.sh (private D-Bus session + unlocked gnome-keyring)";
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        bail!("DBUS_SESSION_BUS_ADDRESS is not set: {hint}");
    }
    let probe = KeychainEntry(format!("probe-{}", std::process::id()));
    let mut child = Command::new("secret-tool")
        .args([
            "store",
            "--label=clinic e2e probe",
            "service",
            SERVICE,
            "username",
            &probe.0,
        ])
        .stdin(Stdio::piped())
        .spawn()
        .context("secret-tool is missing (apt package libsecret-tools)")?;
    use std::io::Write;
    child
        .stdin
        .take()
        .context("no stdin")?
        .write_all(b"probe")?;
    let stored = child.wait()?.success() && probe.secret_len()? == Some(5);
    if !stored {
        bail!("the Secret Service did not store a probe entry: {hint}");
    }
    probe.clear()
}

/// One keychain entry of the app; removed when dropped so test runs leave nothing behind.
struct KeychainEntry(String);

impl KeychainEntry {
    /// The length of the stored secret (never the secret itself), if the entry exists.
    fn secret_len(&self) -> clinic_e2e::Result<Option<usize>> {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", SERVICE, "username", &self.0])
            .stdin(Stdio::null())
            .output()
            .context("running secret-tool")?;
        if !out.status.success() {
            return Ok(None);
        }
        Ok(Some(String::from_utf8_lossy(&out.stdout).trim().len()))
    }

    fn clear(&self) -> clinic_e2e::Result {
        let st = Command::new("secret-tool")
            .args(["clear", "service", SERVICE, "username", &self.0])
            .stdin(Stdio::null())
            .status()?;
        ensure!(st.success(), "secret-tool clear failed: {st}");
        Ok(())
    }
}

impl Drop for KeychainEntry {
    fn drop(&mut self) {
        let _ = self.clear();
    }
}
