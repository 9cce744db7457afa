// Checks the "connect to a sync server" form before it is sent: the server address
// (https, or http only for this machine), the one-time code, a device name, and an
// optional CA certificate in PEM. Returns a message key per bad field.
import type { ConnectSyncServer } from "../../bindings/ConnectSyncServer";

export type ConnectValues = { server_url: string; enrollment_code: string; device_name: string; ca_pem: string };
export type ConnectField = keyof ConnectValues;

export const EMPTY_CONNECT: ConnectValues = { server_url: "", enrollment_code: "", device_name: "", ca_pem: "" };

export type ConnectProblem =
  | "required"
  | "urlFormat"
  | "urlInsecure"
  | "deviceNameTooLong"
  | "pemFormat";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
export const MAX_DEVICE_NAME = 100;

function urlProblem(text: string): ConnectProblem | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "urlFormat";
  }
  if (!url.hostname || (url.protocol !== "https:" && url.protocol !== "http:")) return "urlFormat";
  if (url.protocol === "http:" && !LOCAL_HOSTS.has(url.hostname)) return "urlInsecure";
  return undefined;
}

export function validateConnect(v: ConnectValues): Partial<Record<ConnectField, ConnectProblem>> {
  const problems: Partial<Record<ConnectField, ConnectProblem>> = {};
  const url = v.server_url.trim();
  if (url === "") problems.server_url = "required";
  else {
    const p = urlProblem(url);
    if (p) problems.server_url = p;
  }
  if (v.enrollment_code.trim() === "") problems.enrollment_code = "required";
  const name = v.device_name.trim();
  if (name === "") problems.device_name = "required";
  else if (name.length > MAX_DEVICE_NAME) problems.device_name = "deviceNameTooLong";
  const pem = v.ca_pem.trim();
  if (pem !== "" && !(pem.includes("-----BEGIN CERTIFICATE-----") && pem.includes("-----END CERTIFICATE-----"))) {
    problems.ca_pem = "pemFormat";
  }
  return problems;
}

/** The request sent to the shell: trimmed, no CA when none was pasted. */
export function toRequest(v: ConnectValues): ConnectSyncServer {
  const pem = v.ca_pem.trim();
  return {
    server_url: v.server_url.trim().replace(/\/+$/, ""),
    enrollment_code: v.enrollment_code.trim(),
    device_name: v.device_name.trim(),
    ca_pem: pem === "" ? null : pem,
  };
}
