// Global keyboard shortcuts for the front desk. Pure so it can be unit tested.
export type ShortcutAction = "focus-search" | "register" | "book";

export type KeyLike = {
  key: string;
  /** Physical key (e.g. "KeyN"), for Alt combinations that type a dead key on macOS. */
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  /** Whether focus is in a text field (then "/" types a slash instead). */
  inTextField: boolean;
};

export function matchShortcut(e: KeyLike): ShortcutAction | null {
  const key = e.key.toLowerCase();
  const mod = e.ctrlKey || e.metaKey;
  if (mod && !e.altKey && !e.shiftKey && key === "k") return "focus-search";
  if (mod && !e.altKey && !e.shiftKey && key === "n") return "register";
  if (e.altKey && !mod && !e.shiftKey && (key === "n" || e.code === "KeyN")) return "register";
  if (mod && !e.altKey && !e.shiftKey && key === "b") return "book";
  if (e.altKey && !mod && !e.shiftKey && (key === "b" || e.code === "KeyB")) return "book";
  if (key === "/" && !mod && !e.altKey && !e.inTextField) return "focus-search";
  return null;
}

export function isTextField(el: Element | null): boolean {
  if (!el) return false;
  const tag = el.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (el as HTMLInputElement).type;
    return !["checkbox", "radio", "button", "submit", "reset"].includes(type);
  }
  return (el as HTMLElement).isContentEditable === true;
}
