// "Provider absent": the day defaults to today in the clinic's zone, the absent
// provider's booked and confirmed appointments that day are listed, moving sends the
// chosen colleague (never the absent one) and shows the patients to contact; marking all
// for rescheduling sends no colleague; the reason is required.
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderWithProviders } from "../../test/render";
import { withSession } from "../admin/testing";
import * as api from "../schedule/api";
import { ReassignScreen } from "./ReassignScreen";
import { answerWith, appointment, calendarOf, callsOf } from "./testing";

vi.mock("../schedule/api", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../schedule/api")>();
  return Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, typeof v === "function" ? vi.fn() : v]));
});

const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;
const select = (id: string) => screen.getByTestId(id) as HTMLSelectElement;

const BOOKED = appointment("a-1");
const CONFIRMED = appointment("a-2", {
  patient_name: "Hopper, Grace",
  patient_mrn: "MRN-000777",
  starts_at: "2026-03-02T09:00:00Z",
  ends_at: "2026-03-02T09:30:00Z",
  status: "confirmed",
});
const CANCELLED = appointment("a-3", { status: "cancelled" });

beforeEach(() => {
  vi.resetAllMocks();
  answerWith();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-03-01T23:30:00Z")); // already 2 March in Berlin
  vi.mocked(api.getCalendar).mockResolvedValue(calendarOf([CANCELLED, CONFIRMED, BOOKED]));
});
afterEach(() => {
  vi.useRealTimers();
});

async function chooseAbsent() {
  const user = userEvent.setup();
  renderWithProviders(withSession("front_desk", <ReassignScreen />));
  await waitFor(() => expect(input("reassign-date").value).toBe("2026-03-02"));
  await waitFor(() => expect(select("reassign-provider").options.length).toBe(4));
  await user.selectOptions(select("reassign-provider"), "dr-a");
  await screen.findByTestId("reassign-appointment-a-1");
  return user;
}

describe("ReassignScreen", () => {
  it("moves the day to the chosen colleague and lists whom to contact", async () => {
    vi.mocked(api.reassignDay).mockResolvedValue({
      moved: 1,
      needs_reschedule: 1,
      contacts: [
        { appointment: { ...BOOKED, provider_id: "dr-b", provider_name: "Dr Bo" }, phone: "+44 20 7946 0000", email: "", moved: true },
        { appointment: { ...CONFIRMED, status: "needs_reschedule" }, phone: "", email: "grace@example.org", moved: false },
      ],
    });
    const user = await chooseAbsent();
    expect(callsOf(api.getCalendar)).toContainEqual({ from: "2026-03-02", days: 1, provider_ids: ["dr-a"] });
    // Booked and confirmed only, earliest first, times in clinic time.
    const rows = screen.getAllByTestId(/^reassign-appointment-/);
    expect(rows.map((r) => r.getAttribute("data-testid"))).toEqual(["reassign-appointment-a-1", "reassign-appointment-a-2"]);
    expect(rows[0]!.textContent).toContain("9:00 AM");
    expect(Array.from(select("reassign-target").options).map((o) => o.value)).toEqual(["", "dr-b", "nurse-c"]);

    await user.click(screen.getByTestId("reassign-submit"));
    expect(screen.getByTestId("reassign-target-error").textContent).toContain("Choose who");
    expect(screen.getByTestId("reassign-reason-error").textContent).toContain("reason");
    expect(api.reassignDay).not.toHaveBeenCalled();

    await user.selectOptions(select("reassign-target"), "dr-b");
    await user.type(input("reassign-reason"), "Dr Ada off sick");
    await user.click(screen.getByTestId("reassign-submit"));

    const outcome = await screen.findByTestId("reassign-outcome");
    expect(callsOf(api.reassignDay)).toEqual([
      { from_provider_id: "dr-a", date: "2026-03-02", to_provider_id: "dr-b", record_leave: true, reason: "Dr Ada off sick" },
    ]);
    expect(screen.getByTestId("reassign-moved").textContent).toBe("1 appointment moved.");
    expect(screen.getByTestId("reassign-needs-reschedule").textContent).toBe("1 appointment needs a new time.");
    const moved = screen.getByTestId("reassign-contact-a-1");
    expect(moved.textContent).toContain("Lovelace, Ada");
    expect(moved.textContent).toContain("+44 20 7946 0000");
    expect(moved.textContent).toContain("Moved to Dr Bo");
    const needs = screen.getByTestId("reassign-contact-a-2");
    expect(needs.textContent).toContain("MRN-000777");
    expect(needs.textContent).toContain("grace@example.org");
    expect(needs.textContent).toContain("Needs a new time");
    expect(needs.textContent).toContain("10:00 AM");
    expect(outcome.textContent).not.toContain("Print");
  });

  it("marks everything for rescheduling without a colleague, leave optional", async () => {
    vi.mocked(api.reassignDay).mockResolvedValue({ moved: 0, needs_reschedule: 2, contacts: [] });
    const user = await chooseAbsent();
    await user.click(screen.getByTestId("reassign-mode-reschedule"));
    expect(screen.queryByTestId("reassign-target")).toBeNull();
    await user.click(screen.getByTestId("reassign-record-leave"));
    await user.clear(input("reassign-date"));
    await user.type(input("reassign-date"), "2026-03-03");
    await user.type(input("reassign-reason"), "Training day");
    await user.click(screen.getByTestId("reassign-submit"));
    expect(await screen.findByTestId("reassign-outcome")).toBeTruthy();
    expect(callsOf(api.reassignDay)).toEqual([
      { from_provider_id: "dr-a", date: "2026-03-03", to_provider_id: null, record_leave: false, reason: "Training day" },
    ]);
    expect(screen.getByTestId("reassign-needs-reschedule").textContent).toBe("2 appointments need a new time.");
    expect(screen.getByTestId("reassign-no-contacts")).toBeTruthy();
  });

  it("shows the shell's field error under its input, keeping the input", async () => {
    vi.mocked(api.reassignDay).mockRejectedValue({
      code: "validation",
      message: "x",
      fields: [{ field: "to_provider_id", message: "Dr Bo is on leave that day" }],
    });
    const user = await chooseAbsent();
    await user.selectOptions(select("reassign-target"), "dr-b");
    await user.type(input("reassign-reason"), "Sick");
    await user.click(screen.getByTestId("reassign-submit"));
    expect((await screen.findByTestId("reassign-target-error")).textContent).toBe("Dr Bo is on leave that day");
    expect(select("reassign-target").value).toBe("dr-b");
    expect(input("reassign-reason").value).toBe("Sick");
    expect(screen.queryByTestId("reassign-outcome")).toBeNull();
  });
});
