// The inactivity timer, pure (clock injected) so it can be tested with fake timers.
// Activity only records a timestamp (at most once per `throttleMs`, so a flood of
// pointer moves costs nothing); the single timeout checks on expiry whether the user
// was really idle for the whole period and otherwise sleeps for the remainder.
export type Clock = {
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
};

export type IdleTimer = {
  /** Call on user activity: pushes the deadline back. */
  activity: () => void;
  /** Stops the timer for good (on unmount, sign-out, lock). */
  stop: () => void;
};

export const DEFAULT_THROTTLE_MS = 1000;
/** setTimeout's longest delay; longer periods are slept in several goes. */
const MAX_DELAY_MS = 2_147_483_647;

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

type Options = { timeoutMs: number; onIdle: () => void; throttleMs?: number; clock?: Clock };

/** Calls `onIdle` once after `timeoutMs` without activity. A non-positive timeout never fires. */
export function createIdleTimer({ timeoutMs, onIdle, throttleMs = DEFAULT_THROTTLE_MS, clock = realClock }: Options): IdleTimer {
  if (!(timeoutMs > 0)) return { activity: () => {}, stop: () => {} };
  let last = clock.now();
  let handle: unknown = null;
  let stopped = false;

  const schedule = (ms: number) => {
    handle = clock.setTimeout(check, Math.min(Math.max(ms, 0), MAX_DELAY_MS));
  };
  function check() {
    handle = null;
    if (stopped) return;
    const idle = clock.now() - last;
    if (idle >= timeoutMs) {
      stopped = true;
      onIdle();
    } else {
      schedule(timeoutMs - idle);
    }
  }
  schedule(timeoutMs);

  return {
    activity() {
      if (stopped) return;
      const now = clock.now();
      if (now - last >= throttleMs) last = now;
    },
    stop() {
      stopped = true;
      if (handle !== null) clock.clearTimeout(handle);
      handle = null;
    },
  };
}

/** The DOM events that count as activity. */
export const ACTIVITY_EVENTS = ["keydown", "mousedown", "pointermove", "wheel", "touchstart"] as const;
