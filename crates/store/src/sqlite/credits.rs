//! SQLite: account credit balances and their ledger.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use switchboard_core::id::AccountId;
use switchboard_core::time::Millis;

use super::query::args;
use super::SqliteStore;
use crate::credits::{CreditChange, CreditMovement, CreditOutcome, CreditStore};
use crate::decode::{self, CREDIT_MOVEMENT_COLS};
use crate::StoreResult;

#[async_trait]
impl CreditStore for SqliteStore {
    async fn credit_balance(&self, account: AccountId) -> StoreResult<i64> {
        let account = account.to_string();
        self.engine
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT balance FROM account_credits WHERE account_id = ?1",
                    [account],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .unwrap_or(0))
            })
            .await
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
                let balance: i64 = c
                    .query_row(
                        "SELECT balance FROM account_credits WHERE account_id = ?1",
                        [&account],
                        |r| r.get(0),
                    )
                    .optional()?
                    .unwrap_or(0);
                let after = balance.saturating_add(amount);
                if after < 0 {
                    return Ok(CreditOutcome::Insufficient {
                        needed: amount.saturating_neg(),
                        available: balance,
                    });
                }
                c.execute(
                    "INSERT INTO account_credits (account_id, balance, updated_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (account_id) DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at",
                    params![account, after, now],
                )?;
                c.execute(
                    "INSERT INTO credit_ledger (account_id, amount, balance_after, reason, reference, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![account, amount, after, reason, reference, now],
                )?;
                Ok(CreditOutcome::Applied(CreditMovement {
                    seq: c.last_insert_rowid(),
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

    async fn credit_movements(
        &self,
        account: AccountId,
        limit: u32,
    ) -> StoreResult<Vec<CreditMovement>> {
        let account = account.to_string();
        let sql = format!(
            "SELECT {CREDIT_MOVEMENT_COLS} FROM credit_ledger WHERE account_id = ?1 ORDER BY seq DESC LIMIT ?2"
        );
        let args = args![account, i64::from(limit)];
        self.read_all(sql, args, decode::credit_movement).await
    }
}
