-- Contacts API (issue 9): paging and search indexes, per-contact last inbound lookups,
-- CSV import jobs; and each channel's time zone for statistics.

-- Contacts are paged by id (time-sortable) within an account.
CREATE INDEX contacts_account_id ON contacts(account_id, id);
-- A page of contacts reads its last inbound time per channel by WhatsApp id.
CREATE INDEX conversations_chat ON conversations(chat);

-- A CSV import: the upload is spooled to `file_path` before the job row is written; the
-- job is processed in batches and its counters updated after each batch. `processed` is the
-- number of CSV records consumed, so a restart resumes after them; `total` is the number
-- of records in the file, counted while it was spooled.
CREATE TABLE contact_imports (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    mode        TEXT NOT NULL,
    status      TEXT NOT NULL,
    file_path   TEXT NOT NULL,
    total       INTEGER NOT NULL DEFAULT 0,
    processed   INTEGER NOT NULL DEFAULT 0,
    created     INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    errors      TEXT NOT NULL DEFAULT '[]',
    reason      TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX contact_imports_account ON contact_imports(account_id, id);
CREATE INDEX contact_imports_status ON contact_imports(status);

-- Statistics count days and months in the channel's time zone (IANA name or offset).
ALTER TABLE channels ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
