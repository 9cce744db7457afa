// The kiosk's idle timer: calls `onIdle` once `idleMs` pass without pointer, touch,
// keyboard, wheel or text-input activity anywhere in the window. The timer is armed by
// the first activity (an untouched welcome screen has nothing to clear, so it is not
// reset over and over) and re-armed by every later one; `onIdle` fires at most once per
// arming. Listeners are on `window` in the capture phase, so nothing can swallow them.
import { useEffect, useRef } from "react";

export const ACTIVITY_EVENTS = ["pointerdown", "pointermove", "keydown", "touchstart", "wheel", "input"] as const;

export function useKioskIdle(idleMs: number, onIdle: () => void, enabled = true): void {
  const onIdleRef = useRef(onIdle);
  useEffect(() => {
    onIdleRef.current = onIdle;
  }, [onIdle]);

  useEffect(() => {
    if (!enabled || !(idleMs > 0)) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        onIdleRef.current();
      }, idleMs);
    };
    const options = { capture: true, passive: true } as const;
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, arm, options);
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, arm, options);
    };
  }, [idleMs, enabled]);
}
