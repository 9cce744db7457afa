import { describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { fieldLabel, formatSyncTime, isDownloading, progressPercent } from "./model";
import { syncStatus } from "./testing";
import { toRequest, validateConnect } from "./validate";

const t = i18n.t.bind(i18n);

describe("sync model", () => {
  it("computes download progress and when it shows", () => {
    expect(progressPercent(50, 200)).toBe(25);
    expect(progressPercent(5, 0)).toBe(0);
    expect(progressPercent(300, 200)).toBe(100);
    expect(isDownloading(syncStatus({ first_sync_done: false, total: 10 }))).toBe(true);
    expect(isDownloading(syncStatus({ first_sync_done: false, total: 0 }))).toBe(false);
    expect(isDownloading(syncStatus({ first_sync_done: true, total: 10 }))).toBe(false);
    expect(isDownloading(syncStatus({ phase: "not_enrolled", first_sync_done: false, total: 10 }))).toBe(false);
  });

  it("shows today's sync as a time and older ones with the date", () => {
    const now = new Date(2026, 0, 5, 15, 0);
    const today = new Date(2026, 0, 5, 12, 4).toISOString();
    const earlier = new Date(2026, 0, 3, 12, 4).toISOString();
    expect(formatSyncTime(today, "en-GB", now)).toBe("12:04");
    expect(formatSyncTime(earlier, "en-GB", now)).toContain("2026");
    expect(formatSyncTime("garbage", "en-GB", now)).toBe("garbage");
  });

  it("names identity fields in words", () => {
    expect(fieldLabel(t, "date_of_birth")).toBe("Date of birth");
    expect(fieldLabel(t, "family_name")).toBe("Family name");
    expect(fieldLabel(t, "preferred_pronoun")).toBe("Preferred pronoun");
    expect(fieldLabel(t, null)).toBe("A detail");
  });
});

describe("connect form checks", () => {
  const ok = { server_url: "https://sync.example:8443", enrollment_code: "C", device_name: "D", ca_pem: "" };

  it("accepts https and local http, refuses the rest", () => {
    expect(validateConnect(ok)).toEqual({});
    expect(validateConnect({ ...ok, server_url: "http://127.0.0.1:8787" })).toEqual({});
    expect(validateConnect({ ...ok, server_url: "http://localhost:8787" })).toEqual({});
    expect(validateConnect({ ...ok, server_url: "http://sync.example" }).server_url).toBe("urlInsecure");
    expect(validateConnect({ ...ok, server_url: "ftp://sync.example" }).server_url).toBe("urlFormat");
    expect(validateConnect({ ...ok, server_url: "sync.example" }).server_url).toBe("urlFormat");
    expect(validateConnect({ ...ok, device_name: "x".repeat(101) }).device_name).toBe("deviceNameTooLong");
    expect(validateConnect({ ...ok, ca_pem: "junk" }).ca_pem).toBe("pemFormat");
  });

  it("sends trimmed values and no CA when none was pasted", () => {
    expect(toRequest({ ...ok, server_url: " https://sync.example:8443/ ", device_name: " D " })).toEqual({
      server_url: "https://sync.example:8443",
      enrollment_code: "C",
      device_name: "D",
      ca_pem: null,
    });
  });
});
