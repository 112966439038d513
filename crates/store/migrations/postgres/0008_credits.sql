-- Account credits (issue 9): a balance per account and the ledger of every movement.

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
