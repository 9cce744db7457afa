// "My day": the signed-in provider's appointments today in time order, the counts, the
// next step of each row (sent with its version), and a refresh every 30 seconds.
import { invoke } from "@tauri-apps/api/core";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Appointment } from "../../bindings/Appointment";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { MyDayScreen } from "./MyDayScreen";
import { appointment, at, calendarOf, DOCTOR, providerDay, scheduleHandlers } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

const DAY: Appointment[] = [
  appointment({ id: "late", starts_at: at("15:00"), ends_at: at("15:30"), status: "booked", patient_name: "Turing, Alan" }),
  appointment({ id: "early", starts_at: at("09:00"), ends_at: at("09:30"), status: "checked_in", version: 2 }),
  appointment({ id: "seen", starts_at: at("10:00"), ends_at: at("10:30"), status: "in_consultation" }),
  appointment({ id: "gone", starts_at: at("11:00"), ends_at: at("11:30"), status: "cancelled" }),
];

function renderMyDay(more: Handlers = {}, list: Appointment[] = DAY) {
  mockInvoke.mockImplementation(
    commandRouter(scheduleHandlers(calendarOf([providerDay(DOCTOR, { appointments: list })]), more)),
  );
  return renderWithProviders(withSession("doctor", <MyDayScreen />, { staff_id: DOCTOR.id }));
}

beforeEach(() => {
  mockInvoke.mockReset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("MyDayScreen", () => {
  it("lists today's appointments in time order with the day's counts", async () => {
    const { navigate } = renderMyDay();
    const rows = await screen.findAllByTestId(/^myday-row-/);
    expect(calls("get_calendar")[0]).toEqual({ query: { from: "", days: 1, provider_ids: [DOCTOR.id] } });
    expect(rows.map((r) => r.getAttribute("data-testid"))).toEqual([
      "myday-row-early",
      "myday-row-seen",
      "myday-row-gone",
      "myday-row-late",
    ]);
    const first = rows[0]!;
    expect(first.textContent).toContain("09:00–09:30");
    expect(first.textContent).toContain("Lovelace, Ada");
    expect(first.textContent).toContain("MRN-000123");
    expect(within(first).getByTestId("myday-status").textContent).toBe("Checked in");
    expect(within(first).getByTestId("appointment-action-in_consultation")).toBeTruthy();
    expect(within(rows[1]!).getByTestId("appointment-action-done")).toBeTruthy();
    expect(within(rows[2]!).queryAllByRole("button").filter((b) => b.dataset.testid?.startsWith("appointment-action"))).toHaveLength(0);
    expect(within(rows[3]!).getByTestId("appointment-action-no_show")).toBeTruthy();

    const count = (k: string) => screen.getByTestId(`myday-count-${k}`).getAttribute("data-count");
    expect([count("booked"), count("checked_in"), count("done"), count("no_show"), count("cancelled")]).toEqual(["1", "2", "0", "0", "1"]);

    await userEvent.setup().click(within(first).getByTestId("myday-open-chart"));
    expect(navigate).toHaveBeenCalledWith({ name: "chart", id: "pat-ada" });
  });

  it("starts the consultation with the row's version and refreshes", async () => {
    const user = userEvent.setup();
    renderMyDay({ set_appointment_status: () => ({ ...DAY[1]!, status: "in_consultation", version: 3 }) });
    const row = await screen.findByTestId("myday-row-early");
    const before = calls("get_calendar").length;
    await user.click(within(row).getByTestId("appointment-action-in_consultation"));
    await waitFor(() => expect(calls("get_calendar").length).toBeGreaterThan(before));
    expect(calls("set_appointment_status")).toEqual([{ request: { id: "early", expected_version: 2, status: "in_consultation" } }]);
  });

  it("says so when the day is empty", async () => {
    renderMyDay({}, []);
    expect((await screen.findByTestId("myday-empty")).textContent).toBe("No appointments today.");
  });

  it("refreshes every 30 seconds so check-ins appear", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    renderMyDay();
    await screen.findByTestId("myday-row-early");
    expect(calls("get_calendar")).toHaveLength(1);
    await act(() => vi.advanceTimersByTimeAsync(29_000));
    expect(calls("get_calendar")).toHaveLength(1);
    await act(() => vi.advanceTimersByTimeAsync(2_000));
    await waitFor(() => expect(calls("get_calendar")).toHaveLength(2));
  });
});
