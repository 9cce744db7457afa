import { describe, expect, it } from "vitest";
import { isUiError, toUiError } from "./uiError";

describe("toUiError", () => {
  it("keeps a well-formed UiError with its field errors", () => {
    const e = { code: "validation", message: "bad", fields: [{ field: "email", message: "Nope" }] };
    expect(toUiError(e)).toEqual(e);
  });

  it("drops malformed field entries", () => {
    const e = { code: "validation", message: "bad", fields: [{ field: 1 }, { field: "a", message: "b" }] };
    expect(toUiError(e).fields).toEqual([{ field: "a", message: "b" }]);
  });

  it("keeps the throttling delay in whole seconds, and drops a malformed one", () => {
    const e = { code: "throttled", message: "too many attempts", retry_after_secs: 30 };
    expect(toUiError(e)).toEqual(e);
    expect(toUiError({ ...e, retry_after_secs: 2.2 }).retry_after_secs).toBe(3);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, "30", null]) {
      expect("retry_after_secs" in toUiError({ ...e, retry_after_secs: bad })).toBe(false);
    }
    expect(toUiError({ code: "validation", message: "bad", fields: [] })).toEqual({ code: "validation", message: "bad" });
  });

  it("turns a plain string rejection into a generic error", () => {
    expect(toUiError("invalid args `request` for command")).toEqual({
      code: "internal",
      message: "invalid args `request` for command",
    });
  });

  it("treats unknown codes and odd values as generic", () => {
    expect(isUiError({ code: "brand_new", message: "x" })).toBe(false);
    expect(toUiError({ code: "brand_new", message: "x" }).code).toBe("internal");
    expect(toUiError(undefined)).toEqual({ code: "internal", message: "undefined" });
    expect(toUiError(new Error("boom")).message).toBe("boom");
  });
});
