import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createIdleTimer } from "./idleTimer";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("createIdleTimer", () => {
  it("fires once after the timeout without activity", () => {
    const onIdle = vi.fn();
    createIdleTimer({ timeoutMs: 60_000, onIdle });
    vi.advanceTimersByTime(59_999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10 * 60_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("activity pushes the deadline back", () => {
    const onIdle = vi.fn();
    const timer = createIdleTimer({ timeoutMs: 60_000, onIdle });
    vi.advanceTimersByTime(50_000);
    timer.activity();
    vi.advanceTimersByTime(50_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("throttles activity: a burst records one timestamp per throttle period", () => {
    const onIdle = vi.fn();
    const timer = createIdleTimer({ timeoutMs: 60_000, onIdle, throttleMs: 1000 });
    vi.advanceTimersByTime(30_000);
    timer.activity(); // recorded at 30 s
    vi.advanceTimersByTime(500);
    timer.activity(); // inside the throttle period: ignored
    vi.advanceTimersByTime(59_499); // 89.999 s: 59.999 s after the recorded activity
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1); // 90 s
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("schedules one timeout however much activity there is", () => {
    const spy = vi.spyOn(globalThis, "setTimeout");
    const timer = createIdleTimer({ timeoutMs: 60_000, onIdle: vi.fn() });
    for (let i = 0; i < 1000; i++) {
      vi.advanceTimersByTime(10);
      timer.activity();
    }
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    timer.stop();
  });

  it("stop cancels it, and a non-positive timeout never fires", () => {
    const onIdle = vi.fn();
    createIdleTimer({ timeoutMs: 60_000, onIdle }).stop();
    createIdleTimer({ timeoutMs: 0, onIdle });
    vi.advanceTimersByTime(120_000);
    expect(onIdle).not.toHaveBeenCalled();
  });

  it("locks after a sleep longer than the timeout, on the first check", () => {
    const onIdle = vi.fn();
    createIdleTimer({ timeoutMs: 60_000, onIdle });
    // The machine slept: the clock jumped, the timer fires late.
    vi.setSystemTime(Date.now() + 5 * 60_000);
    vi.advanceTimersByTime(60_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });
});
