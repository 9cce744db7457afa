// The waitlist: waiting entries only (provider or "Any", dates, when added in clinic
// time), removing one, adding one (patient picked with the search box, checks here, the
// shell's field errors under their inputs) and the queued reminders below.
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { PatientSummary } from "../../bindings/PatientSummary";
import { renderWithProviders } from "../../test/render";
import { withSession } from "../admin/testing";
import * as api from "../schedule/api";
import { searchPatients } from "../search/api";
import { answerWith, callsOf, waitlistEntry } from "./testing";
import { WaitlistScreen } from "./WaitlistScreen";

vi.mock("../schedule/api", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../schedule/api")>();
  return Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, typeof v === "function" ? vi.fn() : v]));
});
vi.mock("../search/api", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../search/api")>()),
  searchPatients: vi.fn(),
}));

const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;
const render = () => renderWithProviders(withSession("front_desk", <WaitlistScreen />));

const GRACE: PatientSummary = {
  id: "pat-grace",
  mrn: "MRN-000777",
  given_name: "Grace",
  middle_name: "",
  family_name: "Hopper",
  date_of_birth: "1906-12-09",
  sex: "female",
  phone: "",
  restricted: false,
};

beforeEach(() => {
  vi.resetAllMocks();
  answerWith();
  vi.mocked(searchPatients).mockResolvedValue({ items: [GRACE], page: 0, page_size: 10, has_more: false });
});

describe("WaitlistScreen", () => {
  it("lists who is waiting and removes an entry", async () => {
    const user = userEvent.setup();
    vi.mocked(api.listWaitlist).mockResolvedValue([
      waitlistEntry("w-1"),
      waitlistEntry("w-2", { provider_id: "dr-b", provider_name: "Dr Bo", patient_name: "Hopper, Grace" }),
      waitlistEntry("w-3", { status: "booked" }),
    ]);
    render();
    const first = await screen.findByTestId("waitlist-row-w-1");
    expect(first.textContent).toContain("Lovelace, Ada");
    expect(first.textContent).toContain("MRN-000123");
    expect(first.textContent).toContain("Any");
    expect(first.textContent).toContain("mornings");
    // Added at 10:00 UTC = 11:00 in Berlin.
    await waitFor(() => expect(first.textContent).toContain("11:00 AM"));
    expect(screen.getByTestId("waitlist-row-w-2").textContent).toContain("Dr Bo");
    expect(screen.queryByTestId("waitlist-row-w-3")).toBeNull();

    await user.click(screen.getByTestId("waitlist-remove-w-2"));
    expect((await screen.findByTestId("waitlist-removed")).textContent).toContain("Hopper, Grace");
    expect(callsOf(api.removeFromWaitlist)).toEqual([{ id: "w-2" }]);
  });

  it("adds a patient, checking here first and showing the shell's field errors", async () => {
    const user = userEvent.setup();
    vi.mocked(api.addToWaitlist)
      .mockRejectedValueOnce({ code: "validation", message: "x", fields: [{ field: "latest", message: "too far ahead" }] })
      .mockImplementation(async (r) => waitlistEntry("w-9", { ...r, patient_name: "Hopper, Grace" }));
    render();
    expect(await screen.findByTestId("waitlist-empty")).toBeTruthy();
    await user.click(screen.getByTestId("waitlist-add"));
    await user.click(screen.getByTestId("waitlist-save"));
    expect(screen.getByText("Choose a patient.")).toBeTruthy();
    expect(screen.getByTestId("waitlist-type-error").textContent).toContain("appointment type");
    expect(api.addToWaitlist).not.toHaveBeenCalled();

    await user.type(input("waitlist-patient"), "Hopp");
    await user.click(await screen.findByTestId("patient-option-pat-grace"));
    await waitFor(() =>
      expect((screen.getByTestId("waitlist-type") as HTMLSelectElement).options.length).toBe(2),
    );
    await user.selectOptions(screen.getByTestId("waitlist-type"), "t-1");
    await user.selectOptions(screen.getByTestId("waitlist-provider"), "dr-b");
    await user.clear(input("waitlist-earliest"));
    await user.type(input("waitlist-earliest"), "2026-04-01");
    await user.clear(input("waitlist-latest"));
    await user.type(input("waitlist-latest"), "2027-04-30");
    await user.type(input("waitlist-note"), "afternoons");
    await user.click(screen.getByTestId("waitlist-save"));
    expect((await screen.findByTestId("waitlist-latest-error")).textContent).toBe("too far ahead");
    expect(input("waitlist-latest").value).toBe("2027-04-30");

    await user.clear(input("waitlist-latest"));
    await user.type(input("waitlist-latest"), "2026-04-30");
    await user.click(screen.getByTestId("waitlist-save"));
    expect((await screen.findByTestId("waitlist-added")).textContent).toContain("Hopper, Grace");
    expect(callsOf(api.addToWaitlist)[1]).toEqual({
      patient_id: "pat-grace",
      appointment_type_id: "t-1",
      provider_id: "dr-b",
      earliest: "2026-04-01",
      latest: "2026-04-30",
      note: "afternoons",
    });
  });

  it("shows the queued reminders in clinic time, or that there are none", async () => {
    vi.mocked(api.listReminders).mockResolvedValue([
      {
        appointment_id: "a-1",
        patient_mrn: "MRN-000123",
        channel: "sms",
        due_at: "2026-03-01T08:00:00Z",
        appointment_starts_at: "2026-03-02T08:00:00Z",
        status: "queued",
      },
    ]);
    const { unmount } = render();
    const row = await screen.findByTestId("reminder-row-0");
    expect(row.textContent).toContain("MRN-000123");
    expect(row.textContent).toContain("Text message (SMS)");
    await waitFor(() => expect(row.textContent).toContain("Mar 1, 2026, 9:00 AM"));
    unmount();

    vi.mocked(api.listReminders).mockResolvedValue([]);
    render();
    expect(await screen.findByTestId("reminders-empty")).toBeTruthy();
    expect(screen.getByTestId("reminders-panel")).toBeTruthy();
  });
});
