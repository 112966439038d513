-- Per-chat heads of the outbox, so a claim reads only claimable work: one row per
-- (channel, chat) with messages in the outbox, naming the chat's oldest row (the only one
-- that may be dispatched: a chat's next message waits for the previous one's answer) and
-- when it is due: its `not_before`, or its lease's end while it is leased. A claim locks the
-- due heads through `outbox_heads_due` (or `outbox_heads_channel` for some channels) with
-- `FOR UPDATE SKIP LOCKED` and costs the same with a million messages queued behind them.
--
-- Triggers on `outbox` keep the heads, not each writer: the send path, scheduled promotion,
-- broadcasts, the dispatcher's lease and outcome and deletes that cascade from messages and
-- channels all stay consistent without knowing the heads exist, and each trigger costs an
-- index seek or two in the writer's own transaction.
CREATE TABLE outbox_heads (
    channel_id TEXT NOT NULL,
    chat       TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    message_id TEXT NOT NULL,
    due        BIGINT NOT NULL,
    PRIMARY KEY (channel_id, chat)
);
CREATE INDEX outbox_heads_due ON outbox_heads(due, seq);
CREATE INDEX outbox_heads_channel ON outbox_heads(channel_id, due, seq);

INSERT INTO outbox_heads (channel_id, chat, seq, message_id, due)
SELECT DISTINCT ON (channel_id, chat) channel_id, chat, seq, message_id, GREATEST(not_before, lease_until)
FROM outbox
ORDER BY channel_id, chat, seq;

-- A new row becomes its chat's head if the chat has none (rows only join at the tail). An
-- existing head is locked (the no-op update) rather than skipped: a transaction deleting it
-- then waits for this one and sees this row when it looks for the chat's next head, and a
-- head being deleted makes this insert wait and retry, so a committed row never lacks one.
CREATE FUNCTION outbox_heads_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox_heads (channel_id, chat, seq, message_id, due)
    VALUES (NEW.channel_id, NEW.chat, NEW.seq, NEW.message_id, GREATEST(NEW.not_before, NEW.lease_until))
    ON CONFLICT (channel_id, chat) DO UPDATE SET seq = outbox_heads.seq;
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_heads_insert AFTER INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_heads_insert();

-- The head's row left (sent, failed, deleted by a cascade): the chat's oldest remaining row
-- becomes the head, or the chat has none. Deleting another row leaves the head as it is.
CREATE FUNCTION outbox_heads_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM outbox_heads WHERE channel_id = OLD.channel_id AND chat = OLD.chat AND seq = OLD.seq;
    IF FOUND THEN
        INSERT INTO outbox_heads (channel_id, chat, seq, message_id, due)
        SELECT channel_id, chat, seq, message_id, GREATEST(not_before, lease_until)
        FROM outbox WHERE channel_id = OLD.channel_id AND chat = OLD.chat
        ORDER BY seq LIMIT 1
        ON CONFLICT (channel_id, chat) DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_heads_delete AFTER DELETE ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_heads_delete();

-- The head's due time follows its row's `not_before` and lease.
CREATE FUNCTION outbox_heads_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE outbox_heads SET due = GREATEST(NEW.not_before, NEW.lease_until)
    WHERE channel_id = NEW.channel_id AND chat = NEW.chat AND seq = NEW.seq;
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_heads_update AFTER UPDATE OF not_before, lease_until ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_heads_update();
