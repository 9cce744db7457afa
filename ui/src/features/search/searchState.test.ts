import { describe, expect, it } from "vitest";
import { initialSearch, PAGE_SIZE, searchReducer, searchRequest } from "./searchState";

describe("searchReducer", () => {
  it("pages forward only when there is more, and back not below zero", () => {
    let s = searchReducer(initialSearch, { type: "text", text: "smi" });
    s = searchReducer(s, { type: "next", hasMore: true });
    expect(s).toEqual({ text: "smi", page: 1 });
    expect(searchReducer(s, { type: "next", hasMore: false })).toBe(s);
    s = searchReducer(s, { type: "prev" });
    expect(s.page).toBe(0);
    expect(searchReducer(s, { type: "prev" })).toBe(s);
  });

  it("goes back to the first page when the text changes", () => {
    const s = { text: "smi", page: 3 };
    expect(searchReducer(s, { type: "text", text: "smit" })).toEqual({ text: "smit", page: 0 });
    expect(searchReducer(s, { type: "text", text: "smi" })).toBe(s);
  });
});

describe("searchRequest", () => {
  it("does not search blank text and trims the rest", () => {
    expect(searchRequest("   ", 0)).toBeNull();
    expect(searchRequest(" 1984-03-15 ", 2)).toEqual({ text: "1984-03-15", page: 2, page_size: PAGE_SIZE });
  });
});
