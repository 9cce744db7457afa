// The notification bell in the session header: the unread count (polled), the list in
// words (MRN and counts only), "Open chart" for doctors and nurses (marks read and
// navigates), and "Mark read" for everyone.
import { invoke } from "@tauri-apps/api/core";
import { isPermissionGranted, sendNotification } from "@tauri-apps/plugin-notification";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Notification } from "../../bindings/Notification";
import type { Role } from "../../bindings/Role";
import { commandRouter, renderWithProviders } from "../../test/render";
import { sessionFor } from "../admin/testing";
import { SessionHeader } from "../shell/SessionHeader";
import { POLL_MS } from "./api";
import { localTime } from "./model";
import { NotificationBell } from "./NotificationBell";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
vi.mock("@tauri-apps/plugin-notification", () => ({
  isPermissionGranted: vi.fn(),
  requestPermission: vi.fn(),
  sendNotification: vi.fn(),
}));
const mockGranted = vi.mocked(isPermissionGranted);
const mockSend = vi.mocked(sendNotification);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

const notification = (over: Partial<Notification>): Notification => ({
  id: "n-1",
  kind: "new_result",
  patient_id: "patient-1",
  patient_mrn: "MRN-000123",
  detail: { observations: 3, abnormal: 1 },
  created_at: "2026-01-05T10:00:00Z",
  read_at: null,
  ...over,
});

/** An inbox the mocked shell serves and marks read. */
function serve(inbox: Notification[]) {
  mockInvoke.mockImplementation(
    commandRouter({
      list_notifications: (args) => (args!.unreadOnly ? inbox.filter((n) => !n.read_at) : inbox),
      mark_notification_read: (args) => {
        const { id } = args!.request as { id: string };
        const n = inbox.find((x) => x.id === id);
        if (n) n.read_at = "2026-01-05T11:00:00Z";
        return null;
      },
    }),
  );
}

const renderHeader = (role: Role) =>
  renderWithProviders(
    <SessionHeader
      session={sessionFor(role)}
      route={{ name: "search" }}
      testKey={false}
      onNavigate={vi.fn()}
      onLock={vi.fn()}
      onLogout={vi.fn()}
    />,
  );

beforeEach(() => {
  mockInvoke.mockReset();
  mockGranted.mockReset();
  mockGranted.mockResolvedValue(true);
  mockSend.mockReset();
});

describe("notification bell", () => {
  it("shows the unread count, and none when everything is read", async () => {
    serve([notification({ id: "a" }), notification({ id: "b", kind: "document_shared", detail: { document_id: "d" } })]);
    renderHeader("billing");
    expect((await screen.findByTestId("notifications-count")).textContent).toBe("2");
    expect(screen.getByTestId("notifications-bell").getAttribute("aria-label")).toBe("Notifications: 2 unread");
    expect(calls("list_notifications")).toEqual([{ unreadOnly: true }]);
    mockInvoke.mockReset();
    serve([]);
    renderHeader("billing");
    await waitFor(() => expect(calls("list_notifications")).toHaveLength(1));
    await waitFor(() => expect(screen.getAllByTestId("notifications-bell")[1]!.getAttribute("data-unread")).toBe("0"));
    expect(screen.getAllByTestId("notifications-count")).toHaveLength(1);
  });

  it("opens the chart from a notification, marking it read", async () => {
    const user = userEvent.setup();
    const inbox = [
      notification({ id: "a", patient_id: "patient-7", patient_mrn: "MRN-000007" }),
      notification({ id: "b", kind: "document_shared", detail: { document_id: "d" }, patient_mrn: "MRN-000008" }),
      notification({ id: "c", detail: { observations: 1, abnormal: 0 }, patient_mrn: "MRN-000009" }),
    ];
    serve(inbox);
    const { navigate } = renderHeader("doctor");
    expect((await screen.findByTestId("notifications-count")).textContent).toBe("3");
    await user.click(screen.getByTestId("notifications-bell"));
    const panel = await screen.findByTestId("notifications-panel");
    const items = within(panel).getAllByTestId("notification-item");
    expect(items.map((i) => [i.getAttribute("data-kind"), within(i).getByTestId("notification-text").textContent])).toEqual([
      ["new_result", "New results for MRN MRN-000007 (3 values, 1 abnormal)"],
      ["document_shared", "A document was shared with you (MRN MRN-000008)"],
      ["new_result", "New results for MRN MRN-000009 (1 value)"],
    ]);

    await user.click(within(items[0]!).getByTestId("notification-open"));
    expect(navigate).toHaveBeenCalledWith({ name: "chart", id: "patient-7" });
    await waitFor(() => expect(calls("mark_notification_read")).toEqual([{ request: { id: "a" } }]));
    await waitFor(() => expect(screen.getByTestId("notifications-count").textContent).toBe("2"));
    await waitFor(() => expect(screen.queryByTestId("notifications-panel")).toBeNull());
  });

  it("lets other roles mark a notification read, without opening charts", async () => {
    const user = userEvent.setup();
    serve([notification({ id: "a" }), notification({ id: "b", read_at: "2026-01-05T10:30:00Z" })]);
    renderHeader("front_desk");
    expect((await screen.findByTestId("notifications-count")).textContent).toBe("1");
    await user.click(screen.getByTestId("notifications-bell"));
    const item = await screen.findByTestId("notification-item");
    expect(within(item).queryByTestId("notification-open")).toBeNull();
    await user.click(within(item).getByTestId("notification-read"));
    await waitFor(() => expect(calls("mark_notification_read")).toEqual([{ request: { id: "a" } }]));
    await waitFor(() => expect(screen.getByTestId("notifications-empty")).toBeTruthy());
    expect(screen.queryByTestId("notifications-count")).toBeNull();

    await user.click(screen.getByTestId("notifications-show-read"));
    await waitFor(() => expect(screen.getAllByTestId("notification-item")).toHaveLength(2));
    expect(calls("list_notifications")).toContainEqual({ unreadOnly: false });
    expect(screen.getAllByTestId("notification-item").map((i) => i.getAttribute("data-read"))).toEqual(["true", "true"]);
  });
});

describe("polling", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("refreshes the count every 10 seconds", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const inbox: Notification[] = [];
    serve(inbox);
    renderHeader("nurse");
    await waitFor(() => expect(calls("list_notifications")).toHaveLength(1));
    expect(screen.queryByTestId("notifications-count")).toBeNull();
    inbox.push(notification({ id: "new" }));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS);
    });
    await waitFor(() => expect(screen.getByTestId("notifications-count").textContent).toBe("1"));
    expect(calls("list_notifications").length).toBeGreaterThanOrEqual(2);
  });

  it("refreshes the count when the window regains focus", async () => {
    const inbox: Notification[] = [];
    serve(inbox);
    renderHeader("billing");
    await waitFor(() => expect(calls("list_notifications")).toHaveLength(1));
    inbox.push(notification({ id: "new" }));
    act(() => {
      window.dispatchEvent(new Event("focus"));
    });
    await waitFor(() => expect(screen.getByTestId("notifications-count").textContent).toBe("1"));
  });
});

describe("scheduling notifications", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const arrived = (over: Partial<Notification> = {}) =>
    notification({
      kind: "patient_arrived",
      detail: { appointment_id: "appt-1", starts_at: "2026-01-05T09:30:00Z" },
      created_at: new Date(Date.now() + 1000).toISOString(),
      ...over,
    });

  it("opens my day from a patient-arrived notification, marking it read", async () => {
    const user = userEvent.setup();
    const onOpenMyDay = vi.fn();
    serve([arrived({ id: "a", patient_mrn: "MRN-000007" })]);
    const { navigate } = renderWithProviders(<NotificationBell role="doctor" onOpenMyDay={onOpenMyDay} />);
    expect((await screen.findByTestId("notifications-count")).textContent).toBe("1");
    await user.click(screen.getByTestId("notifications-bell"));
    const item = await screen.findByTestId("notification-item");
    expect(within(item).getByTestId("notification-text").textContent).toBe(
      `Patient arrived for your ${localTime("2026-01-05T09:30:00Z")} appointment (MRN MRN-000007)`,
    );
    const open = within(item).getByTestId("notification-open");
    expect(open.textContent).toBe("Open my day");
    await user.click(open);
    expect(onOpenMyDay).toHaveBeenCalledTimes(1);
    expect(navigate).not.toHaveBeenCalled();
    await waitFor(() => expect(calls("mark_notification_read")).toEqual([{ request: { id: "a" } }]));
  });

  it("opens the chart from a patient-arrived notification when my day is not wired", async () => {
    const user = userEvent.setup();
    serve([arrived({ id: "a", patient_id: "patient-7" })]);
    const { navigate } = renderWithProviders(<NotificationBell role="nurse" />);
    await user.click(await screen.findByTestId("notifications-bell"));
    await user.click(within(await screen.findByTestId("notification-item")).getByTestId("notification-open"));
    expect(navigate).toHaveBeenCalledWith({ name: "chart", id: "patient-7" });
  });

  it("announces a new arrival found by the poll once, without name or MRN", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const inbox: Notification[] = [arrived({ id: "old", created_at: "2026-01-05T08:00:00Z" })];
    serve(inbox);
    renderWithProviders(<NotificationBell role="doctor" />);
    await waitFor(() => expect(calls("list_notifications")).toHaveLength(1));
    inbox.push(arrived({ id: "new", patient_mrn: "MRN-000042" }));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS);
    });
    await waitFor(() => expect(mockSend).toHaveBeenCalledTimes(1));
    expect(mockSend).toHaveBeenCalledWith({
      title: "Patient arrived",
      body: `Your ${localTime("2026-01-05T09:30:00Z")} appointment has checked in.`,
    });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS);
    });
    await waitFor(() => expect(calls("list_notifications").length).toBeGreaterThanOrEqual(3));
    expect(mockSend).toHaveBeenCalledTimes(1);
  });
});
