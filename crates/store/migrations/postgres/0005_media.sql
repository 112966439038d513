-- Media files: metadata (the bytes live in the media storage under storage_key), and the
-- upstream's copy of each file per channel (Meta's media ids live 30 days).
CREATE TABLE media (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel_id   TEXT REFERENCES channels(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL,
    mime_type    TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    filename     TEXT,
    storage_key  TEXT NOT NULL,
    source       TEXT NOT NULL,
    upstream_id  TEXT,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX media_account ON media(account_id, id);
CREATE INDEX media_expiry ON media(expires_at);

CREATE TABLE media_upstream (
    media_id     TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    channel_id   TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    upstream_id  TEXT NOT NULL,
    uploaded_at  BIGINT NOT NULL,
    PRIMARY KEY (media_id, channel_id)
);
