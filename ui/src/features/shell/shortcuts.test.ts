import { describe, expect, it } from "vitest";
import { matchShortcut, type KeyLike } from "./shortcuts";

const k = (key: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  inTextField: false,
  ...mods,
});

describe("matchShortcut", () => {
  it("focuses search on Ctrl+K, Cmd+K and / outside text fields", () => {
    expect(matchShortcut(k("k", { ctrlKey: true }))).toBe("focus-search");
    expect(matchShortcut(k("K", { metaKey: true }))).toBe("focus-search");
    expect(matchShortcut(k("/"))).toBe("focus-search");
    expect(matchShortcut(k("/", { inTextField: true }))).toBeNull();
  });

  it("opens registration on Ctrl+N and Alt+N", () => {
    expect(matchShortcut(k("n", { ctrlKey: true }))).toBe("register");
    expect(matchShortcut(k("n", { altKey: true }))).toBe("register");
    expect(matchShortcut(k("n", { altKey: true, inTextField: true }))).toBe("register");
    expect(matchShortcut(k("Dead", { altKey: true, code: "KeyN" }))).toBe("register");
  });

  it("opens a new booking on Ctrl+B and Alt+B", () => {
    expect(matchShortcut(k("b", { ctrlKey: true }))).toBe("book");
    expect(matchShortcut(k("b", { metaKey: true }))).toBe("book");
    expect(matchShortcut(k("Dead", { altKey: true, code: "KeyB" }))).toBe("book");
    expect(matchShortcut(k("b"))).toBeNull();
  });

  it("ignores plain typing", () => {
    expect(matchShortcut(k("n"))).toBeNull();
    expect(matchShortcut(k("k", { inTextField: true }))).toBeNull();
    expect(matchShortcut(k("n", { ctrlKey: true, shiftKey: true }))).toBeNull();
  });
});
