-- Per-chat heads of the outbox, so a claim reads only claimable work: one row per
-- (channel, chat) with messages in the outbox, naming the chat's oldest row (the only one
-- that may be dispatched: a chat's next message waits for the previous one's answer) and
-- when it is due: its `not_before`, or its lease's end while it is leased. A claim reads the
-- due heads through `outbox_heads_due` (or `outbox_heads_channel` for some channels) and
-- costs the same with a million messages queued behind them.
--
-- Triggers on `outbox` keep the heads, not each writer: the send path, scheduled promotion,
-- broadcasts, the dispatcher's lease and outcome, leases released at start and deletes that
-- cascade from messages and channels all stay consistent without knowing the heads exist,
-- and each trigger costs an index seek or two in the writer's own transaction.
CREATE TABLE outbox_heads (
    channel_id TEXT NOT NULL,
    chat       TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    due        INTEGER NOT NULL,
    PRIMARY KEY (channel_id, chat)
);
CREATE INDEX outbox_heads_due ON outbox_heads(due, seq);
CREATE INDEX outbox_heads_channel ON outbox_heads(channel_id, due, seq);

INSERT INTO outbox_heads (channel_id, chat, seq, message_id, due)
SELECT o.channel_id, o.chat, o.seq, o.message_id, MAX(o.not_before, COALESCE(o.lease_until, o.not_before))
FROM outbox o
WHERE o.seq = (SELECT MIN(p.seq) FROM outbox p WHERE p.channel_id = o.channel_id AND p.chat = o.chat);

-- A new row becomes its chat's head if the chat has none (rows only join at the tail).
CREATE TRIGGER outbox_heads_insert AFTER INSERT ON outbox
BEGIN
    INSERT OR IGNORE INTO outbox_heads (channel_id, chat, seq, message_id, due)
    VALUES (NEW.channel_id, NEW.chat, NEW.seq, NEW.message_id,
            MAX(NEW.not_before, COALESCE(NEW.lease_until, NEW.not_before)));
END;

-- The head's row left (sent, failed, deleted by a cascade): the chat's next row becomes the
-- head, or the chat has none. Deleting another row leaves the head as it is.
CREATE TRIGGER outbox_heads_delete AFTER DELETE ON outbox
BEGIN
    DELETE FROM outbox_heads WHERE channel_id = OLD.channel_id AND chat = OLD.chat AND seq = OLD.seq;
    INSERT OR IGNORE INTO outbox_heads (channel_id, chat, seq, message_id, due)
    SELECT channel_id, chat, seq, message_id, MAX(not_before, COALESCE(lease_until, not_before))
    FROM outbox WHERE channel_id = OLD.channel_id AND chat = OLD.chat
    ORDER BY seq LIMIT 1;
END;

-- The head's due time follows its row's `not_before` and lease.
CREATE TRIGGER outbox_heads_update AFTER UPDATE OF not_before, lease_until ON outbox
BEGIN
    UPDATE outbox_heads SET due = MAX(NEW.not_before, COALESCE(NEW.lease_until, NEW.not_before))
    WHERE channel_id = NEW.channel_id AND chat = NEW.chat AND seq = NEW.seq;
END;
