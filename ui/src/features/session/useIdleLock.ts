// Runs the inactivity timer while `enabled`: user activity anywhere in the window pushes
// the deadline back; after `minutes` without any, `onIdle` is called once. The minutes
// come from the session only; nothing is kept in web storage.
import { useEffect, useRef } from "react";
import { ACTIVITY_EVENTS, createIdleTimer } from "./idleTimer";

export function useIdleLock(minutes: number, enabled: boolean, onIdle: () => void): void {
  const onIdleRef = useRef(onIdle);
  useEffect(() => {
    onIdleRef.current = onIdle;
  });

  useEffect(() => {
    if (!enabled || !(minutes > 0)) return;
    const timer = createIdleTimer({ timeoutMs: minutes * 60_000, onIdle: () => onIdleRef.current() });
    const onActivity = () => timer.activity();
    const opts: AddEventListenerOptions = { capture: true, passive: true };
    for (const ev of ACTIVITY_EVENTS) window.addEventListener(ev, onActivity, opts);
    return () => {
      timer.stop();
      for (const ev of ACTIVITY_EVENTS) window.removeEventListener(ev, onActivity, opts);
    };
  }, [minutes, enabled]);
}
