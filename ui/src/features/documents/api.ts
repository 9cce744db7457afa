// The only place patient documents talk to the Tauri shell: upload, the paged and
// filtered list, one document's content, saving a copy (the shell asks where), sharing,
// the shared-with-me inbox, entered in error, and the colleagues one may share with.
// Each function is one command; a failure rejects with whatever the shell sent
// (normalize with `toUiError`).
import { invoke } from "@tauri-apps/api/core";
import type { DocumentContent } from "../../bindings/DocumentContent";
import type { DocumentId } from "../../bindings/DocumentId";
import type { DocumentInfo } from "../../bindings/DocumentInfo";
import type { DocumentPage } from "../../bindings/DocumentPage";
import type { DocumentQuery } from "../../bindings/DocumentQuery";
import type { DocumentSaved } from "../../bindings/DocumentSaved";
import type { PatientId } from "../../bindings/PatientId";
import type { SetDocumentEnteredInError } from "../../bindings/SetDocumentEnteredInError";
import type { ShareDocument } from "../../bindings/ShareDocument";
import type { SharedDocument } from "../../bindings/SharedDocument";
import type { StaffMember } from "../../bindings/StaffMember";
import type { UploadDocument } from "../../bindings/UploadDocument";

/** Documents per list page. */
export const DOCUMENTS_PAGE_SIZE = 20;

export const uploadDocument = (request: UploadDocument): Promise<DocumentInfo> =>
  invoke<DocumentInfo>("upload_document", { request });

export const listDocuments = (query: DocumentQuery): Promise<DocumentPage> =>
  invoke<DocumentPage>("list_documents", { query });

export const getDocument = (id: DocumentId): Promise<DocumentContent> =>
  invoke<DocumentContent>("get_document", { id });

/** Null when the user cancelled the shell's save dialog. */
export const saveDocumentCopy = (id: DocumentId): Promise<DocumentSaved | null> =>
  invoke<DocumentSaved | null>("save_document_copy", { id });

export const shareDocument = (request: ShareDocument): Promise<null> => invoke<null>("share_document", { request });

export const listSharedDocuments = (): Promise<SharedDocument[]> => invoke<SharedDocument[]>("list_shared_documents");

export const setDocumentEnteredInError = (request: SetDocumentEnteredInError): Promise<DocumentInfo> =>
  invoke<DocumentInfo>("set_document_entered_in_error", { request });

/** Enabled doctors and nurses of the clinic (any clinician may ask). */
export const listColleagues = (): Promise<StaffMember[]> => invoke<StaffMember[]>("list_colleagues");

/** The list filters that make up a list query (besides the patient and the page). */
export type DocumentFilters = Pick<DocumentQuery, "type" | "from" | "to" | "keywords" | "include_entered_in_error">;

/**
 * Query keys. Everything of one patient's documents sits under `documentsKeys.patient(id)`,
 * so an upload or a status change refreshes every list and opened document at once.
 */
export const documentsKeys = {
  all: ["documents"] as const,
  patient: (id: PatientId) => ["documents", "patient", id] as const,
  list: (id: PatientId, filters: DocumentFilters) => ["documents", "patient", id, "list", filters] as const,
  content: (id: PatientId, documentId: DocumentId) => ["documents", "patient", id, "content", documentId] as const,
  shared: ["documents", "shared"] as const,
  colleagues: ["documents", "colleagues"] as const,
};
