// The kiosk's window glue: which window this UI runs in (the kiosk window has the Tauri
// label "kiosk"), and the full reload that wipes every trace of the previous patient.
// Both are wrapped here so tests can mock them.
import { getCurrentWindow } from "@tauri-apps/api/window";

export const KIOSK_WINDOW_LABEL = "kiosk";

/**
 * True in the kiosk window. Reads the window metadata Tauri injects (synchronous, no
 * IPC); outside Tauri (tests, a plain browser) that metadata is missing and this is false.
 */
export function isKioskWindow(): boolean {
  try {
    return getCurrentWindow().label === KIOSK_WINDOW_LABEL;
  } catch {
    return false;
  }
}

/** Reloads the kiosk page: a fresh JS heap, nothing of the previous patient left. */
export function reloadKiosk(): void {
  window.location.reload();
}
