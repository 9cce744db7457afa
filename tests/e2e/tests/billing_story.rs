//! The billing story on the real app, against the local card gateway (Stripe's
//! API, tests/gateway-server) started by the test: the administrator sets the
//! clinic's currency, a 100.00 service and the card gateway in Settings →
//! Billing; the front desk registers a patient, books them with the doctor today
//! and asks for the appointment's invoice (a draft); the billing clerk puts the
//! service on it and issues it, takes 30.00 in cash and saves the receipt PDF
//! (the native save dialog cannot be driven over WebDriver: the app's test hook
//! `CLINIC_E2E_SAVE_DIR`, honoured only on the insecure test key, names the
//! folder instead), then starts a 50.00 card payment, whose checkout link the
//! app's payment loop creates at the gateway; the patient pays on the hosted
//! page and the payment succeeds (one checkout session created, no more). The
//! remaining 20.00 is left on purpose: the patient checks in at the kiosk and
//! sees exactly that balance. The front desk closes the day with the counted
//! cash and saves the close as CSV (cash and card totals, the counted drawer)
//! and PDF. Afterwards nothing of the patient or the gateway's secret key is on
//! disk outside the encrypted database.
use anyhow::{ensure, Context};
use clinic_e2e::billing::{checkout_page_id, SaveDir};
use clinic_e2e::today::{work_all_day, MorningZone};
use clinic_e2e::{
    assert_db_encrypted, assert_no_canary, Account, App, Canary, LaunchOptions, Profile,
};
use clinic_server_harness::{GatewayOptions, GatewayServer};
use fantoccini::elements::Element;
use fantoccini::Locator;
use std::time::Duration;

const DOCTOR: &str = "Dr Dana Doe";
/// A test-mode key of our own, so the disk walk can look for it.
const GATEWAY_KEY: &str = "sk_test_e2e_billing_7c41b9";
const SERVICE_CODE: &str = "VISIT";
const SERVICE_NAME: &str = "Clinic visit";
/// The invoice (one visit), what is paid in cash and by card, and what is left
/// for the kiosk to show (minor units of a 2-digit currency).
const PRICE: i64 = 10_000;
const CASH: i64 = 3_000;
const CARD: i64 = 5_000;
const LEFT: i64 = PRICE - CASH - CARD;
/// Stripe's test card that pays.
const TEST_CARD: &str = "4242424242424242";
/// The payment loop creates the checkout within ~2 s and polls the session:
/// generous bounds for a busy 2-core machine.
const GATEWAY_WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
#[ignore = "end-to-end (real app, Xvfb, keyring): scripts/test.sh runs it; see tests/e2e/src/lib.rs"]
async fn billing_story() -> clinic_e2e::Result {
    let gateway = GatewayServer::start(GatewayOptions::new().secret_key(GATEWAY_KEY))?;
    let saved = SaveDir::new("billing_story")?;
    let profile = Profile::new("billing_story")?;
    let canary = Canary::new();
    let zone = MorningZone::now();
    let app = profile
        .launch(zone.launch(saved.launch_options(LaunchOptions::default())))
        .await?;
    let outcome = story(&app, &canary, &gateway, &saved, &zone).await;
    if outcome.is_err() {
        eprintln!("gateway server stderr:\n{}", gateway.stderr_tail(30));
    }
    profile.finish(app, outcome).await?;

    assert_db_encrypted(&profile.db_path())?;
    let mut secrets = canary.secrets();
    secrets.push(clinic_e2e::TEST_DB_KEY.to_string());
    secrets.push(GATEWAY_KEY.to_string());
    let checked = assert_no_canary(&profile.app_dirs(), &secrets)?;
    ensure!(checked >= 2, "the disk walk saw only {checked} files");
    Ok(())
}

/// Displayed elements whose test id starts with `prefix`, in page order.
async fn by_prefix(app: &App, prefix: &str) -> clinic_e2e::Result<Vec<Element>> {
    let mut out = Vec::new();
    for e in app
        .client()
        .find_all(Locator::Css(&format!("[data-testid^=\"{prefix}\"]")))
        .await?
    {
        if e.is_displayed().await.unwrap_or(false) {
            out.push(e);
        }
    }
    Ok(out)
}

/// Formats minor units of a 2-digit currency as the CSV writes them: `30.00`.
fn plain(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

async fn story(
    app: &App,
    c: &Canary,
    gateway: &GatewayServer,
    saved: &SaveDir,
    zone: &MorningZone,
) -> clinic_e2e::Result {
    app.wait_ready().await?;
    administrator_sets_up_billing(app, gateway).await?;
    let code = front_desk_books_and_invoices(app, c, zone).await?;
    let number = billing_clerk_takes_payments(app, gateway, saved).await?;
    patient_sees_the_balance_at_the_kiosk(app, c, &code, &number).await?;
    front_desk_closes_the_day(app, saved).await?;
    app.sign_out().await?;
    Ok(())
}

/// Settings → Billing: the currency (the demo clinic has none), one service at
/// 100.00, and this device's card gateway: the local Stripe server.
async fn administrator_sets_up_billing(app: &App, gateway: &GatewayServer) -> clinic_e2e::Result {
    app.sign_in(Account::Admin).await?;
    app.click("nav-settings").await?;
    app.click("settings-tab-billing").await?;
    let currency = app
        .find("billing-settings-currency")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    if currency.is_empty() {
        app.fill("billing-settings-currency", "USD").await?;
        app.click("billing-settings-save").await?;
    } else {
        ensure!(
            currency == "USD",
            "the demo clinic bills in {currency:?}; this story's amounts assume USD"
        );
    }
    // Services can be added once the currency is saved.
    app.wait_enabled("billing-service-add").await?;
    app.click("billing-service-add").await?;
    app.find("billing-service-form").await?;
    app.fill("billing-service-code", SERVICE_CODE).await?;
    app.fill("billing-service-name", SERVICE_NAME).await?;
    app.fill("billing-service-price", &plain(PRICE)).await?;
    app.click("billing-service-save").await?;
    app.wait_gone("billing-service-form").await?;
    let row = app
        .wait_text("billing-service-row", "the saved service", |t| {
            t.contains(SERVICE_CODE)
        })
        .await?;
    ensure!(
        row.contains(SERVICE_NAME) && row.contains(&plain(PRICE)),
        "the service row reads {row:?}"
    );

    // Card payments through the local gateway; the key goes in, never comes back.
    app.fill("billing-gateway-kind", "stripe").await?;
    app.fill("billing-gateway-api-base", &gateway.base_url())
        .await?;
    app.fill("billing-gateway-secret", gateway.secret_key())
        .await?;
    app.click("billing-gateway-save").await?;
    app.find("billing-gateway-saved").await?;
    let secret = app
        .find("billing-gateway-secret")
        .await?
        .prop("value")
        .await?;
    ensure!(
        secret.as_deref() == Some(""),
        "the secret key input still holds {secret:?} after saving"
    );
    ensure!(
        !app.page_text().await?.contains(GATEWAY_KEY),
        "the gateway's secret key is shown after saving"
    );
    ensure!(
        !app.is_visible("billing-gateway-last-error").await?,
        "the gateway shows an error: {:?}",
        app.text("billing-gateway-last-error")
            .await
            .unwrap_or_default()
    );
    app.sign_out().await?;
    Ok(())
}

/// The front desk registers the patient, gives the doctor hours all of today
/// (in a zone where it is mid-morning, so the story runs at any hour), books the first free slot, notes the
/// check-in code and asks for the appointment's invoice. Returns the code.
async fn front_desk_books_and_invoices(
    app: &App,
    c: &Canary,
    zone: &MorningZone,
) -> clinic_e2e::Result<String> {
    app.sign_in(Account::FrontDesk).await?;
    app.click("nav-register").await?;
    app.fill("field-given_name", &c.given).await?;
    app.fill("field-family_name", &c.family).await?;
    app.fill("field-date_of_birth", &c.date_of_birth).await?;
    app.fill("field-sex", "female").await?;
    app.click("register-submit").await?;
    app.find("patient-profile").await?;

    work_all_day(app, DOCTOR, zone.weekday()).await?;

    app.click("nav-calendar").await?;
    app.find("calendar-screen").await?;
    app.click("booking-open").await?;
    app.find("booking-dialog").await?;
    app.fill("booking-patient", &c.family).await?;
    let option = app
        .wait_until("a patient option", async || {
            Ok(by_prefix(app, "patient-option-").await?.into_iter().next())
        })
        .await?;
    app.click_element(&option).await?;
    app.choose("booking-type", "Consultation").await?;
    app.choose("booking-provider", DOCTOR).await?;
    app.click("booking-find-slots").await?;
    app.click("slot-option-0").await?;
    app.click("booking-submit").await?;
    app.find("booking-result").await?;
    app.click("booking-close").await?;
    app.wait_gone("booking-dialog").await?;

    let block = app
        .wait_until("the patient's block on today's calendar", async || {
            for e in by_prefix(app, "appointment-block-").await? {
                // textContent: a short block clips its text, which text() leaves out.
                if e.prop("textContent")
                    .await?
                    .unwrap_or_default()
                    .contains(&c.family)
                {
                    return Ok(Some(e));
                }
            }
            Ok(None)
        })
        .await?;
    app.click_element(&block).await?;
    app.find("appointment-drawer").await?;
    let code = app.text("appointment-code").await?.trim().to_string();
    ensure!(code.len() == 6, "check-in code {code:?}");

    // "Invoice this appointment": a draft for this visit, opened in Billing.
    app.click("billing-invoice-appointment").await?;
    app.find("billing-invoice").await?;
    app.wait_attr("billing-invoice-status", "data-status", "draft")
        .await?;
    app.sign_out().await?;
    Ok(code)
}

/// The billing clerk completes and issues the visit's invoice, takes the cash
/// part (receipt saved as PDF), then the card part through the gateway. Returns
/// the invoice number.
async fn billing_clerk_takes_payments(
    app: &App,
    gateway: &GatewayServer,
    saved: &SaveDir,
) -> clinic_e2e::Result<String> {
    app.sign_in(Account::Billing).await?;
    app.click("nav-billing").await?;
    let rows = app.find_all("billing-invoice-row").await?;
    ensure!(
        rows.len() == 1,
        "expected the visit's draft as the clinic's only invoice, found {} invoices",
        rows.len()
    );
    app.click("billing-invoice-open").await?;
    app.wait_attr("billing-invoice-status", "data-status", "draft")
        .await?;
    app.choose("billing-line-service", SERVICE_CODE).await?;
    app.click("billing-issue").await?;
    app.wait_attr("billing-invoice-status", "data-status", "issued")
        .await?;
    app.wait_minor("billing-total", PRICE).await?;
    app.wait_minor("billing-patient-balance", PRICE).await?;
    let title = app.text("billing-invoice-title").await?;
    let number = title
        .split_whitespace()
        .find(|w| w.starts_with("INV-"))
        .with_context(|| format!("no invoice number in the title {title:?}"))?
        .to_string();

    // Part in cash, and its receipt as PDF.
    app.fill("billing-pay-method", "cash").await?;
    app.fill("billing-pay-amount", &plain(CASH)).await?;
    app.click("billing-pay-submit").await?;
    app.find("billing-pay-recorded").await?;
    app.wait_attr("billing-invoice-status", "data-status", "partially_paid")
        .await?;
    app.wait_minor("billing-patient-balance", PRICE - CASH)
        .await?;
    app.wait_attr("billing-payment", "data-status", "succeeded")
        .await?;
    app.click("billing-receipt-pdf").await?;
    let dir = saved.path().display().to_string();
    app.wait_text("billing-pdf-saved", "naming the save folder", |t| {
        t.contains(&dir)
    })
    .await?;
    saved.pdf("receipt.pdf", 1000)?;

    // Part by card: the payment loop opens a checkout at the gateway; the
    // patient pays on its hosted page; the app sees the payment succeed.
    app.fill("billing-pay-amount", &plain(CARD)).await?;
    app.click("billing-card-start").await?;
    let link = app
        .wait_until_for("the checkout link", GATEWAY_WAIT, async || {
            for e in app.visible_now("billing-card-link").await? {
                let t = e.text().await?;
                if !t.trim().is_empty() {
                    return Ok(Some(t.trim().to_string()));
                }
            }
            Ok(None)
        })
        .await?;
    ensure!(
        link.starts_with(&gateway.base_url()),
        "the checkout link {link:?} is not at the local gateway {}",
        gateway.base_url()
    );
    let paid = gateway.pay(&checkout_page_id(&link)?, TEST_CARD)?;
    ensure!(
        paid == 303 || paid == 200,
        "the hosted page answered HTTP {paid} to the test card"
    );
    app.wait_attr_for(
        "billing-card-status",
        "data-status",
        "succeeded",
        GATEWAY_WAIT,
    )
    .await?;
    app.wait_minor("billing-paid", CASH + CARD).await?;
    app.wait_minor("billing-patient-balance", LEFT).await?;
    app.wait_attr("billing-invoice-status", "data-status", "partially_paid")
        .await?;
    let requests: serde_json::Value = serde_json::from_str(&gateway.admin_get("requests")?)?;
    let created = requests
        .as_array()
        .context("the gateway's request log is a JSON array")?
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/v1/checkout/sessions")
        .count();
    ensure!(
        created == 1,
        "the gateway got {created} checkout sessions created, expected exactly 1; log: {requests}"
    );
    app.sign_out().await?;
    Ok(number)
}

/// The patient checks in at the kiosk and opens "Pay my balance": the 20.00
/// left on this visit's invoice.
async fn patient_sees_the_balance_at_the_kiosk(
    app: &App,
    c: &Canary,
    code: &str,
    number: &str,
) -> clinic_e2e::Result {
    app.sign_in(Account::FrontDesk).await?;
    let staff_window = app.client().window().await?;
    let known = app.window_handles().await?;
    // The kiosk's controls sit above the calendar.
    app.click("nav-calendar").await?;
    app.click("kiosk-open").await?;
    app.switch_to_new_window(&known).await?;
    app.find("kiosk-app").await?;
    app.fill("kiosk-family-name", &c.family).await?;
    app.fill("kiosk-dob", &c.date_of_birth).await?;
    app.click("kiosk-factor-code").await?;
    app.fill("kiosk-factor-value", code).await?;
    app.click("kiosk-continue").await?;
    app.wait_text("kiosk-greeting", "the patient's greeting", |t| {
        t.contains(&c.given)
    })
    .await?;
    app.click("kiosk-check-in").await?;
    app.find("kiosk-done").await?;
    // The done screen resets after 10 s: open the balance at once.
    app.click("kiosk-balance-open-step").await?;
    app.find("kiosk-balance").await?;
    app.wait_minor("kiosk-balance-total", LEFT).await?;
    let invoices = app.find_all("kiosk-balance-invoice").await?;
    ensure!(
        invoices.len() == 1,
        "the kiosk lists {} invoices",
        invoices.len()
    );
    // textContent: WebKitWebDriver's text() leaves the pay button's label out.
    let line = invoices[0].prop("textContent").await?.unwrap_or_default();
    ensure!(
        line.contains(number) && line.contains(&plain(LEFT)),
        "the kiosk's invoice line {line:?} does not show {number} with {} due",
        plain(LEFT)
    );
    app.click("kiosk-balance-done").await?;
    app.wait_until_for("the kiosk to reset", Duration::from_secs(30), async || {
        let text = app.page_text().await?;
        Ok((app.is_visible("kiosk-family-name").await? && !text.contains(&c.given)).then_some(()))
    })
    .await?;
    app.switch_to(&staff_window).await?;
    Ok(())
}

/// End of day at the desk: the summary by method, the counted cash, the close,
/// and the day saved as CSV (checked cell by cell) and PDF.
async fn front_desk_closes_the_day(app: &App, saved: &SaveDir) -> clinic_e2e::Result {
    app.click("nav-billing").await?;
    app.click("billing-tab-day").await?;
    app.find("billing-day").await?;
    app.wait_minor("billing-day-expected", CASH).await?;
    let cash = app.text("billing-day-method-cash").await?;
    let card = app.text("billing-day-method-card").await?;
    ensure!(cash.contains(&plain(CASH)), "the cash row reads {cash:?}");
    ensure!(card.contains(&plain(CARD)), "the card row reads {card:?}");
    ensure!(
        !app.is_visible("billing-day-pending").await?,
        "the day still has pending card payments"
    );
    app.fill("billing-day-counted", &plain(CASH)).await?;
    app.wait_minor("billing-day-difference", 0).await?;
    app.click("billing-day-close").await?;
    app.find("billing-day-confirm-dialog").await?;
    app.click("billing-day-confirm").await?;
    app.wait_gone("billing-day-confirm-dialog").await?;
    app.find("billing-day-close-row").await?;

    app.click("billing-day-csv").await?;
    app.wait_content("billing-day-notice", "naming the CSV", |t| {
        t.contains("day-close.csv")
    })
    .await?;
    let rows = saved.csv("day-close.csv")?;
    let row = |method: &str| {
        rows.iter()
            .find(|r| r.get("method") == method)
            .with_context(|| format!("no {method} row in the day's CSV: {rows:?}"))
    };
    let (cash, card) = (row("cash")?, row("card")?);
    for (r, method, taken) in [(cash, "cash", CASH), (card, "card", CARD)] {
        ensure!(
            r.get("payments") == "1"
                && r.get("taken") == plain(taken)
                && r.get("net") == plain(taken),
            "the CSV's {method} row: {r:?}"
        );
        ensure!(r.get("currency") == "USD", "the CSV's {method} row: {r:?}");
    }
    // What is saved is the close just made: the drawer as counted, its
    // version, and who closed it.
    ensure!(
        cash.get("opening_float") == plain(0)
            && cash.get("expected_cash") == plain(CASH)
            && cash.get("counted_cash") == plain(CASH)
            && cash.get("difference") == plain(0),
        "the CSV's drawer: {cash:?}"
    );
    ensure!(
        cash.get("version") == "1" && !cash.get("closed_by").is_empty(),
        "the CSV's close: {cash:?}"
    );
    ensure!(
        card.get("pending_card_payments") == "0",
        "the CSV's card row: {card:?}"
    );

    app.click("billing-day-pdf").await?;
    app.wait_content("billing-day-notice", "naming the PDF", |t| {
        t.contains("day-close.pdf")
    })
    .await?;
    saved.pdf("day-close.pdf", 1000)?;
    app.click("nav-calendar").await?;
    app.click("kiosk-close").await?;
    Ok(())
}
