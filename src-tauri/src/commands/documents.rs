//! Patient documents for doctors and nurses: upload, list/search, view, save a
//! copy (native save dialog; audited as an export), share, the shared-with-me
//! inbox, entered in error. Rules, checks and audit are in
//! `clinic_core::documents`.
use crate::AppState;
use clinic_core::authz::Command;
use clinic_core::documents;
use clinic_core::CoreError;
use clinic_protocol::{
    DocumentContent, DocumentId, DocumentInfo, DocumentPage, DocumentQuery, DocumentSaved,
    SetDocumentEnteredInError, ShareDocument, SharedDocument, UiError, UploadDocument,
};
use tauri::{AppHandle, Runtime, State};

#[tauri::command]
pub async fn upload_document(
    state: State<'_, AppState>,
    request: UploadDocument,
) -> Result<DocumentInfo, UiError> {
    state.run(Command::UploadDocument, |s, caller| {
        documents::upload(s, caller, request)
    })
}

#[tauri::command]
pub async fn list_documents(
    state: State<'_, AppState>,
    query: DocumentQuery,
) -> Result<DocumentPage, UiError> {
    state.run(Command::ListDocuments, |s, caller| {
        documents::list(s, caller, query)
    })
}

#[tauri::command]
pub async fn get_document(
    state: State<'_, AppState>,
    id: DocumentId,
) -> Result<DocumentContent, UiError> {
    state.run(Command::GetDocument, |s, caller| {
        documents::view(s, caller, id)
    })
}

/// `None` when the user cancels the save dialog.
#[tauri::command]
pub async fn save_document_copy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: DocumentId,
) -> Result<Option<DocumentSaved>, UiError> {
    // Admit first (a refusal is audited), then ask where, then export (audited).
    let name = state.run(Command::SaveDocumentCopy, |s, _| {
        Ok(documents::get_info(s.conn(), id)?.file_name)
    })?;
    let Some(path) = super::choose_save_path(&app, &name, None)? else {
        return Ok(None);
    };
    let (_, bytes) = state.run(Command::SaveDocumentCopy, |s, caller| {
        documents::export(s, caller, id)
    })?;
    super::write_export(&path, &bytes)?;
    Ok(Some(DocumentSaved {
        path: path.display().to_string(),
    }))
}

#[tauri::command]
pub async fn share_document(
    state: State<'_, AppState>,
    request: ShareDocument,
) -> Result<(), UiError> {
    state.run(Command::ShareDocument, |s, caller| {
        documents::share(s, caller, request)
    })
}

#[tauri::command]
pub async fn list_shared_documents(
    state: State<'_, AppState>,
) -> Result<Vec<SharedDocument>, UiError> {
    state.run(Command::ListSharedDocuments, |s, caller| {
        let staff = caller.staff_id.ok_or(CoreError::SessionEnded)?;
        documents::shared_with(s.conn(), staff)
    })
}

#[tauri::command]
pub async fn set_document_entered_in_error(
    state: State<'_, AppState>,
    request: SetDocumentEnteredInError,
) -> Result<DocumentInfo, UiError> {
    state.run(Command::SetDocumentEnteredInError, |s, caller| {
        documents::mark_entered_in_error(s, caller, request)
    })
}

#[tauri::command]
pub async fn list_colleagues(
    state: State<'_, AppState>,
) -> Result<Vec<clinic_protocol::StaffMember>, UiError> {
    state.run(Command::ListColleagues, |s, _| {
        clinic_core::identity::list_colleagues(s.conn())
    })
}
