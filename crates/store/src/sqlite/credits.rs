//! SQLite: account credit balances and their ledger.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use switchboard_core::id::AccountId;
use switchboard_core::time::Millis;

use super::rows::parse;
use super::SqliteStore;
use crate::credits::{CreditChange, CreditMovement, CreditOutcome, CreditStore};
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
        self.engine
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT seq, account_id, amount, balance_after, reason, reference, created_at
                     FROM credit_ledger WHERE account_id = ?1 ORDER BY seq DESC LIMIT ?2",
                )?;
                let rows = stmt.query_map(params![account, i64::from(limit)], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, i64>(6)?,
                    ))
                })?;
                let mut out = Vec::new();
                for row in rows {
                    let (seq, account_id, amount, balance_after, reason, reference, created_at) =
                        row?;
                    out.push(CreditMovement {
                        seq,
                        account_id: parse(&account_id, "account id")?,
                        amount,
                        balance_after,
                        reason,
                        reference,
                        created_at,
                    });
                }
                Ok(out)
            })
            .await
    }
}
