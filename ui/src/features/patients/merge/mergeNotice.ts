// The one-off "Merged: N chart items moved" handed from the merge dialog to the survivor's
// profile across a navigation (the profile route carries no such notice). Memory only; the
// profile reads it when it mounts and clears it, so it shows once.
import type { PatientId } from "../../../bindings/PatientId";

let pending: { id: PatientId; moved: number } | null = null;

/** Leaves the notice for the next profile of `id` to open. */
export function leaveMergeNotice(id: PatientId, moved: number): void {
  pending = { id, moved };
}

/** The number of chart items moved, if a notice waits for `id` (does not clear it). */
export function peekMergeNotice(id: PatientId): number | undefined {
  return pending?.id === id ? pending.moved : undefined;
}

/** Drops the notice waiting for `id`, once it has been read. */
export function clearMergeNotice(id: PatientId): void {
  if (pending?.id === id) pending = null;
}
