-- Each subscription's pending deliveries in due order, so a claim reads only the
-- subscriptions the deliverer has a slot for, and only as far as their slots go: an
-- endpoint at its concurrency cap costs nothing however many deliveries wait for it.
CREATE INDEX deliveries_subscription_due ON deliveries(subscription_id, next_attempt_at, seq) WHERE state = 'pending';
