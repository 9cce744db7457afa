// Provider endpoint settings: the list with whether this device holds the credentials;
// the form never shows a secret, sends `secret: null` when the field is left empty,
// the typed token when one is given, "" after "Forget credentials"; the SMART fields;
// local and shell field errors; the Settings screen's tab.
import { invoke } from "@tauri-apps/api/core";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ProviderEndpoint } from "../../bindings/ProviderEndpoint";
import type { SaveProviderEndpoint } from "../../bindings/SaveProviderEndpoint";
import { commandRouter, renderWithProviders } from "../../test/render";
import { SettingsScreen } from "../admin/SettingsScreen";
import { withSession } from "../admin/testing";
import { ProviderSettings } from "./ProviderSettings";
import { endpoint } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const saves = () =>
  mockInvoke.mock.calls.filter((c) => c[0] === "save_provider_endpoint").map((c) => (c[1] as { input: SaveProviderEndpoint }).input);

let stored: ProviderEndpoint[];

function renderSettings(ui = <ProviderSettings />) {
  mockInvoke.mockImplementation(
    commandRouter({
      list_provider_endpoints: () => stored,
      save_provider_endpoint: (args) => {
        const input = (args as { input: SaveProviderEndpoint }).input;
        const before = stored.find((e) => e.id === input.id);
        const { secret, ...rest } = input;
        const saved: ProviderEndpoint = {
          ...rest,
          id: input.id ?? "e-new",
          has_credentials: secret === null ? (before?.has_credentials ?? false) : secret !== "",
          updated_at: new Date().toISOString(),
        };
        stored = [...stored.filter((e) => e.id !== saved.id), saved];
        return saved;
      },
    }),
  );
  return renderWithProviders(withSession("administrator", ui));
}

beforeEach(() => {
  mockInvoke.mockReset();
  stored = [endpoint()];
});

describe("ProviderSettings", () => {
  it("lists endpoints with whether this device holds their credentials", async () => {
    stored = [endpoint(), endpoint({ id: "e2", name: "Hillside", has_credentials: false, clinic_default: false, refresh_minutes: 0 })];
    renderSettings();
    const rows = await screen.findAllByTestId("provider-endpoint-row");
    expect(rows.map((r) => within(r).getByTestId("provider-endpoint-credentials").getAttribute("data-held"))).toEqual(["true", "false"]);
    expect(within(rows[0]!).getByTestId("provider-endpoint-default-badge")).toBeTruthy();
    expect(within(rows[1]!).getByText("Manual only")).toBeTruthy();
    expect(screen.queryByTestId("provider-endpoint-form")).toBeNull();
  });

  it("never shows the held secret and keeps it (secret: null) when the field is left empty", async () => {
    const user = userEvent.setup();
    renderSettings();
    await user.click(await screen.findByTestId("provider-endpoint-edit"));
    const secret = screen.getByTestId("provider-endpoint-secret") as HTMLInputElement;
    expect(secret.value).toBe("");
    expect(secret.type).toBe("password");
    expect(screen.getByTestId("provider-endpoint-credentials-state").textContent).toBe("Credentials held on this device");
    expect((screen.getByTestId("provider-endpoint-name") as HTMLInputElement).value).toBe("Riverside Family Practice");

    await user.clear(screen.getByTestId("provider-endpoint-refresh"));
    await user.type(screen.getByTestId("provider-endpoint-refresh"), "30");
    await user.click(screen.getByTestId("provider-endpoint-save"));
    expect((await screen.findByTestId("provider-endpoint-saved")).textContent).toBe("Saved Riverside Family Practice.");
    expect(saves()).toEqual([
      {
        id: endpoint().id,
        name: "Riverside Family Practice",
        base_url: "https://fhir.riverside.example/r4",
        auth: "bearer",
        client_id: null,
        token_url: null,
        scope: null,
        secret: null,
        refresh_minutes: 30,
        send_demographics: false,
        clinic_default: true,
      },
    ]);
  });

  it("forgets the credentials with an empty secret, and sends a typed token", async () => {
    const user = userEvent.setup();
    renderSettings();
    await user.click(await screen.findByTestId("provider-endpoint-edit"));
    await user.type(screen.getByTestId("provider-endpoint-secret"), "typed-then-forgotten");
    await user.click(screen.getByTestId("provider-endpoint-forget"));
    expect((screen.getByTestId("provider-endpoint-secret") as HTMLInputElement).value).toBe("");
    expect(screen.getByTestId("provider-endpoint-credentials-state").textContent).toBe("No credentials on this device");
    await user.click(screen.getByTestId("provider-endpoint-save"));
    await screen.findByTestId("provider-endpoint-saved");
    expect(saves().map((s) => s.secret)).toEqual([""]);
    expect(within(screen.getByTestId("provider-endpoint-row")).getByTestId("provider-endpoint-credentials").getAttribute("data-held")).toBe("false");

    await user.click(screen.getByTestId("provider-endpoint-edit"));
    await user.type(screen.getByTestId("provider-endpoint-secret"), "tok-123");
    await user.click(screen.getByTestId("provider-endpoint-save"));
    await screen.findByTestId("provider-endpoint-saved");
    expect(saves().map((s) => s.secret)).toEqual(["", "tok-123"]);
    expect(screen.queryByDisplayValue("tok-123")).toBeNull();
  });

  it("adds a SMART endpoint after checking the required fields, and shows the shell's field errors", async () => {
    const user = userEvent.setup();
    stored = [];
    let refuse = true;
    renderSettings();
    await screen.findByTestId("provider-endpoints-empty");
    await user.click(screen.getByTestId("provider-endpoint-save"));
    expect(screen.getAllByText("This field is required.")).toHaveLength(2);
    expect(saves()).toEqual([]);

    await user.type(screen.getByTestId("provider-endpoint-name"), "Hillside");
    await user.type(screen.getByTestId("provider-endpoint-url"), "https://fhir.hillside.example/r4");
    await user.selectOptions(screen.getByTestId("provider-endpoint-auth"), "smart_backend");
    await user.type(screen.getByTestId("provider-endpoint-client-id"), "clinic-app");
    await user.type(screen.getByTestId("provider-endpoint-token-url"), "https://auth.hillside.example/token");
    await user.type(screen.getByTestId("provider-endpoint-secret"), "not a key");
    await user.click(screen.getByTestId("provider-endpoint-demographics"));
    mockInvoke.mockImplementation(async (cmd, args) => {
      if (cmd === "save_provider_endpoint" && refuse) {
        refuse = false;
        throw { code: "validation", message: "invalid", fields: [{ field: "secret", message: "Paste the private key in PEM form." }] };
      }
      if (cmd === "list_provider_endpoints") return stored;
      const input = (args as { input: SaveProviderEndpoint }).input;
      return { ...input, id: "e-new", has_credentials: true, updated_at: "2026-01-06T00:00:00Z" };
    });
    await user.click(screen.getByTestId("provider-endpoint-save"));
    expect(await screen.findByText("Paste the private key in PEM form.")).toBeTruthy();
    expect(saves()[0]).toMatchObject({
      id: null,
      auth: "smart_backend",
      client_id: "clinic-app",
      token_url: "https://auth.hillside.example/token",
      secret: "not a key",
      send_demographics: true,
    });
  });

  it("sits in its own tab of the Settings screen, loaded only when opened", async () => {
    const user = userEvent.setup();
    renderSettings(<SettingsScreen />);
    expect(screen.getByTestId("auto-lock-minutes")).toBeTruthy();
    expect(mockInvoke).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("settings-tab-providers"));
    expect(await screen.findByTestId("provider-endpoint-row")).toBeTruthy();
    expect(screen.queryByTestId("auto-lock-minutes")).toBeNull();
  });
});
