// The FHIR screen: import with progress and summary (counts per type, duplicates, the
// filterable problems), a cancelled dialog, a failed import, the clinic-wide export for
// administrators only; "Export FHIR" for one patient.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { FhirImportProgress } from "../../bindings/FhirImportProgress";
import type { FhirImportSummary } from "../../bindings/FhirImportSummary";
import type { Role } from "../../bindings/Role";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { commandRouter, renderWithProviders } from "../../test/render";
import { SessionContext } from "../session/SessionContext";
import { ExportPatientButton } from "./ExportPatientButton";
import { FhirScreen } from "./FhirScreen";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const mockListen = vi.mocked(listen);

const session = (role: Role): SessionInfo => ({
  staff_id: "0190f0a0-0000-7000-8000-0000000000aa",
  username: "u",
  display_name: "U",
  role,
  scope: "full",
  signed_in_at: "2026-01-05T09:00:00.000Z",
  auto_lock_minutes: 10,
});

const summary: FhirImportSummary = {
  files: 2,
  resources: 120,
  patients_imported: 3,
  patients_updated: 1,
  patients_unchanged: 0,
  patients_skipped: 1,
  possible_duplicates: 1,
  by_type: [
    { resource_type: "Observation", imported: 40, updated: 2, unchanged: 0, kept: 10, skipped: 0, errors: 1 },
    { resource_type: "Claim", imported: 0, updated: 0, unchanged: 0, kept: 0, skipped: 60, errors: 0 },
  ],
  problems: [
    {
      kind: "error",
      resource_type: "Observation",
      id: "bp-1",
      source: "a.json",
      line: null,
      entry: "entry[4]",
      path: "status",
      reason: "'finished-ish' is not one of: final",
      count: 1,
    },
    {
      kind: "skipped",
      resource_type: "Claim",
      id: "c1",
      source: "b.json",
      line: null,
      entry: "entry[9]",
      path: "",
      reason: "Claim is not a resource type the clinic imports",
      count: 60,
    },
  ],
  problems_not_listed: 0,
  elapsed_ms: 2500,
};

let emit: ((p: FhirImportProgress) => void) | null = null;

beforeEach(() => {
  mockInvoke.mockReset();
  mockListen.mockReset();
  emit = null;
  mockListen.mockImplementation(async (_event, handler) => {
    emit = (payload) => (handler as (e: { payload: FhirImportProgress }) => void)({ payload });
    return () => {};
  });
});

function renderAs(role: Role, ui = <FhirScreen />) {
  return renderWithProviders(<SessionContext.Provider value={session(role)}>{ui}</SessionContext.Provider>);
}

describe("FhirScreen", () => {
  it("shows the progress while importing, then the summary per type and the problems", async () => {
    const user = userEvent.setup();
    let finish: (s: FhirImportSummary) => void = () => {};
    mockInvoke.mockImplementation(
      commandRouter({ import_fhir: () => new Promise<FhirImportSummary>((resolve) => (finish = resolve)) }),
    );
    const { navigate } = renderAs("doctor");
    expect(screen.queryByTestId("fhir-export-all")).toBeNull();
    await user.click(screen.getByTestId("fhir-import"));
    await screen.findByTestId("fhir-import-progress");
    await waitFor(() => expect(emit).not.toBeNull());
    act(() => emit!({ phase: "importing", done: 3, total: 5 }));
    expect(screen.getByTestId("fhir-import-progress").getAttribute("data-value")).toBe("64");
    expect(screen.getByTestId("fhir-import-progress-text").textContent).toBe("Importing patients: 2 of 4");
    act(() => finish(summary));

    await screen.findByTestId("fhir-summary");
    expect(screen.queryByTestId("fhir-import-progress")).toBeNull();
    expect(screen.getByTestId("fhir-summary-overview").textContent).toContain("3 new, 1 updated, 0 unchanged, 1 not imported");
    const obs = screen.getAllByTestId("fhir-type-row").find((r) => r.getAttribute("data-type") === "Observation")!;
    expect(within(obs).getAllByRole("cell").map((c) => c.textContent)).toEqual(["40", "2", "", "10", "", "1"]);
    expect(screen.getByTestId("fhir-type-total").textContent).toContain("60");
    expect(screen.getAllByTestId("fhir-problem")).toHaveLength(2);
    expect(screen.getByText("60 like this")).toBeTruthy();

    await user.type(screen.getByTestId("fhir-problem-filter"), "finished");
    expect(screen.getAllByTestId("fhir-problem").map((p) => p.getAttribute("data-kind"))).toEqual(["error"]);
    await user.clear(screen.getByTestId("fhir-problem-filter"));
    await user.type(screen.getByTestId("fhir-problem-filter"), "nothing like it");
    expect(screen.getByTestId("fhir-problems-none")).toBeTruthy();

    await user.click(within(screen.getByTestId("fhir-summary-duplicates")).getByRole("button"));
    expect(navigate).toHaveBeenCalledWith({ name: "conflicts" });
  });

  it("says nothing was chosen when the dialog is cancelled, and shows a failed import", async () => {
    const user = userEvent.setup();
    let answer: unknown = null;
    mockInvoke.mockImplementation(
      commandRouter({
        import_fhir: () => {
          if (answer instanceof Object) throw answer;
          return answer;
        },
      }),
    );
    renderAs("administrator");
    await user.click(screen.getByTestId("fhir-import"));
    await screen.findByTestId("fhir-import-cancelled");
    answer = { code: "storage", message: "disk full" };
    await user.click(screen.getByTestId("fhir-import"));
    const error = await screen.findByTestId("fhir-import-error");
    expect(error.getAttribute("data-code")).toBe("storage");
    expect(error.textContent).toContain("import the same files again");
  });

  it("lets administrators export every patient and says how many were withheld", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({ export_fhir_patients: () => ({ path: "/tmp/Patient.ndjson", patients: 12, withheld: 2 }) }),
    );
    renderAs("administrator");
    await user.click(screen.getByTestId("fhir-export-all"));
    const done = await screen.findByTestId("fhir-export-all-done");
    expect(done.textContent).toBe("Saved 12 patients to /tmp/Patient.ndjson. 2 restricted records were left out.");
  });
});

describe("ExportPatientButton", () => {
  it("exports the patient and says where it went", async () => {
    const user = userEvent.setup();
    const calls: unknown[] = [];
    mockInvoke.mockImplementation(
      commandRouter({
        export_fhir_patient: (args) => {
          calls.push(args);
          return { path: "/tmp/patient-KQX-000001.fhir.json", resources: 57 };
        },
      }),
    );
    renderAs("nurse", <ExportPatientButton patientId="0190f0a0-0000-7000-8000-000000000001" />);
    await user.click(screen.getByTestId("fhir-export-patient"));
    const done = await screen.findByTestId("fhir-export-patient-done");
    expect(done.textContent).toContain("Saved 57 FHIR resources to /tmp/patient-KQX-000001.fhir.json.");
    expect(calls).toEqual([{ patientId: "0190f0a0-0000-7000-8000-000000000001" }]);
  });

  it("shows a refusal (a restricted record)", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        export_fhir_patient: () => {
          throw { code: "restricted_patient", message: "restricted" };
        },
      }),
    );
    renderAs("doctor", <ExportPatientButton patientId="0190f0a0-0000-7000-8000-000000000001" />);
    await user.click(screen.getByTestId("fhir-export-patient"));
    expect((await screen.findByTestId("fhir-export-patient-error")).getAttribute("data-code")).toBe("restricted_patient");
  });
});
