// Money parsing and formatting: exact minor units for 0-, 2- and 3-digit currencies,
// thousands separators, refused input (negatives, garbage, too many decimals), and
// percentages/portions as basis points.
import { describe, expect, it } from "vitest";
import {
  bpToPercent,
  currencyDigits,
  formatMoney,
  minorToDecimal,
  parseMoney,
  parsePercent,
  parsePortion,
  portionToForm,
} from "./model";

const ok = (minor: number) => ({ ok: true, minor });
const bad = (problem: string) => ({ ok: false, problem });

describe("parseMoney", () => {
  it.each([
    ["12.3", 2, 1230],
    ["12.30", 2, 1230],
    ["12", 2, 1200],
    ["0.01", 2, 1],
    [".5", 2, 50],
    ["1,234.56", 2, 123456],
    ["1,234,567.89", 2, 123456789],
    ["  42.00 ", 2, 4200],
    ["+7", 2, 700],
    ["1234.", 2, 123400],
    ["0", 2, 0],
    ["0010.10", 2, 1010],
    ["1200", 0, 1200],
    ["1,200", 0, 1200],
    ["1.005", 3, 1005],
    ["1.5", 3, 1500],
    ["0.001", 3, 1],
    ["1.230", 2, 123],
    ["19.99", 2, 1999],
    ["0.29", 2, 29],
    ["1.15", 2, 115],
    ["90071992547409.91", 2, 9007199254740991],
  ])("%s with %i digits is %i", (text, digits, minor) => {
    expect(parseMoney(text, digits)).toEqual(ok(minor));
  });

  it.each([
    ["", 2, "required"],
    ["   ", 2, "required"],
    ["1.234", 2, "tooManyDecimals"],
    ["0.001", 2, "tooManyDecimals"],
    ["1200.5", 0, "tooManyDecimals"],
    ["1.0005", 3, "tooManyDecimals"],
    ["-5", 2, "negative"],
    ["-0.01", 2, "negative"],
    ["abc", 2, "format"],
    ["12a", 2, "format"],
    ["1e3", 2, "format"],
    ["1.2.3", 2, "format"],
    ["12,34", 2, "format"],
    ["1,23,456", 2, "format"],
    [",123", 2, "format"],
    ["$12", 2, "format"],
    ["--1", 2, "format"],
    ["-abc", 2, "format"],
    ["1200.", 0, "format"],
    ["NaN", 2, "format"],
    ["Infinity", 2, "format"],
    ["90071992547409.92", 2, "tooLarge"],
    ["99999999999999999999", 0, "tooLarge"],
  ])("%j with %i digits is refused (%s)", (text, digits, problem) => {
    expect(parseMoney(text, digits)).toEqual(bad(problem));
  });

  it("never goes through a float (0.29 and 1.15 are classic traps)", () => {
    // 0.29 * 100 = 28.999999999999996 and 1.15 * 100 = 114.99999999999999 in floats.
    expect(parseMoney("0.29", 2)).toEqual(ok(29));
    expect(parseMoney("1.15", 2)).toEqual(ok(115));
    expect(parseMoney("4.35", 2)).toEqual(ok(435));
  });
});

describe("currencyDigits", () => {
  it.each([
    ["USD", 2],
    ["EUR", 2],
    ["JPY", 0],
    ["KWD", 3],
    ["BHD", 3],
  ])("%s has %i digits", (c, d) => expect(currencyDigits(c)).toBe(d));
  it("falls back to 2 for a malformed code", () => expect(currencyDigits("??")).toBe(2));
});

describe("minorToDecimal", () => {
  it.each([
    [1230, 2, "12.30"],
    [1, 2, "0.01"],
    [0, 2, "0.00"],
    [-5, 2, "-0.05"],
    [-123456, 2, "-1234.56"],
    [1200, 0, "1200"],
    [1005, 3, "1.005"],
    [9007199254740991, 2, "90071992547409.91"],
  ])("%i with %i digits is %s", (minor, digits, text) => expect(minorToDecimal(minor, digits)).toBe(text));

  it("round-trips with parseMoney", () => {
    for (const [minor, digits] of [
      [123456, 2],
      [1005, 3],
      [1200, 0],
      [7, 2],
    ] as const) {
      expect(parseMoney(minorToDecimal(minor, digits), digits)).toEqual(ok(minor));
    }
  });
});

describe("formatMoney", () => {
  it.each([
    [123456, "USD", "$1,234.56"],
    [1230, "USD", "$12.30"],
    [0, "USD", "$0.00"],
    [-1230, "USD", "-$12.30"],
    [1200, "JPY", "¥1,200"],
    [123456, "EUR", "€1,234.56"],
    [123456, "GBP", "£1,234.56"],
  ])("%i %s is %s", (minor, currency, text) => expect(formatMoney(minor, currency, "en-US")).toBe(text));

  it("uses the currency's three digits for KWD", () => {
    expect(formatMoney(1005, "KWD", "en-US")).toMatch(/KWD\s?1\.005/);
  });
  it("follows the locale's separators", () => {
    expect(formatMoney(123456, "EUR", "de-DE").replace(/\s/g, " ")).toBe("1.234,56 €");
  });
  it("shows the plain decimal when no currency is set yet", () => {
    expect(formatMoney(1230, "", "en", 2)).toBe("12.30");
  });
  it("honours explicit digits (from the clinic's settings)", () => {
    expect(formatMoney(1005, "KWD", "en-US", 3)).toMatch(/1\.005/);
  });
});

describe("percentages and portions", () => {
  it.each([
    ["10", 1000],
    ["12.5", 1250],
    ["7.25", 725],
    ["100", 10000],
    ["0", 0],
    ["15%", 1500],
  ])("%s %% is %i bp", (text, bp) => expect(parsePercent(text)).toEqual({ ok: true, bp }));

  it.each([
    ["100.01", "over100"],
    ["150", "over100"],
    ["1.234", "tooManyDecimals"],
    ["-5", "negative"],
    ["ten", "format"],
  ])("%s %% is refused (%s)", (text, problem) => expect(parsePercent(text)).toEqual({ ok: false, problem }));

  it("formats basis points back", () => {
    expect(bpToPercent(1250)).toBe("12.5");
    expect(bpToPercent(1000)).toBe("10");
    expect(bpToPercent(725)).toBe("7.25");
    expect(bpToPercent(0)).toBe("0");
  });

  it("builds portions from the form", () => {
    expect(parsePortion({ kind: "none", text: "x" }, 2)).toEqual({ ok: true, portion: null });
    expect(parsePortion({ kind: "percent", text: "10" }, 2)).toEqual({
      ok: true,
      portion: { kind: "percent", basis_points: 1000 },
    });
    expect(parsePortion({ kind: "fixed", text: "5.50" }, 2)).toEqual({
      ok: true,
      portion: { kind: "fixed", amount_minor: 550 },
    });
    expect(parsePortion({ kind: "fixed", text: "5.505" }, 2)).toEqual({ ok: false, problem: "tooManyDecimals" });
    expect(portionToForm({ kind: "fixed", amount_minor: 550 }, 2)).toEqual({ kind: "fixed", text: "5.50" });
    expect(portionToForm({ kind: "percent", basis_points: 1250 }, 2)).toEqual({ kind: "percent", text: "12.5" });
    expect(portionToForm(null, 2)).toEqual({ kind: "none", text: "" });
  });
});
