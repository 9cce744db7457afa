// Start-up status: did the encrypted store open, and with which key source.
import { invoke } from "@tauri-apps/api/core";
import type { AppStatus } from "../../bindings/AppStatus";

export const appStatus = (): Promise<AppStatus> => invoke<AppStatus>("app_status");
