//! FHIR R4 import and export. Import: the user picks `.json`/`.ndjson` files
//! in a native open dialog; they are read and planned off the async runtime's
//! workers (`spawn_blocking`), then applied one patient per step, each step
//! admitted like any command (the store is free for others in between), with
//! `fhir-import-progress` events for the progress bar. Export: a native save
//! dialog, then the core's audited export. Rules, checks and audit are in
//! `clinic_core::interop`.
use crate::AppState;
use clinic_core::authz::Command;
use clinic_core::{interop, registry, restricted};
use clinic_protocol::{
    ErrorCode, FhirImportPhase, FhirImportProgress, FhirImportSummary, FhirPatientExported,
    FhirPatientsExported, PatientId, UiError,
};
use std::path::PathBuf;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tauri_plugin_dialog::DialogExt;

/// The event carrying [`FhirImportProgress`].
pub const PROGRESS_EVENT: &str = "fhir-import-progress";

/// Test hook for the end-to-end tests, which cannot drive a native dialog: the
/// files to import, separated by the OS path separator. Honoured only when the
/// store runs on the insecure test key (tests and demo; release builds refuse it).
const E2E_FILES: &str = "CLINIC_E2E_FHIR_IMPORT_FILES";

fn chosen_files<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> Option<Vec<PathBuf>> {
    if matches!(state.startup(), Ok(true)) {
        if let Some(list) = std::env::var_os(E2E_FILES) {
            return Some(std::env::split_paths(&list).collect());
        }
    }
    let picked = app
        .dialog()
        .file()
        .add_filter("FHIR R4 (JSON, NDJSON)", &["json", "ndjson"])
        .blocking_pick_files()?;
    Some(
        picked
            .into_iter()
            .filter_map(|f| f.into_path().ok())
            .collect(),
    )
}

fn failed(what: &str) -> UiError {
    UiError::new(ErrorCode::Internal, format!("the import {what}"))
}

/// `None` when the user cancels the dialog.
#[tauri::command]
pub async fn import_fhir<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<FhirImportSummary>, UiError> {
    // Admit first (a refusal is audited), so no one else gets a dialog.
    state.run(Command::ImportFhir, |_, _| Ok(()))?;
    let Some(paths) = chosen_files(&app, &state) else {
        return Ok(None);
    };
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || run_import(&handle, &paths))
        .await
        .map_err(|_| failed("stopped unexpectedly"))?
        .map(Some)
}

fn progress<R: Runtime>(app: &AppHandle<R>, phase: FhirImportPhase, done: usize, total: usize) {
    let _ = app.emit(
        PROGRESS_EVENT,
        FhirImportProgress {
            phase,
            done: done as u32,
            total: total as u32,
        },
    );
}

fn run_import<R: Runtime>(
    app: &AppHandle<R>,
    paths: &[PathBuf],
) -> Result<FhirImportSummary, UiError> {
    let state = app.state::<AppState>();
    let mut files = Vec::with_capacity(paths.len());
    for (i, path) in paths.iter().enumerate() {
        progress(app, FhirImportPhase::Reading, i, paths.len());
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(path).map_err(|e| {
            UiError::new(ErrorCode::Config, format!("{name} could not be read: {e}"))
        })?;
        files.push((name, bytes));
    }
    progress(app, FhirImportPhase::Reading, paths.len(), paths.len());
    let plan = interop::plan(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    drop(files);
    let mut run = interop::Import::new(plan, paths.len());
    progress(app, FhirImportPhase::Importing, 0, run.steps());
    // One patient per admitted step: other commands run in between.
    while state.run(Command::ImportFhir, |s, caller| run.step(s, caller))? {
        progress(app, FhirImportPhase::Importing, run.done(), run.steps());
    }
    state.run(Command::ImportFhir, move |s, caller| run.finish(s, caller))
}

/// `None` when the user cancels the save dialog.
#[tauri::command]
pub async fn export_fhir_patient<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    patient_id: PatientId,
) -> Result<Option<FhirPatientExported>, UiError> {
    // Admit and check access first (refusals audited), then ask where.
    let mrn = state.run(Command::ExportFhirPatient, |s, caller| {
        let id = clinic_core::merge::resolve(s.conn(), patient_id)?;
        restricted::ensure_caller_access(s, caller, id, Command::ExportFhirPatient)?;
        Ok(registry::get_patient(s.conn(), id)?.mrn)
    })?;
    let name = format!("patient-{mrn}.fhir.json");
    let filter = ("FHIR R4 Bundle (JSON)", &["json"][..]);
    let Some(path) = super::choose_save_path(&app, &name, Some(filter))? else {
        return Ok(None);
    };
    let bundle = state.run(Command::ExportFhirPatient, |s, caller| {
        interop::export_patient(s, caller, patient_id)
    })?;
    super::write_export(&path, bundle.json.as_bytes())?;
    Ok(Some(FhirPatientExported {
        path: path.display().to_string(),
        resources: bundle.resources as u32,
    }))
}

/// `None` when the administrator cancels the save dialog.
#[tauri::command]
pub async fn export_fhir_patients<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<FhirPatientsExported>, UiError> {
    state.run(Command::ExportFhirPatients, |_, _| Ok(()))?;
    let name = format!("Patient-{}.ndjson", chrono::Local::now().format("%Y-%m-%d"));
    let filter = ("FHIR R4 bulk data (NDJSON)", &["ndjson"][..]);
    let Some(path) = super::choose_save_path(&app, &name, Some(filter))? else {
        return Ok(None);
    };
    let export = state.run(Command::ExportFhirPatients, |s, caller| {
        interop::export_patients(s, caller)
    })?;
    super::write_export(&path, export.ndjson.as_bytes())?;
    Ok(Some(FhirPatientsExported {
        path: path.display().to_string(),
        patients: export.patients as u32,
        withheld: export.withheld as u32,
    }))
}
