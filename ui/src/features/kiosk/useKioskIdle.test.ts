// The idle timer: armed by activity, re-armed by more activity, fires once per arming,
// stops when disabled or unmounted.
import { renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useKioskIdle } from "./useKioskIdle";

const touch = () => window.dispatchEvent(new Event("pointerdown"));
const key = () => window.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("useKioskIdle", () => {
  it("does nothing until the first activity", () => {
    const onIdle = vi.fn();
    renderHook(() => useKioskIdle(1000, onIdle));
    vi.advanceTimersByTime(5000);
    expect(onIdle).not.toHaveBeenCalled();
  });

  it("fires once after the idle time following activity", () => {
    const onIdle = vi.fn();
    renderHook(() => useKioskIdle(1000, onIdle));
    touch();
    vi.advanceTimersByTime(999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("starts over with every activity", () => {
    const onIdle = vi.fn();
    renderHook(() => useKioskIdle(1000, onIdle));
    touch();
    vi.advanceTimersByTime(800);
    key();
    vi.advanceTimersByTime(800);
    window.dispatchEvent(new Event("touchstart"));
    vi.advanceTimersByTime(800);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(200);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("calls the latest callback", () => {
    const first = vi.fn();
    const second = vi.fn();
    const { rerender } = renderHook(({ cb }) => useKioskIdle(1000, cb), { initialProps: { cb: first } });
    touch();
    rerender({ cb: second });
    vi.advanceTimersByTime(1000);
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
  });

  it("stops when disabled or unmounted", () => {
    const onIdle = vi.fn();
    const { rerender, unmount } = renderHook(({ on }) => useKioskIdle(1000, onIdle, on), {
      initialProps: { on: true },
    });
    touch();
    rerender({ on: false });
    vi.advanceTimersByTime(2000);
    expect(onIdle).not.toHaveBeenCalled();
    rerender({ on: true });
    touch();
    unmount();
    vi.advanceTimersByTime(2000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
