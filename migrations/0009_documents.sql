-- 0009: patient documents (PDF, images, text) stored in the encrypted database,
-- their searchable text, and shares with other practitioners. Append-only once
-- landed: never edit.
--
-- Synced (every write records an outbox op; the content travels with the
-- document's op). A document is never deleted: one filed by mistake is marked
-- entered_in_error. Its bytes never change (a trigger refuses it).

CREATE TABLE document (
    id               TEXT PRIMARY KEY,
    patient_id       TEXT NOT NULL REFERENCES patient (id),
    -- lab_report, progress_note, assessment, referral, consent, letter, other.
    type             TEXT NOT NULL,
    title            TEXT NOT NULL,
    -- YYYY-MM-DD: the document's own date (not the upload's).
    document_date    TEXT NOT NULL,
    author           TEXT NOT NULL DEFAULT '',
    source           TEXT NOT NULL DEFAULT '',
    file_name        TEXT NOT NULL,
    -- application/pdf, image/png, image/jpeg, text/plain (sniffed, not trusted).
    media_type       TEXT NOT NULL,
    size             INTEGER NOT NULL,
    sha256           TEXT NOT NULL,
    content          BLOB NOT NULL,
    -- Text extracted from PDFs and text files, for keyword search ('' for images).
    text             TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('current', 'entered_in_error')),
    status_reason    TEXT NOT NULL DEFAULT '',
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT,
    recorded_by_name TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL CHECK (version >= 1)
);

CREATE INDEX document_by_patient ON document (patient_id, document_date, id);
CREATE INDEX document_by_type ON document (patient_id, type, document_date, id);

CREATE TRIGGER document_is_never_deleted
BEFORE DELETE ON document
BEGIN
    SELECT RAISE(ABORT, 'documents are never deleted: mark them entered in error');
END;

CREATE TRIGGER document_content_is_immutable
BEFORE UPDATE OF content, sha256 ON document
BEGIN
    SELECT RAISE(ABORT, 'a document''s content never changes: upload a new one');
END;

-- Keyword search over title, author, source and extracted text (external-content
-- FTS5 index kept in step by the triggers below).
CREATE VIRTUAL TABLE document_search USING fts5(
    title, author, source, text,
    content = 'document', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER document_search_insert AFTER INSERT ON document
BEGIN
    INSERT INTO document_search (rowid, title, author, source, text)
    VALUES (new.rowid, new.title, new.author, new.source, new.text);
END;

CREATE TRIGGER document_search_update AFTER UPDATE OF title, author, source, text ON document
BEGIN
    INSERT INTO document_search (document_search, rowid, title, author, source, text)
    VALUES ('delete', old.rowid, old.title, old.author, old.source, old.text);
    INSERT INTO document_search (rowid, title, author, source, text)
    VALUES (new.rowid, new.title, new.author, new.source, new.text);
END;

-- A document shared with another practitioner: it appears in their inbox.
CREATE TABLE document_share (
    document_id    TEXT NOT NULL REFERENCES document (id),
    staff_id       TEXT NOT NULL REFERENCES staff (id),
    shared_by      TEXT,
    shared_by_name TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    shared_at      TEXT NOT NULL,
    PRIMARY KEY (document_id, staff_id)
) WITHOUT ROWID;
