-- Message templates per channel: one row per (channel, name, language), with the definition
-- in Meta's create-template JSON shape, the review status and the upstream's id.
CREATE TABLE templates (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel_id      TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    language        TEXT NOT NULL,
    category        TEXT NOT NULL,
    status          TEXT NOT NULL,
    definition      TEXT NOT NULL,
    upstream_id     TEXT,
    rejected_reason TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX templates_name ON templates(channel_id, name, language);
CREATE INDEX templates_account ON templates(account_id, channel_id, id);
CREATE INDEX templates_status ON templates(status, channel_id);
