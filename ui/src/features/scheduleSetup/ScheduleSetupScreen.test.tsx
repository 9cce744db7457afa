// Scheduling set-up: clinic settings (ranges, administrators only), appointment types
// and rooms (create and edit with the version, field errors kept with the input),
// working hours (the whole week with its version; a `periods.<i>` error on the right
// row; local time checks; copy Monday) and leave & holidays (next 365 clinic days).
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Role } from "../../bindings/Role";
import { renderWithProviders } from "../../test/render";
import { withSession } from "../admin/testing";
import * as api from "../schedule/api";
import { ScheduleSetupScreen } from "./ScheduleSetupScreen";
import { answerWith, callsOf, HOURS, SETTINGS } from "./testing";

vi.mock("../schedule/api", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../schedule/api")>();
  return Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, typeof v === "function" ? vi.fn() : v]));
});

const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;
const render = (role: Role) => renderWithProviders(withSession(role, <ScheduleSetupScreen />));

beforeEach(() => {
  vi.resetAllMocks();
  answerWith();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Clinic tab", () => {
  it("checks ranges and saves the settings", async () => {
    const user = userEvent.setup();
    render("administrator");
    await waitFor(() => expect(input("setup-kiosk-idle").value).toBe("120"));
    expect(input("setup-timezone").value).toBe("Europe/Berlin");

    await user.clear(input("setup-kiosk-idle"));
    await user.type(input("setup-kiosk-idle"), "10");
    await user.clear(input("setup-timezone"));
    await user.type(input("setup-timezone"), "Mars/Olympus");
    await user.click(screen.getByTestId("setup-clinic-save"));
    expect(screen.getByTestId("setup-kiosk_idle_seconds-error").textContent).toContain("30 to 900");
    expect(screen.getByTestId("setup-time_zone-error").textContent).toContain("from the list");
    expect(api.setScheduleSettings).not.toHaveBeenCalled();

    await user.clear(input("setup-kiosk-idle"));
    await user.type(input("setup-kiosk-idle"), "300");
    await user.clear(input("setup-timezone"));
    await user.type(input("setup-timezone"), "lond");
    expect(input("setup-timezone").getAttribute("data-expanded")).toBe("true");
    // jsdom does not lay out Mantine's dropdown, so it counts as hidden.
    await user.click(await screen.findByRole("option", { name: "Europe/London", hidden: true }));
    expect(input("setup-timezone").value).toBe("Europe/London");
    // An exact zone closes the list, so it cannot cover the Save button.
    expect(input("setup-timezone").getAttribute("data-expanded")).toBeNull();
    await user.clear(input("setup-reminder-hours"));
    await user.type(input("setup-reminder-hours"), "48");
    await user.click(screen.getByTestId("setup-clinic-save"));
    expect(await screen.findByTestId("setup-clinic-saved")).toBeTruthy();
    expect(callsOf(api.setScheduleSettings)).toEqual([
      { time_zone: "Europe/London", kiosk_idle_seconds: 300, reminder_hours_before: 48 },
    ]);
    expect(input("setup-kiosk-idle").value).toBe("300");
  });

  it("shows the shell's field error under its input, keeping the input", async () => {
    const user = userEvent.setup();
    vi.mocked(api.setScheduleSettings).mockRejectedValue({
      code: "validation",
      message: "invalid",
      fields: [{ field: "reminder_hours_before", message: "too many hours" }],
    });
    render("administrator");
    await waitFor(() => expect(input("setup-reminder-hours").value).toBe("24"));
    await user.clear(input("setup-reminder-hours"));
    await user.type(input("setup-reminder-hours"), "100");
    await user.click(screen.getByTestId("setup-clinic-save"));
    expect((await screen.findByTestId("setup-reminder_hours_before-error")).textContent).toBe("too many hours");
    expect(input("setup-reminder-hours").value).toBe("100");
  });

  it("is read-only for everyone but administrators", async () => {
    render("front_desk");
    await waitFor(() => expect(input("setup-kiosk-idle").value).toBe("120"));
    expect(input("setup-kiosk-idle").disabled).toBe(true);
    expect(input("setup-timezone").disabled).toBe(true);
    expect(screen.queryByTestId("setup-clinic-save")).toBeNull();
    expect(screen.getByTestId("setup-clinic-readonly")).toBeTruthy();
  });
});

describe("Appointment types and rooms", () => {
  it("edits a type with its version and keeps the input on a field error", async () => {
    const user = userEvent.setup();
    vi.mocked(api.saveAppointmentType)
      .mockRejectedValueOnce({ code: "validation", message: "x", fields: [{ field: "name", message: "name taken" }] })
      .mockImplementation(async (r) => ({ ...r, id: r.id ?? "t-new", version: (r.expected_version ?? 0) + 1 }));
    render("administrator");
    await user.click(screen.getByTestId("setup-tab-types"));
    const row = await screen.findByTestId("type-row-t-1");
    expect(row.textContent).toContain("Consultation");
    expect(row.textContent).toContain("15 minutes");
    expect(screen.getByTestId("type-row-t-2").textContent).toContain("Inactive");

    await user.click(within(row).getByTestId("type-edit-t-1"));
    await user.clear(input("type-name"));
    await user.type(input("type-name"), "Long consultation");
    await user.clear(input("type-duration"));
    await user.type(input("type-duration"), "30");
    await user.click(screen.getByTestId("type-save"));
    expect((await screen.findByTestId("type-name-error")).textContent).toBe("name taken");
    expect(input("type-name").value).toBe("Long consultation");

    await user.click(screen.getByTestId("type-save"));
    expect(await screen.findByTestId("type-saved")).toBeTruthy();
    expect(callsOf(api.saveAppointmentType)[1]).toEqual({
      id: "t-1",
      expected_version: 3,
      name: "Long consultation",
      duration_minutes: 30,
      colour: "#228be6",
      active: true,
    });
  });

  it("adds a type after checking duration and colour here", async () => {
    const user = userEvent.setup();
    vi.mocked(api.saveAppointmentType).mockImplementation(async (r) => ({ ...r, id: "t-new", version: 1 }));
    render("administrator");
    await user.click(screen.getByTestId("setup-tab-types"));
    await user.click(await screen.findByTestId("type-add"));
    await user.type(input("type-name"), "Vaccination");
    await user.clear(input("type-duration"));
    await user.type(input("type-duration"), "500");
    await user.clear(input("type-colour"));
    await user.type(input("type-colour"), "red");
    await user.click(screen.getByTestId("type-save"));
    expect(screen.getByTestId("type-duration_minutes-error").textContent).toContain("5 to 480");
    expect(screen.getByTestId("type-colour-error").textContent).toContain("#rrggbb");
    expect(api.saveAppointmentType).not.toHaveBeenCalled();

    await user.clear(input("type-duration"));
    await user.type(input("type-duration"), "10");
    await user.clear(input("type-colour"));
    await user.type(input("type-colour"), "#FF0000");
    await user.click(screen.getByTestId("type-active"));
    await user.click(screen.getByTestId("type-save"));
    await waitFor(() => expect(screen.queryByTestId("type-dialog")).toBeNull());
    expect(callsOf(api.saveAppointmentType)).toEqual([
      { id: null, expected_version: null, name: "Vaccination", duration_minutes: 10, colour: "#ff0000", active: false },
    ]);
  });

  it("adds a room; other roles get no buttons", async () => {
    const user = userEvent.setup();
    vi.mocked(api.saveRoom).mockImplementation(async (r) => ({ ...r, id: "room-2", version: 1 }));
    const { unmount } = render("administrator");
    await user.click(screen.getByTestId("setup-tab-rooms"));
    await user.click(await screen.findByTestId("room-add"));
    await user.type(input("room-name"), "Room 2");
    await user.click(screen.getByTestId("room-save"));
    expect((await screen.findByTestId("room-saved")).textContent).toContain("Room 2");
    expect(callsOf(api.saveRoom)).toEqual([{ id: null, expected_version: null, name: "Room 2", active: true }]);
    unmount();

    render("front_desk");
    await user.click(screen.getByTestId("setup-tab-rooms"));
    expect(await screen.findByTestId("room-row-room-1")).toBeTruthy();
    expect(screen.queryByTestId("room-add")).toBeNull();
    expect(screen.queryByTestId("room-edit-room-1")).toBeNull();
  });
});

async function openHours(role: Role = "front_desk") {
  const user = userEvent.setup();
  render(role);
  await user.click(screen.getByTestId("setup-tab-hours"));
  await waitFor(() => expect((screen.getByTestId("hours-provider") as HTMLSelectElement).options.length).toBe(4));
  await user.selectOptions(screen.getByTestId("hours-provider"), "dr-a");
  await screen.findByTestId("hours-period-1-0-start");
  return user;
}

describe("Working hours", () => {
  it("saves the whole week with the version it was loaded at", async () => {
    const user = await openHours();
    expect(input("hours-period-1-1-start").value).toBe("12:00");
    expect((screen.getByTestId("hours-period-1-1-kind") as HTMLSelectElement).value).toBe("break");

    await user.click(screen.getByTestId("hours-day-6-add"));
    await user.clear(input("hours-period-6-0-end"));
    await user.type(input("hours-period-6-0-end"), "12:00");
    await user.selectOptions(screen.getByTestId("hours-period-6-0-room"), "room-1");
    await user.click(screen.getByTestId("hours-copy-monday"));
    expect(input("hours-period-5-1-end").value).toBe("12:30");
    await user.click(screen.getByTestId("hours-period-3-1-remove"));
    await user.click(screen.getByTestId("hours-save"));

    expect(await screen.findByTestId("hours-saved")).toBeTruthy();
    const work = (weekday: number) => ({ weekday, start: "09:00", end: "17:00", kind: "work", room_id: null });
    const lunch = (weekday: number) => ({ weekday, start: "12:00", end: "12:30", kind: "break", room_id: null });
    expect(callsOf(api.setProviderHours)).toEqual([
      {
        provider_id: "dr-a",
        expected_version: HOURS.version,
        periods: [
          work(1), lunch(1), work(2), lunch(2), work(3), work(4), lunch(4), work(5), lunch(5),
          { weekday: 6, start: "09:00", end: "12:00", kind: "work", room_id: "room-1" },
        ],
      },
    ]);
  });

  it("shows the shell's error on the row sent i-th and keeps the input", async () => {
    vi.mocked(api.setProviderHours).mockRejectedValue({
      code: "validation",
      message: "invalid",
      fields: [{ field: "periods.1.end", message: "break must end inside working time" }],
    });
    const user = await openHours();
    await user.clear(input("hours-period-1-1-end"));
    await user.type(input("hours-period-1-1-end"), "18:00");
    await user.click(screen.getByTestId("hours-save"));
    expect((await screen.findByTestId("hours-period-1-1-end-error")).textContent).toBe("break must end inside working time");
    expect(input("hours-period-1-1-end").value).toBe("18:00");
    expect(screen.queryByTestId("hours-period-1-0-end-error")).toBeNull();
    expect(screen.queryByTestId("hours-error")).toBeNull();
  });

  it("checks times here first and offers a reload on a conflict", async () => {
    vi.mocked(api.setProviderHours).mockRejectedValue({ code: "edit_conflict", message: "stale" });
    const user = await openHours();
    await user.clear(input("hours-period-1-0-end"));
    await user.type(input("hours-period-1-0-end"), "08:00");
    await user.clear(input("hours-period-1-1-start"));
    await user.type(input("hours-period-1-1-start"), "12");
    await user.click(screen.getByTestId("hours-save"));
    expect(screen.getByTestId("hours-period-1-0-end-error").textContent).toContain("after the start");
    expect(screen.getByTestId("hours-period-1-1-start-error").textContent).toContain("HH:MM");
    expect(api.setProviderHours).not.toHaveBeenCalled();

    await user.clear(input("hours-period-1-0-end"));
    await user.type(input("hours-period-1-0-end"), "17:00");
    await user.type(input("hours-period-1-1-start"), ":00");
    await user.click(screen.getByTestId("hours-save"));
    const error = await screen.findByTestId("hours-error");
    expect(error.getAttribute("data-code")).toBe("edit_conflict");
    const loads = vi.mocked(api.getProviderHours).mock.calls.length;
    await user.click(screen.getByTestId("hours-error-reload"));
    await waitFor(() => expect(vi.mocked(api.getProviderHours).mock.calls.length).toBeGreaterThan(loads));
  });

  it("is read-only for doctors", async () => {
    await openHours("doctor");
    expect(input("hours-period-1-0-start").disabled).toBe(true);
    expect(screen.queryByTestId("hours-save")).toBeNull();
    expect(screen.queryByTestId("hours-day-1-add")).toBeNull();
    expect(screen.queryByTestId("hours-copy-monday")).toBeNull();
  });
});

describe("Leave & holidays", () => {
  it("lists the next 365 clinic days, removes and adds", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-03-01T23:30:00Z")); // already 2 March in Berlin
    vi.mocked(api.listScheduleExceptions).mockResolvedValue([
      { id: "x-1", provider_id: "dr-b", starts_on: "2026-03-02", ends_on: "2026-03-06", kind: "leave", note: "conference" },
      { id: "x-2", provider_id: null, starts_on: "2026-12-25", ends_on: "2026-12-25", kind: "holiday", note: "" },
    ]);
    vi.mocked(api.addScheduleException).mockImplementation(async (r) => ({ ...r, id: "x-3" }));
    const user = userEvent.setup();
    render("front_desk");
    await user.click(screen.getByTestId("setup-tab-exceptions"));
    const row = await screen.findByTestId("exception-row-x-1");
    await waitFor(() => expect(row.textContent).toContain("Dr Bo"));
    expect(row.textContent).toContain("conference");
    expect(screen.getByTestId("exception-row-x-2").textContent).toContain("Whole clinic");
    expect(vi.mocked(api.listScheduleExceptions).mock.calls[0]).toEqual(["2026-03-02", "2027-03-02"]);
    expect(SETTINGS.time_zone).toBe("Europe/Berlin");

    await user.click(screen.getByTestId("exception-remove-x-2"));
    expect(await screen.findByTestId("exception-removed")).toBeTruthy();
    expect(callsOf(api.removeScheduleException)).toEqual([{ id: "x-2" }]);

    await user.click(screen.getByTestId("exception-add"));
    expect(input("exception-starts").value).toBe("2026-03-02");
    await user.selectOptions(screen.getByTestId("exception-provider"), "dr-a");
    await user.clear(input("exception-ends"));
    await user.type(input("exception-ends"), "2026-03-01");
    await user.click(screen.getByTestId("exception-save"));
    expect(screen.getByTestId("exception-ends-error").textContent).toContain("before the first day");
    await user.clear(input("exception-ends"));
    await user.type(input("exception-ends"), "2026-03-04");
    await user.selectOptions(screen.getByTestId("exception-kind"), "other");
    await user.type(input("exception-note"), "training");
    await user.click(screen.getByTestId("exception-save"));
    expect(await screen.findByTestId("exception-added")).toBeTruthy();
    expect(callsOf(api.addScheduleException)).toEqual([
      { provider_id: "dr-a", starts_on: "2026-03-02", ends_on: "2026-03-04", kind: "other", note: "training" },
    ]);
  });
});
