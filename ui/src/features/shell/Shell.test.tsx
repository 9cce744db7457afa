import { invoke } from "@tauri-apps/api/core";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Role } from "../../bindings/Role";
import { commandRouter, renderWithProviders, samplePatient } from "../../test/render";
import { SessionContext, useSession } from "../session/SessionContext";
import { sessionInfo } from "../session/testing";
import { routeAllowed } from "./nav";
import { Shell } from "./Shell";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const NAV = ["nav-search", "nav-register", "nav-inbox", "nav-staff", "nav-audit", "nav-alerts", "nav-settings"];
const shown = () => NAV.filter((id) => screen.queryByTestId(id) !== null);

const renderShell = (role: Role, handlers = { onLock: vi.fn(), onLogout: vi.fn() }) => {
  const session = sessionInfo({ role, display_name: `A ${role}` });
  renderWithProviders(<Shell testKey={false} session={session} {...handlers} />);
  return handlers;
};

beforeEach(() => {
  mockInvoke.mockReset();
  mockInvoke.mockImplementation(commandRouter({ list_notifications: () => [] }));
});

describe("Shell navigation by role", () => {
  it.each<[Role, string[]]>([
    ["front_desk", ["nav-search", "nav-register"]],
    ["doctor", ["nav-search", "nav-register", "nav-inbox"]],
    ["nurse", ["nav-search", "nav-register", "nav-inbox"]],
    ["billing", ["nav-search"]],
    ["administrator", ["nav-search", "nav-staff", "nav-audit", "nav-alerts", "nav-settings"]],
  ])("%s sees %j", (role, expected) => {
    renderShell(role);
    expect(shown()).toEqual(expected);
    expect(screen.getByTestId("session-user").textContent).toBe(`A ${role}`);
  });

  it("keeps Ctrl+N away from roles that may not register", async () => {
    const user = userEvent.setup();
    renderShell("billing");
    await screen.findByTestId("search-input");
    await user.keyboard("{Alt>}n{/Alt}");
    expect(screen.queryByTestId("register-submit")).toBeNull();
    expect(screen.getByTestId("search-input")).toBeTruthy();
  });

  it("offers Lock and Sign out", async () => {
    const user = userEvent.setup();
    const handlers = renderShell("nurse");
    await user.click(screen.getByTestId("lock-button"));
    expect(handlers.onLock).toHaveBeenCalledTimes(1);
    await user.click(screen.getByTestId("logout-button"));
    expect(handlers.onLogout).toHaveBeenCalledTimes(1);
  });

  it("opens the administrators' screens by route", async () => {
    const user = userEvent.setup();
    renderShell("administrator");
    await user.click(screen.getByTestId("nav-staff"));
    expect(screen.getByTestId("nav-staff").getAttribute("aria-current")).toBe("page");
    expect(screen.queryByTestId("search-input")).toBeNull();
  });

  it("useSession() gives the session inside a provider and refuses outside one", () => {
    function Probe() {
      return <span data-testid="probe">{useSession().role}</span>;
    }
    renderWithProviders(
      <SessionContext.Provider value={sessionInfo({ role: "doctor" })}>
        <Probe />
      </SessionContext.Provider>,
    );
    expect(screen.getByTestId("probe").textContent).toBe("doctor");
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => renderWithProviders(<Probe />)).toThrow(/outside a signed-in session/);
    quiet.mockRestore();
  });
});

describe("the chart route", () => {
  it("takes a doctor from the profile to the chart and back", async () => {
    const user = userEvent.setup();
    const p = samplePatient();
    const d = p.details;
    mockInvoke.mockImplementation(
      commandRouter({
        search_patients: () => ({
          items: [
            {
              id: p.id,
              mrn: p.mrn,
              given_name: d.given_name,
              middle_name: d.middle_name,
              family_name: d.family_name,
              date_of_birth: d.date_of_birth,
              sex: d.sex,
              phone: d.phone,
              restricted: false,
            },
          ],
          page: 0,
          page_size: 25,
          has_more: false,
        }),
        get_patient: () => p,
        get_chart_summary: () => ({
          patient_id: p.id,
          allergy_status: { state: "not_recorded" },
          allergies: [],
          problems: [],
          medications: [],
          plans: [],
        }),
        get_timeline: () => ({ encounters: [], loose_notes: [], page: 0, page_size: 20, has_more: false }),
        get_observation_summary: () => ({ latest_vitals: [], recent_results: [] }),
        list_observations: () => ({ items: [], page: 0, page_size: 20, has_more: false }),
        list_observation_codes: () => [],
        list_documents: () => ({ items: [], page: 0, page_size: 20, has_more: false }),
        list_notifications: () => [],
      }),
    );
    renderShell("doctor");
    await user.type(await screen.findByTestId("search-input"), "Lovelace");
    await user.click(await screen.findByTestId("search-result"));
    await user.click(await screen.findByTestId("open-chart"));
    expect((await screen.findByTestId("allergy-banner")).getAttribute("data-state")).toBe("not_recorded");
    expect(screen.getByTestId("chart-patient-name").textContent).toBe("Lovelace, Ada");
    expect(await screen.findByTestId("latest-vitals-empty")).toBeTruthy();
    expect(await screen.findByTestId("results-empty")).toBeTruthy();
    // Strict CSP: the chart injects no <style> elements.
    expect(document.querySelectorAll("style").length).toBe(0);
    await user.click(screen.getByTestId("chart-back"));
    expect(await screen.findByTestId("patient-profile")).toBeTruthy();
  });
});

describe("routeAllowed", () => {
  it("matches the permission matrix", () => {
    expect(routeAllowed("billing", "profile")).toBe(true);
    expect(routeAllowed("billing", "edit")).toBe(false);
    expect(routeAllowed("administrator", "register")).toBe(false);
    expect(routeAllowed("administrator", "restriction")).toBe(true);
    expect(routeAllowed("doctor", "audit")).toBe(false);
    expect(routeAllowed("doctor", "chart")).toBe(true);
    expect(routeAllowed("nurse", "chart")).toBe(true);
    expect(routeAllowed("front_desk", "chart")).toBe(false);
    expect(routeAllowed("billing", "chart")).toBe(false);
    expect(routeAllowed("administrator", "chart")).toBe(false);
  });
});
