-- Messages (history), the outbox (pending dispatch), status history, statuses that arrived
-- before their message's upstream id was known, the event log, idempotency keys, contacts
-- and their 24-hour windows.
CREATE TABLE messages (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    channel_id  TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    direction   TEXT NOT NULL,
    chat        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL,
    upstream_id TEXT,
    context_id  TEXT,
    error       TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX messages_account ON messages(account_id, id);
CREATE INDEX messages_channel ON messages(channel_id, id);
CREATE INDEX messages_chat ON messages(channel_id, chat, id);
CREATE UNIQUE INDEX messages_upstream ON messages(channel_id, upstream_id) WHERE upstream_id IS NOT NULL;

CREATE TABLE outbox (
    seq         BIGSERIAL PRIMARY KEY,
    message_id  TEXT NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
    channel_id  TEXT NOT NULL,
    chat        TEXT NOT NULL,
    not_before  BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT
);
CREATE INDEX outbox_chat ON outbox(channel_id, chat, seq);

CREATE TABLE message_statuses (
    id         BIGSERIAL PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    at         BIGINT NOT NULL,
    applied    BOOLEAN NOT NULL,
    error      TEXT
);
CREATE INDEX message_statuses_message ON message_statuses(message_id, id);

CREATE TABLE pending_statuses (
    channel_id  TEXT NOT NULL,
    upstream_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    at          BIGINT NOT NULL,
    error       TEXT,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (channel_id, upstream_id, status)
);

-- `txid` orders readers: an event is visible to a cursor only once every transaction that
-- started before it has finished (pg_snapshot_xmin), so a reader never skips an event that
-- commits late with a smaller sequence number.
CREATE TABLE events (
    seq        BIGSERIAL PRIMARY KEY,
    txid       XID8 NOT NULL DEFAULT pg_current_xact_id(),
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    channel_id TEXT,
    chat       TEXT,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- Readers page an account's events in (txid, seq) order.
CREATE INDEX events_account ON events(account_id, txid, seq);

CREATE TABLE idempotency_keys (
    account_id   TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);

CREATE TABLE contacts (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    wa_id      TEXT NOT NULL,
    name       TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, wa_id)
);

CREATE TABLE conversations (
    channel_id      TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    chat            TEXT NOT NULL,
    last_inbound_at BIGINT NOT NULL,
    PRIMARY KEY (channel_id, chat)
);
