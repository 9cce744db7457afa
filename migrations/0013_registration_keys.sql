-- 0013: what each patient was registered as, for possible-duplicate review that
-- every device decides the same way (sync::apply::patients). `dup_key` is the
-- folded name and date of birth at registration; `known` lists the patients with
-- the same key the registering device already held (so it was not concurrent
-- with them: it checked them, or they no longer matched).
-- Append-only once landed: never edit; add a new numbered file instead.
CREATE TABLE registration_key (
    patient_id TEXT PRIMARY KEY REFERENCES patient (id),
    dup_key    TEXT NOT NULL,
    known      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(known))
);
CREATE INDEX registration_key_dup ON registration_key (dup_key);

INSERT INTO registration_key (patient_id, dup_key)
    SELECT id, name_key || '|' || date_of_birth FROM patient;
