// Chart screen: the header, the allergy banner's states ("not recorded" and "no known
// allergies" distinct; active allergies listed), "No known allergies", the sections with
// "Show inactive", a restricted chart, and clinical text shown as inert text.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChartSummary } from "../../bindings/ChartSummary";
import { commandRouter, renderWithProviders } from "../../test/render";
import { withSession } from "../admin/testing";
import { ChartScreen } from "./ChartScreen";
import { chartEntry, chartHandlers, chartSummary, diabetes, dietPlan, metformin, PATIENT, penicillin } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

const renderChart = () => renderWithProviders(withSession("doctor", <ChartScreen id={PATIENT.id} />));

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("ChartScreen header", () => {
  it("shows who the chart is for and goes back to the profile", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(commandRouter(chartHandlers(() => chartSummary())));
    const { navigate } = renderChart();
    expect((await screen.findByTestId("chart-patient-name")).textContent).toBe("Lovelace, Ada");
    expect(screen.getByTestId("chart-patient-mrn").textContent).toBe("MRN-000123");
    expect(screen.getByTestId("chart-patient-dob").textContent).toMatch(/^1990-12-10 \(age \d+ years\)$/);
    await screen.findByTestId("allergy-banner");
    expect(calls("get_chart_summary")).toEqual([{ id: PATIENT.id }]);
    await user.click(screen.getByTestId("chart-back"));
    expect(navigate).toHaveBeenCalledWith({ name: "profile", id: PATIENT.id });
  });

  it("explains a restricted chart and loads nothing more", async () => {
    mockInvoke.mockImplementation(
      commandRouter({
        get_patient: () => Promise.reject({ code: "restricted_patient", message: "restricted to the care team" }),
      }),
    );
    renderChart();
    const alert = await screen.findByTestId("chart-error");
    expect(alert.getAttribute("data-code")).toBe("restricted_patient");
    expect(alert.textContent).toContain("emergency access");
    expect(screen.queryByTestId("allergy-banner")).toBeNull();
    expect(calls("get_chart_summary")).toHaveLength(0);
    expect(screen.getByTestId("chart-back")).toBeTruthy();
  });

  it("shows a refusal of the summary", async () => {
    mockInvoke.mockImplementation(
      commandRouter(chartHandlers(() => Promise.reject({ code: "forbidden", message: "no" }) as never)),
    );
    renderChart();
    expect((await screen.findByTestId("chart-error")).getAttribute("data-code")).toBe("forbidden");
  });
});

describe("allergy banner", () => {
  it("warns when allergies were never recorded, and records 'no known allergies' distinctly", async () => {
    const user = userEvent.setup();
    let summary: ChartSummary = chartSummary();
    mockInvoke.mockImplementation(
      commandRouter(
        chartHandlers(() => summary, {
          set_no_known_allergies: () => {
            const status = {
              state: "no_known_allergies" as const,
              asserted_at: "2026-01-05T12:00:00Z",
              asserted_by: "Dr Grey",
            };
            summary = chartSummary({ allergy_status: status });
            return status;
          },
        }),
      ),
    );
    renderChart();
    const banner = await screen.findByTestId("allergy-banner");
    expect(banner.getAttribute("data-state")).toBe("not_recorded");
    expect(banner.textContent).toContain("Allergies not recorded");
    expect(banner.textContent).not.toContain("No known allergies (");
    expect(within(banner).getByTestId("allergy-record")).toBeTruthy();
    const notRecordedLook = banner.className;

    await user.click(within(banner).getByTestId("allergy-nka"));
    await waitFor(() => expect(screen.getByTestId("allergy-banner").getAttribute("data-state")).toBe("no_known_allergies"));
    const nka = screen.getByTestId("allergy-banner");
    expect(calls("set_no_known_allergies")).toEqual([{ request: { patient_id: PATIENT.id } }]);
    expect(nka.textContent).toContain("No known allergies");
    expect(nka.textContent).toContain("Stated by Dr Grey on Jan 5, 2026.");
    expect(nka.textContent).not.toMatch(/not recorded/i);
    expect(within(nka).queryByTestId("allergy-nka")).toBeNull();
    expect(nka.className).not.toBe(notRecordedLook);
    expect(screen.getByTestId("chart-notice").textContent).toContain("no known allergies");
  });

  it("shows the shell's refusal of 'no known allergies' under the banner", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter(
        chartHandlers(() => chartSummary({ allergy_status: { state: "no_active_allergies" } }), {
          set_no_known_allergies: () =>
            Promise.reject({
              code: "validation",
              message: "invalid",
              fields: [{ field: "no_known_allergies", message: "This patient has an active allergy." }],
            }),
        }),
      ),
    );
    renderChart();
    const banner = await screen.findByTestId("allergy-banner");
    expect(banner.getAttribute("data-state")).toBe("no_active_allergies");
    expect(banner.textContent).toContain("No active allergies");
    await user.click(within(banner).getByTestId("allergy-nka"));
    expect((await screen.findByTestId("chart-error-no_known_allergies")).textContent).toBe(
      "This patient has an active allergy.",
    );
  });

  it("lists each active allergy with its reaction and severity", async () => {
    const latex = chartEntry({ kind: "allergy", substance: "Latex", reaction: "", severity: null, onset_date: "" });
    const allergies = [chartEntry(penicillin), latex];
    mockInvoke.mockImplementation(
      commandRouter(chartHandlers(() => chartSummary({ allergy_status: { state: "has_allergies" }, allergies }))),
    );
    renderChart();
    const banner = await screen.findByTestId("allergy-banner");
    expect(banner.getAttribute("data-state")).toBe("has_allergies");
    expect(within(banner).getAllByTestId("allergy-banner-item").map((li) => li.textContent)).toEqual([
      "Penicillin (Hives, Severe)",
      "Latex",
    ]);
    expect(within(banner).queryByTestId("allergy-nka")).toBeNull();
    expect(within(screen.getByTestId("chart-section-allergy")).getAllByTestId("chart-entry")).toHaveLength(2);
  });
});

describe("chart sections", () => {
  it("lists active entries per kind, and on request the inactive ones with status and reason", async () => {
    const user = userEvent.setup();
    const active = chartEntry(metformin);
    const stopped = chartEntry(
      { ...metformin, name: "Aspirin" },
      { status: "stopped", status_reason: "Stomach upset", version: 2 },
    );
    const mistake = chartEntry({ ...metformin, name: "Wrong drug" }, { status: "entered_in_error", status_reason: "Wrong patient" });
    mockInvoke.mockImplementation(
      commandRouter(
        chartHandlers(
          () =>
            chartSummary({
              medications: [active],
              problems: [chartEntry(diabetes)],
              plans: [chartEntry(dietPlan)],
            }),
          { list_chart_entries: () => [active, stopped, mistake] },
        ),
      ),
    );
    renderChart();
    const meds = await screen.findByTestId("chart-section-medication");
    const rows = () => within(meds).getAllByTestId("chart-entry");
    expect(rows()).toHaveLength(1);
    expect(rows()[0]!.getAttribute("data-kind")).toBe("medication");
    expect(rows()[0]!.getAttribute("data-status")).toBe("active");
    expect(rows()[0]!.textContent).toContain("Metformin");
    expect(rows()[0]!.textContent).toContain("Dose: 500 mg");
    expect(within(screen.getByTestId("chart-section-problem")).getByTestId("chart-entry").textContent).toContain(
      "ICD-10 code: E11.9",
    );
    expect(within(screen.getByTestId("chart-section-allergy")).getByTestId("chart-empty-allergy")).toBeTruthy();
    expect(calls("list_chart_entries")).toHaveLength(0);

    await user.click(screen.getByTestId("chart-show-inactive-medication"));
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(calls("list_chart_entries")).toEqual([
      { request: { patient_id: PATIENT.id, kind: "medication", include_inactive: true } },
    ]);
    expect(rows().map((r) => r.getAttribute("data-status"))).toEqual(["active", "stopped", "entered_in_error"]);
    expect(rows()[1]!.textContent).toContain("Stopped");
    expect(rows()[1]!.textContent).toContain("Reason: Stomach upset");
    expect(rows()[1]!.querySelector("s")).toBeNull();
    const struck = rows()[2]!.querySelector("s");
    expect(struck?.textContent).toBe("Wrong drug");
    expect(rows()[2]!.textContent).toContain("Entered in error");

    await user.click(screen.getByTestId("chart-show-inactive-medication"));
    expect(rows()).toHaveLength(1);
  });
});

const PAYLOAD = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
declare global {
  interface Window {
    __xss?: number;
  }
}

describe("hostile clinical text", () => {
  afterEach(() => {
    expect(window.__xss).toBeUndefined();
    delete window.__xss;
  });

  it("is shown as text in the banner, the rows and the history", async () => {
    const user = userEvent.setup();
    const allergy = chartEntry({ ...penicillin, substance: PAYLOAD, reaction: PAYLOAD });
    const plan = chartEntry({ kind: "plan", title: PAYLOAD, description: PAYLOAD });
    mockInvoke.mockImplementation(
      commandRouter(
        chartHandlers(
          () => chartSummary({ allergy_status: { state: "has_allergies" }, allergies: [allergy], plans: [plan] }),
          {
            get_chart_entry_history: () => [
              {
                version: 1,
                status: "active",
                status_reason: PAYLOAD,
                details: allergy.details,
                changed_at: "2026-01-05T12:00:00Z",
                changed_by: PAYLOAD,
              },
            ],
          },
        ),
      ),
    );
    const { container } = renderChart();
    const banner = await screen.findByTestId("allergy-banner");
    expect(within(banner).getByTestId("allergy-banner-item").textContent).toContain(PAYLOAD);
    expect(within(screen.getByTestId("chart-section-plan")).getByTestId("chart-entry").textContent).toContain(PAYLOAD);
    await user.click(within(screen.getByTestId("chart-section-allergy")).getByTestId("chart-entry-history"));
    const row = await screen.findByTestId("chart-history-row");
    expect(row.textContent).toContain(PAYLOAD);
    for (const root of [container, document.body]) {
      expect(root.querySelector("img, script, iframe, object")).toBeNull();
      for (const el of Array.from(root.querySelectorAll("*"))) {
        for (const attr of Array.from(el.attributes)) expect(attr.name.startsWith("on")).toBe(false);
      }
    }
  });
});
