// What the search screen remembers (kept by the shell so "Back to search" restores it):
// the typed text and the zero-based page. New text always starts at page 0.
import type { PatientSearch } from "../../bindings/PatientSearch";

export const PAGE_SIZE = 25;
export const DEBOUNCE_MS = 150;

export type SearchState = { text: string; page: number };
export type SearchAction =
  | { type: "text"; text: string }
  | { type: "next"; hasMore: boolean }
  | { type: "prev" };

export const initialSearch: SearchState = { text: "", page: 0 };

export function searchReducer(s: SearchState, a: SearchAction): SearchState {
  switch (a.type) {
    case "text":
      return a.text === s.text ? s : { text: a.text, page: 0 };
    case "next":
      return a.hasMore ? { ...s, page: s.page + 1 } : s;
    case "prev":
      return s.page > 0 ? { ...s, page: s.page - 1 } : s;
  }
}

/** The request for settled (debounced) text, or null when there is nothing to search. */
export function searchRequest(text: string, page: number): PatientSearch | null {
  const trimmed = text.trim();
  return trimmed === "" ? null : { text: trimmed, page, page_size: PAGE_SIZE };
}
