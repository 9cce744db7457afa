// The only place the notification inbox talks to the Tauri shell: the signed-in member's
// notifications (all, or unread only) and marking one read. Each function is one
// command; a failure rejects with whatever the shell sent (normalize with `toUiError`).
import { invoke } from "@tauri-apps/api/core";
import type { MarkNotificationRead } from "../../bindings/MarkNotificationRead";
import type { Notification } from "../../bindings/Notification";

/** The arg key is camelCase: Tauri renames the Rust parameter `unread_only`. */
export const listNotifications = (unreadOnly: boolean): Promise<Notification[]> =>
  invoke<Notification[]>("list_notifications", { unreadOnly });

export const markNotificationRead = (request: MarkNotificationRead): Promise<null> =>
  invoke<null>("mark_notification_read", { request });

/** How often the unread count is refreshed while signed in (often enough for arrivals). */
export const POLL_MS = 10_000;

export const notificationKeys = {
  all: ["notifications"] as const,
  list: (unreadOnly: boolean) => ["notifications", unreadOnly ? "unread" : "all"] as const,
};
