-- Instances of the WhatsApp Web bot platform dialect (`/compat/wabot/`): a `web` channel with
-- the instance token (`access_token`) the dialect checks on every instance request, sealed
-- like the other stored secrets. Deleting the channel deletes its instance.
CREATE TABLE wabot_instances (
    channel_id   TEXT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    access_token TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX wabot_instances_account ON wabot_instances(account_id, channel_id);
