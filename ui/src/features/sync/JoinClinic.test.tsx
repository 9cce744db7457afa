// First run, "Join an existing clinic": the form checks its fields, sends `join_clinic`,
// shows the download's progress, and once the first sync is done re-reads the start-up
// status and shows the sign-in screen.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { commandRouter, type Handlers } from "../../test/render";
import { clinicInfo, readyStatus, renderApp } from "../session/testing";
import { syncStatus } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
const downloading = (received: number): SyncStatus =>
  syncStatus({ phase: "syncing", first_sync_done: false, received, total: 200, last_sync_at: null });

beforeEach(() => {
  mockInvoke.mockReset();
});

const firstRun = (extra: Handlers = {}) =>
  mockInvoke.mockImplementation(
    commandRouter({
      app_status: () => readyStatus({ clinic: null, session: null }),
      get_sync_status: () => Promise.reject({ code: "forbidden", message: "sign in first" }),
      ...extra,
    }),
  );

async function openJoin(user: ReturnType<typeof userEvent.setup>) {
  renderApp();
  await user.click(await screen.findByTestId("join-clinic-link"));
  return screen.findByTestId("join-form");
}

describe("join an existing clinic", () => {
  it("checks every field before sending anything", async () => {
    const user = userEvent.setup();
    firstRun();
    await openJoin(user);
    await user.click(screen.getByTestId("join-submit"));
    expect(screen.getByTestId("join-server-url-error").textContent).toBe("This field is required.");
    expect(screen.getByTestId("join-code-error").textContent).toBe("This field is required.");
    expect(screen.getByTestId("join-device-name-error").textContent).toBe("This field is required.");
    expect(screen.queryByTestId("join-ca-error")).toBeNull();

    await user.type(screen.getByTestId("join-server-url"), "sync.clinic.example");
    await user.type(screen.getByTestId("join-code"), "ABCD-1234");
    await user.type(screen.getByTestId("join-device-name"), "Front desk 2");
    await user.type(screen.getByTestId("join-ca"), "not a certificate");
    await user.click(screen.getByTestId("join-submit"));
    expect(screen.getByTestId("join-server-url-error").textContent).toBe("Enter the server address as https://host:port.");
    expect(screen.getByTestId("join-ca-error").textContent).toMatch(/Paste the whole certificate/);

    await user.clear(screen.getByTestId("join-server-url"));
    await user.type(screen.getByTestId("join-server-url"), "http://sync.clinic.example:8080");
    await user.click(screen.getByTestId("join-submit"));
    expect(screen.getByTestId("join-server-url-error").textContent).toMatch(/Use https:\/\//);
    expect(calls("join_clinic")).toEqual([]);
  });

  it("shows the shell's field errors and keeps the form", async () => {
    const user = userEvent.setup();
    firstRun({
      join_clinic: () =>
        Promise.reject({
          code: "validation",
          message: "bad code",
          fields: [{ field: "enrollment_code", message: "This enrollment code has expired." }],
        }),
    });
    await openJoin(user);
    await user.type(screen.getByTestId("join-server-url"), "https://sync.clinic.example:8443");
    await user.type(screen.getByTestId("join-code"), "OLD-CODE");
    await user.type(screen.getByTestId("join-device-name"), "Front desk 2");
    await user.click(screen.getByTestId("join-submit"));
    expect((await screen.findByTestId("join-code-error")).textContent).toBe("This enrollment code has expired.");
    expect(screen.getByTestId("join-form")).toBeTruthy();
  });

  it("goes back to setting up a new clinic", async () => {
    const user = userEvent.setup();
    firstRun();
    await openJoin(user);
    await user.click(screen.getByTestId("join-back"));
    expect(await screen.findByTestId("first-run-form")).toBeTruthy();
  });

  it("joins, shows the download and then the sign-in screen", async () => {
    const user = userEvent.setup();
    let joined = false;
    let polls = 0;
    firstRun({
      app_status: () => readyStatus({ clinic: joined && polls >= 2 ? clinicInfo({ name: "Hillside" }) : null, session: null }),
      join_clinic: () => ((joined = true), downloading(0)),
      get_sync_status: () => {
        if (!joined) return Promise.reject({ code: "forbidden", message: "sign in first" });
        polls += 1;
        return polls === 1 ? downloading(50) : syncStatus({ first_sync_done: true, received: 200, total: 200 });
      },
    });
    await openJoin(user);
    await user.type(screen.getByTestId("join-server-url"), " https://sync.clinic.example:8443/ ");
    await user.type(screen.getByTestId("join-code"), "ABCD-1234");
    await user.type(screen.getByTestId("join-device-name"), "Front desk 2");
    await user.type(screen.getByTestId("join-ca"), PEM);
    await user.click(screen.getByTestId("join-submit"));

    expect(calls("join_clinic")).toEqual([
      {
        request: {
          server_url: "https://sync.clinic.example:8443",
          enrollment_code: "ABCD-1234",
          device_name: "Front desk 2",
          ca_pem: PEM,
        },
      },
    ]);
    const progress = await screen.findByTestId("join-progress");
    await waitFor(() => expect(progress.getAttribute("data-received")).toBe("50"));
    expect(screen.getByTestId("join-progress-text").textContent).toBe("50 of 200 received");
    expect(screen.queryByTestId("login-form")).toBeNull();

    // The next poll finishes the download; the start-up status then has the clinic.
    expect(await screen.findByTestId("login-form", {}, { timeout: 6000 })).toBeTruthy();
    expect(screen.getByTestId("auth-clinic-name").textContent).toBe("Hillside");
  });

  it("resumes a download that was under way when the app closed", async () => {
    mockInvoke.mockImplementation(
      commandRouter({
        app_status: () => readyStatus({ clinic: null, session: null }),
        get_sync_status: () => downloading(120),
      }),
    );
    renderApp();
    const progress = await screen.findByTestId("join-progress");
    await waitFor(() => expect(progress.getAttribute("data-received")).toBe("120"));
    expect(screen.queryByTestId("first-run-form")).toBeNull();
  });
});
