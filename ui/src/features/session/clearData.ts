// What the page forgets when the session locks or ends: every cached query except the
// start-up status and session queries (no patient data in them; the gate mounts the
// enrollment screen before this runs) and every mutation (their variables hold
// drafts and passwords). Called after the patient screens have unmounted.
import type { QueryClient } from "@tanstack/react-query";

const KEEP = new Set<unknown>(["app_status", "session"]);

export function clearPatientData(client: QueryClient): void {
  client.removeQueries({ predicate: (q) => !KEEP.has(q.queryKey[0]) });
  client.getMutationCache().clear();
}
