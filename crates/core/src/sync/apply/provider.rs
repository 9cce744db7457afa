//! The primary provider's rows from other devices: endpoints
//! (`save_provider_endpoint`, never with credentials), patients' links
//! (`link_patient_provider`) and requests for documents
//! (`save_document_request`) — each the whole row, last writer by HLC wins —
//! and which documents came from a provider (`record_provider_document`,
//! the first record kept). Written with the use cases' own row helpers. Jobs,
//! credentials and watermarks are local to each device and never arrive here.
use super::{is_newest, malformed, Incoming};
use crate::provider::{self, StoredLink};
use crate::CoreError;
use clinic_protocol::{
    DocumentRequest, DocumentRequestStatus, DocumentType, OpKind, PatientId, ProviderAuthKind,
    ProviderEndpoint,
};
use rusqlite::Connection;
use uuid::Uuid;

pub fn save_endpoint(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: Uuid = inc.entity()?;
    let auth = ProviderAuthKind::parse(inc.text("auth")?).ok_or_else(|| malformed(inc, "auth"))?;
    let refresh = inc.int("refresh_minutes")?;
    let endpoint = ProviderEndpoint {
        id,
        name: inc.text("name")?.to_string(),
        base_url: inc.text("base_url")?.to_string(),
        auth,
        client_id: inc.opt_text("client_id")?.map(str::to_string),
        token_url: inc.opt_text("token_url")?.map(str::to_string),
        scope: inc.opt_text("scope")?.map(str::to_string),
        has_credentials: false,
        refresh_minutes: u32::try_from(refresh).map_err(|_| malformed(inc, "refresh_minutes"))?,
        send_demographics: inc.flag("send_demographics")?,
        clinic_default: inc.flag("clinic_default")?,
        updated_at: inc.at.clone(),
    };
    if !is_newest(conn, inc, &[OpKind::SaveProviderEndpoint])? {
        return Ok(());
    }
    provider::write_endpoint_row(conn, &endpoint, &inc.at)
}

pub fn link_patient(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let link = StoredLink {
        patient_id: inc.entity::<PatientId>()?,
        provider_id: inc.id("provider_id")?,
        remote_patient_id: inc.opt_text("remote_patient_id")?.map(str::to_string),
        identifier: inc.opt_text("identifier")?.map(str::to_string),
    };
    if link.remote_patient_id.is_none() && link.identifier.is_none() {
        return Err(malformed(inc, "remote_patient_id"));
    }
    if !is_newest(conn, inc, &[OpKind::LinkPatientProvider])? {
        return Ok(());
    }
    provider::write_link_row(conn, &link, &inc.at)
}

pub fn save_document_request(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let document_type = match inc.opt_text("document_type")? {
        Some(t) => Some(DocumentType::parse(t).ok_or_else(|| malformed(inc, "document_type"))?),
        None => None,
    };
    let request = DocumentRequest {
        id: inc.entity()?,
        patient_id: inc.id("patient_id")?,
        provider_id: inc.id("provider_id")?,
        description: inc.text("description")?.to_string(),
        document_type,
        status: DocumentRequestStatus::parse(inc.text("status")?)
            .ok_or_else(|| malformed(inc, "status"))?,
        remote_task_id: inc.opt_text("remote_task_id")?.map(str::to_string),
        requested_by: inc.text("requested_by_name")?.to_string(),
        requested_at: inc.text("requested_at")?.to_string(),
        updated_at: inc.at.clone(),
    };
    let requested_by = inc.opt_text("requested_by")?;
    if !is_newest(conn, inc, &[OpKind::SaveDocumentRequest])? {
        return Ok(());
    }
    provider::write_request_row(conn, &request, requested_by, &inc.at)
}

pub fn record_document(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let document = inc.entity::<clinic_protocol::DocumentId>()?.to_string();
    let patient = inc.id::<PatientId>("patient_id")?.to_string();
    let provider = inc.id::<Uuid>("provider_id")?.to_string();
    provider::write_provider_document(conn, &document, &patient, &provider, inc.text("pulled_at")?)
}
