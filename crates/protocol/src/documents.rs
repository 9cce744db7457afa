//! Patient documents (PDF, images, text) kept in the encrypted store: wire types
//! for uploading, listing and searching, viewing, saving a copy, sharing.
//!
//! Invariants: the media type is sniffed from the bytes, never trusted from the
//! file name; content never changes after upload; a document is never deleted
//! (entered-in-error instead). Shapes follow FHIR R4 DocumentReference.
use crate::ids::{DocumentId, PatientId, StaffId};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

text_enum!(
    /// FHIR DocumentReference.type, simplified.
    DocumentType {
        LabReport => "lab_report",
        ProgressNote => "progress_note",
        Assessment => "assessment",
        Referral => "referral",
        Consent => "consent",
        Letter => "letter",
        Other => "other",
    }
);

text_enum!(
    DocumentStatus {
        Current => "current",
        EnteredInError => "entered_in_error",
    }
);

/// A document's description (no content).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DocumentInfo {
    pub id: DocumentId,
    pub patient_id: PatientId,
    #[serde(rename = "type")]
    pub document_type: DocumentType,
    pub title: String,
    /// `YYYY-MM-DD`.
    pub document_date: String,
    pub author: String,
    pub source: String,
    pub file_name: String,
    /// `application/pdf`, `image/png`, `image/jpeg` or `text/plain`.
    pub media_type: String,
    #[ts(type = "number")]
    pub size: i64,
    pub status: DocumentStatus,
    pub recorded_at: String,
    pub recorded_by: String,
    /// Whether text could be extracted for keyword search.
    pub searchable: bool,
    #[ts(type = "number")]
    pub version: i64,
}

/// A new document. `content_base64` is the file's bytes (standard base64).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UploadDocument {
    pub patient_id: PatientId,
    #[serde(rename = "type")]
    pub document_type: DocumentType,
    pub title: String,
    pub document_date: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub source: String,
    pub file_name: String,
    pub content_base64: String,
}

impl std::fmt::Debug for UploadDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadDocument")
            .field("patient_id", &self.patient_id)
            .field("bytes_base64", &self.content_base64.len())
            .finish_non_exhaustive()
    }
}

/// Lists and searches a patient's documents, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DocumentQuery {
    pub patient_id: PatientId,
    #[serde(default, rename = "type")]
    pub document_type: Option<DocumentType>,
    /// `YYYY-MM-DD` bounds (inclusive) on the document date.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    /// Words to find in the title, author, source or text (all must match).
    #[serde(default)]
    pub keywords: String,
    #[serde(default)]
    pub include_entered_in_error: bool,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DocumentPage {
    pub items: Vec<DocumentInfo>,
    pub page: u32,
    pub page_size: u32,
    pub has_more: bool,
}

/// A document to show in the app.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DocumentContent {
    pub info: DocumentInfo,
    /// The bytes (base64) for images and PDFs (drawn in the app); empty for text.
    pub content_base64: String,
    /// The text of text files and the text extracted from PDFs.
    pub text: String,
}

impl std::fmt::Debug for DocumentContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentContent")
            .field("info", &self.info.id)
            .finish_non_exhaustive()
    }
}

/// Shares a document with another practitioner of the clinic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ShareDocument {
    pub id: DocumentId,
    pub staff_id: StaffId,
    #[serde(default)]
    pub note: String,
}

/// A document shared with the signed-in member (their inbox).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SharedDocument {
    pub info: DocumentInfo,
    pub patient_mrn: String,
    pub shared_by: String,
    pub note: String,
    pub shared_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetDocumentEnteredInError {
    pub id: DocumentId,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub reason: String,
}

/// Where a copy was saved (`None` from the command when the user cancelled).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DocumentSaved {
    pub path: String,
}
