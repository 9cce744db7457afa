//! Patient documents on the real (SQLCipher) store: a PDF's text is found by
//! keyword, types and dates filter, bad uploads (damaged PDF, unsupported or
//! oversized file, missing title) save nothing, content never changes, sharing
//! reaches the colleague's inbox and notifications, and the audit holds no titles.
mod common;
mod identity_common;

use base64::Engine;
use clinic_core::{documents, observations, Caller, CoreError};
use clinic_protocol::{
    DocumentQuery, DocumentType, PatientId, Role, SessionInfo, ShareDocument, UploadDocument,
};
use clinic_store::Store;
use common::AUDIT_KEY;
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};

/// A one-page PDF whose text layer says `text`.
fn pdf(text: &str) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let content = Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![72.into(), 700.into()]),
            Operation::new("Tj", vec![Object::string_literal(text)]),
            Operation::new("ET", vec![]),
        ],
    };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn upload(
    patient: PatientId,
    kind: DocumentType,
    title: &str,
    date: &str,
    name: &str,
    bytes: &[u8],
) -> UploadDocument {
    UploadDocument {
        patient_id: patient,
        document_type: kind,
        title: title.into(),
        document_date: date.into(),
        author: "Dr Lab".into(),
        source: "City Lab".into(),
        file_name: name.into(),
        content_base64: b64(bytes),
    }
}

fn query(patient: PatientId, keywords: &str, kind: Option<DocumentType>) -> DocumentQuery {
    DocumentQuery {
        patient_id: patient,
        document_type: kind,
        from: None,
        to: None,
        keywords: keywords.into(),
        include_entered_in_error: false,
        page: 0,
        page_size: 20,
    }
}

#[test]
fn documents_are_found_by_words_inside_them_and_shared_with_a_colleague() {
    let mut t = common::store();
    identity_common::clinic(&mut t.store);
    let doctor = staff(&mut t.store, "house", Role::Doctor);
    let nurse = staff(&mut t.store, "joy", Role::Nurse);
    let desk = staff(&mut t.store, "desk", Role::FrontDesk);
    let patient = common::register_ada(&mut t.store);
    let caller = Caller::staff(&AUDIT_KEY, &doctor);

    let report = documents::upload(
        &mut t.store,
        &caller,
        upload(
            patient,
            DocumentType::LabReport,
            "Lipid panel",
            "2024-05-02",
            "lipids.pdf",
            &pdf("Cholesterol total 212 mg/dL Zyxoglobulin elevated"),
        ),
    )
    .unwrap();
    assert_eq!(report.media_type, "application/pdf");
    assert!(report.searchable);
    let letter = documents::upload(
        &mut t.store,
        &caller,
        upload(
            patient,
            DocumentType::Referral,
            "Cardiology referral",
            "2023-11-20",
            "referral.txt",
            "Please see for palpitations.".as_bytes(),
        ),
    )
    .unwrap();
    assert_eq!(letter.media_type, "text/plain");

    // Keyword inside the PDF (prefix, any case), title words, type and dates.
    let hits = documents::list(&mut t.store, &caller, query(patient, "zyxoglob", None)).unwrap();
    assert_eq!(
        hits.items.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![report.id]
    );
    let hits =
        documents::list(&mut t.store, &caller, query(patient, "PALPITATIONS", None)).unwrap();
    assert_eq!(hits.items.len(), 1);
    assert_eq!(hits.items[0].id, letter.id);
    let all = documents::list(&mut t.store, &caller, query(patient, "", None)).unwrap();
    assert_eq!(
        all.items.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![report.id, letter.id],
        "newest first"
    );
    let refs = documents::list(
        &mut t.store,
        &caller,
        query(patient, "", Some(DocumentType::Referral)),
    )
    .unwrap();
    assert_eq!(refs.items.len(), 1);
    let mut q = query(patient, "", None);
    q.from = Some("2024-01-01".into());
    assert_eq!(
        documents::list(&mut t.store, &caller, q)
            .unwrap()
            .items
            .len(),
        1
    );
    // FTS syntax typed by a user is neutralized, not an error.
    documents::list(
        &mut t.store,
        &caller,
        query(patient, "\"unbalanced AND (", None),
    )
    .unwrap();

    let shown = documents::view(&mut t.store, &caller, report.id).unwrap();
    assert!(shown.text.contains("Zyxoglobulin"));
    let (name, bytes) = documents::export(&mut t.store, &caller, report.id).unwrap();
    assert_eq!(name, "lipids.pdf");
    assert!(bytes.starts_with(b"%PDF-"));

    // Sharing: only with an active clinician; it reaches their inbox and notifications.
    let share = |staff_id| ShareDocument {
        id: report.id,
        staff_id,
        note: "FYI".into(),
    };
    assert!(documents::share(&mut t.store, &caller, share(desk.staff_id)).is_err());
    documents::share(&mut t.store, &caller, share(nurse.staff_id)).unwrap();
    let inbox = documents::shared_with(t.store.conn(), nurse.staff_id).unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].shared_by, "house person");
    let notes = observations::notifications(t.store.conn(), nurse.staff_id, true).unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].detail["document_id"], report.id.to_string());

    // The audit trail names documents by id, never by title or content.
    let details: String = t
        .store
        .conn()
        .query_row(
            "SELECT group_concat(detail, ' ') FROM audit_event",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !details.contains("Lipid")
            && !details.contains("Zyxo")
            && !details.contains("palpitations")
    );
    // Content never changes; documents are never deleted.
    assert!(t
        .store
        .conn()
        .execute("UPDATE document SET content = x'00'", [])
        .is_err());
    assert!(t.store.conn().execute("DELETE FROM document", []).is_err());
}

#[test]
fn bad_uploads_get_clear_errors_and_save_nothing() {
    let mut t = common::store();
    identity_common::clinic(&mut t.store);
    let doctor = staff(&mut t.store, "house", Role::Doctor);
    let patient = common::register_ada(&mut t.store);
    let caller = Caller::staff(&AUDIT_KEY, &doctor);
    let before: i64 = t
        .store
        .conn()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    let mut truncated = pdf("hello");
    truncated.truncate(truncated.len() / 3);
    let zip = [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0xFF, 0xFE];
    let huge = vec![b'a'; documents::MAX_BYTES + 1];
    let cases: Vec<(UploadDocument, &str)> = vec![
        (
            upload(
                patient,
                DocumentType::LabReport,
                "Damaged",
                "2024-01-01",
                "x.pdf",
                &truncated,
            ),
            "file",
        ),
        (
            upload(
                patient,
                DocumentType::Other,
                "Archive",
                "2024-01-01",
                "x.zip",
                &zip,
            ),
            "file",
        ),
        (
            upload(
                patient,
                DocumentType::Other,
                "Huge",
                "2024-01-01",
                "big.txt",
                &huge,
            ),
            "file",
        ),
        (
            upload(
                patient,
                DocumentType::Other,
                "",
                "2024-01-01",
                "a.txt",
                b"text",
            ),
            "title",
        ),
        (
            upload(
                patient,
                DocumentType::Other,
                "Future",
                "2999-01-01",
                "a.txt",
                b"text",
            ),
            "document_date",
        ),
    ];
    for (request, field) in cases {
        let e = documents::upload(&mut t.store, &caller, request)
            .err()
            .unwrap();
        let CoreError::Validation(fields) = e else {
            panic!("{e:?}")
        };
        assert_eq!(fields[0].field, field, "{fields:?}");
    }
    let after: i64 = t
        .store
        .conn()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, before);
}

fn staff(store: &mut Store, username: &str, role: Role) -> SessionInfo {
    identity_common::member_session(store, username, &format!("{username} person"), role)
}
