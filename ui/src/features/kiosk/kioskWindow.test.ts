// Which UI the window shows: the kiosk only in the window labelled "kiosk", the staff app
// everywhere else, including when the Tauri window metadata is missing.
import { getCurrentWindow } from "@tauri-apps/api/window";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { isKioskWindow } from "./kioskWindow";

vi.mock("@tauri-apps/api/window", () => ({ getCurrentWindow: vi.fn() }));
const mockCurrent = vi.mocked(getCurrentWindow);
const windowLabelled = (label: string) => ({ label }) as ReturnType<typeof getCurrentWindow>;

beforeEach(() => {
  mockCurrent.mockReset();
});

describe("isKioskWindow", () => {
  it("is true in the kiosk window", () => {
    mockCurrent.mockReturnValue(windowLabelled("kiosk"));
    expect(isKioskWindow()).toBe(true);
  });

  it("is false in the main window", () => {
    mockCurrent.mockReturnValue(windowLabelled("main"));
    expect(isKioskWindow()).toBe(false);
  });

  it("is false outside Tauri (no window metadata)", () => {
    mockCurrent.mockImplementation(() => {
      throw new TypeError("no window metadata");
    });
    expect(isKioskWindow()).toBe(false);
  });
});
