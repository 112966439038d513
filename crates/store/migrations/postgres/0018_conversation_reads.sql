-- The console's Inbox (issue 17): each conversation's read marker, and the index that lists a
-- channel's conversations newest first. `read_up_to` is the id of the newest inbound message
-- the operator has seen (ids sort by time); the unread count is the inbound messages after it,
-- counted from the messages' (channel_id, chat, id) index when the list is read, so a send or
-- an inbound message writes nothing more than before.
ALTER TABLE conversations ADD COLUMN read_up_to TEXT;
CREATE INDEX conversations_recent ON conversations(channel_id, last_inbound_at);
