// The chart's vital signs and results: the latest-vitals strip and recent results, the
// results table (flags and highlighting, converted values, entered in error struck
// through, filter, paging), "Entered in error" requiring a reason, and the trend chart
// with its table of points (one code, and blood pressure's two together).
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ListObservations } from "../../bindings/ListObservations";
import type { Observation } from "../../bindings/Observation";
import type { ObservationSummary } from "../../bindings/ObservationSummary";
import type { TrendQuery } from "../../bindings/TrendQuery";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { ChartScreen } from "../chart/ChartScreen";
import { PATIENT } from "../chart/testing";
import { codeOf, observation, point, resultsHandlers } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);
const rows = () => screen.getAllByTestId("result-row");

function renderChart(items: () => Observation[], more: Handlers = {}, summary?: ObservationSummary) {
  mockInvoke.mockImplementation(
    commandRouter(
      resultsHandlers(summary, {
        list_observations: (args) => {
          const q = args!.query as ListObservations;
          const all = items().filter((o) => q.code === null || o.code === q.code);
          const start = q.page * q.page_size;
          return { items: all.slice(start, start + q.page_size), page: q.page, page_size: q.page_size, has_more: all.length > start + q.page_size };
        },
        ...more,
      }),
    ),
  );
  return renderWithProviders(withSession("doctor", <ChartScreen id={PATIENT.id} />));
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("summary", () => {
  it("shows the latest vitals as tiles and the recent results, and opens a trend from a tile", async () => {
    const user = userEvent.setup();
    const summary = {
      latest_vitals: [
        observation("systolic_bp", 150, { flag: "high" }),
        observation("spo2", 86, { flag: "critical_low" }),
        observation("temperature", 37, { entered_value: 98.6, entered_unit: "[degF]" }),
      ],
      recent_results: [observation("glucose", 99.088, { category: "laboratory", flag: "normal", effective_at: "2026-01-04T12:00:00Z" })],
    };
    renderChart(() => [], { get_observation_trend: () => ({ code: codeOf("systolic_bp"), points: [], truncated: false }) }, summary);
    const strip = await screen.findByTestId("latest-vitals");
    const tiles = within(strip).getAllByTestId("vital-tile");
    expect(tiles.map((t) => [t.getAttribute("data-code"), t.getAttribute("data-flag")])).toEqual([
      ["systolic_bp", "high"],
      ["spo2", "critical_low"],
      ["temperature", "normal"],
    ]);
    expect(within(tiles[0]!).getByTestId("vital-tile-value").textContent).toBe("150 mmHg");
    expect(within(tiles[0]!).getByTestId("vital-tile-date").textContent).toContain("Jan 5, 2026");
    expect(within(tiles[0]!).getByTestId("result-flag").textContent).toBe("High");
    expect(within(tiles[1]!).getByTestId("result-flag").textContent).toBe("Critical low");
    expect(within(tiles[2]!).getByTestId("vital-tile-value").textContent).toBe("37 °C");
    expect(within(tiles[2]!).queryByTestId("result-flag")).toBeNull();
    expect(tiles[1]!.className).toContain("vital-tile-critical");
    const recent = within(screen.getByTestId("recent-results")).getAllByTestId("recent-result");
    expect(recent).toHaveLength(1);
    expect(recent[0]!.textContent).toContain("Glucose");
    expect(recent[0]!.textContent).toContain("99.1 mg/dL");

    // Either blood pressure value opens both together.
    await user.click(within(tiles[0]!).getByRole("button"));
    await waitFor(() => expect(calls("get_observation_trend")).toHaveLength(2));
    expect((screen.getByTestId("trend-code") as HTMLSelectElement).value).toBe("blood_pressure");
  });
});

describe("results table", () => {
  it("flags and highlights abnormal values, shows converted and struck-through ones, filters and pages", async () => {
    const user = userEvent.setup();
    const items = [
      observation("glucose", 450, { category: "laboratory", flag: "critical_high", source: "City Lab" }),
      observation("glucose", 99.088, { category: "laboratory", entered_value: 5.5, entered_unit: "mmol/L" }),
      observation("potassium", 3.1, { category: "laboratory", flag: "low" }),
      observation("heart_rate", 72, { status: "entered_in_error", status_reason: "Wrong patient", version: 2 }),
      observation("spo2", 97),
    ];
    renderChart(() => items);
    await screen.findByTestId("results-table");
    expect(calls("list_observations")).toEqual([{ query: { patient_id: PATIENT.id, code: null, page: 0, page_size: 20 } }]);
    expect(rows().map((r) => [r.getAttribute("data-code"), r.getAttribute("data-flag"), r.getAttribute("data-status")])).toEqual([
      ["glucose", "critical_high", "final"],
      ["glucose", "normal", "final"],
      ["potassium", "low", "final"],
      ["heart_rate", "normal", "entered_in_error"],
      ["spo2", "normal", "final"],
    ]);
    const [critical, converted, low, mistake, normal] = rows() as [HTMLElement, HTMLElement, HTMLElement, HTMLElement, HTMLElement];
    expect(critical.className).toContain("obs-row-critical");
    expect(within(critical).getByTestId("result-flag").textContent).toBe("Critical high");
    expect(within(critical).getByTestId("result-row-value").textContent).toBe("450 mg/dL");
    expect(within(critical).getByTestId("result-range").textContent).toBe("70–99 mg/dL");
    expect(within(critical).getByTestId("result-row-source").textContent).toBe("Source: City Lab");
    expect(low.className).toContain("obs-row-abnormal");
    expect(within(low).getByTestId("result-flag").textContent).toBe("Low");
    expect(within(converted).getByTestId("result-row-value").textContent).toBe("99.1 mg/dL");
    expect(within(converted).getByTestId("result-entered").textContent).toBe("entered as 5.5 mmol/L");
    expect(within(normal).queryByTestId("result-entered")).toBeNull();
    expect(within(normal).getByTestId("result-range").textContent).toBe("≥ 95 %");
    expect(normal.className).toContain("obs-row-normal");
    expect(mistake.className).toContain("obs-row-error");
    expect(within(mistake).getByTestId("result-row-value").querySelector("s")?.textContent).toBe("72 /min");
    expect(within(mistake).getByTestId("result-status").textContent).toBe("Entered in error");
    expect(within(mistake).getByTestId("result-status-reason").textContent).toBe("Reason: Wrong patient");
    expect(within(mistake).queryByTestId("result-eie")).toBeNull();

    await user.selectOptions(screen.getByTestId("results-filter"), "glucose");
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(calls("list_observations").at(-1)).toEqual({ query: { patient_id: PATIENT.id, code: "glucose", page: 0, page_size: 20 } });
  });

  it("pages 20 at a time", async () => {
    const user = userEvent.setup();
    const items = Array.from({ length: 25 }, (_, i) => observation("heart_rate", 60 + i));
    renderChart(() => items);
    await screen.findByTestId("results-table");
    expect(rows()).toHaveLength(20);
    expect((screen.getByTestId("results-prev") as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByTestId("results-next"));
    await waitFor(() => expect(rows()).toHaveLength(5));
    expect(screen.getByTestId("results-page").textContent).toBe("Page 2");
    expect((screen.getByTestId("results-next") as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByTestId("results-prev"));
    await waitFor(() => expect(rows()).toHaveLength(20));
  });
});

describe("entered in error", () => {
  it("requires a reason, then marks the value and refreshes the table", async () => {
    const user = userEvent.setup();
    const glucose = observation("glucose", 180, { category: "laboratory", flag: "high", version: 3 });
    let items = [glucose];
    renderChart(() => items, {
      set_observation_entered_in_error: (args) => {
        const r = args!.request as { reason: string };
        items = [{ ...glucose, status: "entered_in_error", status_reason: r.reason, version: 4 }];
        return items[0];
      },
    });
    await user.click(await screen.findByTestId("result-eie"));
    const dialog = await screen.findByTestId("result-eie-dialog");
    expect(within(dialog).getByTestId("result-eie-what").textContent).toContain("Glucose 180 mg/dL");
    await user.type(screen.getByTestId("result-eie-reason"), "   ");
    await user.click(screen.getByTestId("result-eie-save"));
    expect(screen.getByTestId("result-eie-error-reason").textContent).toMatch(/Enter the reason/);
    expect(calls("set_observation_entered_in_error")).toHaveLength(0);

    await user.type(screen.getByTestId("result-eie-reason"), "Wrong patient");
    await user.click(screen.getByTestId("result-eie-save"));
    await waitFor(() => expect(screen.queryByTestId("result-eie-dialog")).toBeNull());
    expect(calls("set_observation_entered_in_error")).toEqual([
      { request: { id: glucose.id, expected_version: 3, reason: "Wrong patient" } },
    ]);
    expect(screen.getByTestId("results-table-notice").textContent).toBe("Marked as entered in error: Glucose.");
    await waitFor(() => expect(rows()[0]!.getAttribute("data-status")).toBe("entered_in_error"));
  });

  it("shows the shell's refusal of the reason under the input, keeping it", async () => {
    const user = userEvent.setup();
    renderChart(() => [observation("spo2", 90, { flag: "low" })], {
      set_observation_entered_in_error: () =>
        Promise.reject({ code: "validation", message: "invalid", fields: [{ field: "reason", message: "Reason is too long." }] }),
    });
    await user.click(await screen.findByTestId("result-eie"));
    await user.type(await screen.findByTestId("result-eie-reason"), "Typo");
    await user.click(screen.getByTestId("result-eie-save"));
    expect((await screen.findByTestId("result-eie-error-reason")).textContent).toBe("Reason is too long.");
    expect((screen.getByTestId("result-eie-reason") as HTMLTextAreaElement).value).toBe("Typo");
  });
});

describe("trend", () => {
  const realRect = HTMLElement.prototype.getBoundingClientRect;
  beforeEach(() => {
    // jsdom lays nothing out: give the chart's container a size so recharts draws.
    HTMLElement.prototype.getBoundingClientRect = function () {
      return { x: 0, y: 0, top: 0, left: 0, right: 600, bottom: 280, width: 600, height: 280, toJSON: () => ({}) } as DOMRect;
    };
  });
  afterEach(() => {
    HTMLElement.prototype.getBoundingClientRect = realRect;
  });

  it("opens from a row's test name and shows the chart and a table of the points", async () => {
    const user = userEvent.setup();
    const glucose = codeOf("glucose");
    renderChart(() => [observation("glucose", 150, { category: "laboratory", flag: "high" })], {
      get_observation_trend: (args) => {
        const q = args!.query as TrendQuery;
        return {
          code: codeOf(q.code),
          points: [
            point("2025-11-01T12:00:00Z", 92),
            point("2025-12-01T12:00:00Z", 150, "high"),
            point("2026-01-04T12:00:00Z", 420, "critical_high"),
          ],
          truncated: false,
        };
      },
    });
    expect(await screen.findByTestId("trend-none")).toBeTruthy();
    expect(calls("get_observation_trend")).toHaveLength(0);

    await user.click(await screen.findByTestId("result-trend"));
    const table = await screen.findByTestId("trend-points");
    expect(calls("get_observation_trend")).toEqual([{ query: { patient_id: PATIENT.id, code: "glucose", from: null, to: null } }]);
    const points = within(table).getAllByTestId("trend-point");
    expect(points.map((p) => p.getAttribute("data-flag"))).toEqual(["critical_high", "high", "normal"]);
    expect(points[0]!.textContent).toContain("420 mg/dL");
    expect(points[0]!.textContent).toContain("Critical high");
    expect(points[2]!.textContent).toContain("92 mg/dL");

    const chart = screen.getByTestId("trend-chart");
    expect(chart.getAttribute("data-codes")).toBe(glucose.code);
    expect(within(chart).getByRole("img").getAttribute("aria-label")).toContain("Chart of Glucose: 3 values");
    await waitFor(() => expect(within(chart).getAllByTestId("trend-dot")).toHaveLength(3));
    expect(within(chart).getAllByTestId("trend-dot").map((d) => d.getAttribute("data-flag"))).toEqual([
      "normal",
      "high",
      "critical_high",
    ]);
    const radius = within(chart).getAllByTestId("trend-dot").map((d) => Number(d.getAttribute("r")));
    expect(radius[1]!).toBeGreaterThan(radius[0]!);
    // The reference range is drawn (band and limit lines).
    expect(chart.querySelector(".recharts-reference-area")).not.toBeNull();
    expect(chart.querySelectorAll(".recharts-reference-line")).toHaveLength(2);
    // Strict CSP: the chart injects no <style> elements.
    expect(document.querySelectorAll("style").length).toBe(0);
  });

  it("charts systolic and diastolic pressure together", async () => {
    const user = userEvent.setup();
    renderChart(() => [], {
      get_observation_trend: (args) => {
        const q = args!.query as TrendQuery;
        const sys = q.code === "systolic_bp";
        return {
          code: codeOf(q.code),
          points: [
            point("2026-01-01T09:00:00Z", sys ? 120 : 80),
            point("2026-01-03T09:00:00Z", sys ? 145 : 92, "high"),
          ],
          truncated: q.code === "diastolic_bp",
        };
      },
    });
    await screen.findByRole("option", { name: "Blood pressure (systolic and diastolic)" });
    await user.selectOptions(screen.getByTestId("trend-code"), "blood_pressure");
    const table = await screen.findByTestId("trend-points");
    expect(calls("get_observation_trend").map((c) => (c as { query: TrendQuery }).query.code).sort()).toEqual([
      "diastolic_bp",
      "systolic_bp",
    ]);
    const points = within(table).getAllByTestId("trend-point");
    expect(points).toHaveLength(2);
    expect(within(points[0]!).getAllByTestId("trend-point-value").map((c) => c.textContent)).toEqual([
      "145 mmHgHigh",
      "92 mmHgHigh",
    ]);
    expect(screen.getByTestId("trend-truncated")).toBeTruthy();
    await waitFor(() => expect(within(screen.getByTestId("trend-chart")).getAllByTestId("trend-dot")).toHaveLength(4));
  });
});
