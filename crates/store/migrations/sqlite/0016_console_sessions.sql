-- Console sessions: a signed-in browser. The session id is sent as a cookie and stored only
-- as its SHA-256 (`id_hash`); the key it was made with (NULL, with the account, for the admin
-- key) is checked on each request, so revoking the key ends its sessions. A session ends at
-- `idle_expires_at` (moved forward on each request, never past `expires_at`) or at
-- `expires_at`, whichever comes first.
CREATE TABLE console_sessions (
    id_hash         TEXT PRIMARY KEY,
    account_id      TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    key_id          TEXT REFERENCES api_keys(id) ON DELETE CASCADE,
    csrf_token      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX console_sessions_key ON console_sessions(key_id);
CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);

-- One-time sign-in links (printed by `serve` at first start): the token stored as its
-- SHA-256, taken (deleted) by its first use, valid until `expires_at`.
CREATE TABLE console_sign_in_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    key_id     TEXT REFERENCES api_keys(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
