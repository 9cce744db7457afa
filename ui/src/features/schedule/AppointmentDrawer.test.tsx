// The appointment drawer: details and the actions its status allows (sent with the version
// shown), rescheduling to a slot of the same type (a taken slot refreshes the list),
// cancelling (a reason is required) and booking a waitlisted patient into the freed time.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Appointment } from "../../bindings/Appointment";
import type { SetAppointmentStatus } from "../../bindings/SetAppointmentStatus";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { AppointmentDrawer } from "./AppointmentDrawer";
import { appointment, at, CONSULT, DOCTOR, scheduleHandlers, slot, TZ, waitlistEntry } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

const APPT = appointment({
  id: "appt-1",
  version: 3,
  room_id: "room-1",
  room_name: "Room 1",
  note: "Bring glasses",
  series_id: "series-1",
});

function renderDrawer(more: Handlers, a: Appointment = APPT) {
  mockInvoke.mockImplementation(commandRouter(scheduleHandlers(undefined, more)));
  return renderWithProviders(<AppointmentDrawer appointment={a} timeZone={TZ} onClose={vi.fn()} />);
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("AppointmentDrawer", () => {
  it("shows the details and changes the status with the version shown", async () => {
    const user = userEvent.setup();
    const { navigate } = renderDrawer({
      set_appointment_status: (args) => {
        const r = args!.request as SetAppointmentStatus;
        return { ...APPT, status: r.status, version: r.expected_version + 1 };
      },
    });
    const drawer = await screen.findByTestId("appointment-drawer");
    // The strict CSP refuses runtime <style> elements (e.g. scroll locking).
    expect(document.querySelectorAll("style").length).toBe(0);
    expect(within(drawer).getByTestId("appointment-patient").textContent).toBe("Lovelace, Ada");
    expect(within(drawer).getByTestId("appointment-time").textContent).toBe("Mon 2026-01-05, 09:30–10:00");
    expect(within(drawer).getByTestId("appointment-room").textContent).toBe("Room 1");
    expect(within(drawer).getByTestId("appointment-code").textContent).toBe("K7Q2");
    expect(within(drawer).getByTestId("appointment-series").textContent).toBe("Part of a recurring series");
    expect(screen.getByTestId("appointment-status").textContent).toBe("Booked");
    expect(screen.getByTestId("appointment-action-confirmed")).toBeTruthy();
    expect(screen.getByTestId("appointment-action-checked_in")).toBeTruthy();
    expect(screen.getByTestId("appointment-action-no_show")).toBeTruthy();
    expect(screen.queryByTestId("appointment-action-in_consultation")).toBeNull();
    expect(screen.queryByTestId("appointment-action-done")).toBeNull();

    await user.click(screen.getByTestId("appointment-action-checked_in"));
    await waitFor(() => expect(screen.getByTestId("appointment-status").textContent).toBe("Checked in"));
    expect(calls("set_appointment_status")).toEqual([{ request: { id: "appt-1", expected_version: 3, status: "checked_in" } }]);
    expect(screen.getByTestId("appointment-action-in_consultation")).toBeTruthy();
    expect(screen.queryByTestId("appointment-action-confirmed")).toBeNull();

    await user.click(screen.getByTestId("appointment-action-in_consultation"));
    await waitFor(() => expect(screen.getByTestId("appointment-status").textContent).toBe("In consultation"));
    expect(calls("set_appointment_status")[1]).toEqual({ request: { id: "appt-1", expected_version: 4, status: "in_consultation" } });

    await user.click(screen.getByTestId("appointment-open-patient"));
    expect(navigate).toHaveBeenCalledWith({ name: "profile", id: APPT.patient_id });
  });

  it("cancels only with a reason, then offers the freed time to the waitlist", async () => {
    const user = userEvent.setup();
    const entry = waitlistEntry();
    renderDrawer({
      cancel_appointment: () => ({
        appointment: { ...APPT, status: "cancelled", cancel_reason: "Patient called", version: 4 },
        waitlist_offers: [entry, waitlistEntry({ id: "wait-2", patient_name: "Somerville, Mary" })],
      }),
      book_appointment: () => [appointment({ patient_name: entry.patient_name, starts_at: APPT.starts_at })],
    });
    await user.click(await screen.findByTestId("appointment-cancel"));
    await user.click(screen.getByTestId("cancel-submit"));
    expect(screen.getByText("Give a reason for cancelling.")).toBeTruthy();
    expect(calls("cancel_appointment")).toHaveLength(0);

    await user.type(screen.getByTestId("cancel-reason"), "Patient called");
    await user.click(screen.getByTestId("cancel-submit"));
    const offers = await screen.findByTestId("waitlist-offers");
    expect(calls("cancel_appointment")).toEqual([{ request: { id: "appt-1", expected_version: 3, reason: "Patient called" } }]);
    expect(offers.textContent).toContain("This time suits 2 patients on the waitlist.");
    expect(screen.getByTestId("appointment-status").textContent).toBe("Cancelled");
    expect(screen.getByTestId("appointment-cancel-reason").textContent).toBe("Patient called");
    expect(screen.queryByTestId("appointment-cancel")).toBeNull();

    await user.click(screen.getByTestId("waitlist-offer-wait-1"));
    const dialog = await screen.findByTestId("booking-dialog");
    expect((within(dialog).getByTestId("booking-patient") as HTMLInputElement).value).toBe("Babbage, Charles (MRN-000200)");
    await waitFor(() => expect(within(dialog).getByTestId("booking-chosen").textContent).toContain("09:30 with Dr Grace Hopper"));
    await waitFor(() => expect((within(dialog).getByTestId("booking-type") as unknown as HTMLSelectElement).value).toBe(CONSULT.id));
    await user.click(within(dialog).getByTestId("booking-submit"));
    await screen.findByTestId("booking-result");
    expect(calls("book_appointment")).toEqual([
      {
        request: {
          patient_id: entry.patient_id,
          provider_id: DOCTOR.id,
          appointment_type_id: CONSULT.id,
          room_id: null,
          starts_at: APPT.starts_at,
          note: "",
          recurrence: null,
          waitlist_entry_id: "wait-1",
        },
      },
    ]);
    // The booked entry is no longer offered.
    await waitFor(() => expect(screen.queryByTestId("waitlist-offer-wait-1")).toBeNull());
    expect(screen.getByTestId("waitlist-offer-wait-2")).toBeTruthy();
  });

  it("reschedules to a slot of the same type; a taken slot refreshes the list", async () => {
    const user = userEvent.setup();
    let moves = 0;
    renderDrawer({
      find_slots: () => [slot("09:00"), slot("14:00")],
      reschedule_appointment: () =>
        ++moves === 1
          ? Promise.reject({ code: "slot_taken", message: "taken" })
          : { ...APPT, starts_at: at("14:00", "2026-01-06"), ends_at: at("14:30", "2026-01-06"), version: 4 },
    });
    await user.click(await screen.findByTestId("appointment-reschedule"));
    await user.click(screen.getByTestId("reschedule-find-slots"));
    expect(calls("find_slots")).toEqual([
      { request: { provider_id: DOCTOR.id, appointment_type_id: CONSULT.id, from: "", days: 14, limit: 20 } },
    ]);
    await user.click(await screen.findByTestId("reschedule-slot-0"));
    await user.click(screen.getByTestId("reschedule-submit"));
    expect((await screen.findByTestId("reschedule-error")).getAttribute("data-code")).toBe("slot_taken");
    await waitFor(() => expect(calls("find_slots")).toHaveLength(2));
    expect((screen.getByTestId("reschedule-submit") as HTMLButtonElement).disabled).toBe(true);

    await user.click(await screen.findByTestId("reschedule-slot-1"));
    await user.click(screen.getByTestId("reschedule-submit"));
    await screen.findByTestId("appointment-notice");
    expect(calls("reschedule_appointment")[1]).toEqual({
      request: { id: "appt-1", expected_version: 3, starts_at: at("14:00", "2026-01-06"), provider_id: DOCTOR.id, room_id: "room-1" },
    });
    expect(screen.getByTestId("appointment-time").textContent).toBe("Tue 2026-01-06, 14:00–14:30");
  });

  it("says when someone else changed the appointment", async () => {
    const user = userEvent.setup();
    renderDrawer({ set_appointment_status: () => Promise.reject({ code: "edit_conflict", message: "version 3 is stale" }) });
    await user.click(await screen.findByTestId("appointment-action-confirmed"));
    const error = await screen.findByTestId("appointment-action-error");
    expect(error.getAttribute("data-code")).toBe("edit_conflict");
    expect(error.textContent).toContain("Someone else changed this appointment");
  });
});
