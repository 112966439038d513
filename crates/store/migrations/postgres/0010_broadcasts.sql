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
    marketing          BOOLEAN NOT NULL,
    template_category  TEXT,
    status             TEXT NOT NULL,
    send_at            BIGINT,
    audience_size      BIGINT NOT NULL,
    credits_per_target BIGINT NOT NULL,
    credits_reserved   BIGINT NOT NULL,
    credits_refunded   BIGINT NOT NULL DEFAULT 0,
    total              BIGINT NOT NULL DEFAULT 0,
    pending            BIGINT NOT NULL DEFAULT 0,
    queued             BIGINT NOT NULL DEFAULT 0,
    sent               BIGINT NOT NULL DEFAULT 0,
    delivered          BIGINT NOT NULL DEFAULT 0,
    not_delivered      BIGINT NOT NULL DEFAULT 0,
    seen               BIGINT NOT NULL DEFAULT 0,
    failed             BIGINT NOT NULL DEFAULT 0,
    skipped            BIGINT NOT NULL DEFAULT 0,
    canceled           BIGINT NOT NULL DEFAULT 0,
    audience_cursor    TEXT,
    materialized       BOOLEAN NOT NULL DEFAULT FALSE,
    error              TEXT,
    progress_at        BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    finished_at        BIGINT
);
CREATE INDEX broadcasts_account ON broadcasts(account_id, id);
CREATE INDEX broadcasts_open ON broadcasts(status) WHERE finished_at IS NULL;

CREATE TABLE broadcast_targets (
    broadcast_id TEXT NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    wa_id        TEXT NOT NULL,
    fields       TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL,
    message_id   TEXT,
    error        TEXT,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (broadcast_id, seq)
);
CREATE UNIQUE INDEX broadcast_targets_number ON broadcast_targets(broadcast_id, wa_id);
CREATE INDEX broadcast_targets_status ON broadcast_targets(broadcast_id, status, seq);
CREATE UNIQUE INDEX broadcast_targets_message ON broadcast_targets(message_id) WHERE message_id IS NOT NULL;

-- The broadcast tracker starts at the end of an existing log: no earlier message belongs to
-- a broadcast.
INSERT INTO fanout_position (name, cursor)
SELECT 'broadcasts', txid::text || '.' || seq::text FROM events ORDER BY txid DESC, seq DESC LIMIT 1;
