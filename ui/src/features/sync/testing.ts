// Test fixtures of the sync screens (used by tests only): a sync status and conflicts.
import type { SyncConflict } from "../../bindings/SyncConflict";
import type { SyncStatus } from "../../bindings/SyncStatus";

export const syncStatus = (over: Partial<SyncStatus> = {}): SyncStatus => ({
  phase: "idle",
  server_url: "https://sync.clinic.example:8443",
  pending_changes: 0,
  last_sync_at: "2026-01-05T12:04:00Z",
  last_error: null,
  upgrade_required: false,
  first_sync_done: true,
  received: 0,
  total: 0,
  open_conflicts: 0,
  held_changes: 0,
  ...over,
});

export const identityConflict = (over: Partial<SyncConflict> = {}): SyncConflict => ({
  id: "identity:p1:date_of_birth:abc",
  kind: "identity_field",
  patient_id: "p1",
  patient_label: "Lovelace, Ada",
  mrn: "MRN-000123",
  other_patient_id: null,
  other_label: null,
  other_mrn: null,
  field: "date_of_birth",
  current_value: "1990-12-10",
  other_value: "1990-10-12",
  detected_at: "2026-01-05T10:00:00Z",
  ...over,
});

export const duplicateConflict = (over: Partial<SyncConflict> = {}): SyncConflict => ({
  id: "duplicate:p1:p2",
  kind: "possible_duplicate",
  patient_id: "p1",
  patient_label: "Lovelace, Ada",
  mrn: "MRN-000123",
  other_patient_id: "p2",
  other_label: "Lovelace, Ada M",
  other_mrn: "MRN-000456",
  field: null,
  current_value: null,
  other_value: null,
  detected_at: "2026-01-05T10:00:00Z",
  ...over,
});
