// The document viewer: an image through a data URL, a PDF's pages drawn by pdf.js (mocked
// here: jsdom has no canvas or workers) above its extracted text, a short message and the
// text when pdf.js fails, "Save a copy" (saved or cancelled), sharing with a colleague
// (the signed-in member left out, the shell's refusal under the select, the note kept),
// and marking a document entered in error.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { PATIENT } from "../chart/testing";
import { DocumentsSection } from "./DocumentsSection";
import { documentsBackend, documentsState, DOCTOR, NURSE, stored, type DocumentsState, type StoredDocument } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

// pdf.js, as far as PdfPages uses it.
const pdfjs = vi.hoisted(() => {
  class RenderingCancelledException extends Error {}
  return {
    getDocument: vi.fn(),
    createWorker: vi.fn((params: { port: unknown }) => ({ port: params.port, destroy: vi.fn() })),
    RenderingCancelledException,
  };
});
vi.mock("pdfjs-dist", () => ({
  GlobalWorkerOptions: { workerSrc: "" },
  PDFWorker: { create: pdfjs.createWorker },
  VerbosityLevel: { ERRORS: 0, WARNINGS: 1, INFOS: 5 },
  RenderingCancelledException: pdfjs.RenderingCancelledException,
  getDocument: pdfjs.getDocument,
}));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

// A 1×1 PNG.
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

async function openViewer(doc: StoredDocument, more: Handlers = {}, state: DocumentsState = documentsState([doc])) {
  const user = userEvent.setup();
  mockInvoke.mockImplementation(commandRouter({ ...documentsBackend(state), ...more }));
  renderWithProviders(withSession("doctor", <DocumentsSection patientId={PATIENT.id} />));
  await user.click(await screen.findByTestId("document-open"));
  const viewer = await screen.findByTestId("document-viewer");
  return { user, viewer, state };
}

beforeEach(() => {
  mockInvoke.mockReset();
  pdfjs.getDocument.mockReset();
  pdfjs.createWorker.mockClear();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const PDF_BYTES = "%PDF-1.7 a small lab report";

/** pdf.js opening a document of `numPages` pages, each 600×800 at scale 1. */
function pdfOpens(numPages: number) {
  const render = vi.fn((_params: { canvas: HTMLCanvasElement; viewport: { width: number; height: number } }) => ({
    promise: Promise.resolve(),
    cancel: vi.fn(),
  }));
  const page = {
    getViewport: ({ scale }: { scale: number }) => ({ width: 600 * scale, height: 800 * scale }),
    render,
  };
  const doc = { numPages, getPage: vi.fn(() => Promise.resolve(page)) };
  const task = { promise: Promise.resolve(doc), destroy: vi.fn(() => Promise.resolve()) };
  pdfjs.getDocument.mockReturnValue(task);
  return { doc, task, render };
}

/** pdf.js refusing the document with an exception of this name. */
function pdfFails(name: string) {
  const promise = Promise.reject(Object.assign(new Error("cannot read"), { name }));
  promise.catch(() => {});
  const task = { promise, destroy: vi.fn(() => Promise.resolve()) };
  pdfjs.getDocument.mockReturnValue(task);
  return task;
}

/** A stand-in for the browser's Worker that says "ready" like pdf.js's worker. */
class FakeWorker extends EventTarget {
  static started: FakeWorker[] = [];
  terminate = vi.fn();
  constructor(
    readonly url: string,
    readonly options: WorkerOptions,
  ) {
    super();
    FakeWorker.started.push(this);
    setTimeout(() => this.dispatchEvent(new MessageEvent("message", { data: { action: "ready", data: null } })), 0);
  }
  postMessage() {}
}

const pdfDoc = (text = "Haemoglobin 131 g/L") => stored({ title: "Blood count" }, text, btoa(PDF_BYTES));

describe("viewing a document", () => {
  it("shows an image through a data URL", async () => {
    const doc = stored({ title: "Rash photo", type: "other", media_type: "image/png", file_name: "rash.png" }, "", PNG);
    const { viewer } = await openViewer(doc);
    const img = (await within(viewer).findByTestId("document-image")) as HTMLImageElement;
    expect(img.tagName).toBe("IMG");
    expect(img.getAttribute("src")).toBe(`data:image/png;base64,${PNG}`);
    expect(img.getAttribute("alt")).toBe("Rash photo");
    expect(within(viewer).queryByTestId("document-text")).toBeNull();
    expect(calls("get_document")).toEqual([{ id: doc.info.id }]);
    expect(within(viewer).getByTestId("document-viewer-file").textContent).toBe("rash.png");
    expect(document.querySelectorAll("style").length).toBe(0);
  });

  it("shows a PDF's extracted text and points to the original", async () => {
    const doc = stored({ title: "Blood count" }, "Haemoglobin 131 g/L Platelets 250");
    const { viewer } = await openViewer(doc);
    const text = await within(viewer).findByTestId("document-text");
    expect(text.tagName).toBe("PRE");
    expect(text.textContent).toBe("Haemoglobin 131 g/L Platelets 250");
    expect(within(viewer).getByTestId("document-pdf-note").textContent).toContain("text extracted from the PDF");
    expect(within(viewer).getByTestId("document-pdf-note").textContent).toContain("Save a copy");
    expect(within(viewer).queryByTestId("document-image")).toBeNull();
  });

  it("says when a PDF has no text (a scan)", async () => {
    const { viewer } = await openViewer(stored({ title: "Scan" }, ""));
    expect((await within(viewer).findByTestId("document-pdf-note")).textContent).toContain("No text could be extracted");
    expect(within(viewer).queryByTestId("document-text")).toBeNull();
  });

  it("shows a text file's text with its line breaks", async () => {
    const { viewer } = await openViewer(stored({ media_type: "text/plain", file_name: "a.txt" }, "Line 1\nLine 2"));
    expect((await within(viewer).findByTestId("document-text")).textContent).toBe("Line 1\nLine 2");
    expect(within(viewer).queryByTestId("document-pdf-note")).toBeNull();
  });

  it("saves a copy where the user chose, and nothing when cancelled", async () => {
    const doc = stored({ file_name: "blood-count.pdf" }, "text");
    let answer: unknown = { path: "/home/me/blood-count.pdf" };
    const { user, viewer } = await openViewer(doc, { save_document_copy: () => answer });
    await user.click(within(viewer).getByTestId("document-save-copy"));
    expect((await within(viewer).findByTestId("document-saved")).textContent).toBe("Saved to /home/me/blood-count.pdf");
    expect(calls("save_document_copy")).toEqual([{ id: doc.info.id }]);

    answer = null;
    await user.click(within(viewer).getByTestId("document-save-copy"));
    await waitFor(() => expect(calls("save_document_copy")).toHaveLength(2));
    await waitFor(() => expect(within(viewer).queryByTestId("document-saved")).toBeNull());
    expect(within(viewer).queryByTestId("document-save-copy-error")).toBeNull();
  });
});

describe("drawing a PDF's pages", () => {
  it("draws the first pages with pdf.js, more on request, and keeps the text below", async () => {
    const { render, task } = pdfOpens(5);
    const { user, viewer } = await openViewer(pdfDoc());
    const pages = await within(viewer).findByTestId("document-pdf-pages");
    expect(pages.getAttribute("data-page-count")).toBe("5");

    // The bytes themselves, no URL; eval and WebAssembly off.
    expect(pdfjs.getDocument).toHaveBeenCalledTimes(1);
    const params = pdfjs.getDocument.mock.calls[0]![0] as Record<string, unknown>;
    expect(params.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(params.data as Uint8Array)).toEqual(Array.from(PDF_BYTES, (c) => c.charCodeAt(0)));
    expect(params.url).toBeUndefined();
    expect(params.isEvalSupported).toBe(false);
    expect(params.useWasm).toBe(false);
    expect(params.verbosity).toBe(0);

    // The first three pages, each on its canvas at the viewer's width (no layout in jsdom: 760).
    await waitFor(() => expect(render).toHaveBeenCalledTimes(3));
    for (const n of [1, 2, 3]) {
      const canvas = within(pages).getByTestId(`document-pdf-page-${n}`) as HTMLCanvasElement;
      expect(canvas.tagName).toBe("CANVAS");
      expect(canvas.getAttribute("aria-label")).toBe(`Blood count: Page ${n} of 5`);
      await waitFor(() => expect(canvas.getAttribute("data-drawn")).toBe("true"));
      expect([canvas.width, canvas.height]).toEqual([760, 1013]);
    }
    expect(render.mock.calls.map((c) => c[0].canvas)).toEqual(
      [1, 2, 3].map((n) => within(pages).getByTestId(`document-pdf-page-${n}`)),
    );
    expect(within(pages).queryByTestId("document-pdf-page-4")).toBeNull();

    const more = within(pages).getByTestId("document-pdf-more");
    expect(more.textContent).toBe("Show more pages (2 left)");
    await user.click(more);
    expect(await within(pages).findByTestId("document-pdf-page-5")).toBeTruthy();
    expect(within(pages).queryByTestId("document-pdf-more")).toBeNull();
    await waitFor(() => expect(render).toHaveBeenCalledTimes(5));

    // The extracted text stays, below the pages.
    const text = within(viewer).getByTestId("document-text");
    expect(text.textContent).toBe("Haemoglobin 131 g/L");
    expect(pages.compareDocumentPosition(text) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(within(viewer).getByTestId("document-pdf-note").textContent).toContain("text extracted from the PDF");
    expect(within(viewer).queryByTestId("document-pdf-render-error")).toBeNull();

    await user.click(within(viewer).getByTestId("document-viewer-close"));
    await waitFor(() => expect(task.destroy).toHaveBeenCalled());
  });

  it("runs pdf.js's worker from the app's bundle and stops it on closing", async () => {
    FakeWorker.started = [];
    vi.stubGlobal("Worker", FakeWorker);
    const { task } = pdfOpens(1);
    const { user, viewer } = await openViewer(pdfDoc());
    expect(await within(viewer).findByTestId("document-pdf-page-1")).toBeTruthy();
    expect(FakeWorker.started).toHaveLength(1);
    const worker = FakeWorker.started[0]!;
    expect(worker.url).toContain("pdf.worker.min");
    expect(worker.options.type).toBe("module");
    expect(pdfjs.createWorker).toHaveBeenCalledWith({ port: worker, verbosity: 0 });
    const pdfWorker = pdfjs.createWorker.mock.results[0]!.value as { destroy: () => void };
    expect((pdfjs.getDocument.mock.calls[0]![0] as { worker: unknown }).worker).toBe(pdfWorker);

    await user.click(within(viewer).getByTestId("document-viewer-close"));
    await waitFor(() => expect(worker.terminate).toHaveBeenCalled());
    expect(task.destroy).toHaveBeenCalled();
    expect(pdfWorker.destroy).toHaveBeenCalled();
  });

  it("says when pdf.js cannot read the PDF, and keeps the text", async () => {
    pdfFails("InvalidPDFException");
    const { viewer } = await openViewer(pdfDoc("Platelets 250"));
    const error = await within(viewer).findByTestId("document-pdf-render-error");
    expect(error.textContent).toBe(
      "The pages of this PDF could not be shown here. Use “Save a copy” to open the original.",
    );
    expect(within(viewer).queryByTestId("document-pdf-pages")).toBeNull();
    expect(within(viewer).queryByTestId("document-pdf-loading")).toBeNull();
    expect(within(viewer).getByTestId("document-text").textContent).toBe("Platelets 250");
  });

  it("says when a PDF is protected by a password", async () => {
    pdfFails("PasswordException");
    const { viewer } = await openViewer(pdfDoc());
    expect((await within(viewer).findByTestId("document-pdf-render-error")).textContent).toContain("password");
    expect(within(viewer).getByTestId("document-text")).toBeTruthy();
  });

  it("shows the other pages when one cannot be drawn", async () => {
    const { render } = pdfOpens(2);
    render.mockImplementationOnce(() => {
      const promise = Promise.reject(new Error("bad page"));
      promise.catch(() => {});
      return { promise, cancel: vi.fn() };
    });
    const { viewer } = await openViewer(pdfDoc());
    expect((await within(viewer).findByTestId("document-pdf-page-error-1")).textContent).toBe("Page 1 could not be shown.");
    await waitFor(() => expect(within(viewer).getByTestId("document-pdf-page-2").getAttribute("data-drawn")).toBe("true"));
    expect(within(viewer).queryByTestId("document-pdf-render-error")).toBeNull();
  });

  it("does not hand pdf.js a PDF without bytes", async () => {
    const { viewer } = await openViewer(stored({}, "Some text"));
    expect(await within(viewer).findByTestId("document-pdf-render-error")).toBeTruthy();
    expect(within(viewer).getByTestId("document-text").textContent).toBe("Some text");
    expect(pdfjs.getDocument).not.toHaveBeenCalled();
  });
});

describe("sharing a document", () => {
  it("shares with a colleague chosen from the list, leaving oneself out", async () => {
    const doc = stored({}, "text");
    const { user, viewer, state } = await openViewer(doc);
    await user.click(within(viewer).getByTestId("document-share"));
    const dialog = await screen.findByTestId("document-share-dialog");
    const select = (await within(dialog).findByTestId("document-share-staff")) as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => [o.value, o.textContent])).toEqual([
      ["", "Choose a colleague"],
      [NURSE.id, "Nina Nurse (Nurse)"],
      [DOCTOR.id, "Dr Dan (Doctor)"],
    ]);

    await user.click(within(dialog).getByTestId("document-share-submit"));
    expect(within(dialog).getByTestId("document-share-error").textContent).toBe("Choose a colleague.");
    expect(calls("share_document")).toEqual([]);

    await user.selectOptions(select, NURSE.id);
    await user.type(within(dialog).getByTestId("document-share-note"), " Please review the platelets. ");
    await user.click(within(dialog).getByTestId("document-share-submit"));
    expect((await within(viewer).findByTestId("document-shared")).textContent).toBe("Shared with Nina Nurse.");
    expect(screen.queryByTestId("document-share-dialog")).toBeNull();
    expect(state.shares).toEqual([{ id: doc.info.id, staff_id: NURSE.id, note: "Please review the platelets." }]);
    expect(calls("share_document")).toEqual([
      { request: { id: doc.info.id, staff_id: NURSE.id, note: "Please review the platelets." } },
    ]);
  });

  it("shows the shell's refusal under the colleague and keeps the note", async () => {
    const message = "Share with an active doctor or nurse.";
    const { user, viewer } = await openViewer(stored({}, "text"), {
      share_document: () =>
        Promise.reject({ code: "validation", message: "invalid", fields: [{ field: "staff_id", message }] }),
    });
    await user.click(within(viewer).getByTestId("document-share"));
    const dialog = await screen.findByTestId("document-share-dialog");
    await user.selectOptions(await within(dialog).findByTestId("document-share-staff"), DOCTOR.id);
    await user.type(within(dialog).getByTestId("document-share-note"), "FYI");
    await user.click(within(dialog).getByTestId("document-share-submit"));
    expect((await within(dialog).findByTestId("document-share-error")).textContent).toBe(message);
    expect((within(dialog).getByTestId("document-share-note") as HTMLTextAreaElement).value).toBe("FYI");
    expect((within(dialog).getByTestId("document-share-staff") as HTMLSelectElement).value).toBe(DOCTOR.id);
    expect(within(viewer).queryByTestId("document-shared")).toBeNull();
  });

  it("shows why colleagues could not be listed", async () => {
    const { user, viewer } = await openViewer(stored({}, "text"), {
      list_colleagues: () => Promise.reject("unknown command list_colleagues"),
    });
    await user.click(within(viewer).getByTestId("document-share"));
    expect(await screen.findByTestId("document-share-colleagues-error")).toBeTruthy();
    expect((screen.getByTestId("document-share-submit") as HTMLButtonElement).disabled).toBe(true);
  });
});

describe("entered in error", () => {
  it("asks for a reason and takes the document off the list", async () => {
    const doc = stored({ title: "Wrong patient's letter" }, "text");
    const { user, viewer } = await openViewer(doc);
    await user.click(within(viewer).getByTestId("document-entered-in-error"));
    const form = await screen.findByTestId("document-eie-dialog");
    await user.click(within(form).getByTestId("document-eie-submit"));
    expect((await within(form).findByTestId("document-eie-error-reason")).textContent).toBe("Enter a reason.");

    await user.type(within(form).getByTestId("document-eie-reason"), "Wrong patient");
    await user.click(within(form).getByTestId("document-eie-submit"));
    await waitFor(() => expect(screen.queryByTestId("document-viewer")).toBeNull());
    expect(calls("set_document_entered_in_error").at(-1)).toEqual({
      request: { id: doc.info.id, expected_version: 1, reason: "Wrong patient" },
    });
    expect(screen.getByTestId("documents-notice").textContent).toContain("“Wrong patient's letter” was marked entered in error.");
    expect(await screen.findByTestId("documents-empty")).toBeTruthy();

    await user.click(screen.getByTestId("documents-filter-include-error"));
    const row = await screen.findByTestId("document-row");
    expect(row.getAttribute("data-status")).toBe("entered_in_error");
    expect(within(row).getByTestId("document-row-error").textContent).toBe("Entered in error");
  });
});
