// Document helpers: chunked base64 matches a reference encoder at every chunk boundary,
// file names lose only their extension, only the accepted image types become data URLs,
// and sizes read naturally.
import { describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { bytesToBase64, fileStem, formatSize, imageDataUrl, readFileBase64 } from "./model";

/** A plain, unchunked encoder to compare against (RFC 4648, with padding). */
function reference(bytes: Uint8Array): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i]!, bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += abc[(n >> 18) & 63]! + abc[(n >> 12) & 63]!;
    out += b === undefined ? "=" : abc[(n >> 6) & 63]!;
    out += c === undefined ? "=" : abc[n & 63]!;
  }
  return out;
}

describe("bytesToBase64", () => {
  it("encodes a small known file", async () => {
    expect(await readFileBase64(new File(["Hello, clinic!\n"], "hello.txt"))).toBe("SGVsbG8sIGNsaW5pYyEK");
    expect(bytesToBase64(new Uint8Array([]))).toBe("");
    expect(bytesToBase64(new Uint8Array([0xff]))).toBe("/w==");
    expect(bytesToBase64(new Uint8Array([0xfb, 0xff]))).toBe("+/8=");
  });

  it("matches a reference encoder across chunk boundaries", () => {
    for (const size of [1, 2, 3, 24575, 24576, 24577, 49152, 100_001]) {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 131 + 7) % 256;
      expect(bytesToBase64(bytes), `size ${size}`).toBe(reference(bytes));
    }
  });
});

describe("helpers", () => {
  it("drops only the extension of a file name", () => {
    expect(fileStem("Blood count.2026.pdf")).toBe("Blood count.2026");
    expect(fileStem("README")).toBe("README");
    expect(fileStem(".hidden")).toBe(".hidden");
    expect(fileStem("C:\\scans\\letter.jpeg")).toBe("letter");
  });

  it("makes data URLs only for PNG and JPEG", () => {
    expect(imageDataUrl("image/png", "iVBO")).toBe("data:image/png;base64,iVBO");
    expect(imageDataUrl("image/jpeg", "/9j/")).toBe("data:image/jpeg;base64,/9j/");
    expect(imageDataUrl("image/svg+xml", "PHN2Zz4=")).toBeNull();
    expect(imageDataUrl("text/html", "PGI+")).toBeNull();
    expect(imageDataUrl("image/png", "")).toBeNull();
  });

  it("formats sizes", () => {
    const t = i18n.t.bind(i18n);
    expect(formatSize(t, 532, "en")).toBe("532 B");
    expect(formatSize(t, 12 * 1024, "en")).toBe("12 KB");
    expect(formatSize(t, 1.45 * 1024 * 1024, "en")).toBe("1.5 MB");
  });
});
