//! Account credits: a balance per account that never goes negative, and a ledger recording
//! every movement with the balance after it.

use async_trait::async_trait;
use switchboard_core::id::AccountId;
use switchboard_core::time::Millis;

use crate::decode;
use crate::select::Select;
use crate::StoreResult;

/// One recorded movement of an account's credits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditMovement {
    /// Position in the ledger (increasing).
    pub seq: i64,
    /// The account.
    pub account_id: AccountId,
    /// Signed amount: positive credits the account, negative debits it.
    pub amount: i64,
    /// The balance right after this movement.
    pub balance_after: i64,
    /// Why (e.g. `admin_credit`, `admin_debit`, `broadcast_reserve`, `broadcast_refund`).
    pub reason: String,
    /// What the movement relates to (e.g. a broadcast id), if anything.
    pub reference: Option<String>,
    /// When (Unix millis).
    pub created_at: Millis,
}

/// A requested change of an account's balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditChange<'a> {
    /// The account.
    pub account_id: AccountId,
    /// Signed amount; must not be zero.
    pub amount: i64,
    /// Why (stored in the ledger).
    pub reason: &'a str,
    /// What the change relates to, if anything.
    pub reference: Option<&'a str>,
}

/// The result of [`CreditStore::change_credits`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditOutcome {
    /// Applied; the ledger entry written.
    Applied(CreditMovement),
    /// A debit larger than the balance: nothing changed.
    Insufficient {
        /// Credits the debit needs.
        needed: i64,
        /// Credits the account has.
        available: i64,
    },
}

/// A ledger entry to append: a movement of `amount` that left the balance at `balance_after`.
pub(crate) struct LedgerEntry<'a> {
    /// The account (as stored).
    pub account: &'a str,
    /// Signed amount.
    pub amount: i64,
    /// The balance right after the movement.
    pub balance_after: i64,
    /// Why.
    pub reason: &'a str,
    /// What the movement relates to, if anything.
    pub reference: Option<&'a str>,
    /// When.
    pub at: Millis,
}

/// Account credits and their ledger.
#[async_trait]
pub trait CreditStore {
    /// The account's balance (0 when it was never credited).
    async fn credit_balance(&self, account: AccountId) -> StoreResult<i64>;

    /// Applies a signed change and records it in the ledger in one transaction; a debit that
    /// would make the balance negative changes nothing and reports the shortfall.
    async fn change_credits(
        &self,
        change: &CreditChange<'_>,
        now: Millis,
    ) -> StoreResult<CreditOutcome>;

    /// The account's latest `limit` ledger movements, newest first.
    async fn credit_movements(
        &self,
        account: AccountId,
        limit: u32,
    ) -> StoreResult<Vec<CreditMovement>>;
}

/// An account's latest ledger entries (account, limit), newest first.
pub(crate) const LATEST_MOVEMENTS: Select<CreditMovement> = Select::new(
    "credit_ledger",
    decode::CREDIT_MOVEMENT_COLS,
    decode::credit_movement,
    "account_id = $1 ORDER BY seq DESC LIMIT $2",
);
