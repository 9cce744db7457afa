//! The doctor's chart story on the real app: open a patient's chart from the
//! profile, see "allergies not recorded", record an allergy (a field error first,
//! nothing lost), see it in the banner, record a problem with an ICD-10 code,
//! resolve it with a reason and read its history; write a SOAP note in a visit,
//! sign it, amend it; upload a PDF, find it by a word inside it, share it; the
//! nurse adds glucose results (a typo refused), the table flags them, the trend
//! shows them and the doctor is notified; a duplicate is merged into the
//! original. Front desk gets no chart. Afterwards nothing of the patient
//! or the clinical text is on disk outside the encrypted database.
use anyhow::{ensure, Context};
use clinic_e2e::{
    assert_db_encrypted, assert_no_canary, Account, App, Canary, LaunchOptions, Profile,
};

const ALLERGY: &str = "Canarycillin";
const NOTE_TEXT: &str = "Canary subjective: thirsty at night";

#[tokio::test]
#[ignore = "end-to-end (real app, Xvfb, keyring): scripts/test.sh runs it; see tests/e2e/src/lib.rs"]
async fn chart_story() -> clinic_e2e::Result {
    let profile = Profile::new("chart_story")?;
    let canary = Canary::new();
    let app = profile.launch(LaunchOptions::default()).await?;
    // Files to upload live outside the profile, whose every file is scanned below.
    let uploads = tempfile::tempdir()?;
    let outcome = story(&app, &canary, uploads.path().to_path_buf()).await;
    profile.finish(app, outcome).await?;

    assert_db_encrypted(&profile.db_path())?;
    let mut secrets = canary.secrets();
    secrets.push(clinic_e2e::TEST_DB_KEY.to_string());
    secrets.push(ALLERGY.to_string());
    secrets.push(NOTE_TEXT.to_string());
    secrets.push(DOC_WORD.to_string());
    let checked = assert_no_canary(&profile.app_dirs(), &secrets)?;
    ensure!(checked >= 2, "the disk walk saw only {checked} files");
    Ok(())
}

async fn story(app: &App, c: &Canary, profile_dir: std::path::PathBuf) -> clinic_e2e::Result {
    app.wait_ready().await?;

    // The front desk registers the patient; the profile offers no chart to them.
    app.sign_in(Account::FrontDesk).await?;
    app.click("nav-register").await?;
    app.fill("field-given_name", &c.given).await?;
    app.fill("field-family_name", &c.family).await?;
    app.fill("field-date_of_birth", &c.date_of_birth).await?;
    app.fill("field-sex", "female").await?;
    app.click("register-submit").await?;
    app.find("patient-profile").await?;
    let mrn = app.profile_mrn().await?;
    ensure!(
        !app.is_visible("open-chart").await?,
        "the front desk is offered the clinical chart"
    );
    app.sign_out().await?;

    // The doctor opens the chart: allergies not recorded.
    app.sign_in(Account::Doctor).await?;
    app.reopen_by_mrn(&mrn, &c.token).await?;
    app.click("open-chart").await?;
    app.find("chart-screen").await?;
    let banner = app.find("allergy-banner").await?;
    let state = banner.attr("data-state").await?.unwrap_or_default();
    ensure!(
        state == "not_recorded",
        "banner state {state:?} on a new chart"
    );

    // Record an allergy: a missing substance is a field error, the reaction typed stays.
    app.click("chart-add-allergy").await?;
    app.find("chart-entry-dialog").await?;
    app.fill("chart-field-reaction", "Hives").await?;
    app.fill("chart-field-severity", "severe").await?;
    app.click("chart-entry-save").await?;
    app.find("chart-error-substance").await?;
    let kept = app
        .find("chart-field-reaction")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    ensure!(kept == "Hives", "the dialog lost the reaction: {kept:?}");
    app.fill("chart-field-substance", ALLERGY).await?;
    app.click("chart-entry-save").await?;
    app.wait_gone("chart-entry-dialog").await?;
    let item = app
        .wait_text("allergy-banner-item", "naming the allergy", |t| {
            t.contains(ALLERGY)
        })
        .await?;
    ensure!(
        item.contains("Hives"),
        "the banner item {item:?} lacks the reaction"
    );
    let state = app
        .find("allergy-banner")
        .await?
        .attr("data-state")
        .await?
        .unwrap_or_default();
    ensure!(
        state == "has_allergies",
        "banner state {state:?} after recording"
    );

    // A problem with an ICD-10 code typed in lower case (normalized), then resolved.
    app.click("chart-add-problem").await?;
    app.fill("chart-field-text", "Type 2 diabetes mellitus")
        .await?;
    app.fill("chart-field-icd10_code", "e11.9").await?;
    app.click("chart-entry-save").await?;
    app.wait_gone("chart-entry-dialog").await?;
    let row = problem_row(app).await?;
    ensure!(
        row.contains("E11.9"),
        "the problem row {row:?} lacks the normalized code"
    );
    click_in_problem_row(app, "chart-entry-status").await?;
    app.find("chart-status-dialog").await?;
    app.fill("chart-status-select", "resolved").await?;
    app.click("chart-status-save").await?;
    app.find("chart-error-reason")
        .await
        .context("a status change without a reason was accepted")?;
    app.fill(
        "chart-status-reason",
        "HbA1c normal for two years off medication",
    )
    .await?;
    app.click("chart-status-save").await?;
    app.wait_gone("chart-status-dialog").await?;
    app.set_switch("chart-show-inactive-problem", true).await?;
    let resolved = app
        .wait_until("the resolved problem listed", async || {
            for r in app.visible_now("chart-entry").await? {
                if r.attr("data-kind").await?.as_deref() == Some("problem")
                    && r.attr("data-status").await?.as_deref() == Some("resolved")
                {
                    return Ok(Some(r));
                }
            }
            Ok(None)
        })
        .await?;
    let history_button = resolved
        .find(fantoccini::Locator::Css(
            "[data-testid=chart-entry-history]",
        ))
        .await?;
    app.click_element(&history_button).await?;
    app.find("chart-history-dialog").await?;
    let rows = app.find_all("chart-history-row").await?;
    ensure!(
        rows.len() == 2,
        "history shows {} versions, expected 2",
        rows.len()
    );
    app.click("chart-history-close").await?;
    notes(app).await?;
    documents(app, &profile_dir).await?;
    app.sign_out().await?;

    // The nurse adds results; the doctor (who recorded the visit) is notified.
    app.sign_in(Account::Nurse).await?;
    app.click("nav-inbox").await?;
    let shared = app
        .wait_text("shared-document", "the document the doctor shared", |t| {
            t.contains("Outside lab report")
        })
        .await?;
    ensure!(
        shared.contains(&mrn),
        "the shared document does not show the MRN: {shared:?}"
    );
    app.reopen_by_mrn(&mrn, &c.token).await?;
    app.click("open-chart").await?;
    results(app).await?;
    app.sign_out().await?;
    app.sign_in(Account::Doctor).await?;
    app.click("notifications-bell").await?;
    let item = app
        .wait_text("notification-item", "about the new results", |t| {
            t.contains(&mrn)
        })
        .await?;
    // The nurse saved three results one at a time: three notifications of one
    // value each (the old check looked for any '3' in the text, which the MRN or
    // the time usually supplied).
    ensure!(
        item.contains("(1 value"),
        "the notification does not count its value: {item:?}"
    );
    let mut about = 0;
    for e in app.find_all("notification-item").await? {
        let text = e.prop("textContent").await?.unwrap_or_default();
        if text.contains(&mrn) && text.contains("New results") {
            about += 1;
        }
    }
    ensure!(about == 3, "expected 3 result notifications, found {about}");
    app.click("notification-open").await?;
    app.find("chart-screen").await?;
    ensure!(
        app.text("chart-patient-mrn").await?.contains(&mrn),
        "the notification opened another chart"
    );
    merge(app, c, &mrn).await?;
    Ok(())
}

/// Glucose results with a typo first; the table flags them; the trend shows them.
async fn results(app: &App) -> clinic_e2e::Result {
    for (i, (value, unit, date)) in [
        ("7,8", "mmol/L", "2025-01-10"),
        ("95", "mg/dL", "2024-06-01"),
        ("180", "mg/dL", "2025-06-01"),
    ]
    .into_iter()
    .enumerate()
    {
        app.click("result-add").await?;
        app.fill("result-code", "glucose").await?;
        if i == 0 {
            app.fill("result-value", "high").await?;
            app.fill("result-unit", unit).await?;
            app.fill("result-date", date).await?;
            app.click("result-save").await?;
            app.find("result-error-value")
                .await
                .context("a non-numeric result was accepted")?;
        }
        app.fill("result-value", value).await?;
        app.fill("result-unit", unit).await?;
        app.fill("result-date", date).await?;
        app.click("result-save").await?;
        app.wait_gone("result-save").await?;
    }
    let flagged = app
        .wait_until("three glucose rows", async || {
            let mut flags = Vec::new();
            for r in app.visible_now("result-row").await? {
                if r.attr("data-code").await?.as_deref() == Some("glucose") {
                    flags.push(r.attr("data-flag").await?.unwrap_or_default());
                }
            }
            Ok((flags.len() == 3).then_some(flags))
        })
        .await?;
    ensure!(
        flagged.iter().filter(|f| f.as_str() == "high").count() == 2,
        "expected two high glucose values (about 141 and 180 mg/dL), flags: {flagged:?}"
    );
    app.fill("trend-code", "glucose").await?;
    app.find("trend-chart").await?;
    let points = app.text("trend-points").await?;
    for v in ["95", "141", "180"] {
        ensure!(points.contains(v), "the trend table lacks {v}: {points:?}");
    }
    Ok(())
}

const DOC_WORD: &str = "Zylophos";

/// Upload a PDF, find it by a word inside it, view its text, share it.
async fn documents(app: &App, dir: &std::path::Path) -> clinic_e2e::Result {
    let path = dir.join("lab-report.pdf");
    std::fs::write(
        &path,
        clinic_e2e::files::pdf_with_text(&format!("Potassium normal {DOC_WORD} panel")),
    )?;
    app.click("document-upload").await?;
    app.find("document-upload-dialog").await?;
    app.upload_file("document-file", &path).await?;
    app.fill("document-type", "lab_report").await?;
    app.fill("document-title", "Outside lab report").await?;
    app.click("document-save").await?;
    app.wait_gone("document-upload-dialog").await?;
    app.type_into("documents-search", &DOC_WORD.to_lowercase()[..6])
        .await?;
    let row = app
        .wait_text("document-row", "found by a word inside the PDF", |t| {
            t.contains("Outside lab report")
        })
        .await?;
    ensure!(!row.is_empty(), "no document row");
    app.click("document-open").await?;
    let text = app
        .wait_text("document-text", "with the PDF's text", |t| {
            t.contains(DOC_WORD)
        })
        .await?;
    ensure!(text.contains("Potassium"), "the viewer's text: {text:?}");
    // The page itself is drawn in the app (pdf.js under the app's CSP).
    app.wait_until_for(
        "the PDF's first page drawn",
        app.timeout() * 3,
        async || {
            let page = app.find("document-pdf-page-1").await?;
            Ok((page.attr("data-drawn").await?.as_deref() == Some("true")).then_some(()))
        },
    )
    .await?;
    ensure!(
        !app.is_visible("document-pdf-render-error").await?,
        "pdf.js reported an error"
    );
    app.click("document-share").await?;
    app.find("document-share-dialog").await?;
    let select = app.find("document-share-staff").await?;
    select
        .select_by_label(&format!("{} (Nurse)", Account::Nurse.display_name()))
        .await
        .context("the share dialog does not list the nurse")?;
    app.click("document-share-submit").await?;
    app.find("document-shared").await?;
    app.click("document-viewer-close").await?;
    app.wait_gone("document-viewer").await?;
    Ok(())
}

/// The doctor registers the same patient again (duplicate warning, register
/// anyway), then merges the new record into the original from its profile.
async fn merge(app: &App, c: &Canary, mrn: &str) -> clinic_e2e::Result {
    app.click("nav-register").await?;
    app.fill("field-given_name", &c.given).await?;
    app.fill("field-family_name", &c.family).await?;
    app.fill("field-date_of_birth", &c.date_of_birth).await?;
    app.fill("field-sex", "female").await?;
    app.click("register-submit").await?;
    app.find("duplicate-warning").await?;
    app.click("register-anyway").await?;
    app.find("patient-profile").await?;
    let duplicate = app.profile_mrn().await?;
    ensure!(duplicate != mrn, "register anyway reused the MRN");
    app.click("merge-open").await?;
    app.find("merge-dialog").await?;
    app.type_into("merge-search", mrn).await?;
    app.find("merge-candidate").await?;
    app.click("merge-candidate").await?;
    let other = app
        .wait_text("merge-other-mrn", "the original's MRN", |t| t.contains(mrn))
        .await?;
    ensure!(
        !other.contains(&duplicate),
        "the dialog compares the record with itself"
    );
    app.click("merge-survivor-other").await?;
    app.click("merge-confirm").await?;
    app.find("merge-done").await?;
    let now = app.profile_mrn().await?;
    ensure!(
        now == mrn,
        "after the merge the profile shows {now}, expected the original {mrn}"
    );
    // The original's chart now has everything; the duplicate no longer shows in search.
    app.click("nav-search").await?;
    app.type_into("search-input", &duplicate).await?;
    app.find("search-empty")
        .await
        .context("the merged record is still found by its MRN")?;
    Ok(())
}

/// The text of the (single) active problem row.
async fn problem_row(app: &App) -> clinic_e2e::Result<String> {
    app.wait_until("a problem row", async || {
        for r in app.visible_now("chart-entry").await? {
            if r.attr("data-kind").await?.as_deref() == Some("problem") {
                return Ok(Some(r.text().await?));
            }
        }
        Ok(None)
    })
    .await
}

async fn click_in_problem_row(app: &App, id: &str) -> clinic_e2e::Result {
    for r in app.visible_now("chart-entry").await? {
        if r.attr("data-kind").await?.as_deref() == Some("problem") {
            let button = r
                .find(fantoccini::Locator::Css(&format!("[data-testid={id}]")))
                .await?;
            return app.click_element(&button).await;
        }
    }
    anyhow::bail!("no problem row to click {id} in")
}

/// A visit with a SOAP note: save the draft, sign it, amend it.
async fn notes(app: &App) -> clinic_e2e::Result {
    app.click("encounter-new").await?;
    app.fill("encounter-type", "office_visit").await?;
    app.fill("encounter-reason", "Diabetes follow-up").await?;
    app.click("encounter-save").await?;
    app.find("timeline-encounter").await?;
    app.click("note-new").await?;
    app.find("note-editor").await?;
    app.fill("note-title", "Diabetes review").await?;
    app.fill("note-subjective", NOTE_TEXT).await?;
    app.fill("note-assessment", "T2DM, diet controlled").await?;
    app.click("note-save").await?;
    let card = app
        .wait_until("a draft note card", async || {
            for n in app.visible_now("note-card").await? {
                if n.attr("data-status").await?.as_deref() == Some("draft") {
                    return Ok(Some(n.text().await?));
                }
            }
            Ok(None)
        })
        .await?;
    ensure!(
        card.contains(NOTE_TEXT),
        "the draft card does not show the note: {card:?}"
    );
    app.click("note-edit").await?;
    app.find("note-editor").await?;
    app.click("note-sign").await?;
    app.click("note-sign-confirm").await?;
    app.wait_until("the signed note", async || {
        for n in app.visible_now("note-card").await? {
            if n.attr("data-status").await?.as_deref() == Some("signed") {
                return Ok(Some(()));
            }
        }
        Ok(None)
    })
    .await?;
    ensure!(
        !app.is_visible("note-edit").await?,
        "a signed note still offers editing"
    );
    app.click("note-amend").await?;
    app.find("note-editor").await?;
    app.fill("note-text", "Addendum: foot exam normal").await?;
    app.click("note-sign").await?;
    app.click("note-sign-confirm").await?;
    let amendment = app
        .wait_text("note-amendment", "with the addendum", |t| {
            t.contains("foot exam normal")
        })
        .await?;
    ensure!(
        amendment.contains(Account::Doctor.display_name()),
        "the amendment does not name its author: {amendment:?}"
    );
    Ok(())
}
