// The provider sync history: rows with times, MRN, provider, kind, trigger, status,
// attempts, details and counts; the status and kind filters and the text search (after
// typing pauses) passed to the shell; one patient's history; Retry and troubleshooting
// of a failed job; a refresh when a job ends.
import { invoke } from "@tauri-apps/api/core";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ProviderJob } from "../../bindings/ProviderJob";
import type { ProviderJobQuery } from "../../bindings/ProviderJobQuery";
import { commandRouter, renderWithProviders } from "../../test/render";
import { withSession } from "../admin/testing";
import { PATIENT } from "../chart/testing";
import { JOB_FINISHED_EVENT } from "./api";
import { ProviderHistoryScreen } from "./ProviderHistoryScreen";
import { fakeEventBus, job } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const queries = () =>
  mockInvoke.mock.calls.filter((c) => c[0] === "list_provider_jobs").map((c) => (c[1] as { query: ProviderJobQuery }).query);
const lastQuery = () => queries().at(-1);

let bus: ReturnType<typeof fakeEventBus>;
let log: ProviderJob[];

/** The shell's filtering, enough to see the screen show what it is sent. */
function listJobs(args: Record<string, unknown> | undefined): ProviderJob[] {
  const q = (args as { query: ProviderJobQuery }).query;
  const text = q.text?.toLowerCase();
  return log.filter(
    (j) =>
      (!q.status || j.status === q.status) &&
      (!q.kind || j.kind === q.kind) &&
      (!q.patient_id || j.patient_id === q.patient_id) &&
      (!text || [j.patient_mrn ?? "", j.provider_name, j.details].some((v) => v.toLowerCase().includes(text))),
  );
}

beforeEach(() => {
  mockInvoke.mockReset();
  bus = fakeEventBus();
  log = [
    job({
      id: "j-ok",
      details: "12 resources: 2 new documents",
      counts: [{ resource_type: "Observation", imported: 3, updated: 1, unchanged: 0, kept: 0, skipped: 0, errors: 0 }],
    }),
    job({ id: "j-fail", status: "failed", error: "forbidden", trigger: "scheduled", attempts: 1, details: "HTTP 403 from Observation search", patient_mrn: "MRN-000999", patient_id: "other" }),
    job({ id: "j-demo", kind: "send_demographics", trigger: "change", status: "succeeded", details: "demographics accepted by the provider" }),
  ];
});

function renderHistory(props: { patientId?: string; mrn?: string } = {}) {
  mockInvoke.mockImplementation(
    commandRouter({
      list_provider_jobs: listJobs,
      retry_provider_job: (args) => {
        const j = log.find((x) => x.id === args!.jobId)!;
        Object.assign(j, { status: "queued", error: null });
        return j;
      },
    }),
  );
  return renderWithProviders(withSession("front_desk", <ProviderHistoryScreen {...props} />));
}

const rowIds = () => screen.getAllByTestId("provider-history-row").map((r) => r.getAttribute("data-job-id"));

describe("ProviderHistoryScreen", () => {
  it("lists every job with what, who started it, status, attempts, details and counts", async () => {
    renderHistory();
    await screen.findAllByTestId("provider-history-row");
    expect(rowIds()).toEqual(["j-ok", "j-fail", "j-demo"]);
    expect(lastQuery()).toEqual({ patient_id: null, status: null, kind: null, text: null, limit: 200 });
    const ok = screen.getAllByTestId("provider-history-row")[0]!;
    const cells = within(ok).getAllByRole("cell").map((c) => c.textContent);
    expect(cells[3]).toBe(PATIENT.mrn);
    expect(cells[4]).toBe("Riverside Family Practice");
    expect(cells[5]).toBe("Pull documents and results");
    expect(cells[6]).toBe("Manual");
    expect(cells[7]).toBe("Succeeded");
    expect(cells[8]).toBe("1");
    expect(within(ok).getByTestId("provider-job-counts").textContent).toBe("Observation: 3 new, 1 updated");
    const failed = screen.getAllByTestId("provider-history-row")[1]!;
    expect(within(failed).getByTestId("provider-history-error-kind").textContent).toBe("The provider does not allow this (403)");
    expect(within(ok).queryByTestId("provider-retry")).toBeNull();
  });

  it("passes the status and kind filters and the searched text to the shell", async () => {
    const user = userEvent.setup();
    renderHistory();
    await screen.findAllByTestId("provider-history-row");

    await user.selectOptions(screen.getByTestId("provider-history-status"), "succeeded");
    await waitFor(() => expect(rowIds()).toEqual(["j-ok", "j-demo"]));
    expect(lastQuery()).toMatchObject({ status: "succeeded", kind: null, text: null });

    await user.selectOptions(screen.getByTestId("provider-history-kind"), "send_demographics");
    await waitFor(() => expect(rowIds()).toEqual(["j-demo"]));
    expect(lastQuery()).toMatchObject({ status: "succeeded", kind: "send_demographics" });

    await user.selectOptions(screen.getByTestId("provider-history-status"), "");
    await user.selectOptions(screen.getByTestId("provider-history-kind"), "");
    await user.type(screen.getByTestId("provider-history-search"), "  mrn-000999 ");
    await waitFor(() => expect(lastQuery()).toEqual({ patient_id: null, status: null, kind: null, text: "mrn-000999", limit: 200 }));
    await waitFor(() => expect(rowIds()).toEqual(["j-fail"]));

    await user.clear(screen.getByTestId("provider-history-search"));
    await user.type(screen.getByTestId("provider-history-search"), "nothing like it");
    expect(await screen.findByTestId("provider-history-empty")).toBeTruthy();
  });

  it("narrows to one patient and goes back to everyone's", async () => {
    const user = userEvent.setup();
    const { navigate } = renderHistory({ patientId: PATIENT.id, mrn: PATIENT.mrn });
    await screen.findAllByTestId("provider-history-row");
    expect(lastQuery()?.patient_id).toBe(PATIENT.id);
    expect(rowIds()).toEqual(["j-ok", "j-demo"]);
    expect(screen.getByTestId("provider-history-patient").textContent).toContain(PATIENT.mrn);
    await user.click(screen.getByTestId("provider-history-patient-clear"));
    expect(navigate).toHaveBeenCalledWith({ name: "providerSync" });
  });

  it("retries a failed job and shows its troubleshooting on request", async () => {
    const user = userEvent.setup();
    renderHistory();
    const failed = (await screen.findAllByTestId("provider-history-row"))[1]!;
    await user.click(within(failed).getByTestId("provider-history-troubleshoot"));
    const error = screen.getByTestId("provider-error");
    expect(within(error).getAllByTestId("provider-error-step").map((s) => s.getAttribute("data-step"))).toEqual([
      "checkScopes",
      "askProviderAccess",
    ]);
    expect(within(error).queryByTestId("provider-retry")).toBeNull();

    await user.click(within(failed).getByTestId("provider-retry"));
    await waitFor(() =>
      expect(mockInvoke.mock.calls.filter((c) => c[0] === "retry_provider_job").map((c) => c[1])).toEqual([{ jobId: "j-fail" }]),
    );
    await waitFor(() =>
      expect(screen.getAllByTestId("provider-history-row")[1]!.getAttribute("data-status")).toBe("queued"),
    );
  });

  it("refreshes when a job ends", async () => {
    renderHistory();
    await screen.findAllByTestId("provider-history-row");
    const before = queries().length;
    log.unshift(job({ id: "j-new", status: "succeeded", details: "1 new document" }));
    await waitFor(() => expect(bus.listening(JOB_FINISHED_EVENT)).toBe(true));
    act(() => bus.emit(JOB_FINISHED_EVENT, log[0]));
    await waitFor(() => expect(rowIds()[0]).toBe("j-new"));
    expect(queries().length).toBeGreaterThan(before);
  });
});
