//! The audit report for administrators: view (itself audited as a view of the
//! audit trail), export as CSV to a file the administrator picks in a native save
//! dialog (audited as an export), and verification of the hash chain.
use crate::AppState;
use clinic_core::audit::{self, NewAuditEvent};
use clinic_core::authz::Command;
use clinic_protocol::{
    AuditAction, AuditCategory, AuditExported, AuditPage, AuditQuery, AuditVerification, UiError,
};
use serde_json::json;
use tauri::{AppHandle, Runtime, State};

#[tauri::command]
pub async fn view_audit(
    state: State<'_, AppState>,
    query: AuditQuery,
) -> Result<AuditPage, UiError> {
    state.run(Command::ViewAudit, |s, caller| {
        let page = audit::query(s.conn(), &query)?;
        // Only the first page of a query is recorded, not every page turn.
        if query.page == 0 {
            let event = NewAuditEvent::new(AuditAction::View, AuditCategory::Audit)
                .by(caller.actor.clone())
                .detail(json!({ "report": "audit", "total": page.total }));
            audit::append_standalone(s, caller.audit_key, &event)?;
        }
        Ok(page)
    })
}

/// `None` when the administrator cancels the save dialog.
#[tauri::command]
pub async fn export_audit<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    query: AuditQuery,
) -> Result<Option<AuditExported>, UiError> {
    // Admit first (a refusal is audited), so no one else gets a dialog.
    state.run(Command::ExportAudit, |_, _| Ok(()))?;
    let name = format!("audit-{}.csv", chrono::Local::now().format("%Y-%m-%d"));
    let Some(path) = super::choose_save_path(&app, &name, Some(("CSV", &["csv"])))? else {
        return Ok(None);
    };
    let csv = state.run(Command::ExportAudit, |s, caller| {
        audit::export_csv_audited(s, caller.audit_key, caller.actor.clone(), &query)
    })?;
    let rows = csv.lines().count().saturating_sub(1) as u64;
    super::write_export(&path, csv.as_bytes())?;
    Ok(Some(AuditExported {
        path: path.display().to_string(),
        rows,
    }))
}

#[tauri::command]
pub async fn verify_audit(state: State<'_, AppState>) -> Result<AuditVerification, UiError> {
    state.run(Command::VerifyAudit, |s, caller| {
        // Enrolled devices check their trail still holds what the server anchored.
        let anchor = clinic_core::sync::anchor::server_anchor(s.conn())?;
        audit::verify_audited(s, caller.audit_key, caller.actor.clone(), anchor.as_ref())
    })
}
