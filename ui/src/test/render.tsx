// Test helpers: render inside the real providers with a fresh query client and a
// navigation spy, plus a typed handle on the mocked Tauri `invoke`.
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { vi } from "vitest";
import type { Patient } from "../bindings/Patient";
import { NavigationContext, type Navigate } from "../features/shell/route";
import { makeQueryClient, Providers } from "../Providers";

export function renderWithProviders(ui: ReactElement, navigate: Navigate = vi.fn()) {
  const client = makeQueryClient();
  const result = render(
    <Providers client={client}>
      <NavigationContext.Provider value={navigate}>{ui}</NavigationContext.Provider>
    </Providers>,
  );
  return { ...result, client, navigate };
}

/** Routes mocked `invoke(cmd, args)` calls to per-command handlers. */
export type Handlers = Record<string, (args: Record<string, unknown> | undefined) => unknown>;
export function commandRouter(handlers: Handlers) {
  return async (cmd: string, args?: unknown) => {
    const handler = handlers[cmd];
    if (!handler) throw `unexpected command ${cmd}`;
    return handler(args as Record<string, unknown> | undefined);
  };
}

export const samplePatient = (over: Partial<Patient> = {}): Patient => ({
  id: "0190f0a0-0000-7000-8000-000000000001",
  mrn: "MRN-000123",
  version: 2,
  created_at: "2026-01-02T10:00:00Z",
  updated_at: "2026-01-03T11:30:00Z",
  details: {
    given_name: "Ada",
    middle_name: "",
    family_name: "Lovelace",
    date_of_birth: "1990-12-10",
    sex: "female",
    phone: "+44 20 7946 0000",
    email: "ada@example.org",
    address: { line1: "1 Main St", line2: "", city: "London", region: "", postal_code: "SW1", country: "GB" },
    emergency_contacts: [],
    insurance: null,
    preferences: { language: "en", contact_channel: "phone" },
  },
  ...over,
});
