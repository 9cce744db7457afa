// Plain helpers of patient documents: the document types in display order, the upload
// size limit, a file's name without its extension, reading a file as standard base64
// (encoded in chunks, never one giant string argument list), the data URL of an image
// the viewer may show, and a size in bytes as text.
import type { TFunction } from "i18next";
import type { DocumentType } from "../../bindings/DocumentType";

export const DOCUMENT_TYPES: readonly DocumentType[] = [
  "lab_report",
  "progress_note",
  "assessment",
  "referral",
  "consent",
  "letter",
  "other",
];

export function isDocumentType(s: string): s is DocumentType {
  return (DOCUMENT_TYPES as readonly string[]).includes(s);
}

/** The shell's limit (20 MB); a larger file is refused before it is read. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** What the native file chooser offers (the shell checks the bytes themselves). */
export const ACCEPTED_FILES = ".pdf,.png,.jpg,.jpeg,.txt,application/pdf,image/png,image/jpeg,text/plain";

/** "Blood count.2026.pdf" -> "Blood count.2026"; a name without extension as is. */
export function fileStem(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * Bytes per chunk: a multiple of 3, so each chunk encodes without padding and the
 * chunks' base64 simply concatenate; small enough for `String.fromCharCode.apply`.
 */
const CHUNK = 3 * 8192;

/** Standard base64 (with padding) of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const chunk = bytes.subarray(start, Math.min(start + CHUNK, bytes.length));
    parts.push(btoa(String.fromCharCode.apply(null, chunk as unknown as number[])));
  }
  return parts.join("");
}

/** Reads a chosen file and encodes it as standard base64. */
export async function readFileBase64(file: Blob): Promise<string> {
  const buffer = await file.arrayBuffer();
  return bytesToBase64(new Uint8Array(buffer));
}

const IMAGE_TYPES = ["image/png", "image/jpeg"];

/** A `data:` URL for the two image types the shell accepts; null for anything else. */
export function imageDataUrl(mediaType: string, base64: string): string | null {
  if (!IMAGE_TYPES.includes(mediaType) || base64 === "") return null;
  return `data:${mediaType};base64,${base64}`;
}

/** "532 B", "12 KB", "1.4 MB" in the user's locale. */
export function formatSize(t: TFunction, bytes: number, locale: string): string {
  const n = (value: number, digits: number) =>
    new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
  if (bytes < 1024) return t("documents.size.bytes", { size: n(bytes, 0) });
  if (bytes < 1024 * 1024) return t("documents.size.kb", { size: n(bytes / 1024, 0) });
  return t("documents.size.mb", { size: n(bytes / (1024 * 1024), 1) });
}
