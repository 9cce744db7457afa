// The dashboards against a mocked shell: the range, granularity and provider reach every
// dashboard command; each role sees its own cards (doctors the schedule ones, billing the
// money ones, administrators all); tables show the core's figures (rates from basis
// points, money from minor units); Export CSV sends the kind and the query.
import { invoke } from "@tauri-apps/api/core";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { DashboardQuery } from "../../bindings/DashboardQuery";
import type { Role } from "../../bindings/Role";
import { commandRouter, renderWithProviders } from "../../test/render";
import { withSession } from "../admin/testing";
import { DashboardsScreen } from "./DashboardsScreen";
import { kindsFor } from "./model";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1] as Record<string, unknown>);
const byId = (id: string) => screen.getByTestId(id) as HTMLInputElement;

const PROVIDER = "0190f0a0-0000-7000-8000-000000000077";
const period = { starts_on: "2026-03-02", ends_on: "2026-03-08" };
const answer = (query: DashboardQuery) => ({ time_zone: "Europe/London", query });

function run() {
  mockInvoke.mockImplementation(
    commandRouter({
      list_providers: () => [{ id: PROVIDER, display_name: "Dr Okonkwo", role: "doctor", has_hours: true }],
      get_appointments_dashboard: (a) => {
        const counts = { total: 10, booked: 2, in_progress: 1, done: 5, no_show: 1, cancelled: 1, needs_reschedule: 0 };
        return { ...answer(a!.query as DashboardQuery), rows: [{ period, counts }], totals: counts };
      },
      get_attendance_dashboard: (a) => {
        const rates = { scheduled: 10, attended: 6, no_show: 1, cancelled: 1, no_show_rate_bp: 1429, cancellation_rate_bp: 1000 };
        return { ...answer(a!.query as DashboardQuery), rows: [{ period, rates }], totals: rates };
      },
      get_utilisation_dashboard: (a) => ({
        ...answer(a!.query as DashboardQuery),
        providers: [
          {
            provider_id: PROVIDER,
            provider_name: "Dr Okonkwo",
            rows: [{ period, utilisation: { booked_minutes: 300, available_minutes: 400, utilisation_bp: 7500 } }],
            totals: { booked_minutes: 300, available_minutes: 400, utilisation_bp: 7500 },
          },
        ],
      }),
      get_patient_mix_dashboard: (a) => {
        const mix = { seen: 8, new: 3, returning: 5 };
        return { ...answer(a!.query as DashboardQuery), rows: [{ period, mix }], totals: mix };
      },
      get_revenue_dashboard: (a) => {
        const amounts = { invoiced: 123456, collected: 100000, refunded: 500, credited: 0 };
        return { ...answer(a!.query as DashboardQuery), series: [{ currency: "USD", rows: [{ period, amounts }], totals: amounts }] };
      },
      get_receivables_dashboard: (a) => ({
        ...answer(a!.query as DashboardQuery),
        series: [
          {
            currency: "USD",
            rows: [{ period, receivables: { outstanding: 23456, days_0_30: 20000, days_31_60: 3456, days_61_90: 0, days_over_90: 0 } }],
          },
        ],
      }),
      export_dashboard_csv: () => ({ path: "revenue.csv" }),
    }),
  );
}

const render = (role: Role) => renderWithProviders(withSession(role, <DashboardsScreen />));
const ALL = ["appointments", "attendance", "utilisation", "patient_mix", "revenue", "receivables"];

beforeEach(() => {
  mockInvoke.mockReset();
  run();
});

describe("cards per role", () => {
  it.each([
    ["doctor", ["appointments", "attendance", "utilisation", "patient_mix"]],
    ["billing", ["revenue", "receivables"]],
    ["administrator", ALL],
  ] as const)("%s sees %j", async (role, kinds) => {
    render(role);
    for (const k of ALL) {
      if ((kinds as readonly string[]).includes(k)) expect(await screen.findByTestId(`dashboard-card-${k}`)).toBeTruthy();
      else expect(screen.queryByTestId(`dashboard-card-${k}`)).toBeNull();
    }
    await waitFor(() => expect(mockInvoke.mock.calls.filter((c) => String(c[0]).startsWith("get_")).length).toBeGreaterThanOrEqual(kinds.length));
    const asked = new Set(mockInvoke.mock.calls.map((c) => c[0]).filter((c) => String(c).endsWith("_dashboard")));
    expect([...asked].sort()).toEqual(kinds.map((k) => `get_${k}_dashboard`).sort());
    expect(screen.queryByTestId("dashboard-provider") !== null).toBe(role === "administrator");
  });

  it("front desk and nurses see none", () => {
    expect(kindsFor("front_desk")).toEqual([]);
    expect(kindsFor("nurse")).toEqual([]);
  });
});

describe("the query", () => {
  it("sends the range, granularity and provider to every dashboard and shows their figures", async () => {
    render("administrator");
    await screen.findByText("Dr Okonkwo", { selector: "option" });
    fireEvent.change(byId("dashboard-from"), { target: { value: "2026-03-01" } });
    fireEvent.change(byId("dashboard-to"), { target: { value: "2026-03-31" } });
    fireEvent.change(byId("dashboard-granularity"), { target: { value: "month" } });
    fireEvent.change(byId("dashboard-provider"), { target: { value: PROVIDER } });
    const want = { query: { from: "2026-03-01", to: "2026-03-31", granularity: "month", provider_id: PROVIDER } };
    await waitFor(() => {
      for (const k of ALL) expect(calls(`get_${k}_dashboard`)).toContainEqual(want);
    });
    const attendance = await screen.findByTestId("dashboard-table-attendance");
    expect(within(attendance).getAllByText("14.29 %").length).toBeGreaterThan(0);
    const revenue = await screen.findByTestId("dashboard-table-revenue");
    expect(within(revenue).getAllByText("$1,234.56").length).toBe(2);
    const util = await screen.findByTestId("dashboard-table-utilisation");
    expect(within(util).getByText("75 %")).toBeTruthy();
  });

  it("does not ask with a reversed range", async () => {
    render("billing");
    await screen.findByTestId("dashboard-card-revenue");
    const before = calls("get_revenue_dashboard").length;
    // The default range ends today; a last date long before it makes the range reversed.
    fireEvent.change(byId("dashboard-to"), { target: { value: "2000-01-01" } });
    expect(await screen.findByTestId("dashboard-range-invalid")).toBeTruthy();
    expect(calls("get_revenue_dashboard").every((c) => (c.query as DashboardQuery).from <= (c.query as DashboardQuery).to)).toBe(true);
    expect(calls("get_revenue_dashboard").length).toBe(before);
  });

  it("exports one dashboard as CSV with the current query", async () => {
    const user = userEvent.setup();
    render("billing");
    fireEvent.change(byId("dashboard-from"), { target: { value: "2026-03-01" } });
    fireEvent.change(byId("dashboard-to"), { target: { value: "2026-03-31" } });
    await user.click(await screen.findByTestId("dashboard-export-revenue"));
    expect(calls("export_dashboard_csv")).toEqual([
      { request: { kind: "revenue", query: { from: "2026-03-01", to: "2026-03-31", granularity: "week", provider_id: null } } },
    ]);
    expect((await screen.findByTestId("dashboard-exported-revenue")).textContent).toContain("revenue.csv");
  });
});
