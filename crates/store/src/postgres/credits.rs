//! PostgreSQL: account credit balances and their ledger.

use async_trait::async_trait;
use sqlx::PgConnection;
use switchboard_core::id::AccountId;
use switchboard_core::time::Millis;

use super::PgStore;
use crate::credits::LATEST_MOVEMENTS;
use crate::credits::{CreditChange, CreditMovement, CreditOutcome, CreditStore, LedgerEntry};
use crate::shared_methods::select_method;
use crate::StoreResult;

/// The account's balance, if it has a row.
pub(crate) async fn balance(c: &mut PgConnection, account: &str) -> StoreResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT balance FROM account_credits WHERE account_id = $1")
            .bind(account)
            .fetch_optional(&mut *c)
            .await?,
    )
}

/// Appends a ledger entry; its position.
pub(crate) async fn append_ledger(c: &mut PgConnection, e: &LedgerEntry<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO credit_ledger (account_id, amount, balance_after, reason, reference, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
    )
    .bind(e.account)
    .bind(e.amount)
    .bind(e.balance_after)
    .bind(e.reason)
    .bind(e.reference)
    .bind(e.at)
    .fetch_one(&mut *c)
    .await?)
}

#[async_trait]
impl CreditStore for PgStore {
    async fn credit_balance(&self, account: AccountId) -> StoreResult<i64> {
        let mut c = self.pool.acquire().await?;
        Ok(balance(&mut c, &account.to_string()).await?.unwrap_or(0))
    }

    async fn change_credits(
        &self,
        change: &CreditChange<'_>,
        now: Millis,
    ) -> StoreResult<CreditOutcome> {
        let account = change.account_id.to_string();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO account_credits (account_id, balance, updated_at) VALUES ($1, 0, $2)
             ON CONFLICT (account_id) DO NOTHING",
        )
        .bind(&account)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // The conditional update takes the row lock, so concurrent changes serialize here.
        let after: Option<i64> = sqlx::query_scalar(
            "UPDATE account_credits SET balance = balance + $2, updated_at = $3
             WHERE account_id = $1 AND balance + $2 >= 0 RETURNING balance",
        )
        .bind(&account)
        .bind(change.amount)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(after) = after else {
            // The row exists: this transaction inserted it or found it.
            let available = balance(&mut tx, &account).await?.unwrap_or(0);
            tx.rollback().await?;
            return Ok(CreditOutcome::Insufficient {
                needed: change.amount.saturating_neg(),
                available,
            });
        };
        let entry = LedgerEntry {
            account: &account,
            amount: change.amount,
            balance_after: after,
            reason: change.reason,
            reference: change.reference,
            at: now,
        };
        let seq = append_ledger(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(CreditOutcome::Applied(CreditMovement {
            seq,
            account_id: change.account_id,
            amount: change.amount,
            balance_after: after,
            reason: change.reason.to_string(),
            reference: change.reference.map(str::to_string),
            created_at: now,
        }))
    }

    select_method!(
        credit_movements(account: AccountId, limit: u32) -> Vec<CreditMovement> =
            select_all(LATEST_MOVEMENTS, [account, limit])
    );
}
