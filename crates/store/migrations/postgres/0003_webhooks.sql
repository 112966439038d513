-- Webhook subscriptions, the deliveries the fan-out creates from the event log, every
-- delivery attempt, and the fan-out's position in the log.
CREATE TABLE subscriptions (
    id                   TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel_id           TEXT REFERENCES channels(id) ON DELETE CASCADE,
    url                  TEXT NOT NULL,
    events               TEXT NOT NULL,
    format               TEXT NOT NULL,
    secret               TEXT NOT NULL,
    previous_secret      TEXT,
    previous_expires_at  BIGINT,
    enabled              BOOLEAN NOT NULL,
    description          TEXT,
    failing_since        BIGINT,
    disabled_reason      TEXT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX subscriptions_account ON subscriptions(account_id, id);

CREATE TABLE deliveries (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    account_id      TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    ordering_key    TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT
);
CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);
CREATE INDEX deliveries_pending_order ON deliveries(subscription_id, ordering_key, seq) WHERE state = 'pending';
CREATE INDEX deliveries_subscription ON deliveries(subscription_id, id);

CREATE TABLE delivery_attempts (
    id           BIGSERIAL PRIMARY KEY,
    delivery_id  TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    attempted_at BIGINT NOT NULL,
    status_code  BIGINT,
    latency_ms   BIGINT NOT NULL,
    response     TEXT,
    error        TEXT
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id, id);

CREATE TABLE fanout_position (
    name   TEXT PRIMARY KEY,
    cursor TEXT NOT NULL
);

-- The fan-out pages every account's events in (txid, seq) order.
CREATE INDEX events_log ON events(txid, seq);
