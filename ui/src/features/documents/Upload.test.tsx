// Uploading a document from the chart's documents section: the file is read and sent as
// base64 with the filled-in details, a shell `file` error shows under the file input with
// every other input kept, and files over 20 MB or no file at all are refused here.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { PATIENT } from "../chart/testing";
import { todayIso } from "../patients/form/validation";
import { DocumentsSection } from "./DocumentsSection";
import { docInfo, documentsBackend, documentsState, type DocumentsState } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

function renderSection(state: DocumentsState, more: Handlers = {}) {
  mockInvoke.mockImplementation(commandRouter({ ...documentsBackend(state), ...more }));
  return renderWithProviders(withSession("doctor", <DocumentsSection patientId={PATIENT.id} />));
}

async function openUpload(user: ReturnType<typeof userEvent.setup>) {
  await screen.findByTestId("documents-empty");
  await user.click(screen.getByTestId("document-upload"));
  return screen.findByTestId("document-upload-dialog");
}

const input = (testId: string) => screen.getByTestId(testId) as HTMLInputElement;

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("uploading a document", () => {
  it("reads the file, sends it as base64 with the details and lists it", async () => {
    const user = userEvent.setup();
    const state = documentsState();
    renderSection(state);
    await openUpload(user);
    expect(document.querySelectorAll("style").length).toBe(0);

    const fileInput = input("document-file");
    expect(fileInput.type).toBe("file");
    expect(fileInput.accept).toBe(".pdf,.png,.jpg,.jpeg,.txt,application/pdf,image/png,image/jpeg,text/plain");
    expect(input("document-date").value).toBe(todayIso());
    const type = screen.getByTestId("document-type") as HTMLSelectElement;
    expect(Array.from(type.options).map((o) => o.value)).toEqual([
      "lab_report",
      "progress_note",
      "assessment",
      "referral",
      "consent",
      "letter",
      "other",
    ]);

    await user.upload(fileInput, new File(["Hello, clinic!\n"], "Referral letter.txt", { type: "text/plain" }));
    expect(input("document-title").value).toBe("Referral letter");
    await user.selectOptions(type, "referral");
    await user.clear(input("document-date"));
    await user.type(input("document-date"), "2026-01-04");
    await user.type(input("document-author"), " Dr Who ");
    await user.type(input("document-source"), "St Mary's");
    await user.click(screen.getByTestId("document-save"));

    await waitFor(() => expect(screen.queryByTestId("document-upload-dialog")).toBeNull());
    expect(calls("upload_document")).toEqual([
      {
        request: {
          patient_id: PATIENT.id,
          type: "referral",
          title: "Referral letter",
          document_date: "2026-01-04",
          author: "Dr Who",
          source: "St Mary's",
          file_name: "Referral letter.txt",
          content_base64: "SGVsbG8sIGNsaW5pYyEK",
        },
      },
    ]);
    expect(screen.getByTestId("documents-notice").textContent).toContain("“Referral letter” was uploaded.");
    const row = await screen.findByTestId("document-row");
    expect(row.getAttribute("data-type")).toBe("referral");
    expect(row.getAttribute("data-media-type")).toBe("text/plain");
    expect(within(row).getByTestId("document-row-size").textContent).toBe("15 B");
  });

  it("keeps a title the user typed when another file is chosen", async () => {
    const user = userEvent.setup();
    renderSection(documentsState());
    await openUpload(user);
    await user.upload(input("document-file"), new File(["a"], "first.txt", { type: "text/plain" }));
    expect(input("document-title").value).toBe("first");
    await user.upload(input("document-file"), new File(["b"], "second.txt", { type: "text/plain" }));
    expect(input("document-title").value).toBe("second");
    await user.clear(input("document-title"));
    await user.type(input("document-title"), "My title");
    await user.upload(input("document-file"), new File(["c"], "third.txt", { type: "text/plain" }));
    expect(input("document-title").value).toBe("My title");
  });

  it("shows the shell's file error under the file and keeps every input", async () => {
    const user = userEvent.setup();
    const damaged = "This PDF is damaged and cannot be read.";
    renderSection(documentsState(), {
      upload_document: () =>
        Promise.reject({ code: "validation", message: "invalid", fields: [{ field: "file", message: damaged }] }),
    });
    await openUpload(user);
    const file = new File(["%PDF-1.4 garbage"], "scan.pdf", { type: "application/pdf" });
    await user.upload(input("document-file"), file);
    await user.selectOptions(screen.getByTestId("document-type"), "assessment");
    await user.clear(input("document-title"));
    await user.type(input("document-title"), "Physio assessment");
    await user.type(input("document-author"), "Pat Physio");
    await user.type(input("document-source"), "Rehab centre");
    await user.click(screen.getByTestId("document-save"));

    expect((await screen.findByTestId("document-error-file")).textContent).toBe(damaged);
    expect(screen.queryByTestId("document-upload-error")).toBeNull();
    expect(screen.getByTestId("document-upload-dialog")).toBeTruthy();
    expect((screen.getByTestId("document-type") as HTMLSelectElement).value).toBe("assessment");
    expect(input("document-title").value).toBe("Physio assessment");
    expect(input("document-date").value).toBe(todayIso());
    expect(input("document-author").value).toBe("Pat Physio");
    expect(input("document-source").value).toBe("Rehab centre");
    expect(input("document-file").files?.[0]).toBe(file);
    expect(input("document-file").getAttribute("aria-invalid")).toBe("true");

    // Another file: the old file's error goes away.
    await user.upload(input("document-file"), new File(["fine"], "scan2.txt", { type: "text/plain" }));
    expect(screen.queryByTestId("document-error-file")).toBeNull();
  });

  it("shows other field errors under their inputs", async () => {
    const user = userEvent.setup();
    renderSection(documentsState(), {
      upload_document: () =>
        Promise.reject({
          code: "validation",
          message: "invalid",
          fields: [
            { field: "title", message: "Enter a title." },
            { field: "document_date", message: "The date cannot be in the future." },
          ],
        }),
    });
    await openUpload(user);
    await user.upload(input("document-file"), new File(["x"], "x.txt", { type: "text/plain" }));
    await user.clear(input("document-title"));
    await user.click(screen.getByTestId("document-save"));
    expect((await screen.findByTestId("document-error-title")).textContent).toBe("Enter a title.");
    expect(screen.getByTestId("document-error-document_date").textContent).toBe("The date cannot be in the future.");
  });

  it("refuses a file over 20 MB without reading or sending it", async () => {
    const user = userEvent.setup();
    renderSection(documentsState());
    await openUpload(user);
    const big = new File(["x"], "huge.pdf", { type: "application/pdf" });
    Object.defineProperty(big, "size", { value: 20 * 1024 * 1024 + 1 });
    const read = vi.spyOn(big, "arrayBuffer");
    await user.upload(input("document-file"), big);
    await user.click(screen.getByTestId("document-save"));
    expect((await screen.findByTestId("document-error-file")).textContent).toBe("This file is larger than 20 MB.");
    expect(read).not.toHaveBeenCalled();
    expect(calls("upload_document")).toEqual([]);
    expect(input("document-title").value).toBe("huge");
  });

  it("asks for a file before sending", async () => {
    const user = userEvent.setup();
    renderSection(documentsState());
    await openUpload(user);
    await user.type(input("document-title"), "Nothing chosen");
    await user.click(screen.getByTestId("document-save"));
    expect((await screen.findByTestId("document-error-file")).textContent).toBe("Choose a file to upload.");
    expect(calls("upload_document")).toEqual([]);
  });

  it("shows progress while sending", async () => {
    const user = userEvent.setup();
    let finish: (v: unknown) => void = () => {};
    renderSection(documentsState(), { upload_document: () => new Promise((resolve) => (finish = resolve)) });
    await openUpload(user);
    await user.upload(input("document-file"), new File(["x"], "x.txt", { type: "text/plain" }));
    await user.click(screen.getByTestId("document-save"));
    const progress = await screen.findByTestId("document-upload-progress");
    await waitFor(() => expect(progress.getAttribute("data-stage")).toBe("sending"));
    expect(progress.textContent).toContain("Uploading…");
    finish(docInfo({ title: "x" }));
    await waitFor(() => expect(screen.queryByTestId("document-upload-dialog")).toBeNull());
  });
});
