//! Signing in to the demo clinic the app creates with `CLINIC_DEMO_STAFF=1`: its
//! accounts (copied here from the README on purpose, not imported from the app),
//! the administrator's TOTP code computed independently (RFC 6238), and the
//! sign-in / sign-out steps on the real UI.
use crate::App;
use anyhow::{anyhow, ensure};
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The demo administrator's documented TOTP secret (base32).
pub const DEMO_ADMIN_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// A demo account: username, password, display name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Account {
    Admin,
    FrontDesk,
    Doctor,
    Nurse,
    Billing,
}

impl Account {
    pub fn username(self) -> &'static str {
        match self {
            Account::Admin => "admin",
            Account::FrontDesk => "frontdesk",
            Account::Doctor => "doctor",
            Account::Nurse => "nurse",
            Account::Billing => "billing",
        }
    }

    pub fn password(self) -> String {
        format!("demo-{}-pass", self.username())
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Account::Admin => "Ada Admin",
            Account::FrontDesk => "Fran Desk",
            Account::Doctor => "Dr Dana Doe",
            Account::Nurse => "Nico Nurse",
            Account::Billing => "Bea Billing",
        }
    }
}

fn base32(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buf, mut bits, mut out) = (0u64, 0, Vec::new());
    for c in s.bytes() {
        let v = alphabet.iter().position(|&a| a == c).expect("base32") as u64;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

/// The 6-digit RFC 6238 code (HMAC-SHA1, 30 s) of `secret_base32` for time step `step`.
pub fn totp_code(secret_base32: &str, step: u64) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(&base32(secret_base32)).expect("any key length");
    mac.update(&step.to_be_bytes());
    let d = mac.finalize().into_bytes();
    let o = (d[19] & 0xf) as usize;
    let n = u32::from_be_bytes([d[o] & 0x7f, d[o + 1], d[o + 2], d[o + 3]]) % 1_000_000;
    format!("{n:06}")
}

/// The last TOTP step this test process used (the app refuses a code twice).
static LAST_STEP: std::sync::Mutex<Option<u64>> = std::sync::Mutex::new(None);

fn current_step() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 30)
        .unwrap_or(0)
}

impl App {
    /// Signs in from the sign-in screen and waits for the main navigation and the
    /// signed-in name. The administrator's second step uses a code no earlier
    /// sign-in of this run used (codes are single-use): it waits for the next
    /// 30-second step when needed.
    pub async fn sign_in(&self, account: Account) -> crate::Result<()> {
        self.find("login-form").await?;
        self.fill("login-username", account.username()).await?;
        self.fill("login-password", &account.password()).await?;
        self.click("login-submit").await?;
        if account == Account::Admin {
            self.find("login-totp-code").await?;
            let step = self.fresh_totp_step().await;
            self.fill("login-totp-code", &totp_code(DEMO_ADMIN_TOTP_SECRET, step))
                .await?;
            self.click("login-totp-submit").await?;
        }
        self.find("nav-search").await?;
        let shown = self.text("session-user").await?;
        ensure!(
            shown.contains(account.display_name()),
            "signed in as {:?} but the header shows {shown:?}",
            account.display_name()
        );
        Ok(())
    }

    /// Signs out and waits for the sign-in screen.
    pub async fn sign_out(&self) -> crate::Result<()> {
        self.click("logout-button").await?;
        self.find("login-form")
            .await
            .map(|_| ())
            .map_err(|e| anyhow!("no sign-in screen after signing out: {e}"))
    }

    async fn fresh_totp_step(&self) -> u64 {
        let last = *LAST_STEP.lock().unwrap_or_else(|p| p.into_inner());
        let mut step = current_step();
        while last.is_some_and(|l| step <= l) {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            step = current_step();
        }
        *LAST_STEP.lock().unwrap_or_else(|p| p.into_inner()) = Some(step);
        step
    }
}
