-- When an API key last authenticated a request. Written off the request path, at most once
-- a minute per key and node, and never moved back (so a slow node cannot undo a newer time).
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
