-- 0010: merging duplicate patient records. Append-only once landed: never edit.
--
-- A merged record stays (never deleted) and points at the record that survived,
-- so ids held elsewhere (links, audit entries, other devices' ops) still resolve.
-- Its chart items move to the survivor in the merge's transaction (one
-- `merge_patients` op). Search and duplicate checks skip merged records.
ALTER TABLE patient ADD COLUMN merged_into TEXT REFERENCES patient (id);
ALTER TABLE patient ADD COLUMN merged_at TEXT;
