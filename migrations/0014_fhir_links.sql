-- 0014: FHIR import and export. One row per FHIR resource imported: who it is in
-- FHIR, what it became here (a patient, their insurance or "no known allergies",
-- chart entries, visits, results, documents — or nothing: kept as JSON) and its
-- JSON, so that a re-import matches it and updates instead of duplicating, and an
-- export gives back what the domain does not hold. Append-only once landed: never
-- edit; add a new numbered file instead.
--
-- Synced: every write records a `save_fhir_resource` op carrying the whole row
-- (last writer by HLC wins), so every device matches re-imports alike.
CREATE TABLE fhir_link (
    id            TEXT PRIMARY KEY,
    resource_type TEXT NOT NULL,
    -- FhirIdentity (crates/fhir): key, id, fullUrl, identifiers, meta.
    fhir          TEXT NOT NULL CHECK (json_valid(fhir)),
    -- The patient's record it belongs to; NULL for clinic-level resources
    -- (practitioners, organisations, medications, schedules…).
    patient_id    TEXT REFERENCES patient (id),
    -- What it became: 'patient', 'insurance', 'no_known_allergies', 'chart_entry',
    -- 'encounter', 'observation', 'document'; NULL when kept as JSON.
    entity        TEXT,
    -- The domain value as last imported (normalised as stored), to tell a changed
    -- resource from an unchanged one on re-import.
    value         TEXT CHECK (value IS NULL OR json_valid(value)),
    -- Why it was kept as JSON ('' when it was mapped).
    reason        TEXT NOT NULL DEFAULT '',
    -- The resource as imported (document content left out: it is in `document`).
    resource      TEXT NOT NULL CHECK (json_valid(resource)),
    imported_at   TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX fhir_link_patient ON fhir_link (patient_id);

-- What a re-import matches on: `Type|system|value` for business identifiers,
-- `Type/id` and `urn:uuid:…` full URLs.
CREATE TABLE fhir_link_key (
    match_key TEXT NOT NULL,
    link_id   TEXT NOT NULL REFERENCES fhir_link (id),
    PRIMARY KEY (match_key, link_id)
) WITHOUT ROWID;
CREATE INDEX fhir_link_key_link ON fhir_link_key (link_id);

-- The local rows a resource became (several for an Observation panel), in order.
CREATE TABLE fhir_link_entity (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    link_id   TEXT NOT NULL REFERENCES fhir_link (id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (entity, entity_id, link_id)
) WITHOUT ROWID;
CREATE INDEX fhir_link_entity_link ON fhir_link_entity (link_id);
