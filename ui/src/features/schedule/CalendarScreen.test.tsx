// The calendar: a day with a column per provider (appointments, exceptions, free cells),
// booking from a free cell at that clinic time, date navigation, the week of one provider
// (the signed-in one by default) and the appointment drawer from a block.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CalendarQuery } from "../../bindings/CalendarQuery";
import type { Role } from "../../bindings/Role";
import { commandRouter, renderWithProviders } from "../../test/render";
import { withSession } from "../admin/testing";
import { CalendarScreen } from "./CalendarScreen";
import { addDays } from "./format";
import { ADA, appointment, at, calendarOf, CONSULT, DATE, DOCTOR, NURSE, providerDay, scheduleHandlers } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const queries = () => mockInvoke.mock.calls.filter((c) => c[0] === "get_calendar").map((c) => (c[1] as { query: CalendarQuery }).query);

const LEAVE = { id: "x1", provider_id: NURSE.id, starts_on: DATE, ends_on: DATE, kind: "leave" as const, note: "Conference" };
const APPTS = [
  appointment({ id: "a-booked", starts_at: at("09:30"), ends_at: at("10:00"), tentative: true }),
  appointment({ id: "a-cancelled", starts_at: at("11:00"), ends_at: at("11:30"), status: "cancelled" }),
  appointment({ id: "a-move", starts_at: at("14:00"), ends_at: at("14:30"), status: "needs_reschedule" }),
];

/** A day for both providers, or a week (from the query's date) for the one asked for. */
function calendarFor(q: CalendarQuery) {
  const from = q.from || DATE;
  if (q.days === 1) {
    return calendarOf(
      [providerDay(DOCTOR, { appointments: APPTS }, from), providerDay(NURSE, { working: [], exceptions: [LEAVE] }, from)],
      [from],
    );
  }
  const dates = Array.from({ length: q.days }, (_, i) => addDays(from, i));
  const provider = q.provider_ids[0] === NURSE.id ? NURSE : DOCTOR;
  return calendarOf([providerDay(provider, {}, from)], dates);
}

function renderCalendar(role: Role = "nurse", staffId = NURSE.id) {
  mockInvoke.mockImplementation(
    commandRouter(
      scheduleHandlers(undefined, {
        get_calendar: (args) => calendarFor((args as { query: CalendarQuery }).query),
        book_appointment: () => [appointment({ starts_at: at("10:00") })],
      }),
    ),
  );
  return renderWithProviders(withSession(role, <CalendarScreen />, { staff_id: staffId }));
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("CalendarScreen", () => {
  it("shows a column per provider with appointments, exceptions and free cells", async () => {
    renderCalendar();
    const doctor = await screen.findByTestId(`calendar-column-${DOCTOR.id}`);
    expect(queries()[0]).toEqual({ from: "", days: 1, provider_ids: [] });
    expect(within(doctor).getByText("Dr Grace Hopper")).toBeTruthy();

    const block = within(doctor).getByTestId("appointment-block-a-booked");
    for (const text of ["09:30–10:00", "Lovelace, Ada · MRN-000123", "Consultation", "Booked", "Pending sync"]) {
      expect(block.textContent).toContain(text);
    }
    expect(block.style.borderLeftColor).not.toBe("");
    expect(screen.getByTestId("appointment-block-a-cancelled").className).toContain("sched-block-faded");
    expect(screen.getByTestId("appointment-block-a-move").textContent).toContain("Needs rescheduling");

    expect(within(doctor).getByTestId(`calendar-slot-${DOCTOR.id}-09:00`)).toBeTruthy();
    expect(within(doctor).queryByTestId(`calendar-slot-${DOCTOR.id}-09:30`)).toBeNull(); // booked
    expect(within(doctor).getByTestId(`calendar-slot-${DOCTOR.id}-11:00`)).toBeTruthy(); // cancelled: free again
    expect(within(doctor).queryByTestId(`calendar-slot-${DOCTOR.id}-12:00`)).toBeNull(); // lunch
    expect(within(doctor).getByTestId(`calendar-slot-${DOCTOR.id}-16:45`)).toBeTruthy();

    const nurse = screen.getByTestId(`calendar-column-${NURSE.id}`);
    expect(within(nurse).getByTestId("calendar-exception").textContent).toBe("On leave · Conference");
    expect(within(nurse).queryAllByRole("button")).toHaveLength(0);
  });

  it("books from a free cell at that provider and clinic time", async () => {
    const user = userEvent.setup();
    renderCalendar();
    await user.click(await screen.findByTestId(`calendar-slot-${DOCTOR.id}-10:00`));
    const dialog = await screen.findByTestId("booking-dialog");
    await waitFor(() => expect(within(dialog).getByTestId("booking-chosen").textContent).toContain("10:00 with Dr Grace Hopper"));

    await user.type(within(dialog).getByTestId("booking-patient"), "Love");
    await user.click(await screen.findByTestId(`patient-option-${ADA.id}`));
    const type = within(dialog).getByTestId("booking-type") as unknown as HTMLSelectElement;
    await waitFor(() => expect(type.options.length).toBe(3));
    await user.selectOptions(type, CONSULT.id);
    const before = queries().length;
    await user.click(within(dialog).getByTestId("booking-submit"));

    await screen.findByTestId("booking-result");
    const sent = mockInvoke.mock.calls.find((c) => c[0] === "book_appointment")![1] as { request: Record<string, unknown> };
    expect(sent.request).toMatchObject({ patient_id: ADA.id, provider_id: DOCTOR.id, starts_at: "2026-01-05T10:00:00Z" });
    // The calendar is refreshed with the new appointment.
    await waitFor(() => expect(queries().length).toBeGreaterThan(before));
  });

  it("moves between dates and shows the signed-in provider's week", async () => {
    const user = userEvent.setup();
    renderCalendar();
    await screen.findByTestId(`calendar-column-${DOCTOR.id}`);
    const dateInput = screen.getByTestId("calendar-date-input") as HTMLInputElement;
    expect(dateInput.value).toBe(DATE);

    await user.click(screen.getByTestId("calendar-next"));
    await waitFor(() => expect(queries().at(-1)).toEqual({ from: "2026-01-06", days: 1, provider_ids: [] }));
    await waitFor(() => expect(dateInput.value).toBe("2026-01-06"));

    await user.clear(dateInput);
    await user.type(dateInput, "2026-01-14");
    await waitFor(() => expect(queries().at(-1)).toEqual({ from: "2026-01-14", days: 1, provider_ids: [] }));

    await user.click(screen.getByTestId("calendar-view-week"));
    await waitFor(() => expect(queries().at(-1)).toEqual({ from: "2026-01-12", days: 7, provider_ids: [NURSE.id] }));
    expect(await screen.findByTestId("calendar-day-2026-01-12")).toBeTruthy();
    expect(screen.getByTestId("calendar-day-2026-01-18")).toBeTruthy();
    expect((screen.getByTestId("calendar-provider-select") as unknown as HTMLSelectElement).value).toBe(NURSE.id);

    expect(dateInput.value).toBe("2026-01-14");
    await user.click(screen.getByTestId("calendar-prev"));
    await waitFor(() => expect(queries().at(-1)).toEqual({ from: "2026-01-05", days: 7, provider_ids: [NURSE.id] }));
    await waitFor(() => expect(dateInput.value).toBe("2026-01-07"));
    await user.selectOptions(screen.getByTestId("calendar-provider-select"), DOCTOR.id);
    await waitFor(() => expect(queries().at(-1)).toEqual({ from: "2026-01-05", days: 7, provider_ids: [DOCTOR.id] }));

    await user.click(screen.getByTestId("calendar-view-day"));
    await waitFor(() => expect(queries().at(-1)).toEqual({ from: "2026-01-07", days: 1, provider_ids: [] }));
  });

  it("shows only the providers chosen for the day", async () => {
    const user = userEvent.setup();
    renderCalendar();
    await screen.findByTestId(`calendar-column-${NURSE.id}`);
    await user.click(screen.getByTestId("calendar-provider-select"));
    await user.click(await screen.findByRole("option", { name: DOCTOR.display_name, hidden: true }));
    await waitFor(() => expect(queries().at(-1)).toEqual({ from: "", days: 1, provider_ids: [DOCTOR.id] }));
    expect(document.querySelectorAll("style").length).toBe(0);
  });

  it("shows the first provider's week to someone who is not a provider", async () => {
    const user = userEvent.setup();
    renderCalendar("front_desk", "staff-desk");
    await screen.findByTestId(`calendar-column-${DOCTOR.id}`);
    await user.click(screen.getByTestId("calendar-view-week"));
    await waitFor(() => expect(queries().at(-1)).toEqual({ from: DATE, days: 7, provider_ids: [DOCTOR.id] }));
  });

  it("opens the appointment drawer from a block", async () => {
    const user = userEvent.setup();
    renderCalendar();
    await user.click(await screen.findByTestId("appointment-block-a-move"));
    const drawer = await screen.findByTestId("appointment-drawer");
    expect(drawer.getAttribute("data-appointment-id")).toBe("a-move");
    expect(within(drawer).getByTestId("appointment-status").textContent).toBe("Needs rescheduling");
    expect(within(drawer).getByTestId("appointment-reschedule")).toBeTruthy();
  });
});
