-- Per-key heads of the pending webhook deliveries, so a delivery claim reads only claimable
-- work: one row per (subscription, ordering key) with pending deliveries, naming the key's
-- oldest pending one (the only one that may be sent: a key's next delivery waits for the
-- previous one) and when it is due: its next attempt, or its lease's end while it is
-- leased. A claim finds the subscriptions with heads by skipping through the primary key,
-- reads each one's due heads through `delivery_heads_due` as far as its slots go, and costs
-- the same with a receiver down and a hundred thousand deliveries queued behind its heads.
-- It replaces `deliveries_subscription_due`, which the claim walked past every queued
-- non-head delivery of a key whose head was in flight.
--
-- Triggers on `deliveries` keep the heads, like `outbox_heads`: the fan-out, replays, test
-- events, the claim's lease, each outcome, manual retries and deletes that cascade from
-- subscriptions stay consistent without knowing the heads exist.
CREATE TABLE delivery_heads (
    subscription_id TEXT NOT NULL,
    ordering_key    TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    due             INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, ordering_key)
);
CREATE INDEX delivery_heads_due ON delivery_heads(subscription_id, due, seq);

INSERT INTO delivery_heads (subscription_id, ordering_key, seq, due)
SELECT d.subscription_id, d.ordering_key, d.seq,
       MAX(d.next_attempt_at, COALESCE(d.lease_until, d.next_attempt_at))
FROM deliveries d
WHERE d.state = 'pending'
  AND d.seq = (SELECT MIN(p.seq) FROM deliveries p
               WHERE p.subscription_id = d.subscription_id AND p.ordering_key = d.ordering_key
                 AND p.state = 'pending');

-- A new pending delivery becomes its key's head if the key has none (deliveries only join
-- at the tail).
CREATE TRIGGER delivery_heads_insert AFTER INSERT ON deliveries WHEN NEW.state = 'pending'
BEGIN
    INSERT OR IGNORE INTO delivery_heads (subscription_id, ordering_key, seq, due)
    VALUES (NEW.subscription_id, NEW.ordering_key, NEW.seq,
            MAX(NEW.next_attempt_at, COALESCE(NEW.lease_until, NEW.next_attempt_at)));
END;

-- The head left the pending state (delivered, failed): the key's oldest pending delivery
-- becomes the head, or the key has none.
CREATE TRIGGER delivery_heads_leave AFTER UPDATE OF state ON deliveries
WHEN OLD.state = 'pending' AND NEW.state <> 'pending'
BEGIN
    DELETE FROM delivery_heads
    WHERE subscription_id = OLD.subscription_id AND ordering_key = OLD.ordering_key AND seq = OLD.seq;
    INSERT OR IGNORE INTO delivery_heads (subscription_id, ordering_key, seq, due)
    SELECT subscription_id, ordering_key, seq, MAX(next_attempt_at, COALESCE(lease_until, next_attempt_at))
    FROM deliveries
    WHERE subscription_id = OLD.subscription_id AND ordering_key = OLD.ordering_key AND state = 'pending'
    ORDER BY seq LIMIT 1;
END;

-- A delivery pending again (a manual retry) is its key's head if it is older than the head.
CREATE TRIGGER delivery_heads_return AFTER UPDATE OF state ON deliveries
WHEN OLD.state <> 'pending' AND NEW.state = 'pending'
BEGIN
    DELETE FROM delivery_heads
    WHERE subscription_id = NEW.subscription_id AND ordering_key = NEW.ordering_key AND seq > NEW.seq;
    INSERT OR IGNORE INTO delivery_heads (subscription_id, ordering_key, seq, due)
    VALUES (NEW.subscription_id, NEW.ordering_key, NEW.seq,
            MAX(NEW.next_attempt_at, COALESCE(NEW.lease_until, NEW.next_attempt_at)));
END;

-- The head's due time follows its delivery's next attempt and lease.
CREATE TRIGGER delivery_heads_due_time AFTER UPDATE OF next_attempt_at, lease_until ON deliveries
WHEN NEW.state = 'pending'
BEGIN
    UPDATE delivery_heads
    SET due = MAX(NEW.next_attempt_at, COALESCE(NEW.lease_until, NEW.next_attempt_at))
    WHERE subscription_id = NEW.subscription_id AND ordering_key = NEW.ordering_key AND seq = NEW.seq;
END;

-- A deleted pending delivery (its subscription deleted) hands the head on, as when it leaves.
CREATE TRIGGER delivery_heads_delete AFTER DELETE ON deliveries WHEN OLD.state = 'pending'
BEGIN
    DELETE FROM delivery_heads
    WHERE subscription_id = OLD.subscription_id AND ordering_key = OLD.ordering_key AND seq = OLD.seq;
    INSERT OR IGNORE INTO delivery_heads (subscription_id, ordering_key, seq, due)
    SELECT subscription_id, ordering_key, seq, MAX(next_attempt_at, COALESCE(lease_until, next_attempt_at))
    FROM deliveries
    WHERE subscription_id = OLD.subscription_id AND ordering_key = OLD.ordering_key AND state = 'pending'
    ORDER BY seq LIMIT 1;
END;

DROP INDEX deliveries_subscription_due;
