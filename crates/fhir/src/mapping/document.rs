//! Documents ⇄ FHIR: DocumentReference (content inline or in a Binary of the
//! same input) and DiagnosticReport `presentedForm`, both directions side by side.
//!
//! Only content the document store takes maps (PDF, PNG, JPEG, plain text, at
//! most [`MAX_DOCUMENT_BYTES`]); other content, or content that is not in the
//! input (an external url), is kept as JSON. Base64 is checked and normalised
//! (whitespace removed). The domain has no `superseded` status: a superseded
//! DocumentReference maps as current (its original keeps the status).
use super::{Ctx, LOCAL_DOCUMENT_TYPE};
use crate::json::{Node, Problem, Res};
use crate::model::DocumentItem;
use base64::Engine as _;
use clinic_protocol::{DocumentStatus, DocumentType};
use serde_json::{json, Map, Value};

/// The document store's size limit (core `documents::sniff::MAX_BYTES`).
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;
/// What the document store takes (it sniffs the bytes again).
pub const STORABLE_MEDIA_TYPES: &[&str] =
    &["application/pdf", "image/png", "image/jpeg", "text/plain"];

const LOINC: &str = "http://loinc.org";
const V2_0074: &str = "http://terminology.hl7.org/CodeSystem/v2-0074";

/// LOINC document codes per type (the first is written on export).
const TYPE_LOINC: &[(&str, DocumentType)] = &[
    ("11502-2", DocumentType::LabReport),
    ("11506-3", DocumentType::ProgressNote),
    ("51848-0", DocumentType::Assessment),
    ("51847-2", DocumentType::Assessment),
    ("57133-1", DocumentType::Referral),
    ("59284-0", DocumentType::Consent),
];

pub(crate) const DOCUMENT_REFERENCE_WRITES: &[&str] = &[
    "status",
    "type",
    "description",
    "date",
    "author",
    "custodian",
    "content",
    "context",
];
pub(crate) const DIAGNOSTIC_REPORT_WRITES: &[&str] = &[
    "status",
    "category",
    "code",
    "effectiveDateTime",
    "effectivePeriod",
    "issued",
    "resultsInterpreter",
    "performer",
    "presentedForm",
];

fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn extension(media_type: &str) -> &'static str {
    match media_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "txt",
    }
}

/// Checked, normalised base64 and the decoded size.
fn base64_content(data: &str, path: &str) -> Res<(String, usize)> {
    let clean: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    match base64::engine::general_purpose::STANDARD.decode(&clean) {
        Ok(bytes) => Ok((clean, bytes.len())),
        Err(e) => Err(Problem::error(path, format!("not valid base64: {e}"))),
    }
}

/// The content of an attachment that the document store can take.
struct Content {
    media_type: String,
    base64: String,
    /// Position in the index of the Binary it came from.
    binary: Option<usize>,
}

/// The content of an attachment, or why it does not map.
fn attachment_content(a: &Node, ctx: &Ctx) -> Res<Result<Content, String>> {
    let mut content_type = a.text("contentType")?;
    let (data, binary) = if let Some(d) = a.str("data")? {
        (base64_content(d, &a.at("data"))?, None)
    } else if let Some(url) = a.str("url")? {
        let Some(i) = ctx.index.resolve(url) else {
            return Ok(Err(format!("the content is not in the input (url {url})")));
        };
        let binary = Node::root(ctx.index.get(i));
        if binary.str("resourceType")? != Some("Binary") {
            return Ok(Err(format!("the url {url} is not a Binary")));
        }
        let Some(d) = binary.str("data")? else {
            return Ok(Err(format!("Binary {url} has no data")));
        };
        if content_type.is_empty() {
            content_type = binary.text("contentType")?;
        }
        let data = base64_content(d, "data")
            .map_err(|_| Problem::keep(format!("Binary {url} holds invalid base64")))?;
        (data, Some(i))
    } else {
        return Ok(Err("the attachment has neither data nor url".into()));
    };
    let media = media_type(&content_type);
    if !STORABLE_MEDIA_TYPES.contains(&media.as_str()) {
        return Ok(Err(format!(
            "content type '{content_type}': the document store takes PDF, PNG, JPEG and plain text"
        )));
    }
    if data.1 > MAX_DOCUMENT_BYTES {
        return Ok(Err(format!(
            "{} bytes: larger than the document store's {MAX_DOCUMENT_BYTES}",
            data.1
        )));
    }
    Ok(Ok(Content {
        media_type: media,
        base64: data.0,
        binary,
    }))
}

/// The first attachment that maps (with its content), or why none does.
fn first_storable<'a>(
    attachments: &[Node<'a>],
    ctx: &Ctx,
) -> Res<Result<(Node<'a>, Content), String>> {
    let mut why = Vec::new();
    for a in attachments {
        match attachment_content(a, ctx)? {
            Ok(content) => return Ok(Ok((a.clone(), content))),
            Err(reason) => why.push(reason),
        }
    }
    Ok(Err(if why.is_empty() {
        "no content".to_string()
    } else {
        why.join("; ")
    }))
}

fn file_name(a: &Node, id: Option<&str>, media: &str) -> Res<String> {
    Ok(match a.str("title")? {
        Some(t) => t.to_string(),
        None => format!("{}.{}", id.unwrap_or("document"), extension(media)),
    })
}

fn document_type(n: &Node) -> Res<DocumentType> {
    let Some(t) = n.obj("type")? else {
        return Ok(DocumentType::Other);
    };
    let codings = t.codings()?;
    if let Some(local) = codings.iter().find(|c| c.system == LOCAL_DOCUMENT_TYPE) {
        return Ok(DocumentType::parse(&local.code).unwrap_or(DocumentType::Other));
    }
    for c in codings.iter().filter(|c| c.system == LOINC) {
        if let Some((_, ty)) = TYPE_LOINC.iter().find(|(code, _)| *code == c.code) {
            return Ok(*ty);
        }
    }
    Ok(DocumentType::Other)
}

/// A DocumentReference, and the Binary its content came from.
pub(crate) fn map_document_reference(n: &Node, ctx: &Ctx) -> Res<(DocumentItem, Option<usize>)> {
    let status = match n.code_in("status", &["current", "superseded", "entered-in-error"])? {
        Some("entered-in-error") => DocumentStatus::EnteredInError,
        Some(_) => DocumentStatus::Current,
        None => return Err(Problem::error("status", "required")),
    };
    let contents = n.arr("content")?;
    if contents.is_empty() {
        return Err(Problem::error("content", "required"));
    }
    let mut attachments = Vec::new();
    for c in &contents {
        let a = c
            .obj("attachment")?
            .ok_or_else(|| Problem::error(&c.at("attachment"), "required"))?;
        attachments.push(a);
    }
    let (a, content) = first_storable(&attachments, ctx)?.map_err(Problem::Keep)?;
    let mut title = n.text("description")?;
    if title.is_empty() {
        title = a.text("title")?;
    }
    if title.is_empty() {
        title = n.concept_text_at("type")?;
    }
    let mut document_date = n.date("date")?;
    if document_date.is_empty() {
        if let Some(p) = n
            .obj("context")?
            .map(|c| c.obj("period"))
            .transpose()?
            .flatten()
        {
            document_date = p.date("start")?;
        }
    }
    if document_date.is_empty() {
        document_date = a.date("creation")?;
    }
    Ok((
        DocumentItem {
            document_type: document_type(n)?,
            title,
            document_date,
            author: ctx.name_of(n.first("author")?.as_ref(), n.value)?,
            source: ctx.name_of(n.obj("custodian")?.as_ref(), n.value)?,
            file_name: file_name(&a, n.str("id")?, &content.media_type)?,
            media_type: content.media_type,
            content_base64: content.base64,
            status,
        },
        content.binary,
    ))
}

fn attachment_to_fhir(d: &DocumentItem) -> Value {
    json!({"contentType": d.media_type, "data": d.content_base64, "title": d.file_name})
}

fn put(obj: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        obj.insert(key.into(), Value::String(value.into()));
    }
}

pub(crate) fn document_reference_to_fhir(d: &DocumentItem) -> Map<String, Value> {
    let mut out = Map::new();
    let status = match d.status {
        DocumentStatus::Current => "current",
        DocumentStatus::EnteredInError => "entered-in-error",
    };
    out.insert("status".into(), json!(status));
    let mut codings = Vec::new();
    if let Some((code, _)) = TYPE_LOINC.iter().find(|(_, t)| *t == d.document_type) {
        codings.push(json!({"system": LOINC, "code": code}));
    }
    codings.push(json!({"system": LOCAL_DOCUMENT_TYPE, "code": d.document_type.as_str()}));
    out.insert("type".into(), json!({"coding": codings}));
    put(&mut out, "description", &d.title);
    if !d.author.is_empty() {
        out.insert("author".into(), json!([{"display": d.author}]));
    }
    if !d.source.is_empty() {
        out.insert("custodian".into(), json!({"display": d.source}));
    }
    out.insert(
        "content".into(),
        json!([{"attachment": attachment_to_fhir(d)}]),
    );
    if !d.document_date.is_empty() {
        out.insert(
            "context".into(),
            json!({"period": {"start": d.document_date}}),
        );
    }
    out
}

const REPORT_STATUSES: &[&str] = &[
    "registered",
    "partial",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "appended",
    "cancelled",
    "entered-in-error",
    "unknown",
];

/// A DiagnosticReport's presented form (PDF…) as a document. Reports without
/// one are kept as JSON: their results come in as Observations.
pub(crate) fn map_diagnostic_report(n: &Node, ctx: &Ctx) -> Res<DocumentItem> {
    let status = match n.code_in("status", REPORT_STATUSES)? {
        Some("final" | "amended" | "corrected" | "appended") => DocumentStatus::Current,
        Some("entered-in-error") => DocumentStatus::EnteredInError,
        Some(other) => {
            return Err(Problem::keep(format!(
                "status {other}: only final reports (amended, corrected, appended) are filed"
            )))
        }
        None => return Err(Problem::error("status", "required")),
    };
    let code = n
        .obj("code")?
        .ok_or_else(|| Problem::error("code", "required"))?;
    let forms = n.arr("presentedForm")?;
    if forms.is_empty() {
        return Err(Problem::keep(
            "no presented form: the report's results are imported as Observations",
        ));
    }
    let (a, content) = first_storable(&forms, ctx)?.map_err(Problem::Keep)?;
    // A report is a lab report unless it is categorised as something else.
    let categories = n.arr("category")?;
    let mut lab = categories.is_empty();
    for c in &categories {
        lab |= c
            .codings()?
            .iter()
            .any(|x| x.system == V2_0074 && matches!(x.code.as_str(), "LAB" | "PAT"));
    }
    let mut document_date = n.date("effectiveDateTime")?;
    if document_date.is_empty() {
        if let Some(p) = n.obj("effectivePeriod")? {
            document_date = p.date("start")?;
        }
    }
    if document_date.is_empty() {
        document_date = n.date("issued")?;
    }
    Ok(DocumentItem {
        document_type: if lab {
            DocumentType::LabReport
        } else {
            DocumentType::Other
        },
        title: code.concept_text()?,
        document_date,
        author: ctx.name_of(n.first("resultsInterpreter")?.as_ref(), n.value)?,
        source: ctx.name_of(n.first("performer")?.as_ref(), n.value)?,
        file_name: file_name(&a, n.str("id")?, &content.media_type)?,
        media_type: content.media_type,
        content_base64: content.base64,
        status,
    })
}

pub(crate) fn diagnostic_report_to_fhir(d: &DocumentItem) -> Map<String, Value> {
    let mut out = Map::new();
    let status = match d.status {
        DocumentStatus::Current => "final",
        DocumentStatus::EnteredInError => "entered-in-error",
    };
    out.insert("status".into(), json!(status));
    let category = if d.document_type == DocumentType::LabReport {
        json!({"coding": [{"system": V2_0074, "code": "LAB"}]})
    } else {
        json!({"text": d.document_type.as_str()})
    };
    out.insert("category".into(), json!([category]));
    out.insert("code".into(), json!({"text": d.title}));
    put(&mut out, "effectiveDateTime", &d.document_date);
    if !d.author.is_empty() {
        out.insert("resultsInterpreter".into(), json!([{"display": d.author}]));
    }
    if !d.source.is_empty() {
        out.insert("performer".into(), json!([{"display": d.source}]));
    }
    out.insert("presentedForm".into(), json!([attachment_to_fhir(d)]));
    out
}
