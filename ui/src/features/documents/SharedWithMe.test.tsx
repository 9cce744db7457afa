// "Shared with me": each shared document with the patient's MRN, title, who shared it and
// their note; "View" opens the viewer, "Open chart" hands the patient to the caller; the
// empty and refused states.
import { invoke } from "@tauri-apps/api/core";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { PATIENT } from "../chart/testing";
import { SharedWithMe } from "./SharedWithMe";
import { documentsBackend, documentsState, stored } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

function renderInbox(more: Handlers = {}) {
  const doc = stored({ title: "Blood count" }, "Platelets 90");
  const state = documentsState([doc]);
  state.inbox = [
    { info: doc.info, patient_mrn: PATIENT.mrn, shared_by: "Dr Grey", note: "Low platelets?\nPlease check.", shared_at: "2026-01-07T09:00:00Z" },
  ];
  mockInvoke.mockImplementation(commandRouter({ ...documentsBackend(state), ...more }));
  const onOpenChart = vi.fn();
  renderWithProviders(withSession("nurse", <SharedWithMe onOpenChart={onOpenChart} />));
  return { doc, onOpenChart };
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("shared with me", () => {
  it("lists what colleagues shared and opens the document or the chart", async () => {
    const user = userEvent.setup();
    const { doc, onOpenChart } = renderInbox();
    const block = await screen.findByTestId("documents-shared-with-me");
    const item = await within(block).findByTestId("shared-document");
    expect(within(item).getByTestId("shared-document-mrn").textContent).toBe(`MRN ${PATIENT.mrn}`);
    expect(within(item).getByTestId("shared-document-title").textContent).toBe("Blood count");
    expect(within(item).getByTestId("shared-document-by").textContent).toMatch(/^Shared by Dr Grey on /);
    expect(within(item).getByTestId("shared-document-note").textContent).toBe("Note: Low platelets?\nPlease check.");

    await user.click(within(item).getByTestId("shared-document-open-chart"));
    expect(onOpenChart).toHaveBeenCalledWith(PATIENT.id);

    await user.click(within(item).getByTestId("shared-document-view"));
    const viewer = await screen.findByTestId("document-viewer");
    expect(viewer.getAttribute("data-document-id")).toBe(doc.info.id);
    expect((await within(viewer).findByTestId("document-text")).textContent).toBe("Platelets 90");
  });

  it("says when nothing was shared", async () => {
    mockInvoke.mockImplementation(commandRouter({ list_shared_documents: () => [] }));
    renderWithProviders(withSession("doctor", <SharedWithMe onOpenChart={() => {}} />));
    expect(await screen.findByTestId("shared-empty")).toBeTruthy();
  });

  it("shows a refused inbox", async () => {
    renderInbox({ list_shared_documents: () => Promise.reject({ code: "forbidden", message: "no" }) });
    expect((await screen.findByTestId("shared-error")).getAttribute("data-code")).toBe("forbidden");
  });
});
