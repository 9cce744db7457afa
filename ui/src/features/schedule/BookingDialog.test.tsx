// Booking: the request carries the picked slot's `starts_at` as is (picked with the
// keyboard), the provider and room of that slot and the recurrence; a series reports how
// many were booked; `slot_taken` refreshes the slots and keeps the input; field errors
// show next to their inputs; a calendar click or waitlist offer pre-fills the dialog.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { BookAppointment } from "../../bindings/BookAppointment";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { BookingDialog, type BookingDialogProps } from "./BookingDialog";
import { ADA, appointment, at, CONSULT, DOCTOR, HIDDEN, NURSE, scheduleHandlers, slot, TZ } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);
const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;
const booked = (args: unknown) => (args as { request: BookAppointment }).request;

const SLOTS = [slot("09:00"), slot("09:30", { provider_id: NURSE.id, provider_name: NURSE.display_name, room_id: "room-1" }), slot("10:00")];

function renderDialog(more: Handlers, props: Partial<BookingDialogProps> = {}) {
  mockInvoke.mockImplementation(commandRouter(scheduleHandlers(undefined, { find_slots: () => SLOTS, ...more })));
  const onClose = vi.fn();
  const onBooked = vi.fn();
  renderWithProviders(<BookingDialog onClose={onClose} onBooked={onBooked} timeZone={TZ} {...props} />);
  return { onClose, onBooked };
}

async function pickAda(user: ReturnType<typeof userEvent.setup>) {
  await user.type(await screen.findByTestId("booking-patient"), "Love");
  const option = await screen.findByTestId(`patient-option-${ADA.id}`);
  expect(option.textContent).toBe("Lovelace, Ada · born 1990-12-10 · MRN-000123");
  // A restricted record shows its MRN only.
  expect(screen.getByTestId(`patient-option-${HIDDEN.id}`).textContent).toBe("Restricted record · MRN-000999");
  await user.click(option);
  expect(input("booking-patient").value).toBe("Lovelace, Ada (MRN-000123)");
}

async function chooseType(user: ReturnType<typeof userEvent.setup>) {
  const type = (await screen.findByTestId("booking-type")) as unknown as HTMLSelectElement;
  await waitFor(() => expect(type.options.length).toBe(3));
  expect(type.options[1]!.textContent).toBe("Consultation (30 min)");
  await user.selectOptions(type, CONSULT.id);
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("BookingDialog", () => {
  it("books the slot picked with the keyboard, with its recurrence", async () => {
    const user = userEvent.setup();
    const series = [1, 2, 3, 4].map((n) => appointment({ id: `s${n}`, starts_at: SLOTS[1]!.starts_at, provider_name: NURSE.display_name }));
    const { onBooked } = renderDialog({ book_appointment: () => series });
    await pickAda(user);
    await chooseType(user);
    await user.click(screen.getByTestId("booking-find-slots"));
    expect(calls("find_slots")).toEqual([
      { request: { provider_id: null, appointment_type_id: CONSULT.id, from: "", days: 14, limit: 20 } },
    ]);
    const first = await screen.findByTestId("slot-option-0");
    expect(document.querySelectorAll("style").length).toBe(0);
    expect(first.textContent).toContain("09:00");
    first.focus();
    await user.keyboard("{ArrowDown}");
    expect(document.activeElement).toBe(screen.getByTestId("slot-option-1"));
    await user.keyboard("{Enter}");
    expect(screen.getByTestId("slot-option-1").getAttribute("aria-selected")).toBe("true");
    expect(screen.getByTestId("booking-chosen").textContent).toContain("09:30 with Nurse Joy");

    await user.type(input("booking-note"), "Bring previous results");
    await user.click(screen.getByTestId("booking-recurrence-toggle"));
    await user.clear(input("booking-recurrence-interval"));
    await user.type(input("booking-recurrence-interval"), "2");
    await user.clear(input("booking-recurrence-count"));
    await user.type(input("booking-recurrence-count"), "4");
    await user.selectOptions(screen.getByTestId("booking-recurrence-unit"), "week");
    await user.click(screen.getByTestId("booking-submit"));

    const result = await screen.findByTestId("booking-result");
    expect(calls("book_appointment")).toEqual([
      {
        request: {
          patient_id: ADA.id,
          provider_id: NURSE.id,
          appointment_type_id: CONSULT.id,
          room_id: "room-1",
          starts_at: SLOTS[1]!.starts_at,
          note: "Bring previous results",
          recurrence: { unit: "week", interval: 2, count: 4 },
          waitlist_entry_id: null,
        },
      },
    ]);
    expect(result.textContent).toContain("Booked 4 appointments");
    expect(result.textContent).toContain("Check-in code: K7Q2");
    expect(onBooked).toHaveBeenCalledWith(series);
  });

  it("checks the required inputs and the recurrence here", async () => {
    const user = userEvent.setup();
    renderDialog({});
    await screen.findByTestId("booking-dialog");
    await user.click(screen.getByTestId("booking-recurrence-toggle"));
    await user.clear(input("booking-recurrence-count"));
    await user.type(input("booking-recurrence-count"), "30");
    await user.click(screen.getByTestId("booking-submit"));
    expect(screen.getByText("Choose the patient.")).toBeTruthy();
    expect(screen.getByText("Choose the appointment type.")).toBeTruthy();
    expect(screen.getByTestId("booking-time-error").textContent).toBe("Choose a time.");
    expect(screen.getByText("Enter a whole number from 2 to 24.")).toBeTruthy();
    expect(calls("book_appointment")).toHaveLength(0);
  });

  it("on slot_taken shows the message, refreshes the slots and keeps the input", async () => {
    const user = userEvent.setup();
    let attempts = 0;
    renderDialog({
      book_appointment: (args) =>
        ++attempts === 1
          ? Promise.reject({ code: "slot_taken", message: "taken" })
          : [appointment({ starts_at: booked(args).starts_at })],
    });
    await pickAda(user);
    await chooseType(user);
    await user.selectOptions(screen.getByTestId("booking-provider"), DOCTOR.id);
    await user.type(input("booking-note"), "Fasting");
    await user.click(screen.getByTestId("booking-find-slots"));
    await user.click(await screen.findByTestId("slot-option-0"));
    await user.click(screen.getByTestId("booking-submit"));

    const error = await screen.findByTestId("booking-error");
    expect(error.getAttribute("data-code")).toBe("slot_taken");
    expect(error.textContent).toContain("That time has just been taken");
    await waitFor(() => expect(calls("find_slots")).toHaveLength(2));
    expect(calls("find_slots")[1]).toEqual(calls("find_slots")[0]);
    expect((calls("find_slots")[1] as { request: { provider_id: string } }).request.provider_id).toBe(DOCTOR.id);
    expect(screen.getByTestId("booking-chosen").textContent).toContain("No time chosen");
    expect(input("booking-patient").value).toBe("Lovelace, Ada (MRN-000123)");
    expect((screen.getByTestId("booking-type") as unknown as HTMLSelectElement).value).toBe(CONSULT.id);
    expect(input("booking-note").value).toBe("Fasting");

    await user.click(await screen.findByTestId("slot-option-2"));
    await user.click(screen.getByTestId("booking-submit"));
    expect((await screen.findByTestId("booking-result")).textContent).toContain("Booked");
    expect(booked(calls("book_appointment")[1]).starts_at).toBe(SLOTS[2]!.starts_at);
  });

  it("shows the shell's field errors next to their inputs, keeping them", async () => {
    const user = userEvent.setup();
    renderDialog({
      book_appointment: () =>
        Promise.reject({
          code: "validation",
          message: "invalid",
          fields: [
            { field: "note", message: "Use at most 2000 characters." },
            { field: "recurrence.count", message: "The series runs past the booking horizon." },
          ],
        }),
    });
    await pickAda(user);
    await chooseType(user);
    await user.click(screen.getByTestId("booking-find-slots"));
    await user.click(await screen.findByTestId("slot-option-0"));
    await user.type(input("booking-note"), "Long note");
    await user.click(screen.getByTestId("booking-recurrence-toggle"));
    await user.clear(input("booking-recurrence-count"));
    await user.type(input("booking-recurrence-count"), "24");
    await user.click(screen.getByTestId("booking-submit"));

    expect(await screen.findByText("Use at most 2000 characters.")).toBeTruthy();
    expect(screen.getByText("The series runs past the booking horizon.")).toBeTruthy();
    expect(input("booking-note").getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByTestId("booking-error")).toBeNull();
    expect(input("booking-note").value).toBe("Long note");
    expect(input("booking-recurrence-count").value).toBe("24");
    expect(screen.getByTestId("booking-chosen").textContent).toContain("09:00");
  });

  it("books a given time for a waitlisted patient without a slot search", async () => {
    const user = userEvent.setup();
    renderDialog(
      { book_appointment: () => [appointment({ starts_at: at("11:00") })] },
      {
        patient: { id: "pat-babbage", label: "Babbage, Charles (MRN-000200)" },
        providerId: DOCTOR.id,
        startsAt: at("11:00"),
        appointmentTypeId: CONSULT.id,
        waitlistEntryId: "wait-1",
      },
    );
    const dialog = await screen.findByTestId("booking-dialog");
    expect(input("booking-patient").value).toBe("Babbage, Charles (MRN-000200)");
    await waitFor(() => expect(screen.getByTestId("booking-chosen").textContent).toContain("11:00 with Dr Grace Hopper"));
    await user.click(within(dialog).getByTestId("booking-submit"));
    const result = await screen.findByTestId("booking-result");
    expect(result.textContent).toContain("taken off the waitlist");
    expect(calls("find_slots")).toHaveLength(0);
    expect(booked(calls("book_appointment")[0])).toMatchObject({
      patient_id: "pat-babbage",
      provider_id: DOCTOR.id,
      appointment_type_id: CONSULT.id,
      starts_at: at("11:00"),
      recurrence: null,
      waitlist_entry_id: "wait-1",
    });
  });
});
