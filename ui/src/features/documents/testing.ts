// Test fixtures for patient documents (used by tests only): document descriptions and
// contents, an empty list page for screens that mount the documents section, and a small
// in-memory stand-in for the shell's document commands (filters, keywords, paging,
// upload, view, share, entered in error, colleagues, the shared-with-me inbox).
import type { DocumentContent } from "../../bindings/DocumentContent";
import type { DocumentInfo } from "../../bindings/DocumentInfo";
import type { DocumentPage } from "../../bindings/DocumentPage";
import type { DocumentQuery } from "../../bindings/DocumentQuery";
import type { SetDocumentEnteredInError } from "../../bindings/SetDocumentEnteredInError";
import type { ShareDocument } from "../../bindings/ShareDocument";
import type { SharedDocument } from "../../bindings/SharedDocument";
import type { StaffMember } from "../../bindings/StaffMember";
import type { UploadDocument } from "../../bindings/UploadDocument";
import type { Handlers } from "../../test/render";
import { sessionFor, staffMember } from "../admin/testing";
import { PATIENT } from "../chart/testing";

let seq = 0;

export const docInfo = (over: Partial<DocumentInfo> = {}): DocumentInfo => ({
  id: `doc-${++seq}`,
  patient_id: PATIENT.id,
  type: "lab_report",
  title: "Blood count",
  document_date: "2026-01-05",
  author: "Dr Lab",
  source: "City Laboratory",
  file_name: "blood-count.pdf",
  media_type: "application/pdf",
  size: 2048,
  status: "current",
  recorded_at: "2026-01-06T10:00:00Z",
  recorded_by: "Dr Grey",
  searchable: true,
  version: 1,
  ...over,
});

/** An empty first page of `list_documents`. */
export const emptyDocumentPage = (): DocumentPage => ({ items: [], page: 0, page_size: 20, has_more: false });

/** `list_documents` answering with an empty page (for screens that mount the section). */
export const noDocumentsHandlers = (): Handlers => ({ list_documents: () => emptyDocumentPage() });

/** The signed-in doctor of `withSession("doctor", …)` and two colleagues. */
export const SELF = staffMember("me", { id: sessionFor("doctor").staff_id, role: "doctor", display_name: "Dr Me" });
export const NURSE = staffMember("nina", { id: "staff-nina", role: "nurse", display_name: "Nina Nurse" });
export const DOCTOR = staffMember("dan", { id: "staff-dan", role: "doctor", display_name: "Dr Dan" });

export type StoredDocument = { info: DocumentInfo; text: string; content_base64: string };

export type DocumentsState = {
  docs: StoredDocument[];
  colleagues: StaffMember[];
  shares: ShareDocument[];
  inbox: SharedDocument[];
};

export const documentsState = (docs: StoredDocument[] = []): DocumentsState => ({
  docs,
  colleagues: [SELF, NURSE, DOCTOR],
  shares: [],
  inbox: [],
});

export const stored = (info: Partial<DocumentInfo> = {}, text = "", content_base64 = ""): StoredDocument => ({
  info: docInfo(info),
  text,
  content_base64,
});

const words = (s: string) => s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

function matches(d: StoredDocument, q: DocumentQuery): boolean {
  const { info } = d;
  if (!q.include_entered_in_error && info.status !== "current") return false;
  if (q.type && info.type !== q.type) return false;
  if (q.from && info.document_date < q.from) return false;
  if (q.to && info.document_date > q.to) return false;
  const haystack = words([info.title, info.author, info.source, d.text].join(" "));
  return words(q.keywords).every((k) => haystack.some((w) => w.startsWith(k)));
}

const notFound = () => Promise.reject({ code: "not_found", message: "document not found" });
const bytesOf = (b64: string) => Math.floor((b64.length * 3) / 4) - (b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0);

/** The document commands over `state` (mutated in place, like the shell's store). */
export function documentsBackend(state: DocumentsState): Handlers {
  const find = (id: unknown) => state.docs.find((d) => d.info.id === id);
  return {
    list_documents: (args) => {
      const q = (args as { query: DocumentQuery }).query;
      const all = state.docs
        .filter((d) => d.info.patient_id === q.patient_id && matches(d, q))
        .sort((a, b) => b.info.document_date.localeCompare(a.info.document_date));
      const start = q.page * q.page_size;
      return {
        items: all.slice(start, start + q.page_size).map((d) => d.info),
        page: q.page,
        page_size: q.page_size,
        has_more: all.length > start + q.page_size,
      } satisfies DocumentPage;
    },
    upload_document: (args) => {
      const r = (args as { request: UploadDocument }).request;
      const { content_base64, ...rest } = r;
      const media_type = r.file_name.endsWith(".png") ? "image/png" : r.file_name.endsWith(".pdf") ? "application/pdf" : "text/plain";
      const info = docInfo({ ...rest, media_type, size: bytesOf(content_base64), recorded_by: SELF.display_name });
      const text = media_type === "text/plain" ? atob(content_base64) : "";
      state.docs.push({ info, text, content_base64: media_type.startsWith("image/") ? content_base64 : "" });
      return info;
    },
    get_document: (args) => {
      const d = find(args?.id);
      if (!d) return notFound();
      return { info: d.info, content_base64: d.content_base64, text: d.text } satisfies DocumentContent;
    },
    save_document_copy: (args) => (find(args?.id) ? { path: `/home/me/${find(args?.id)!.info.file_name}` } : notFound()),
    list_colleagues: () => state.colleagues,
    share_document: (args) => {
      const r = (args as { request: ShareDocument }).request;
      if (r.staff_id === SELF.id) {
        return Promise.reject({ code: "validation", message: "invalid", fields: [{ field: "staff_id", message: "Choose someone else." }] });
      }
      state.shares.push(r);
      return null;
    },
    list_shared_documents: () => state.inbox,
    set_document_entered_in_error: (args) => {
      const r = (args as { request: SetDocumentEnteredInError }).request;
      const d = find(r.id);
      if (!d) return notFound();
      if (r.reason.trim() === "") {
        return Promise.reject({ code: "validation", message: "invalid", fields: [{ field: "reason", message: "Enter a reason." }] });
      }
      if (r.expected_version !== d.info.version) return Promise.reject({ code: "edit_conflict", message: "changed" });
      d.info = { ...d.info, status: "entered_in_error", version: d.info.version + 1 };
      return d.info;
    },
  };
}
