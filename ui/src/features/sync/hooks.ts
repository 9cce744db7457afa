// Shared sync hooks: the polled status (one query, shared by the header and the Sync
// screen), refreshing every screen after other devices' changes were applied here
// (the shell's `sync-applied` event), and "sync now".
import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { listen } from "@tauri-apps/api/event";
import { useEffect } from "react";
import type { SyncStatus } from "../../bindings/SyncStatus";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { getSyncStatus, POLL_MS, SYNC_APPLIED_EVENT, syncKeys, syncNow } from "./api";

export function useSyncStatus() {
  return useQuery({ queryKey: syncKeys.status, queryFn: getSyncStatus, refetchInterval: POLL_MS });
}

/** Start-up and session queries: never refetched by sync (re-running them has effects). */
const KEEP = new Set<unknown>(["app_status", "session"]);

/** Marks every screen's data stale and refetches what is on screen. */
export function refreshAfterSync(client: QueryClient): Promise<void> {
  return client.invalidateQueries({ predicate: (q) => !KEEP.has(q.queryKey[0]) });
}

/** While mounted, refreshes every open screen when the shell applied other devices' changes. */
export function useSyncApplied(): void {
  const client = useQueryClient();
  useEffect(() => {
    let active = true;
    let unlisten: (() => void) | null = null;
    // Outside the Tauri window (tests, a plain browser) there is no event bus: no refresh.
    Promise.resolve()
      .then(() => listen<{ applied: number }>(SYNC_APPLIED_EVENT, () => void refreshAfterSync(client)))
      .then((stop) => {
        if (active) unlisten = stop;
        else stop();
      })
      .catch(() => {});
    return () => {
      active = false;
      unlisten?.();
    };
  }, [client]);
}

/** "Sync now" / "Retry now": the answer becomes the shown status at once. */
export function useSyncNow() {
  const client = useQueryClient();
  return useMutation<SyncStatus, UiError, void>({
    mutationFn: () => syncNow().catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (status) => client.setQueryData(syncKeys.status, status),
  });
}
