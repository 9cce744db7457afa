// Seconds left before a throttled sign-in or unlock may be tried again, ticking down
// from the error's `retry_after_secs`; 0 when not throttled. Pass the same error object
// across renders (memoize it): a new object starts a new countdown.
import { useEffect, useMemo, useState } from "react";
import type { UiError } from "../../bindings/UiError";

export function useRetryCountdown(error: UiError | null): number {
  const secs = error?.code === "throttled" ? (error.retry_after_secs ?? 0) : 0;
  // A new deadline for every new error object, even with the same delay.
  const until = useMemo(() => (secs > 0 ? Date.now() + secs * 1000 : 0), [error, secs]);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (until === 0) return;
    setNow(Date.now());
    const id = setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= until) clearInterval(id);
    }, 250);
    return () => clearInterval(id);
  }, [until]);

  if (until === 0) return 0;
  return Math.min(secs, Math.max(0, Math.ceil((until - now) / 1000)));
}
