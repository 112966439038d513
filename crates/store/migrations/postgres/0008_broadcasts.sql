-- Issue 9 (broadcasts branch): contact columns used by audiences, and account credits.

-- contacts columns shared with the bot branch; the lead dedupes at merge
ALTER TABLE contacts ADD COLUMN tags JSONB NOT NULL DEFAULT '[]';
ALTER TABLE contacts ADD COLUMN fields JSONB NOT NULL DEFAULT '{}';
ALTER TABLE contacts ADD COLUMN opted_out_at BIGINT;

-- Credits: one balance per account (never negative) and the ledger of every movement.
CREATE TABLE account_credits (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    balance    BIGINT NOT NULL CHECK (balance >= 0),
    updated_at BIGINT NOT NULL
);

CREATE TABLE credit_ledger (
    seq           BIGSERIAL PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    amount        BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
    reason        TEXT NOT NULL,
    reference     TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX credit_ledger_account ON credit_ledger (account_id, seq);
