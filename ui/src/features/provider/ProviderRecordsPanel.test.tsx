// The patient's primary provider panel: the error block's steps and Retry, "Sync now"
// (disabled while a job is queued, the progress bar from events, a refresh when the job
// ends), documents by type opened in the viewer, linking, requesting documents, and
// the reduced panel of roles that do not read the records.
import { invoke } from "@tauri-apps/api/core";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { DocumentContent } from "../../bindings/DocumentContent";
import type { PatientProviderRecords } from "../../bindings/PatientProviderRecords";
import type { Role } from "../../bindings/Role";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { PATIENT } from "../chart/testing";
import { docInfo } from "../documents/testing";
import { JOB_FINISHED_EVENT, PROGRESS_EVENT } from "./api";
import { ProviderRecordsPanel } from "./ProviderRecordsPanel";
import { documentRequest, endpoint, fakeEventBus, job, link, providerDoc, records } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

function renderPanel(handlers: Handlers, role: Role = "doctor") {
  mockInvoke.mockImplementation(commandRouter(handlers));
  return renderWithProviders(withSession(role, <ProviderRecordsPanel patientId={PATIENT.id} mrn={PATIENT.mrn} />));
}

let bus: ReturnType<typeof fakeEventBus>;

beforeEach(() => {
  mockInvoke.mockReset();
  bus = fakeEventBus();
});

describe("a failed sync", () => {
  it("explains the error kind with its own steps, and Retry retries that job", async () => {
    const user = userEvent.setup();
    const failed = job({ status: "failed", error: "unauthorized", details: "HTTP 401 from Patient read" });
    let current: PatientProviderRecords = records({ last_job: failed });
    renderPanel({
      get_patient_provider_records: () => current,
      retry_provider_job: (args) => {
        const queued = job({ id: failed.id, status: "queued", error: null, finished_at: null });
        current = records({ last_job: queued, pending_jobs: 1 });
        return { ...queued, id: args!.jobId };
      },
    });
    const error = await screen.findByTestId("provider-error");
    expect(error.getAttribute("data-kind")).toBe("unauthorized");
    expect(within(error).getByText("The provider refused the credentials (401)")).toBeTruthy();
    expect(within(error).getByTestId("provider-error-details").textContent).toContain("HTTP 401 from Patient read");
    expect(within(error).getAllByTestId("provider-error-step").map((s) => s.getAttribute("data-step"))).toEqual([
      "renewToken",
      "checkClientRegistration",
      "checkDeviceClock",
    ]);
    expect(screen.getByTestId("provider-last-status").getAttribute("data-status")).toBe("failed");

    await user.click(within(error).getByTestId("provider-retry"));
    await waitFor(() => expect(calls("retry_provider_job")).toEqual([{ jobId: failed.id }]));
    expect(await screen.findByTestId("provider-queued")).toBeTruthy();
    expect(screen.queryByTestId("provider-error")).toBeNull();
  });

  it("gives a different kind different steps and says when a temporary failure is retried", async () => {
    renderPanel({
      get_patient_provider_records: () =>
        records({
          last_job: job({ status: "failed", error: "unreachable", next_attempt_at: "2026-01-05T10:05:00Z", attempts: 2 }),
        }),
    });
    const error = await screen.findByTestId("provider-error");
    expect(error.getAttribute("data-kind")).toBe("unreachable");
    expect(within(error).getAllByTestId("provider-error-step").map((s) => s.getAttribute("data-step"))).toContain("autoRetry");
    expect(within(error).getByTestId("provider-error-next").textContent).toContain("try again by itself");
  });
});

describe("Sync now", () => {
  it("is disabled while a job of the patient is queued, and says it runs when online", async () => {
    renderPanel({
      get_patient_provider_records: () =>
        records({ pending_jobs: 1, last_job: job({ status: "queued", started_at: null, finished_at: null, attempts: 0 }) }),
    });
    const button = await screen.findByTestId("provider-sync-now");
    expect((button as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("provider-queued").textContent).toBe("Queued — will run when online");
    expect(screen.getByTestId("provider-last-status").getAttribute("data-status")).toBe("queued");
  });

  it("queues a pull, follows its progress, and refreshes when it has finished", async () => {
    const user = userEvent.setup();
    const running = job({ id: "job-run", status: "running", finished_at: null });
    let current = records({ last_job: job() });
    renderPanel({
      get_patient_provider_records: () => current,
      sync_patient_provider: () => {
        current = records({ pending_jobs: 1, last_job: running });
        return running;
      },
    });
    const button = await screen.findByTestId("provider-sync-now");
    expect((button as HTMLButtonElement).disabled).toBe(false);
    await user.click(button);
    expect(calls("sync_patient_provider")).toEqual([{ patientId: PATIENT.id }]);
    await waitFor(() => expect((screen.getByTestId("provider-sync-now") as HTMLButtonElement).disabled).toBe(true));

    await waitFor(() => expect(bus.listening(PROGRESS_EVENT)).toBe(true));
    act(() =>
      bus.emit(PROGRESS_EVENT, {
        job_id: "job-run",
        patient_id: PATIENT.id,
        phase: "fetching",
        resource_type: "Observation",
        done: 2,
        total: 8,
      }),
    );
    expect(screen.getByTestId("provider-progress").getAttribute("data-value")).toBe("25");
    expect(screen.getByTestId("provider-progress-text").textContent).toBe("Fetching Observation: 2 of 8");
    // Another patient's progress is not this panel's.
    act(() => bus.emit(PROGRESS_EVENT, { job_id: "x", patient_id: "other", phase: "applying", resource_type: null, done: 8, total: 8 }));
    expect(screen.getByTestId("provider-progress").getAttribute("data-value")).toBe("25");

    const done = { ...running, status: "succeeded" as const, finished_at: "2026-01-05T10:10:00Z", details: "3 new documents" };
    current = records({ last_job: done, documents: [providerDoc({ title: "Arrived" })] });
    act(() => bus.emit(JOB_FINISHED_EVENT, done));
    await waitFor(() => expect(screen.getByTestId("provider-last-status").getAttribute("data-status")).toBe("succeeded"));
    expect(screen.queryByTestId("provider-progress")).toBeNull();
    expect(screen.getByTestId("provider-last-status-details").textContent).toBe("3 new documents");
    expect((screen.getByTestId("provider-sync-now") as HTMLButtonElement).disabled).toBe(false);
    expect(screen.getByTestId("provider-document-title").textContent).toBe("Arrived");
  });

  it("is not offered on a device without the provider's credentials, nor without a link", async () => {
    renderPanel({ get_patient_provider_records: () => records({ can_sync_here: false }) });
    expect(((await screen.findByTestId("provider-sync-now")) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("provider-not-here")).toBeTruthy();
  });
});

describe("the records", () => {
  it("summarizes what was pulled, lists documents by type with date, author and source, and opens one", async () => {
    const user = userEvent.setup();
    const letter = providerDoc({ document_id: "d-letter", title: "Referral letter", document_type: "letter" });
    const lab = providerDoc({ document_id: "d-lab", title: "Lipids", document_type: "lab_report", document_date: "2025-12-01", author: "" });
    renderPanel({
      get_patient_provider_records: () =>
        records({ documents: [letter, lab], results: 3, chart_items: 1, last_job: job() }),
      get_document: (args) =>
        ({
          info: docInfo({ id: args!.id as string, title: "Referral letter", media_type: "text/plain", type: "letter" }),
          content_base64: "",
          text: "Dear colleague",
        }) satisfies DocumentContent,
    });
    const summary = await screen.findByTestId("provider-summary");
    expect(summary.textContent).toBe("From the provider: 2 documents, 3 results and 1 chart item.");
    expect(screen.getByTestId("provider-sources").textContent).toBe("Sources: Riverside Family Practice (2 documents)");
    const groups = screen.getAllByTestId("provider-document-group");
    expect(groups.map((g) => g.getAttribute("data-type"))).toEqual(["lab_report", "letter"]);
    const labRow = within(groups[0]!).getByTestId("provider-document-row");
    expect(within(labRow).getByTestId("provider-document-date").textContent).toBe("2025-12-01");
    expect(within(labRow).getByTestId("provider-document-author").textContent).toBe("—");
    expect(within(labRow).getByTestId("provider-document-source").textContent).toBe("Riverside Family Practice");

    await user.click(screen.getByTestId("provider-document-open-d-letter"));
    const viewer = await screen.findByTestId("document-viewer");
    expect(viewer.getAttribute("data-document-id")).toBe("d-letter");
    expect((await screen.findByTestId("document-text")).textContent).toBe("Dear colleague");
    expect(calls("get_document")).toEqual([{ id: "d-letter" }]);
    expect(screen.getByTestId("document-share")).toBeTruthy();
  });

  it("lists requests with their status and asks for more documents", async () => {
    const user = userEvent.setup();
    const requests = [documentRequest({ status: "in_progress" }), documentRequest({ status: "completed", description: "Old labs" })];
    renderPanel({
      get_patient_provider_records: () => records({ requests }),
      request_provider_documents: (args) => documentRequest({ ...(args!.input as object), status: "queued" }),
    });
    const rows = await screen.findAllByTestId("provider-request-row");
    expect(rows.map((r) => within(r).getByTestId("provider-request-status").textContent)).toEqual(["In progress", "Completed"]);

    await user.click(screen.getByTestId("provider-request-submit"));
    expect(screen.getByText("Describe the documents you need.")).toBeTruthy();
    expect(calls("request_provider_documents")).toEqual([]);

    await user.type(screen.getByTestId("provider-request-description"), "  Discharge summary ");
    await user.selectOptions(screen.getByTestId("provider-request-type"), "letter");
    await user.click(screen.getByTestId("provider-request-submit"));
    expect((await screen.findByTestId("provider-request-sent")).textContent).toContain("sent to the provider when this device is online");
    expect(calls("request_provider_documents")).toEqual([
      { input: { patient_id: PATIENT.id, description: "Discharge summary", document_type: "letter" } },
    ]);
  });
});

describe("the link", () => {
  it("links an unlinked patient by identifier to the chosen provider, after checking one is given", async () => {
    const user = userEvent.setup();
    let current = records({ link: null });
    renderPanel({
      get_patient_provider_records: () => current,
      list_provider_endpoints: () => [endpoint(), endpoint({ id: "e2", name: "Hillside Clinic", clinic_default: false })],
      link_patient_provider: () => {
        current = records({ link: link({ provider_id: "e2", provider_name: "Hillside Clinic", remote_patient_id: null, identifier: "sys|42" }) });
        return current.link;
      },
    });
    expect((await screen.findByTestId("provider-link-none")).textContent).toContain("not linked");
    expect((screen.getByTestId("provider-sync-now") as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByTestId("provider-link-save"));
    expect(screen.getByText("Enter the patient's id at the provider, or an identifier to find them by.")).toBeTruthy();

    await screen.findByRole("option", { name: "Hillside Clinic" });
    await user.selectOptions(screen.getByTestId("provider-link-provider"), "e2");
    await user.type(screen.getByTestId("provider-link-identifier"), "sys|42");
    await user.click(screen.getByTestId("provider-link-save"));
    expect((await screen.findByTestId("provider-link-saved")).textContent).toBe("Linked to Hillside Clinic.");
    expect(calls("link_patient_provider")).toEqual([
      { input: { patient_id: PATIENT.id, provider_id: "e2", remote_patient_id: null, identifier: "sys|42" } },
    ]);
    expect((await screen.findByTestId("provider-link-summary")).textContent).toBe("Linked to Hillside Clinic");
    expect(screen.queryByTestId("provider-link-form")).toBeNull();
  });

  it("shows the shell's field error under the input", async () => {
    const user = userEvent.setup();
    renderPanel({
      get_patient_provider_records: () => records(),
      list_provider_endpoints: () => [endpoint()],
      link_patient_provider: () =>
        Promise.reject({ code: "validation", message: "invalid", fields: [{ field: "identifier", message: "Enter the identifier as system|value." }] }),
    });
    await user.click(await screen.findByTestId("provider-link-edit"));
    await user.clear(screen.getByTestId("provider-link-remote-id"));
    await user.type(screen.getByTestId("provider-link-identifier"), "no-bar");
    await user.click(screen.getByTestId("provider-link-save"));
    expect(await screen.findByText("Enter the identifier as system|value.")).toBeTruthy();
    expect(screen.queryByTestId("provider-link-error")).toBeNull();
  });
});

describe("roles that do not read the records", () => {
  it("see the patient's latest job from the history, link and sync, but no documents", async () => {
    const user = userEvent.setup();
    renderPanel(
      {
        list_provider_jobs: () => [job({ status: "failed", error: "patient_not_found" })],
        list_provider_endpoints: () => [endpoint()],
        sync_patient_provider: () => job({ status: "queued" }),
      },
      "front_desk",
    );
    expect((await screen.findByTestId("provider-error")).getAttribute("data-kind")).toBe("patient_not_found");
    expect(calls("get_patient_provider_records")).toEqual([]);
    expect(calls("list_provider_jobs")).toEqual([
      { query: { patient_id: PATIENT.id, status: null, kind: null, text: null, limit: 1 } },
    ]);
    expect(screen.queryByTestId("provider-documents")).toBeNull();
    expect(screen.queryByTestId("provider-requests")).toBeNull();
    expect(screen.getByTestId("provider-link-unknown")).toBeTruthy();
    await user.click(screen.getByTestId("provider-sync-now"));
    expect(calls("sync_patient_provider")).toEqual([{ patientId: PATIENT.id }]);
  });

  it("is not shown to billing", () => {
    renderPanel({}, "billing");
    expect(screen.queryByTestId("provider-records")).toBeNull();
    expect(mockInvoke).not.toHaveBeenCalled();
  });
});
