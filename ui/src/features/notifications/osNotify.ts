// OS notifications for staff: "Patient arrived — your 09:30 appointment has checked in."
// when the bell's poll finds a new unread `patient_arrived` notification. Only ones
// created after the bell mounted (sign-in or unlock) are announced, each once. The OS
// text never carries the patient's name or MRN: notification centres keep it outside our
// encrypted store. Every failure (no permission, no notification daemon) is swallowed.
import { isPermissionGranted, requestPermission, sendNotification } from "@tauri-apps/plugin-notification";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Notification } from "../../bindings/Notification";
import { startsAt } from "./model";

/** Shows an OS notification if allowed (asking once if not yet decided); true when sent. */
export async function notifyOs(title: string, body: string): Promise<boolean> {
  try {
    let granted = await isPermissionGranted();
    if (!granted) granted = (await requestPermission()) === "granted";
    if (!granted) return false;
    sendNotification({ title, body });
    return true;
  } catch {
    return false;
  }
}

/**
 * The unread `patient_arrived` notifications not announced yet and created at or after
 * `since` (epoch ms); an unreadable creation time is never announced.
 */
export function arrivalsToAnnounce(list: Notification[], announced: ReadonlySet<string>, since: number): Notification[] {
  return list.filter((n) => {
    if (n.kind !== "patient_arrived" || n.read_at !== null || announced.has(n.id)) return false;
    const created = Date.parse(n.created_at);
    return !Number.isNaN(created) && created >= since;
  });
}

/** Announces new arrivals among the polled unread notifications (see the file header). */
export function useArrivalAnnouncer(unread: Notification[] | undefined): void {
  const { t } = useTranslation();
  // Whole seconds: the shell may write `created_at` without fractions.
  const [since] = useState(() => Math.floor(Date.now() / 1000) * 1000);
  const announced = useRef(new Set<string>());
  useEffect(() => {
    if (!unread) return;
    for (const n of arrivalsToAnnounce(unread, announced.current, since)) {
      announced.current.add(n.id);
      const time = startsAt(n);
      void notifyOs(
        t("results.notifications.osArrivedTitle"),
        time ? t("results.notifications.osArrivedBody", { time }) : t("results.notifications.osArrivedBodyPlain"),
      );
    }
  }, [unread, since, t]);
}
