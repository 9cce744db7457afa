// The only place the sync screens talk to the Tauri shell: the device's sync status,
// "sync now", connecting this device (administrators) or joining a clinic (first run),
// and the conflicts staff resolve. Each function is one command; a failure rejects with
// whatever the shell sent (normalize with `toUiError`). Nothing here carries a token.
import { invoke } from "@tauri-apps/api/core";
import type { ConnectSyncServer } from "../../bindings/ConnectSyncServer";
import type { ResolveSyncConflict } from "../../bindings/ResolveSyncConflict";
import type { SyncConflict } from "../../bindings/SyncConflict";
import type { SyncStatus } from "../../bindings/SyncStatus";

export const getSyncStatus = (): Promise<SyncStatus> => invoke<SyncStatus>("get_sync_status");

export const syncNow = (): Promise<SyncStatus> => invoke<SyncStatus>("sync_now");

/** Administrators: an existing clinic device joins the clinic's sync server. */
export const connectSyncServer = (request: ConnectSyncServer): Promise<SyncStatus> =>
  invoke<SyncStatus>("connect_sync_server", { request });

/** First run (nobody signed in, no clinic here yet): this device joins an existing clinic. */
export const joinClinic = (request: ConnectSyncServer): Promise<SyncStatus> =>
  invoke<SyncStatus>("join_clinic", { request });

export const listSyncConflicts = (): Promise<SyncConflict[]> => invoke<SyncConflict[]>("list_sync_conflicts");

export const resolveSyncConflict = (request: ResolveSyncConflict): Promise<null> =>
  invoke<null>("resolve_sync_conflict", { request });

/** How often the header refreshes the sync status while signed in. */
export const POLL_MS = 2_000;

/** The Tauri event the shell emits after ops from other devices were applied here. */
export const SYNC_APPLIED_EVENT = "sync-applied";

export const syncKeys = {
  all: ["sync"] as const,
  status: ["sync", "status"] as const,
  conflicts: ["sync", "conflicts"] as const,
  /** The download while joining a clinic (no session yet). */
  join: ["sync", "join"] as const,
};
