-- Broadcasts (issue 9): one message × an audience, materialized into per-target rows in
-- batches, fed to the outbox in a small window, tracked from the event log. Counters are
-- kept in the broadcast row and always equal the counts over its target rows.
CREATE TABLE broadcasts (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel_id         TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    name               TEXT,
    message            TEXT NOT NULL,
    audience           TEXT NOT NULL,
    marketing          INTEGER NOT NULL,
    template_category  TEXT,
    status             TEXT NOT NULL,
    send_at            INTEGER,
    audience_size      INTEGER NOT NULL,
    credits_per_target INTEGER NOT NULL,
    credits_reserved   INTEGER NOT NULL,
    credits_refunded   INTEGER NOT NULL DEFAULT 0,
    total              INTEGER NOT NULL DEFAULT 0,
    pending            INTEGER NOT NULL DEFAULT 0,
    queued             INTEGER NOT NULL DEFAULT 0,
    sent               INTEGER NOT NULL DEFAULT 0,
    delivered          INTEGER NOT NULL DEFAULT 0,
    not_delivered      INTEGER NOT NULL DEFAULT 0,
    seen               INTEGER NOT NULL DEFAULT 0,
    failed             INTEGER NOT NULL DEFAULT 0,
    skipped            INTEGER NOT NULL DEFAULT 0,
    canceled           INTEGER NOT NULL DEFAULT 0,
    audience_cursor    TEXT,
    materialized       INTEGER NOT NULL DEFAULT 0,
    error              TEXT,
    progress_at        INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    finished_at        INTEGER
);
CREATE INDEX broadcasts_account ON broadcasts(account_id, id);
CREATE INDEX broadcasts_open ON broadcasts(status) WHERE finished_at IS NULL;

CREATE TABLE broadcast_targets (
    broadcast_id TEXT NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    wa_id        TEXT NOT NULL,
    fields       TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL,
    message_id   TEXT,
    error        TEXT,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (broadcast_id, seq)
);
CREATE UNIQUE INDEX broadcast_targets_number ON broadcast_targets(broadcast_id, wa_id);
CREATE INDEX broadcast_targets_status ON broadcast_targets(broadcast_id, status, seq);
CREATE UNIQUE INDEX broadcast_targets_message ON broadcast_targets(message_id) WHERE message_id IS NOT NULL;

-- The broadcast tracker starts at the end of an existing log: no earlier message belongs to
-- a broadcast.
INSERT INTO fanout_position (name, cursor)
SELECT 'broadcasts', CAST(seq AS TEXT) FROM events ORDER BY seq DESC LIMIT 1;
