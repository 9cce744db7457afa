// Test fixtures for the session screens (used by tests only): sessions, a clinic, a
// start-up status, and rendering the whole app or the gate with a mocked `invoke`.
import { render } from "@testing-library/react";
import type { ClinicInfo } from "../../bindings/ClinicInfo";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { App } from "../../App";
import { makeQueryClient, Providers } from "../../Providers";

export const clinicInfo = (over: Partial<ClinicInfo> = {}): ClinicInfo => ({
  id: "c1",
  name: "Riverside Clinic",
  auto_lock_minutes: 15,
  created_at: "2026-01-01T00:00:00Z",
  ...over,
});

export const sessionInfo = (over: Partial<SessionInfo> = {}): SessionInfo => ({
  staff_id: "s1",
  username: "alex",
  display_name: "Alex Doe",
  role: "front_desk",
  scope: "full",
  signed_in_at: "2026-01-02T09:00:00Z",
  auto_lock_minutes: 15,
  ...over,
});

export const readyStatus = (
  over: { clinic?: ClinicInfo | null; session?: SessionInfo | null; locked?: boolean; test_key?: boolean } = {},
) => ({
  state: "ready" as const,
  device_id: "d1",
  test_key: false,
  clinic: clinicInfo(),
  session: sessionInfo(),
  locked: false,
  ...over,
});

/** The whole app (start-up, gate, shell) in the real providers. */
export function renderApp() {
  const client = makeQueryClient();
  const result = render(
    <Providers client={client}>
      <App />
    </Providers>,
  );
  return { ...result, client };
}
