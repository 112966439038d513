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
-- subscriptions stay consistent without knowing the heads exist. A claim locks the
-- deliveries it takes (not their heads), so it takes its locks in the same order as a
-- finish: the delivery, then its head through the trigger.
CREATE TABLE delivery_heads (
    subscription_id TEXT NOT NULL,
    ordering_key    TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    due             BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, ordering_key)
);
CREATE INDEX delivery_heads_due ON delivery_heads(subscription_id, due, seq);

INSERT INTO delivery_heads (subscription_id, ordering_key, seq, due)
SELECT DISTINCT ON (subscription_id, ordering_key) subscription_id, ordering_key, seq,
       GREATEST(next_attempt_at, lease_until)
FROM deliveries
WHERE state = 'pending'
ORDER BY subscription_id, ordering_key, seq;

-- A new pending delivery becomes its key's head if the key has none (deliveries only join
-- at the tail). An existing head is locked (the no-op update) rather than skipped: a
-- transaction handing it on then waits for this one and sees this delivery when it looks
-- for the key's next head, and a head being handed on makes this insert wait and retry.
CREATE FUNCTION delivery_heads_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'pending' THEN
        INSERT INTO delivery_heads (subscription_id, ordering_key, seq, due)
        VALUES (NEW.subscription_id, NEW.ordering_key, NEW.seq, GREATEST(NEW.next_attempt_at, NEW.lease_until))
        ON CONFLICT (subscription_id, ordering_key) DO UPDATE SET seq = delivery_heads.seq;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER delivery_heads_insert AFTER INSERT ON deliveries
    FOR EACH ROW EXECUTE FUNCTION delivery_heads_insert();

-- The key's oldest pending delivery becomes its head, unless it has one.
CREATE FUNCTION delivery_heads_next(subscription TEXT, key TEXT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO delivery_heads (subscription_id, ordering_key, seq, due)
    SELECT subscription_id, ordering_key, seq, GREATEST(next_attempt_at, lease_until)
    FROM deliveries
    WHERE subscription_id = subscription AND ordering_key = key AND state = 'pending'
    ORDER BY seq LIMIT 1
    ON CONFLICT (subscription_id, ordering_key) DO NOTHING;
$$;

-- A delivery's state or times changed: the head left the pending state (delivered, failed)
-- and hands on to the key's oldest pending delivery; a delivery pending again (a manual
-- retry) is its key's head if it is older than the head; a pending head's due time follows
-- its next attempt and lease.
CREATE FUNCTION delivery_heads_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'pending' AND NEW.state <> 'pending' THEN
        DELETE FROM delivery_heads
        WHERE subscription_id = OLD.subscription_id AND ordering_key = OLD.ordering_key AND seq = OLD.seq;
        IF FOUND THEN
            PERFORM delivery_heads_next(OLD.subscription_id, OLD.ordering_key);
        END IF;
    ELSIF OLD.state <> 'pending' AND NEW.state = 'pending' THEN
        DELETE FROM delivery_heads
        WHERE subscription_id = NEW.subscription_id AND ordering_key = NEW.ordering_key AND seq > NEW.seq;
        INSERT INTO delivery_heads (subscription_id, ordering_key, seq, due)
        VALUES (NEW.subscription_id, NEW.ordering_key, NEW.seq, GREATEST(NEW.next_attempt_at, NEW.lease_until))
        ON CONFLICT (subscription_id, ordering_key) DO NOTHING;
    ELSIF NEW.state = 'pending' THEN
        UPDATE delivery_heads SET due = GREATEST(NEW.next_attempt_at, NEW.lease_until)
        WHERE subscription_id = NEW.subscription_id AND ordering_key = NEW.ordering_key AND seq = NEW.seq;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER delivery_heads_update AFTER UPDATE OF state, next_attempt_at, lease_until ON deliveries
    FOR EACH ROW EXECUTE FUNCTION delivery_heads_update();

-- A deleted pending head (its subscription deleted) hands on, as when it leaves.
CREATE FUNCTION delivery_heads_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'pending' THEN
        DELETE FROM delivery_heads
        WHERE subscription_id = OLD.subscription_id AND ordering_key = OLD.ordering_key AND seq = OLD.seq;
        IF FOUND THEN
            PERFORM delivery_heads_next(OLD.subscription_id, OLD.ordering_key);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER delivery_heads_delete AFTER DELETE ON deliveries
    FOR EACH ROW EXECUTE FUNCTION delivery_heads_delete();

DROP INDEX deliveries_subscription_due;
