//! SQLite: account credit balances and their ledger.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use switchboard_core::id::AccountId;
use switchboard_core::time::Millis;

use super::SqliteStore;
use crate::credits::LATEST_MOVEMENTS;
use crate::credits::{CreditChange, CreditMovement, CreditOutcome, CreditStore, LedgerEntry};
use crate::shared_methods::select_method;
use crate::StoreResult;

/// The account's balance (0 when it has no row).
pub(crate) fn balance(c: &Connection, account: &str) -> StoreResult<i64> {
    Ok(
        c.prepare_cached("SELECT balance FROM account_credits WHERE account_id = ?1")?
            .query_row([account], |r| r.get::<_, i64>(0))
            .optional()?
            .unwrap_or(0),
    )
}

/// Stores the account's balance.
pub(crate) fn set_balance(
    c: &Connection,
    account: &str,
    balance: i64,
    now: Millis,
) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO account_credits (account_id, balance, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (account_id) DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at",
    )?
    .execute(params![account, balance, now])?;
    Ok(())
}

/// Appends a ledger entry; its position.
pub(crate) fn append_ledger(c: &Connection, e: &LedgerEntry<'_>) -> StoreResult<i64> {
    c.prepare_cached(
        "INSERT INTO credit_ledger (account_id, amount, balance_after, reason, reference, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![e.account, e.amount, e.balance_after, e.reason, e.reference, e.at])?;
    Ok(c.last_insert_rowid())
}

#[async_trait]
impl CreditStore for SqliteStore {
    async fn credit_balance(&self, account: AccountId) -> StoreResult<i64> {
        let account = account.to_string();
        self.engine.read(move |c| balance(c, &account)).await
    }

    async fn change_credits(
        &self,
        change: &CreditChange<'_>,
        now: Millis,
    ) -> StoreResult<CreditOutcome> {
        let account_id = change.account_id;
        let account = account_id.to_string();
        let amount = change.amount;
        let reason = change.reason.to_string();
        let reference = change.reference.map(str::to_string);
        self.engine
            .write(move |c| {
                let balance = balance(c, &account)?;
                let after = balance.saturating_add(amount);
                if after < 0 {
                    return Ok(CreditOutcome::Insufficient {
                        needed: amount.saturating_neg(),
                        available: balance,
                    });
                }
                set_balance(c, &account, after, now)?;
                let entry = LedgerEntry {
                    account: &account,
                    amount,
                    balance_after: after,
                    reason: &reason,
                    reference: reference.as_deref(),
                    at: now,
                };
                let seq = append_ledger(c, &entry)?;
                Ok(CreditOutcome::Applied(CreditMovement {
                    seq,
                    account_id,
                    amount,
                    balance_after: after,
                    reason,
                    reference,
                    created_at: now,
                }))
            })
            .await
    }

    select_method!(
        credit_movements(account: AccountId, limit: u32) -> Vec<CreditMovement> =
            select_all(LATEST_MOVEMENTS, [account, limit])
    );
}
