-- WhatsApp Web sessions: one row per channel with its lifecycle state, why it failed, who it
-- is paired as and the pairing codes it shows (JSON text), and its key store (the device
-- identity and Signal/app-state records, each value sealed with the store's keyring).
-- Both go with their channel. A key has a named namespace (a batch with an unnamed one
-- fails whole).
CREATE TABLE web_sessions (
    channel_id TEXT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    reason     TEXT,
    detail     TEXT,
    paired_as  TEXT,
    qr         TEXT,
    pair_code  TEXT,
    restarts   BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_by_state ON web_sessions (state);

CREATE TABLE web_keys (
    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    namespace  TEXT NOT NULL CHECK (namespace <> ''),
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (channel_id, namespace, key)
);
