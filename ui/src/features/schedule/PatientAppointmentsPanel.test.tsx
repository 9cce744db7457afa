// A patient's appointments: upcoming ones with time (clinic zone), provider, type and
// status, the last few past ones, and the empty state.
import { invoke } from "@tauri-apps/api/core";
import { screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { PatientAppointments } from "../../bindings/PatientAppointments";
import { commandRouter, renderWithProviders } from "../../test/render";
import { PAST_SHOWN, PatientAppointmentsPanel } from "./PatientAppointmentsPanel";
import { appointment, at, scheduleHandlers } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

function renderPanel(answer: PatientAppointments) {
  mockInvoke.mockImplementation(commandRouter(scheduleHandlers(undefined, { get_patient_appointments: () => answer })));
  renderWithProviders(<PatientAppointmentsPanel patientId="pat-ada" />);
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("PatientAppointmentsPanel", () => {
  it("lists upcoming appointments and the last few past ones", async () => {
    const past = Array.from({ length: 8 }, (_, i) => appointment({ id: `p${i}`, status: "done", starts_at: at("09:00", `2025-12-0${i + 1}`) }));
    renderPanel({ upcoming: [appointment({ id: "u1", starts_at: at("14:00", "2026-07-01"), ends_at: at("14:30", "2026-07-01") })], past });
    const row = await screen.findByTestId("patient-appointment-u1");
    // London is an hour ahead of UTC in July.
    expect(row.textContent).toContain("2026-07-01, 15:00");
    expect(row.textContent).toContain("Dr Grace Hopper");
    expect(row.textContent).toContain("Consultation");
    expect(row.textContent).toContain("Booked");
    expect(mockInvoke).toHaveBeenCalledWith("get_patient_appointments", { patientId: "pat-ada" });
    const panel = screen.getByTestId("patient-appointments-panel");
    expect(within(panel).getAllByTestId(/^patient-appointment-p/)).toHaveLength(PAST_SHOWN);
    expect(screen.queryByTestId("patient-appointments-empty")).toBeNull();
  });

  it("says when nothing is coming up", async () => {
    renderPanel({ upcoming: [], past: [] });
    expect((await screen.findByTestId("patient-appointments-empty")).textContent).toBe("No upcoming appointments");
  });
});
