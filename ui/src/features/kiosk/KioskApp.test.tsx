// The kiosk end to end against a mocked shell: identify (no match keeps the input,
// throttling counts down), confirm details (errors next to fields), check in, and every
// reset path (done screen after 10 s, idle, "Start over", an ended visit): the open visit
// is ended, the reload is called and nothing of the patient stays on screen.
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { KioskVisit } from "../../bindings/KioskVisit";
import { renderWithProviders } from "../../test/render";
import { kioskCheckIn, kioskEnd, kioskIdentify, kioskStatus, kioskUpdateDetails } from "./api";
import { DONE_RESET_MS, KioskApp } from "./KioskApp";
import { reloadKiosk } from "./kioskWindow";

vi.mock("./api", () => ({
  kioskStatus: vi.fn(),
  kioskIdentify: vi.fn(),
  kioskUpdateDetails: vi.fn(),
  kioskCheckIn: vi.fn(),
  kioskEnd: vi.fn(),
}));
vi.mock("./kioskWindow", () => ({ reloadKiosk: vi.fn(), isKioskWindow: vi.fn(() => true) }));

const status = vi.mocked(kioskStatus);
const identify = vi.mocked(kioskIdentify);
const update = vi.mocked(kioskUpdateDetails);
const checkIn = vi.mocked(kioskCheckIn);
const end = vi.mocked(kioskEnd);
const reload = vi.mocked(reloadKiosk);

const visit = (over: Partial<KioskVisit> = {}): KioskVisit => ({
  token: "tok-1",
  given_name: "Adelina",
  appointment_time: "09:30",
  provider_name: "Dr Okonkwo",
  already_checked_in: false,
  details: {
    phone: "+1 555 0100",
    email: "adelina@example.org",
    address: { line1: "12 Elm Street", line2: "", city: "Springfield", region: "IL", postal_code: "62701", country: "US" },
    insurance: { payer: "Acme Health", member_id: "ACM-778", group_number: "G-1" },
  },
  ...over,
});
const PATIENT_TEXT = ["Adelina", "Okonkwo", "555 0100", "adelina@example.org", "Elm Street", "ACM-778", "Nakamura"];

const byId = (id: string) => screen.getByTestId(id) as HTMLInputElement;
const fill = (id: string, value: string) => fireEvent.change(byId(id), { target: { value } });

function fillIdentify(dob = "1980-04-25") {
  fill("kiosk-family-name", "Nakamura");
  fill("kiosk-dob", dob);
  fill("kiosk-factor-value", "K7Q2");
}

async function toVisit(user: ReturnType<typeof userEvent.setup>, v = visit()) {
  identify.mockResolvedValue(v);
  fillIdentify();
  await user.click(byId("kiosk-continue"));
  await screen.findByTestId(v.already_checked_in ? "kiosk-done" : "kiosk-greeting");
}

beforeEach(() => {
  for (const m of [status, identify, update, checkIn, end, reload]) m.mockReset();
  status.mockResolvedValue({ clinic_name: "Riverside Clinic", idle_seconds: 30 });
  end.mockResolvedValue(null);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("identify", () => {
  it("keeps the input and shows the generic message when nothing matches", async () => {
    const user = userEvent.setup();
    renderWithProviders(<KioskApp />);
    expect(await screen.findByText("Welcome to Riverside Clinic")).toBeTruthy();
    identify.mockRejectedValue({ code: "kiosk_no_match", message: "We could not find your appointment today." });
    fillIdentify("1980/4/25");
    await user.click(byId("kiosk-continue"));
    const error = await screen.findByTestId("kiosk-error");
    expect(error.textContent).toContain("We could not find your appointment today.");
    expect(identify).toHaveBeenCalledWith({
      family_name: "Nakamura",
      date_of_birth: "1980-04-25",
      factor: { kind: "appointment_code", value: "K7Q2" },
    });
    expect(byId("kiosk-family-name").value).toBe("Nakamura");
    expect(byId("kiosk-dob").value).toBe("1980/4/25");
    expect(byId("kiosk-factor-value").value).toBe("K7Q2");
  });

  it("checks the date of birth and the phone digits before asking", async () => {
    const user = userEvent.setup();
    renderWithProviders(<KioskApp />);
    await user.click(byId("kiosk-factor-phone"));
    expect((byId("kiosk-factor-phone") as HTMLInputElement).checked).toBe(true);
    expect(screen.getByRole("textbox", { name: /Last 4 digits of your phone number/ })).toBe(byId("kiosk-factor-value"));
    fill("kiosk-family-name", "Nakamura");
    fill("kiosk-dob", "25/04/1980");
    fill("kiosk-factor-value", "12");
    await user.click(byId("kiosk-continue"));
    expect(await screen.findByText("Enter your date of birth like 1980-04-25 (year, month, day).")).toBeTruthy();
    expect(screen.getByText("Enter exactly 4 digits, for example 1234.")).toBeTruthy();
    expect(byId("kiosk-dob").getAttribute("aria-invalid")).toBe("true");
    expect(identify).not.toHaveBeenCalled();

    identify.mockResolvedValue(visit());
    fill("kiosk-dob", "19800425");
    fill("kiosk-factor-value", "0100");
    await user.click(byId("kiosk-continue"));
    await screen.findByTestId("kiosk-greeting");
    expect(identify).toHaveBeenCalledWith({
      family_name: "Nakamura",
      date_of_birth: "1980-04-25",
      factor: { kind: "phone_last_digits", value: "0100" },
    });
  });

  it("counts down when throttled and holds Continue until then", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    renderWithProviders(<KioskApp />);
    identify.mockRejectedValue({ code: "throttled", message: "Too many attempts", retry_after_secs: 20 });
    fillIdentify();
    await user.click(byId("kiosk-continue"));
    const countdown = await screen.findByTestId("kiosk-countdown");
    expect(countdown.textContent).toContain("Please wait 20 seconds");
    expect(byId("kiosk-continue").disabled).toBe(true);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(5_000);
    });
    expect(screen.getByTestId("kiosk-countdown").textContent).toContain("Please wait 15 seconds");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(15_000);
    });
    expect(screen.getByTestId("kiosk-countdown").textContent).toBe("You can try again now.");
    expect(byId("kiosk-continue").disabled).toBe(false);
  });
});

describe("visit", () => {
  it("greets, checks in, shows done and resets after 10 seconds", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    renderWithProviders(<KioskApp />);
    await toVisit(user);
    expect(screen.getByTestId("kiosk-greeting").textContent).toBe("Hello Adelina");
    expect(screen.getByTestId("kiosk-appointment").textContent).toBe("Your appointment is at 09:30 with Dr Okonkwo.");
    expect(byId("kiosk-phone").value).toBe("+1 555 0100");
    expect(byId("kiosk-postal-code").value).toBe("62701");
    expect(byId("kiosk-insurance-member").value).toBe("ACM-778");

    checkIn.mockResolvedValue(visit({ already_checked_in: true }));
    await user.click(byId("kiosk-check-in"));
    expect((await screen.findByTestId("kiosk-done")).textContent).toContain("You are checked in. Please take a seat.");
    expect(checkIn).toHaveBeenCalledWith("tok-1");
    expect(update).not.toHaveBeenCalled();

    await act(async () => {
      await vi.advanceTimersByTimeAsync(DONE_RESET_MS - 500);
    });
    expect(reload).not.toHaveBeenCalled();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(500);
    });
    await waitFor(() => expect(reload).toHaveBeenCalledTimes(1));
    expect(end).toHaveBeenCalledWith("tok-1");
    for (const text of PATIENT_TEXT) expect(document.body.textContent).not.toContain(text);
  });

  it("shows save errors next to the fields, keeps the input, then saves", async () => {
    const user = userEvent.setup();
    renderWithProviders(<KioskApp />);
    await toVisit(user);
    fill("kiosk-phone", "call me");
    fill("kiosk-postal-code", "9999999999999");
    update.mockRejectedValueOnce({
      code: "validation",
      message: "invalid",
      fields: [
        { field: "phone", message: "Use digits only." },
        { field: "address.postal_code", message: "This postal code is too long." },
      ],
    });
    await user.click(byId("kiosk-save-details"));
    expect(await screen.findByText("Use digits only.")).toBeTruthy();
    expect(screen.getByText("This postal code is too long.")).toBeTruthy();
    expect(byId("kiosk-phone").value).toBe("call me");
    expect(byId("kiosk-phone").getAttribute("aria-invalid")).toBe("true");

    const fixed = visit().details;
    update.mockResolvedValueOnce(visit({ details: { ...fixed, phone: "+1 555 0199" } }));
    fill("kiosk-phone", "+1 555 0199");
    fill("kiosk-postal-code", "62701");
    await user.click(byId("kiosk-save-details"));
    expect(await screen.findByTestId("kiosk-details-saved")).toBeTruthy();
    expect(update).toHaveBeenLastCalledWith("tok-1", { ...fixed, phone: "+1 555 0199" });
    expect(screen.queryByText("Use digits only.")).toBeNull();
  });

  it("saves unsaved changes before checking in", async () => {
    const user = userEvent.setup();
    renderWithProviders(<KioskApp />);
    await toVisit(user);
    fill("kiosk-email", "new@example.org");
    update.mockResolvedValue(visit({ details: { ...visit().details, email: "new@example.org" } }));
    checkIn.mockResolvedValue(visit());
    await user.click(byId("kiosk-check-in"));
    await screen.findByTestId("kiosk-done");
    expect(update).toHaveBeenCalledWith("tok-1", { ...visit().details, email: "new@example.org" });
    expect(checkIn).toHaveBeenCalledWith("tok-1");
  });

  it("goes straight to done when already checked in", async () => {
    const user = userEvent.setup();
    renderWithProviders(<KioskApp />);
    await toVisit(user, visit({ already_checked_in: true }));
    expect(screen.getByTestId("kiosk-done").textContent).toContain("You are already checked in.");
    expect(screen.queryByTestId("kiosk-check-in")).toBeNull();
  });
});

describe("reset", () => {
  it("ends the visit and reloads after the idle time, leaving no patient text", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    renderWithProviders(<KioskApp />);
    await waitFor(() => expect(status).toHaveBeenCalled());
    await toVisit(user);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(29_000);
    });
    expect(end).not.toHaveBeenCalled();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1_000);
    });
    await waitFor(() => expect(reload).toHaveBeenCalledTimes(1));
    expect(end).toHaveBeenCalledWith("tok-1");
    expect(screen.getByTestId("kiosk-app").getAttribute("data-step")).toBe("resetting");
    for (const text of PATIENT_TEXT) expect(document.body.textContent).not.toContain(text);
    expect(document.querySelectorAll("input")).toHaveLength(0);
  });

  it("starts over on request, reloading even when ending the visit fails", async () => {
    const user = userEvent.setup();
    renderWithProviders(<KioskApp />);
    await toVisit(user);
    end.mockRejectedValue({ code: "kiosk_visit_ended", message: "ended" });
    await user.click(byId("kiosk-start-over"));
    await waitFor(() => expect(reload).toHaveBeenCalledTimes(1));
    expect(end).toHaveBeenCalledWith("tok-1");
    for (const text of PATIENT_TEXT) expect(document.body.textContent).not.toContain(text);
  });

  it("clears typed input on Start over without a visit to end", async () => {
    const user = userEvent.setup();
    renderWithProviders(<KioskApp />);
    fillIdentify();
    await user.click(byId("kiosk-start-over"));
    await waitFor(() => expect(reload).toHaveBeenCalledTimes(1));
    expect(end).not.toHaveBeenCalled();
    expect(document.body.textContent).not.toContain("Nakamura");
  });

  it("resets when a call says the visit ended", async () => {
    const user = userEvent.setup();
    renderWithProviders(<KioskApp />);
    await toVisit(user);
    checkIn.mockRejectedValue({ code: "kiosk_visit_ended", message: "Please start again." });
    await user.click(byId("kiosk-check-in"));
    await waitFor(() => expect(reload).toHaveBeenCalledTimes(1));
    expect(end).not.toHaveBeenCalled();
    for (const text of PATIENT_TEXT) expect(document.body.textContent).not.toContain(text);
  });

  it("uses 90 seconds when the kiosk status cannot be read", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    status.mockRejectedValue({ code: "not_ready", message: "not ready" });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    renderWithProviders(<KioskApp />);
    expect(await screen.findByText("Welcome")).toBeTruthy();
    await toVisit(user);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(89_000);
    });
    expect(reload).not.toHaveBeenCalled();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1_000);
    });
    await waitFor(() => expect(reload).toHaveBeenCalledTimes(1));
  });
});
