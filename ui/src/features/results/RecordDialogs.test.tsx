// Recording values from the chart: "Record vitals" sends only the filled rows with their
// codes and units, shows the shell's `observations.<i>.value` error under the row that
// was i-th in the request (input kept), and "Add result" checks the test and value here
// and shows the shell's field errors under their inputs.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Observation } from "../../bindings/Observation";
import type { RecordObservations } from "../../bindings/RecordObservations";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { ChartScreen } from "../chart/ChartScreen";
import { PATIENT } from "../chart/testing";
import { observation, resultsHandlers } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);
const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;

function renderChart(more: Handlers) {
  mockInvoke.mockImplementation(commandRouter(resultsHandlers(undefined, more)));
  return renderWithProviders(withSession("nurse", <ChartScreen id={PATIENT.id} />));
}

/** Echoes a recording as the shell would (flagging temperatures above 37.8 °C high). */
const echo = (args: Record<string, unknown> | undefined): Observation[] =>
  (args!.request as RecordObservations).observations.map((o) =>
    observation(o.code, Number(o.value), { entered_unit: o.unit, flag: o.code === "temperature" ? "high" : "normal" }),
  );

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("Record vitals", () => {
  it("sends only the filled rows, with their codes and units", async () => {
    const user = userEvent.setup();
    renderChart({ record_observations: echo });
    await user.click(await screen.findByTestId("vitals-record"));
    await screen.findByTestId("vitals-value-systolic_bp");
    expect(document.querySelectorAll("style").length).toBe(0);
    const units = screen.getByTestId("vitals-unit-temperature") as unknown as HTMLSelectElement;
    expect(Array.from(units.options).map((o) => [o.value, o.textContent])).toEqual([
      ["Cel", "°C"],
      ["[degF]", "°F"],
    ]);

    await user.click(screen.getByTestId("vitals-save"));
    expect(screen.getByTestId("vitals-empty").textContent).toBe("Enter at least one value.");
    expect(calls("record_observations")).toHaveLength(0);

    await user.type(input("vitals-value-systolic_bp"), "128");
    await user.type(input("vitals-value-diastolic_bp"), "84");
    await user.type(input("vitals-value-temperature"), "100.4");
    await user.selectOptions(units, "[degF]");
    await user.type(input("vitals-value-weight"), "  ");
    const summaryCalls = calls("get_observation_summary").length;
    await user.click(screen.getByTestId("vitals-save"));

    await waitFor(() => expect(screen.queryByTestId("vitals-dialog")).toBeNull());
    expect(calls("record_observations")).toEqual([
      {
        request: {
          patient_id: PATIENT.id,
          encounter_id: null,
          observations: [
            { code: "systolic_bp", value: "128", unit: "mm[Hg]", effective_at: "", source: "" },
            { code: "diastolic_bp", value: "84", unit: "mm[Hg]", effective_at: "", source: "" },
            { code: "temperature", value: "100.4", unit: "[degF]", effective_at: "", source: "" },
          ],
        },
      },
    ]);
    expect(screen.getByTestId("results-notice").textContent).toBe("Recorded 3 values, 1 outside the reference range.");
    expect(calls("get_observation_summary").length).toBeGreaterThan(summaryCalls);
  });

  it("shows the shell's error under the row it names, keeping every input", async () => {
    const user = userEvent.setup();
    let attempts = 0;
    renderChart({
      record_observations: (args) => {
        if (++attempts === 1) {
          return Promise.reject({
            code: "validation",
            message: "invalid observations",
            fields: [{ field: "observations.1.value", message: "Enter a number, for example 5.6." }],
          });
        }
        return echo(args);
      },
    });
    await user.click(await screen.findByTestId("vitals-record"));
    // Diastolic left empty: the second value sent is the heart rate.
    await user.type(await screen.findByTestId("vitals-value-systolic_bp"), "120");
    await user.type(input("vitals-value-heart_rate"), "7O");
    await user.type(input("vitals-time"), "2020-01-05");
    await user.click(screen.getByTestId("vitals-save"));

    const error = await screen.findByTestId("vitals-error-heart_rate");
    expect(error.textContent).toBe("Enter a number, for example 5.6.");
    expect(within(screen.getByTestId("vitals-row-heart_rate")).getByTestId("vitals-error-heart_rate")).toBe(error);
    expect(input("vitals-value-heart_rate").getAttribute("aria-invalid")).toBe("true");
    expect(input("vitals-value-heart_rate").getAttribute("aria-describedby")).toBe(error.id);
    expect(screen.queryByTestId("vitals-error-systolic_bp")).toBeNull();
    expect(screen.queryByTestId("vitals-error-diastolic_bp")).toBeNull();
    expect(screen.queryByTestId("vitals-save-error")).toBeNull();
    expect(input("vitals-value-systolic_bp").value).toBe("120");
    expect(input("vitals-value-heart_rate").value).toBe("7O");
    expect(input("vitals-time").value).toBe("2020-01-05");
    const sent = calls("record_observations")[0] as { request: RecordObservations };
    expect(sent.request.observations.map((o) => [o.code, o.effective_at])).toEqual([
      ["systolic_bp", "2020-01-05"],
      ["heart_rate", "2020-01-05"],
    ]);

    await user.clear(input("vitals-value-heart_rate"));
    await user.type(input("vitals-value-heart_rate"), "70");
    await user.click(screen.getByTestId("vitals-save"));
    await waitFor(() => expect(screen.queryByTestId("vitals-dialog")).toBeNull());
    expect(screen.getByTestId("results-notice").textContent).toBe("Recorded 2 values.");
  });

  it("shows a refusal that names no row above the form", async () => {
    const user = userEvent.setup();
    renderChart({ record_observations: () => Promise.reject({ code: "forbidden", message: "not allowed" }) });
    await user.click(await screen.findByTestId("vitals-record"));
    await user.type(await screen.findByTestId("vitals-value-spo2"), "97");
    await user.click(screen.getByTestId("vitals-save"));
    expect((await screen.findByTestId("vitals-save-error")).getAttribute("data-code")).toBe("forbidden");
    expect(input("vitals-value-spo2").value).toBe("97");
  });
});

describe("Add result", () => {
  it("checks the test and value, shows the shell's unit error, then saves", async () => {
    const user = userEvent.setup();
    let attempts = 0;
    renderChart({
      record_observations: (args) => {
        if (++attempts === 1) {
          return Promise.reject({
            code: "validation",
            message: "invalid observations",
            fields: [
              { field: "observations.0.unit", message: "Unknown unit for Glucose: use mg/dL, mmol/L." },
              { field: "observations.0.effective_at", message: "This time is in the future." },
            ],
          });
        }
        return echo(args);
      },
    });
    await user.click(await screen.findByTestId("result-add"));
    const code = (await screen.findByTestId("result-code")) as unknown as HTMLSelectElement;
    expect(Array.from(code.options).map((o) => o.value)).toEqual(["", "glucose", "hba1c", "potassium"]);
    expect(input("result-date").value).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    await user.clear(input("result-date"));
    await user.type(input("result-date"), "2026-02-30");
    await user.click(screen.getByTestId("result-save"));
    expect(screen.getByTestId("result-error-code").textContent).toBe("Choose a test from the list.");
    expect(screen.getByTestId("result-error-value").textContent).toBe("Enter the value.");
    expect(screen.getByTestId("result-error-date").textContent).toMatch(/YYYY-MM-DD/);
    expect(calls("record_observations")).toHaveLength(0);

    await user.selectOptions(code, "glucose");
    const unit = screen.getByTestId("result-unit") as unknown as HTMLSelectElement;
    expect(unit.value).toBe("mg/dL");
    await user.selectOptions(unit, "mmol/L");
    await user.type(input("result-value"), "5,5");
    await user.clear(input("result-date"));
    await user.type(input("result-date"), "2020-01-04");
    await user.type(input("result-source"), "City Lab");
    await user.click(screen.getByTestId("result-save"));

    expect((await screen.findByTestId("result-error-unit")).textContent).toBe("Unknown unit for Glucose: use mg/dL, mmol/L.");
    expect(screen.getByTestId("result-error-date").textContent).toBe("This time is in the future.");
    expect(input("result-value").value).toBe("5,5");
    expect(input("result-source").value).toBe("City Lab");
    expect(calls("record_observations")[0]).toEqual({
      request: {
        patient_id: PATIENT.id,
        encounter_id: null,
        observations: [{ code: "glucose", value: "5,5", unit: "mmol/L", effective_at: "2020-01-04", source: "City Lab" }],
      },
    });

    await user.click(screen.getByTestId("result-save"));
    await waitFor(() => expect(screen.queryByTestId("result-dialog")).toBeNull());
    expect(screen.getByTestId("results-notice").textContent).toBe("Recorded 1 value.");
  });
});
