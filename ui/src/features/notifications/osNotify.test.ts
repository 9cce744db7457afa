// OS notifications: the permission dance, swallowed failures, and which arrivals are
// announced (new, unread, created since mount, once each), with no name or MRN.
import { isPermissionGranted, requestPermission, sendNotification } from "@tauri-apps/plugin-notification";
import { renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Notification } from "../../bindings/Notification";
import { localTime } from "./model";
import { arrivalsToAnnounce, notifyOs, useArrivalAnnouncer } from "./osNotify";

vi.mock("@tauri-apps/plugin-notification", () => ({
  isPermissionGranted: vi.fn(),
  requestPermission: vi.fn(),
  sendNotification: vi.fn(),
}));
const granted = vi.mocked(isPermissionGranted);
const request = vi.mocked(requestPermission);
const send = vi.mocked(sendNotification);

const arrival = (over: Partial<Notification> = {}): Notification => ({
  id: "a-1",
  kind: "patient_arrived",
  patient_id: "patient-1",
  patient_mrn: "MRN-000123",
  detail: { appointment_id: "appt-1", starts_at: "2026-01-05T09:30:00Z" },
  created_at: "2026-01-05T09:25:00Z",
  read_at: null,
  ...over,
});

beforeEach(() => {
  granted.mockReset();
  request.mockReset();
  send.mockReset();
});

describe("notifyOs", () => {
  it("sends when permission is granted", async () => {
    granted.mockResolvedValue(true);
    expect(await notifyOs("T", "B")).toBe(true);
    expect(request).not.toHaveBeenCalled();
    expect(send).toHaveBeenCalledWith({ title: "T", body: "B" });
  });

  it("asks for permission first when it is not granted yet", async () => {
    granted.mockResolvedValue(false);
    request.mockResolvedValue("granted");
    expect(await notifyOs("T", "B")).toBe(true);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it("does not send when permission is refused", async () => {
    granted.mockResolvedValue(false);
    request.mockResolvedValue("denied");
    expect(await notifyOs("T", "B")).toBe(false);
    expect(send).not.toHaveBeenCalled();
  });

  it("swallows every failure", async () => {
    granted.mockRejectedValue(new Error("no IPC"));
    expect(await notifyOs("T", "B")).toBe(false);
    granted.mockResolvedValue(false);
    request.mockRejectedValue("no daemon");
    expect(await notifyOs("T", "B")).toBe(false);
    granted.mockResolvedValue(true);
    send.mockImplementation(() => {
      throw new Error("no notification daemon");
    });
    expect(await notifyOs("T", "B")).toBe(false);
  });
});

describe("arrivalsToAnnounce", () => {
  const since = Date.parse("2026-01-05T09:00:00Z");
  it("keeps new unread arrivals created since mount, not yet announced", () => {
    const list = [
      arrival({ id: "new" }),
      arrival({ id: "old", created_at: "2026-01-05T08:59:59Z" }),
      arrival({ id: "read", read_at: "2026-01-05T09:26:00Z" }),
      arrival({ id: "done" }),
      arrival({ id: "bad-time", created_at: "yesterday" }),
      arrival({ id: "result", kind: "new_result" }),
      arrival({ id: "exact", created_at: "2026-01-05T09:00:00Z" }),
    ];
    expect(arrivalsToAnnounce(list, new Set(["done"]), since).map((n) => n.id)).toEqual(["new", "exact"]);
  });
});

describe("useArrivalAnnouncer", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("announces each new arrival once, without name or MRN, and nothing from before mount", async () => {
    vi.useFakeTimers({ now: Date.parse("2026-01-05T09:00:00Z"), toFake: ["Date"] });
    granted.mockResolvedValue(true);
    const before = arrival({ id: "before", created_at: "2026-01-05T08:50:00Z" });
    const { rerender } = renderHook(({ list }) => useArrivalAnnouncer(list), {
      initialProps: { list: undefined as Notification[] | undefined },
    });
    rerender({ list: [before] });
    await vi.waitFor(() => expect(granted).not.toHaveBeenCalled());

    const fresh = arrival({ id: "fresh" });
    rerender({ list: [fresh, before] });
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1));
    const shown = send.mock.calls[0]![0] as { title: string; body: string };
    expect(shown).toEqual({
      title: "Patient arrived",
      body: `Your ${localTime("2026-01-05T09:30:00Z")} appointment has checked in.`,
    });
    expect(JSON.stringify(shown)).not.toContain("MRN");

    rerender({ list: [{ ...fresh }, before] });
    rerender({ list: [fresh, arrival({ id: "no-time", detail: {} })] });
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(2));
    expect(send.mock.calls[1]![0]).toEqual({ title: "Patient arrived", body: "A patient has checked in for an appointment." });
  });
});
