-- 0015: the patient's primary healthcare provider as a FHIR R4 endpoint: the
-- endpoints, which provider holds each patient's record there, the exchanges
-- with them (jobs), requests for documents and the documents that came from a
-- provider. Append-only once landed: never edit; add a new numbered file instead.
--
-- Synced (every write records an op carrying the whole row, last writer by HLC
-- wins): provider_endpoint (`save_provider_endpoint`, never with credentials),
-- patient_provider_link (`link_patient_provider`), document_request
-- (`save_document_request`), provider_document (`record_provider_document`).
-- Local to this device (written without an op, never pushed): provider_credential,
-- provider_job, provider_watermark.

CREATE TABLE provider_endpoint (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    -- The FHIR base URL, without a trailing slash.
    base_url          TEXT NOT NULL,
    auth              TEXT NOT NULL CHECK (auth IN ('open', 'bearer', 'smart_backend')),
    -- SMART Backend Services: the client id, token endpoint and scopes.
    client_id         TEXT,
    token_url         TEXT,
    scope             TEXT,
    -- Minutes between automatic pulls of each linked patient (0: manual only).
    refresh_minutes   INTEGER NOT NULL DEFAULT 0 CHECK (refresh_minutes >= 0),
    send_demographics INTEGER NOT NULL DEFAULT 0 CHECK (send_demographics IN (0, 1)),
    clinic_default    INTEGER NOT NULL DEFAULT 0 CHECK (clinic_default IN (0, 1)),
    updated_at        TEXT NOT NULL
);

-- Local only: the credentials an administrator entered on THIS device (a bearer
-- token or a SMART private key, PEM). Never in an op, never returned to the UI.
CREATE TABLE provider_credential (
    provider_id TEXT PRIMARY KEY,
    secret      TEXT NOT NULL,
    saved_at    TEXT NOT NULL
);

-- Which provider holds the patient's record there, and under which id or
-- identifier (`system|value`). One per patient.
CREATE TABLE patient_provider_link (
    patient_id        TEXT PRIMARY KEY REFERENCES patient (id),
    provider_id       TEXT NOT NULL,
    remote_patient_id TEXT,
    identifier        TEXT,
    updated_at        TEXT NOT NULL,
    CHECK (remote_patient_id IS NOT NULL OR identifier IS NOT NULL)
);
CREATE INDEX patient_provider_link_provider ON patient_provider_link (provider_id);

-- Local only: every exchange of this device with a provider (the sync history),
-- queued first so it survives being offline, a restart or a crash. `details`
-- holds counts, resource types, HTTP statuses and error kinds, never values.
CREATE TABLE provider_job (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL
                    CHECK (kind IN ('pull', 'request_documents', 'check_request', 'send_demographics')),
    job_trigger     TEXT NOT NULL CHECK (job_trigger IN ('manual', 'scheduled', 'change')),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    patient_id      TEXT,
    provider_id     TEXT NOT NULL,
    -- The document request a request/check job is about.
    request_id      TEXT,
    -- The staff member told of the outcome (NULL: scheduled).
    requested_by    TEXT,
    queued_at       TEXT NOT NULL,
    started_at      TEXT,
    finished_at     TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Not before this time (a retry's backoff, the next look at a request).
    next_attempt_at TEXT,
    error           TEXT,
    http_status     INTEGER,
    details         TEXT NOT NULL DEFAULT '',
    -- A pull's counts per resource type (FhirTypeCounts[]).
    counts          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(counts))
);
CREATE INDEX provider_job_due ON provider_job (status, next_attempt_at);
CREATE INDEX provider_job_patient ON provider_job (patient_id, queued_at);
CREATE INDEX provider_job_queued ON provider_job (queued_at);

-- Local only: the newest `meta.lastUpdated` pulled per patient, provider and
-- resource type (the next pull asks for `_lastUpdated=ge<watermark>`).
CREATE TABLE provider_watermark (
    patient_id    TEXT NOT NULL,
    provider_id   TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    last_updated  TEXT NOT NULL,
    PRIMARY KEY (patient_id, provider_id, resource_type)
) WITHOUT ROWID;

-- Requests for more documents (a FHIR Task at the provider), tracked to completion.
CREATE TABLE document_request (
    id                TEXT PRIMARY KEY,
    patient_id        TEXT NOT NULL REFERENCES patient (id),
    provider_id       TEXT NOT NULL,
    description       TEXT NOT NULL,
    document_type     TEXT,
    status            TEXT NOT NULL CHECK (status IN ('queued', 'requested', 'accepted',
                          'in_progress', 'completed', 'rejected', 'cancelled', 'failed')),
    remote_task_id    TEXT,
    requested_by      TEXT,
    requested_by_name TEXT NOT NULL DEFAULT '',
    requested_at      TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX document_request_patient ON document_request (patient_id, requested_at);

-- Which document came from which provider, and when it was pulled.
CREATE TABLE provider_document (
    document_id TEXT PRIMARY KEY REFERENCES document (id),
    patient_id  TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    pulled_at   TEXT NOT NULL
);
CREATE INDEX provider_document_patient ON provider_document (patient_id, pulled_at);
