// Chart dialogs: recording an allergy (local checks, the shell's field error under its
// input with the input kept, then success and a refreshed chart), correcting an entry
// after an edit conflict, a status change whose reason the shell requires, and history.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AddChartEntry } from "../../bindings/AddChartEntry";
import type { ChartEntry } from "../../bindings/ChartEntry";
import type { ChartEntryVersion } from "../../bindings/ChartEntryVersion";
import type { SetChartEntryStatus } from "../../bindings/SetChartEntryStatus";
import type { UpdateChartEntry } from "../../bindings/UpdateChartEntry";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { ChartScreen } from "./ChartScreen";
import { chartEntry, chartHandlers, chartSummary, metformin, PATIENT, penicillin } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);
const field = (name: string) => screen.getByTestId(`chart-field-${name}`) as HTMLInputElement;

function renderChart(allergies: ChartEntry[], more: Handlers, medications: ChartEntry[] = []) {
  const summary = () =>
    chartSummary({
      allergy_status: allergies.length > 0 ? { state: "has_allergies" } : { state: "not_recorded" },
      allergies,
      medications,
    });
  mockInvoke.mockImplementation(commandRouter(chartHandlers(summary, more)));
  return renderWithProviders(withSession("nurse", <ChartScreen id={PATIENT.id} />));
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("recording an allergy", () => {
  it("checks locally, shows the shell's field error under its input, then saves", async () => {
    const user = userEvent.setup();
    const allergies: ChartEntry[] = [];
    let attempts = 0;
    renderChart(allergies, {
      add_chart_entry: (args) => {
        const request = args!.request as AddChartEntry;
        if (++attempts === 1) {
          return Promise.reject({
            code: "validation",
            message: "invalid chart entry",
            fields: [{ field: "onset_date", message: "The date cannot be in the future." }],
          });
        }
        const saved = chartEntry(request.details);
        allergies.push(saved);
        return saved;
      },
    });
    await user.click(await screen.findByTestId("chart-add-allergy"));
    const dialog = await screen.findByTestId("chart-entry-dialog");
    expect(dialog.getAttribute("data-kind")).toBe("allergy");
    expect(document.querySelectorAll("style").length).toBe(0);
    expect(
      Array.from((field("severity") as unknown as HTMLSelectElement).options).map((o) => o.value),
    ).toEqual(["", "mild", "moderate", "severe", "unknown"]);

    await user.type(field("onset_date"), "2015-13-01");
    await user.click(screen.getByTestId("chart-entry-save"));
    expect(screen.getByTestId("chart-error-substance").textContent).toBe("This field is required.");
    expect(screen.getByTestId("chart-error-onset_date").textContent).toMatch(/YYYY-MM-DD/);
    expect(calls("add_chart_entry")).toHaveLength(0);

    await user.type(field("substance"), "Penicillin");
    await user.type(field("reaction"), "Hives");
    await user.selectOptions(field("severity"), "severe");
    await user.clear(field("onset_date"));
    await user.type(field("onset_date"), "2099-01-01");
    await user.click(screen.getByTestId("chart-entry-save"));
    expect((await screen.findByTestId("chart-error-onset_date")).textContent).toBe("The date cannot be in the future.");
    expect(screen.queryByTestId("chart-error-substance")).toBeNull();
    expect(screen.queryByTestId("chart-entry-error")).toBeNull();
    // The input stays for correction.
    expect(field("substance").value).toBe("Penicillin");
    expect(field("severity").value).toBe("severe");

    await user.clear(field("onset_date"));
    await user.type(field("onset_date"), "2015-06-01");
    await user.click(screen.getByTestId("chart-entry-save"));
    await waitFor(() => expect(screen.queryByTestId("chart-entry-dialog")).toBeNull());
    expect(calls("add_chart_entry").at(-1)).toEqual({ request: { patient_id: PATIENT.id, details: penicillin } });
    expect(calls("get_chart_summary")).toHaveLength(2);
    const banner = await screen.findByTestId("allergy-banner");
    await waitFor(() => expect(banner.getAttribute("data-state")).toBe("has_allergies"));
    expect(within(banner).getByTestId("allergy-banner-item").textContent).toBe("Penicillin (Hives, Severe)");
    expect(screen.getByTestId("chart-notice").textContent).toContain("Penicillin");
  });

  it("opens from the banner of a chart with no allergy status", async () => {
    const user = userEvent.setup();
    renderChart([], {});
    await user.click(await screen.findByTestId("allergy-record"));
    expect((await screen.findByTestId("chart-entry-dialog")).getAttribute("data-kind")).toBe("allergy");
    await user.click(screen.getByTestId("chart-entry-cancel"));
    await waitFor(() => expect(screen.queryByTestId("chart-entry-dialog")).toBeNull());
  });
});

describe("correcting an entry", () => {
  it("keeps the input on an edit conflict, and reloads the latest version on request", async () => {
    const user = userEvent.setup();
    const med = chartEntry(metformin, { version: 1 });
    const theirs = { ...med, version: 2, details: { ...metformin, dose: "1000 mg" } };
    renderChart([], {
      update_chart_entry: (args) => {
        const request = args!.request as UpdateChartEntry;
        if (request.expected_version === 1) return Promise.reject({ code: "edit_conflict", message: "changed" });
        return { ...theirs, version: 3, details: request.details };
      },
      list_chart_entries: () => [theirs],
    }, [med]);
    const section = await screen.findByTestId("chart-section-medication");
    await user.click(within(section).getByTestId("chart-entry-edit"));
    await screen.findByTestId("chart-entry-dialog");
    expect(field("name").value).toBe("Metformin");
    await user.clear(field("frequency"));
    await user.type(field("frequency"), "once daily");
    await user.click(screen.getByTestId("chart-entry-save"));

    expect(await screen.findByTestId("chart-conflict")).toBeTruthy();
    expect(field("frequency").value).toBe("once daily");

    await user.click(screen.getByTestId("chart-conflict-reload"));
    await waitFor(() => expect(field("dose").value).toBe("1000 mg"));
    expect(field("frequency").value).toBe("twice daily");
    expect(screen.queryByTestId("chart-conflict")).toBeNull();

    await user.click(screen.getByTestId("chart-entry-save"));
    await waitFor(() => expect(screen.queryByTestId("chart-entry-dialog")).toBeNull());
    expect((calls("update_chart_entry").at(-1) as { request: UpdateChartEntry }).request).toEqual({
      id: med.id,
      expected_version: 2,
      details: theirs.details,
    });
  });

  it("keeps the input and saves it over the latest version on request", async () => {
    const user = userEvent.setup();
    const med = chartEntry(metformin, { version: 1 });
    const theirs = { ...med, version: 2, details: { ...metformin, dose: "1000 mg" } };
    renderChart([], {
      update_chart_entry: (args) => {
        const request = args!.request as UpdateChartEntry;
        if (request.expected_version === 1) return Promise.reject({ code: "edit_conflict", message: "changed" });
        return { ...theirs, version: 3, details: request.details };
      },
      list_chart_entries: () => [theirs],
    }, [med]);
    await user.click(within(await screen.findByTestId("chart-section-medication")).getByTestId("chart-entry-edit"));
    await user.clear(await screen.findByTestId("chart-field-frequency"));
    await user.type(field("frequency"), "once daily");
    await user.click(screen.getByTestId("chart-entry-save"));
    await user.click(await screen.findByTestId("chart-conflict-keep"));
    expect(await screen.findByTestId("chart-conflict-resolved")).toBeTruthy();
    expect(field("frequency").value).toBe("once daily");
    await user.click(screen.getByTestId("chart-entry-save"));
    await waitFor(() => expect(screen.queryByTestId("chart-entry-dialog")).toBeNull());
    expect((calls("update_chart_entry").at(-1) as { request: UpdateChartEntry }).request).toEqual({
      id: med.id,
      expected_version: 2,
      details: { ...metformin, frequency: "once daily" },
    });
  });
});

describe("changing a status", () => {
  it("offers only the kind's statuses and shows the shell's reason error", async () => {
    const user = userEvent.setup();
    const allergy = chartEntry(penicillin, { version: 4 });
    renderChart([allergy], {
      set_chart_entry_status: (args) => {
        const request = args!.request as SetChartEntryStatus;
        if (request.reason === "") {
          return Promise.reject({
            code: "validation",
            message: "invalid",
            fields: [{ field: "reason", message: "A reason is required for this status." }],
          });
        }
        return { ...allergy, status: request.status, status_reason: request.reason, version: 5 };
      },
    });
    const section = await screen.findByTestId("chart-section-allergy");
    await user.click(within(section).getByTestId("chart-entry-status"));
    await screen.findByTestId("chart-status-dialog");
    expect(document.querySelectorAll("style").length).toBe(0);
    const select = screen.getByTestId("chart-status-select") as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.value)).toEqual(["active", "inactive", "resolved", "entered_in_error"]);

    await user.selectOptions(select, "resolved");
    await user.click(screen.getByTestId("chart-status-save"));
    expect((await screen.findByTestId("chart-error-reason")).textContent).toBe("A reason is required for this status.");
    expect(screen.queryByTestId("chart-status-error")).toBeNull();
    expect(select.value).toBe("resolved");

    await user.type(screen.getByTestId("chart-status-reason"), "Tolerated amoxicillin in 2025");
    await user.click(screen.getByTestId("chart-status-save"));
    await waitFor(() => expect(screen.queryByTestId("chart-status-dialog")).toBeNull());
    expect(calls("set_chart_entry_status").at(-1)).toEqual({
      request: { id: allergy.id, expected_version: 4, status: "resolved", reason: "Tolerated amoxicillin in 2025" },
    });
    expect(screen.getByTestId("chart-notice").textContent).toContain("Resolved");
  });

  it("offers medication statuses for a medication", async () => {
    const user = userEvent.setup();
    renderChart([], {}, [chartEntry(metformin)]);
    const section = await screen.findByTestId("chart-section-medication");
    await user.click(within(section).getByTestId("chart-entry-status"));
    const select = (await screen.findByTestId("chart-status-select")) as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.value)).toEqual(["active", "stopped", "completed", "entered_in_error"]);
    expect(select.value).toBe("stopped");
  });
});

describe("history", () => {
  it("lists every version with when, who, status, reason and details", async () => {
    const user = userEvent.setup();
    const allergy = chartEntry(penicillin, { version: 2 });
    const versions: ChartEntryVersion[] = [
      {
        version: 1,
        status: "active",
        status_reason: "",
        details: { ...penicillin, reaction: "Rash", severity: null },
        changed_at: "2026-01-05T12:00:00Z",
        changed_by: "Dr Grey",
      },
      {
        version: 2,
        status: "entered_in_error",
        status_reason: "Wrong patient",
        details: penicillin,
        changed_at: "2026-01-06T12:00:00Z",
        changed_by: "Nurse Bell",
      },
    ];
    renderChart([allergy], { get_chart_entry_history: () => versions });
    const section = await screen.findByTestId("chart-section-allergy");
    await user.click(within(section).getByTestId("chart-entry-history"));
    const dialog = await screen.findByTestId("chart-history-dialog");
    // Strict CSP: no dialog injects <style> elements.
    expect(document.querySelectorAll("style").length).toBe(0);
    const rows = await within(dialog).findAllByTestId("chart-history-row");
    expect(calls("get_chart_entry_history")).toEqual([{ id: allergy.id }]);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain("Version 1");
    expect(rows[0]!.textContent).toContain("Jan 5, 2026");
    expect(rows[0]!.textContent).toContain("by Dr Grey");
    expect(rows[0]!.textContent).toContain("Active");
    expect(rows[0]!.textContent).toContain("Rash");
    expect(rows[0]!.textContent).not.toContain("Severity");
    expect(within(rows[1]!).getByTestId("chart-history-status").textContent).toBe("Entered in error");
    expect(within(rows[1]!).getByTestId("chart-history-reason").textContent).toBe("Reason: Wrong patient");
    expect(rows[1]!.textContent).toContain("by Nurse Bell");
    expect(within(rows[1]!).getByTestId("chart-history-details").textContent).toContain("SeveritySevere");
    await user.click(screen.getByTestId("chart-history-close"));
    await waitFor(() => expect(screen.queryByTestId("chart-history-dialog")).toBeNull());
  });
});
