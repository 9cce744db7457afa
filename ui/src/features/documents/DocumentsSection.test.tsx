// The chart's documents list: rows newest first with their details, the type and date
// filters, keywords searched only after typing pauses (300 ms), paging, the empty state,
// and a title carrying an HTML payload shown as inert text (list and viewer).
import { invoke } from "@tauri-apps/api/core";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { DocumentQuery } from "../../bindings/DocumentQuery";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { PATIENT } from "../chart/testing";
import { DocumentsSection } from "./DocumentsSection";
import { documentsBackend, documentsState, stored, type DocumentsState } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const queries = () =>
  mockInvoke.mock.calls.filter((c) => c[0] === "list_documents").map((c) => (c[1] as { query: DocumentQuery }).query);

function renderSection(state: DocumentsState, more: Handlers = {}) {
  mockInvoke.mockImplementation(commandRouter({ ...documentsBackend(state), ...more }));
  return renderWithProviders(withSession("nurse", <DocumentsSection patientId={PATIENT.id} />));
}

const titles = () => screen.getAllByTestId("document-row-title").map((e) => e.textContent);

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("the documents list", () => {
  it("lists documents newest first with date, type, title, author, source and size", async () => {
    renderSection(
      documentsState([
        stored({ title: "Old letter", type: "letter", document_date: "2024-03-01", media_type: "text/plain", size: 900 }),
        stored({ title: "Blood count", document_date: "2026-01-05", size: 2 * 1024 * 1024 }),
        stored({ title: "X-ray", type: "assessment", media_type: "image/png", author: "", source: "", document_date: "2025-06-01" }),
      ]),
    );
    const list = await screen.findByTestId("documents-list");
    const rows = within(list).getAllByTestId("document-row");
    expect(titles()).toEqual(["Blood count", "X-ray", "Old letter"]);
    expect(rows.map((r) => [r.getAttribute("data-type"), r.getAttribute("data-media-type")])).toEqual([
      ["lab_report", "application/pdf"],
      ["assessment", "image/png"],
      ["letter", "text/plain"],
    ]);
    const first = rows[0]!;
    expect(within(first).getByTestId("document-row-date").textContent).toBe("2026-01-05");
    expect(within(first).getByTestId("document-row-type").textContent).toBe("Lab report");
    expect(within(first).getByTestId("document-row-author").textContent).toBe("Dr Lab");
    expect(within(first).getByTestId("document-row-source").textContent).toBe("City Laboratory");
    expect(within(first).getByTestId("document-row-size").textContent).toBe("2 MB");
    expect(within(rows[1]!).getByTestId("document-row-author").textContent).toBe("—");
    expect(within(rows[2]!).getByTestId("document-row-size").textContent).toBe("900 B");
    expect(queries()).toEqual([
      {
        patient_id: PATIENT.id,
        type: null,
        from: null,
        to: null,
        keywords: "",
        include_entered_in_error: false,
        page: 0,
        page_size: 20,
      },
    ]);
  });

  it("says when there are no documents", async () => {
    renderSection(documentsState());
    expect((await screen.findByTestId("documents-empty")).textContent).toBe("No documents for this patient yet.");
  });

  it("filters by type and document dates", async () => {
    const user = userEvent.setup();
    renderSection(
      documentsState([
        stored({ title: "Blood count", document_date: "2026-01-05" }),
        stored({ title: "Lipids", document_date: "2025-02-01" }),
        stored({ title: "Referral", type: "referral", document_date: "2025-06-01" }),
      ]),
    );
    await screen.findByTestId("documents-list");
    await user.selectOptions(screen.getByTestId("documents-filter-type"), "lab_report");
    await waitFor(() => expect(titles()).toEqual(["Blood count", "Lipids"]));
    expect(queries().at(-1)?.type).toBe("lab_report");

    await user.type(screen.getByTestId("documents-filter-from"), "2025-13");
    expect(screen.queryByTestId("documents-filter-from-error")).toBeNull();
    await user.tab();
    expect(screen.getByTestId("documents-filter-from-error").textContent).toBe("Enter a date as YYYY-MM-DD.");
    expect(queries().every((q) => q.from === null)).toBe(true);
    await user.clear(screen.getByTestId("documents-filter-from"));
    await user.type(screen.getByTestId("documents-filter-from"), "2025-06-01");
    await waitFor(() => expect(titles()).toEqual(["Blood count"]));
    expect(queries().at(-1)).toMatchObject({ type: "lab_report", from: "2025-06-01", to: null });

    await user.selectOptions(screen.getByTestId("documents-filter-type"), "");
    await user.type(screen.getByTestId("documents-filter-to"), "2025-12-31");
    await waitFor(() => expect(titles()).toEqual(["Referral"]));
    expect(queries().at(-1)).toMatchObject({ type: null, from: "2025-06-01", to: "2025-12-31" });

    await user.type(screen.getByTestId("documents-filter-from"), "0");
    await user.clear(screen.getByTestId("documents-filter-to"));
    await user.clear(screen.getByTestId("documents-filter-from"));
    await user.type(screen.getByTestId("documents-filter-from"), "2027-01-01");
    expect((await screen.findByTestId("documents-empty")).textContent).toBe("No documents match these filters.");
  });

  it("searches keywords only once typing pauses", async () => {
    renderSection(
      documentsState([
        stored({ title: "Blood count" }, "Haemoglobin 131 g/L"),
        stored({ title: "Discharge letter", type: "letter" }, "Admitted with pneumonia"),
      ]),
    );
    await screen.findByTestId("documents-list");
    const search = screen.getByTestId("documents-search");
    // Keystrokes in a burst (synchronously, so no timer can fire in between).
    for (const text of ["h", "ha", "hae", "haem", "haemo"]) fireEvent.change(search, { target: { value: text } });
    expect(queries().map((q) => q.keywords)).toEqual([""]);
    expect(titles()).toEqual(["Blood count", "Discharge letter"]);
    await waitFor(() => expect(titles()).toEqual(["Blood count"]));
    expect(queries().map((q) => q.keywords)).toEqual(["", "haemo"]);

    for (const text of ["", "P", "PN", "PNEU"]) fireEvent.change(search, { target: { value: text } });
    await waitFor(() => expect(titles()).toEqual(["Discharge letter"]));
    expect(queries().map((q) => q.keywords)).toEqual(["", "haemo", "PNEU"]);
  });

  it("loads more page by page", async () => {
    const user = userEvent.setup();
    const docs = Array.from({ length: 23 }, (_, i) =>
      stored({ title: `Doc ${i + 1}`, document_date: `2025-01-${String(i + 1).padStart(2, "0")}` }),
    );
    renderSection(documentsState(docs));
    await waitFor(() => expect(screen.getAllByTestId("document-row")).toHaveLength(20));
    expect(titles()[0]).toBe("Doc 23");
    await user.click(screen.getByTestId("documents-more"));
    await waitFor(() => expect(screen.getAllByTestId("document-row")).toHaveLength(23));
    expect(titles().at(-1)).toBe("Doc 1");
    expect(queries().at(-1)?.page).toBe(1);
    expect(screen.queryByTestId("documents-more")).toBeNull();
  });

  it("shows a refused list", async () => {
    renderSection(documentsState(), { list_documents: () => Promise.reject({ code: "forbidden", message: "no" }) });
    expect((await screen.findByTestId("documents-error")).getAttribute("data-code")).toBe("forbidden");
  });

  it("shows a title with an HTML payload as inert text", async () => {
    const user = userEvent.setup();
    const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
    renderSection(
      documentsState([stored({ title: payload, author: payload, source: payload, media_type: "text/plain" }, payload)]),
    );
    const list = await screen.findByTestId("documents-list");
    expect(within(list).getByTestId("document-row-title").textContent).toBe(payload);
    expect(within(list).getByTestId("document-row-author").textContent).toBe(payload);
    expect(list.querySelector("img, script, b")).toBeNull();

    await user.click(within(list).getByTestId("document-open"));
    const viewer = await screen.findByTestId("document-viewer");
    expect((await within(viewer).findByTestId("document-text")).textContent).toBe(payload);
    expect(within(viewer).getByTestId("document-viewer-author").textContent).toBe(payload);
    expect(screen.getByRole("dialog").querySelector("img, script, b")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });
});
