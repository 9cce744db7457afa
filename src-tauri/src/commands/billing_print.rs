//! Printable billing documents, saved only by explicit user action through a
//! native save dialog: an invoice, a receipt or a statement as PDF, the desk's
//! day as PDF or CSV. The core reads each document with its letterhead and
//! addressee and audits the export (`clinic_core::billing::printing`);
//! `clinic-print` renders it. Nothing of a document is kept or logged here.
use crate::AppState;
use chrono::Utc;
use clinic_core::authz::Command;
use clinic_core::billing::printing::{self, DayDocument, Printable};
use clinic_print::{BilledPatient, DaySheet, Letterhead};
use clinic_protocol::{DaySummaryQuery, ErrorCode, InvoiceId, PaymentId, StatementQuery, UiError};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

/// Where a document was saved.
#[derive(Serialize)]
pub struct Saved {
    path: String,
}

fn letterhead<T>(p: &Printable<T>) -> Letterhead {
    Letterhead {
        clinic_name: p.clinic_name.clone(),
        time_zone: p.time_zone.clone(),
        ..Letterhead::from_settings(&p.settings)
    }
}

fn addressee<T>(p: &Printable<T>) -> BilledPatient {
    let (name, mrn) = p.patient.clone().unwrap_or_default();
    BilledPatient { name, mrn }
}

fn render_failed(e: clinic_print::PrintError) -> UiError {
    UiError::new(
        ErrorCode::Internal,
        format!("the document could not be rendered: {e}"),
    )
}

/// Admits `command`, asks where to save `file_name`, then reads, audits and
/// renders the document and writes it. `None` when the user cancels.
fn save<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    command: Command,
    file_name: &str,
    filter: (&str, &[&str]),
    render: impl FnOnce(&AppState) -> Result<Vec<u8>, UiError>,
) -> Result<Option<Saved>, UiError> {
    state.run(command, |_, _| Ok(()))?;
    let Some(path) = super::choose_save_path(app, file_name, Some(filter))? else {
        return Ok(None);
    };
    let bytes = render(state)?;
    super::write_export(&path, &bytes)?;
    Ok(Some(Saved {
        path: path.display().to_string(),
    }))
}

fn day_sheet(day: &DayDocument) -> DaySheet<'_> {
    match day {
        DayDocument::Open(summary) => DaySheet::Summary(summary),
        DayDocument::Closed(close) => DaySheet::Closed(close),
    }
}

const PDF: (&str, &[&str]) = ("PDF", &["pdf"]);

#[tauri::command]
pub async fn save_invoice_pdf<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: InvoiceId,
) -> Result<Option<Saved>, UiError> {
    save(
        &app,
        &state,
        Command::SaveInvoicePdf,
        "invoice.pdf",
        PDF,
        |state| {
            let p = state.run(Command::SaveInvoicePdf, |s, caller| {
                printing::invoice_for_print(s, caller, id, "pdf")
            })?;
            clinic_print::invoice_pdf(&p.document, &addressee(&p), &letterhead(&p))
                .map_err(render_failed)
        },
    )
}

#[tauri::command]
pub async fn save_receipt_pdf<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    payment_id: PaymentId,
) -> Result<Option<Saved>, UiError> {
    save(
        &app,
        &state,
        Command::SaveReceiptPdf,
        "receipt.pdf",
        PDF,
        |state| {
            let p = state.run(Command::SaveReceiptPdf, |s, caller| {
                printing::receipt_for_print(s, caller, payment_id, "pdf")
            })?;
            clinic_print::receipt_pdf(&p.document, &addressee(&p), &letterhead(&p))
                .map_err(render_failed)
        },
    )
}

#[tauri::command]
pub async fn save_statement_pdf<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    query: StatementQuery,
) -> Result<Option<Saved>, UiError> {
    save(
        &app,
        &state,
        Command::SaveStatementPdf,
        "statement.pdf",
        PDF,
        |state| {
            let p = state.run(Command::SaveStatementPdf, |s, caller| {
                printing::statement_for_print(s, caller, query, "pdf")
            })?;
            clinic_print::statement_pdf(&p.document, &addressee(&p), &letterhead(&p))
                .map_err(render_failed)
        },
    )
}

#[tauri::command]
pub async fn save_day_close_pdf<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    query: DaySummaryQuery,
) -> Result<Option<Saved>, UiError> {
    save(
        &app,
        &state,
        Command::SaveDayClosePdf,
        "day-close.pdf",
        PDF,
        |state| {
            let p = state.run(Command::SaveDayClosePdf, |s, caller| {
                printing::day_for_print(s, caller, query, Utc::now(), "pdf")
            })?;
            clinic_print::day_close_pdf(day_sheet(&p.document), &letterhead(&p))
                .map_err(render_failed)
        },
    )
}

#[tauri::command]
pub async fn save_day_close_csv<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    query: DaySummaryQuery,
) -> Result<Option<Saved>, UiError> {
    save(
        &app,
        &state,
        Command::SaveDayCloseCsv,
        "day-close.csv",
        ("CSV", &["csv"]),
        |state| {
            let p = state.run(Command::SaveDayCloseCsv, |s, caller| {
                printing::day_for_print(s, caller, query, Utc::now(), "csv")
            })?;
            clinic_print::day_close_csv(day_sheet(&p.document))
                .map(String::into_bytes)
                .map_err(render_failed)
        },
    )
}
