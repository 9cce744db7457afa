//! The use cases' own checks applied to imported values, before anything is
//! written: each returns the value as it would be stored (trimmed, converted,
//! times in the stored form) or the field errors the UI would have shown.
//!
//! The normalised value is also what a link remembers (`fhir_link.value`): a
//! re-import compares normalised with normalised, so an export that writes the
//! stored form (`2019-03-01T12:00:00.000Z` for `2019-03-01`) matches again.
use crate::documents::{self, ValidUpload};
use crate::observations::{self, Valid};
use crate::restricted::stored_time;
use crate::validation::{validate_patient, Check};
use crate::{chart, notes, CoreError};
use chrono::{DateTime, NaiveDate, Utc};
use clinic_fhir::{ChartItem, DocumentItem, EncounterItem, ObservationItem};
use clinic_protocol::{
    FieldError, Insurance, NewObservation, PatientDetails, PatientId, RecordObservations,
    UploadDocument,
};

type Checked<T> = Result<T, Vec<FieldError>>;

fn field_errors(e: CoreError) -> Vec<FieldError> {
    match e {
        CoreError::Validation(fields) => fields,
        other => vec![FieldError {
            field: String::new(),
            message: other.to_string(),
        }],
    }
}

/// The patient's details (the insurance comes from its own resource).
pub(crate) fn patient(details: &PatientDetails) -> Checked<PatientDetails> {
    let mut d = details.clone();
    d.insurance = None;
    validate_patient(d, crate::registry::clinic_today())
}

/// An insurance on its own (the checks the patient's details apply to it).
pub(crate) fn insurance(i: &Insurance) -> Checked<Insurance> {
    use crate::validation::{MAX_NAME, MAX_TEXT};
    let mut i = i.clone();
    let mut c = Check::new();
    c.text("insurance.payer", &mut i.payer, true, MAX_TEXT);
    c.text("insurance.member_id", &mut i.member_id, true, MAX_NAME);
    c.text(
        "insurance.group_number",
        &mut i.group_number,
        false,
        MAX_NAME,
    );
    c.finish()?;
    Ok(i)
}

/// A chart entry: details per kind, a status the kind has, the reason.
pub(crate) fn chart_item(item: &ChartItem) -> Checked<ChartItem> {
    let details = chart::validate_details(item.details.clone(), crate::registry::clinic_today())?;
    let kind = details.kind();
    if !kind.statuses().contains(&item.status) {
        let allowed: Vec<&str> = kind.statuses().iter().map(|s| s.as_str()).collect();
        return Err(vec![FieldError {
            field: "status".into(),
            message: format!(
                "A {} can be: {} (not {}).",
                kind.as_str(),
                allowed.join(", "),
                item.status.as_str()
            ),
        }]);
    }
    let status_reason = chart::validate_reason(&item.status_reason, false)?;
    Ok(ChartItem {
        details,
        status: item.status,
        status_reason,
        recorded_at: item.recorded_at.trim().to_string(),
    })
}

/// A date-only time (`YYYY-MM-DD`) is stored at its noon, UTC (as results are).
fn import_time(text: &str, now: DateTime<Utc>) -> Result<String, &'static str> {
    let t = text.trim();
    let when = if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        d.with_timezone(&Utc)
    } else if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        d.and_hms_opt(12, 0, 0)
            .map(|n| n.and_utc())
            .ok_or("not a real date")?
    } else {
        return Err("the chart needs a day at least (YYYY-MM-DD) or a date and time");
    };
    if when > now + chrono::Duration::days(1) {
        return Err("an encounter cannot start in the future");
    }
    Ok(stored_time(when))
}

/// A visit: the reason's length, the start as stored.
pub(crate) fn encounter(item: &EncounterItem) -> Checked<EncounterItem> {
    let mut c = Check::new();
    let mut reason = item.reason.clone();
    c.text("reason", &mut reason, false, notes::MAX_REASON);
    let started_at = match import_time(&item.started_at, Utc::now()) {
        Ok(t) => t,
        Err(m) => {
            c.fail("started_at", m);
            String::new()
        }
    };
    c.finish()?;
    Ok(EncounterItem {
        encounter_type: item.encounter_type,
        reason,
        started_at,
        status: item.status,
    })
}

/// A result (one value or a panel's): the catalogue's checks and conversions.
/// Returns the item as stored (values in the form the store keeps: the number
/// as entered, the unit trimmed, the time stored) and the values to write.
pub(crate) fn observation(item: &ObservationItem) -> Checked<(ObservationItem, Vec<Valid>)> {
    let request = RecordObservations {
        patient_id: PatientId::new(),
        encounter_id: None,
        observations: item.values.clone(),
    };
    let valid = observations::validate(&request, Utc::now()).map_err(field_errors)?;
    let values = valid
        .iter()
        .map(|v| NewObservation {
            code: v.code.code.to_string(),
            value: v.entered_value.to_string(),
            unit: v.entered_unit.clone(),
            effective_at: v.effective_at.clone(),
            source: v.source.clone(),
        })
        .collect();
    let stored = ObservationItem {
        category: valid
            .first()
            .map(|v| v.code.category)
            .unwrap_or(item.category),
        status: item.status,
        panel: item.panel.clone(),
        values,
        encounter: item.encounter.clone(),
    };
    Ok((stored, valid))
}

/// A document: the upload's checks (type sniffed from the bytes, size, date).
/// Returns the item as remembered — the content replaced by its SHA-256
/// (`sha256:<hex>`: the bytes are in the document store) and the sniffed media
/// type — and the checked upload.
pub(crate) fn document(item: &DocumentItem) -> Checked<(DocumentItem, ValidUpload)> {
    let request = UploadDocument {
        patient_id: PatientId::new(),
        document_type: item.document_type,
        title: item.title.clone(),
        document_date: item.document_date.clone(),
        author: item.author.clone(),
        source: item.source.clone(),
        file_name: item.file_name.clone(),
        content_base64: item.content_base64.clone(),
    };
    let valid = documents::validate_upload(&request).map_err(field_errors)?;
    let remembered = DocumentItem {
        document_type: valid.document_type,
        title: valid.title.clone(),
        document_date: valid.document_date.clone(),
        author: valid.author.clone(),
        source: valid.source.clone(),
        file_name: valid.file_name.clone(),
        media_type: valid.media_type.to_string(),
        content_base64: content_key(&valid.bytes),
        status: item.status,
    };
    Ok((remembered, valid))
}

/// What a link remembers of a document's content.
pub(crate) fn content_key(bytes: &[u8]) -> String {
    format!("sha256:{}", documents::sha256_hex(bytes))
}

/// The first field error as one line (`field: message`).
pub(crate) fn describe(errors: &[FieldError]) -> (String, String) {
    match errors.first() {
        Some(e) => (e.field.clone(), e.message.clone()),
        None => (String::new(), "not valid for the chart".into()),
    }
}
