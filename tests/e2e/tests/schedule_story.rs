//! The front desk's day and kiosk self check-in on the real app: an
//! administrator sets the kiosk's idle reset; the front desk registers a patient,
//! sets the doctor's hours for today, books three appointments from the free
//! slots (in a time zone where it is mid-morning now, so any hour works), reschedules one and cancels another with a reason; opens the kiosk
//! window, where a chart command is refused, a wrong code gets the generic answer
//! with the input kept, the right one checks the patient in and the kiosk resets
//! itself (after check-in, and after idle time with half-typed input); then
//! reassigns the absent doctor's day, which lists the patient to contact. The
//! doctor finds the "patient arrived" notification and the checked-in row on
//! their day list. Nothing of the patient is on disk outside the database.
use anyhow::{ensure, Context};
use clinic_e2e::today::{work_all_day, MorningZone};
use clinic_e2e::{
    assert_db_encrypted, assert_no_canary, Account, App, Canary, LaunchOptions, Profile,
};
use fantoccini::elements::Element;
use fantoccini::Locator;
use std::time::Duration;

const DOCTOR: &str = "Dr Dana Doe";
const KIOSK_IDLE_SECS: u64 = 30;

#[tokio::test]
#[ignore = "end-to-end (real app, Xvfb, keyring): scripts/test.sh runs it; see tests/e2e/src/lib.rs"]
async fn schedule_story() -> clinic_e2e::Result {
    let profile = Profile::new("schedule_story")?;
    let canary = Canary::new();
    // The story books three appointments later today: it runs in a zone where it
    // is mid-morning now, whatever the hour on this machine (near midnight there
    // would be no free time left today).
    let zone = MorningZone::now();
    let app = profile
        .launch(zone.launch(LaunchOptions::default()))
        .await?;
    let outcome = story(&app, &canary, &zone).await;
    profile.finish(app, outcome).await?;

    assert_db_encrypted(&profile.db_path())?;
    let mut secrets = canary.secrets();
    secrets.push(clinic_e2e::TEST_DB_KEY.to_string());
    let checked = assert_no_canary(&profile.app_dirs(), &secrets)?;
    ensure!(checked >= 2, "the disk walk saw only {checked} files");
    Ok(())
}

/// Elements whose test id starts with `prefix`, displayed, in page order.
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

/// The calendar blocks of the canary patient, in page order, with their ids.
async fn my_blocks(app: &App, family: &str) -> clinic_e2e::Result<Vec<(String, Element)>> {
    let mut out = Vec::new();
    for e in by_prefix(app, "appointment-block-").await? {
        // textContent: a short block clips its text, which WebDriver's text() leaves out.
        let text = e.prop("textContent").await?.unwrap_or_default();
        if text.contains(family) {
            let id = e.attr("data-testid").await?.unwrap_or_default();
            out.push((id.trim_start_matches("appointment-block-").to_string(), e));
        }
    }
    Ok(out)
}

/// Books the canary patient with the doctor at the `slot`-th free slot.
async fn book(app: &App, c: &Canary, slot: usize) -> clinic_e2e::Result {
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
    app.click(&format!("slot-option-{slot}")).await?;
    app.click("booking-submit").await?;
    app.find("booking-result").await?;
    app.click("booking-close").await?;
    app.wait_gone("booking-dialog").await?;
    Ok(())
}

async fn open_block(app: &App, c: &Canary, index: usize) -> clinic_e2e::Result<String> {
    let blocks = app
        .wait_until("the patient's calendar blocks", async || {
            let b = my_blocks(app, &c.family).await?;
            Ok((b.len() > index).then_some(b))
        })
        .await?;
    let (id, block) = &blocks[index];
    app.click_element(block).await?;
    app.find("appointment-drawer").await?;
    Ok(id.clone())
}

async fn close_drawer(app: &App) -> clinic_e2e::Result {
    app.client()
        .find(Locator::Css("body"))
        .await?
        .send_keys("\u{E00C}")
        .await?;
    app.wait_gone("appointment-drawer").await
}

async fn story(app: &App, c: &Canary, zone: &MorningZone) -> clinic_e2e::Result {
    app.wait_ready().await?;

    // The administrator shortens the kiosk's idle reset (30 s is the minimum).
    app.sign_in(Account::Admin).await?;
    app.click("nav-schedule-setup").await?;
    app.click("setup-tab-clinic").await?;
    app.fill("setup-kiosk-idle", &KIOSK_IDLE_SECS.to_string())
        .await?;
    app.click("setup-clinic-save").await?;
    app.find("setup-clinic-saved").await?;
    app.sign_out().await?;

    // The front desk registers the patient.
    app.sign_in(Account::FrontDesk).await?;
    app.click("nav-register").await?;
    app.fill("field-given_name", &c.given).await?;
    app.fill("field-family_name", &c.family).await?;
    app.fill("field-date_of_birth", &c.date_of_birth).await?;
    app.fill("field-sex", "female").await?;
    app.click("register-submit").await?;
    app.find("patient-profile").await?;
    let mrn = app.profile_mrn().await?;

    // The doctor works all of today (so the story runs at any hour, any weekday).
    work_all_day(app, DOCTOR, zone.weekday()).await?;

    // Three bookings from the free slots.
    app.click("nav-calendar").await?;
    app.find("calendar-screen").await?;
    book(app, c, 0).await?;
    book(app, c, 2).await?;
    book(app, c, 4).await?;

    // Reschedule the second, cancel the third with a reason (required).
    let ids: Vec<String> = app
        .wait_until("the 3 bookings on today's calendar", async || {
            let ids: Vec<String> = my_blocks(app, &c.family)
                .await?
                .into_iter()
                .map(|b| b.0)
                .collect();
            Ok((ids.len() == 3).then_some(ids))
        })
        .await?;
    open_block(app, c, 1).await?;
    app.click("appointment-reschedule").await?;
    app.click("reschedule-find-slots").await?;
    app.click("reschedule-slot-1").await?;
    app.click("reschedule-submit").await?;
    app.find("appointment-notice").await?;
    close_drawer(app).await?;
    app.click(&format!("appointment-block-{}", ids[2])).await?;
    app.find("appointment-drawer").await?;
    app.click("appointment-cancel").await?;
    app.click("cancel-submit").await?;
    app.wait_until("the reason to be marked as required", async || {
        let invalid = app
            .find("cancel-reason")
            .await?
            .attr("aria-invalid")
            .await?;
        Ok((invalid.as_deref() == Some("true")).then_some(()))
    })
    .await?;
    ensure!(
        app.is_visible("appointment-drawer").await?,
        "an empty reason closed the drawer"
    );
    app.fill("cancel-reason", "Patient asked to cancel").await?;
    app.click("cancel-submit").await?;
    app.wait_until("the appointment to show cancelled", async || {
        // Read from the DOM: WebDriver may call the badge hidden while the drawer re-lays out.
        let badge = app
            .client()
            .find(Locator::Css("[data-testid=\"appointment-status\"]"))
            .await?;
        let status = badge.attr("data-status").await?;
        Ok((status.as_deref() == Some("cancelled")).then_some(()))
    })
    .await?;
    close_drawer(app).await?;

    // The first appointment's check-in code, as the patient got it.
    let first_id = ids[0].clone();
    app.click(&format!("appointment-block-{first_id}")).await?;
    app.find("appointment-drawer").await?;
    let code = app.text("appointment-code").await?.trim().to_string();
    ensure!(code.len() == 6, "check-in code {code:?}");
    close_drawer(app).await?;

    // The kiosk window.
    let staff_window = app.client().window().await?;
    let known = app.window_handles().await?;
    app.click("kiosk-open").await?;
    let kiosk = app.switch_to_new_window(&known).await?;
    app.find("kiosk-app").await?;
    for command in ["get_chart_summary", "search_patients", "list_staff"] {
        let refusal = app
            .invoke_expecting_refusal(command, serde_json::json!({}))
            .await
            .with_context(|| format!("the kiosk window calling {command}"))?;
        ensure!(!refusal.is_empty(), "{command} refused without a reason");
    }
    // A wrong code: the one generic answer, and the typed input stays.
    app.fill("kiosk-family-name", &c.family).await?;
    app.fill("kiosk-dob", &c.date_of_birth).await?;
    app.click("kiosk-factor-code").await?;
    app.fill("kiosk-factor-value", "ZZZZZZ").await?;
    app.click("kiosk-continue").await?;
    let error = app.find("kiosk-error").await?;
    ensure!(
        error.attr("data-code").await?.as_deref() == Some("kiosk_no_match"),
        "a wrong code did not get the generic answer"
    );
    let kept = app.find("kiosk-family-name").await?.prop("value").await?;
    ensure!(
        kept.as_deref() == Some(c.family.as_str()),
        "the kiosk lost the typed name"
    );
    app.fill("kiosk-factor-value", &code).await?;
    app.click("kiosk-continue").await?;
    app.wait_text("kiosk-greeting", "the patient's greeting", |t| {
        t.contains(&c.given)
    })
    .await?;
    app.click("kiosk-check-in").await?;
    app.find("kiosk-done").await?;
    // After check-in the kiosk resets itself: nothing of the patient is left.
    app.wait_until_for(
        "the kiosk to reset after check-in",
        Duration::from_secs(30),
        async || {
            let text = app.page_text().await?;
            Ok(
                (app.is_visible("kiosk-family-name").await? && !text.contains(&c.given))
                    .then_some(()),
            )
        },
    )
    .await?;
    // Idle reset: half-typed input disappears after the idle time.
    app.fill("kiosk-family-name", &c.family).await?;
    app.wait_until_for(
        "the kiosk's idle reset",
        Duration::from_secs(KIOSK_IDLE_SECS + 30),
        async || {
            let value = app.find("kiosk-family-name").await?.prop("value").await?;
            Ok((value.as_deref() == Some("")).then_some(()))
        },
    )
    .await?;
    ensure!(
        !app.page_text().await?.contains(&c.family),
        "the kiosk page still shows the patient after its idle reset"
    );
    app.switch_to(&staff_window).await?;
    ensure!(
        app.window_handles().await?.contains(&kiosk),
        "the kiosk window went away by itself"
    );

    // The doctor is absent: the rest of their day needs new times.
    app.click("nav-reassign").await?;
    app.choose("reassign-provider", DOCTOR).await?;
    app.click("reassign-mode-reschedule").await?;
    app.fill("reassign-reason", "Dr Doe is ill").await?;
    app.click("reassign-submit").await?;
    app.find("reassign-outcome").await?;
    let contacts = by_prefix(app, "reassign-contact-").await?;
    let mut listed = false;
    for contact in &contacts {
        listed |= contact.text().await?.contains(&mrn);
    }
    ensure!(
        listed,
        "the patient's rescheduled appointment is not on the contact list"
    );
    app.click("kiosk-close").await.ok();
    app.sign_out().await?;

    // The doctor was told the patient arrived, and sees them checked in today.
    app.sign_in(Account::Doctor).await?;
    app.click("notifications-bell").await?;
    app.wait_text("notification-item", "a patient-arrived notification", |t| {
        t.contains(&mrn) && t.to_lowercase().contains("arrived")
    })
    .await?;
    app.click("nav-myday").await?;
    app.wait_until("the checked-in row on the doctor's day", async || {
        let row = app
            .client()
            .find(Locator::Css(&format!(
                "[data-testid=\"myday-row-{first_id}\"]"
            )))
            .await?;
        let badge = row
            .find(Locator::Css("[data-testid=\"myday-status\"]"))
            .await?;
        let status = badge.attr("data-status").await?;
        Ok((status.as_deref() == Some("checked_in")).then_some(()))
    })
    .await?;
    app.sign_out().await?;
    Ok(())
}
