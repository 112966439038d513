-- Leases: work one node does at a time (a channel's dispatch `channel:<id>`, a WhatsApp Web
-- session `web:<id>`) is owned through a named row: the owner node (NULL once released),
-- a fencing token that grows whenever the owner changes, and when the lease runs out.
-- Rows are never deleted, so a token never starts again.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    owner      TEXT,
    token      BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
