//! An account's credits: its balance with the latest ledger movements, and admin changes.

use switchboard_core::id::AccountId;
use switchboard_core::time::now_millis;
use switchboard_store::credits::{CreditChange, CreditMovement, CreditOutcome};
use switchboard_store::Store;

use crate::{ServiceError, ServiceResult};

/// Longest note on an admin change, in characters.
pub const NOTE_MAX_CHARS: usize = 200;

/// Ledger movements shown with a balance.
pub const RECENT_MOVEMENTS: u32 = 50;

/// An account's balance and latest movements, newest first.
#[derive(Debug, Clone)]
pub struct Credits {
    /// The account.
    pub account_id: AccountId,
    /// Current balance (never negative).
    pub balance: i64,
    /// The latest movements (at most [`RECENT_MOVEMENTS`]).
    pub movements: Vec<CreditMovement>,
}

/// Why credits could not be changed.
#[derive(Debug)]
pub enum ChangeError {
    /// A debit larger than the balance.
    Insufficient {
        /// Credits the debit needs.
        needed: i64,
        /// Credits the account has.
        available: i64,
    },
    /// Any other failure.
    Service(ServiceError),
}

impl<E: Into<ServiceError>> From<E> for ChangeError {
    fn from(e: E) -> Self {
        ChangeError::Service(e.into())
    }
}

/// Whether the account exists.
pub async fn account_exists(store: &dyn Store, account: AccountId) -> ServiceResult<bool> {
    Ok(store.get_account(account).await?.is_some())
}

/// The account's credits.
pub async fn get(store: &dyn Store, account: AccountId) -> ServiceResult<Credits> {
    Ok(Credits {
        account_id: account,
        balance: store.credit_balance(account).await?,
        movements: store.credit_movements(account, RECENT_MOVEMENTS).await?,
    })
}

/// Credits (positive `amount`) or debits (negative) the account by the admin, with an
/// optional note of at most [`NOTE_MAX_CHARS`]; answers the credits after the change. A zero
/// amount or a longer note is refused as invalid before anything is read.
pub async fn change(
    store: &dyn Store,
    account: AccountId,
    amount: i64,
    note: Option<&str>,
) -> Result<Credits, ChangeError> {
    if amount == 0 {
        return Err(ServiceError::invalid("amount", "`amount` must be a non-zero integer").into());
    }
    if note.is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS) {
        return Err(ServiceError::invalid(
            "note",
            format!("`note` must be at most {NOTE_MAX_CHARS} characters"),
        )
        .into());
    }
    let change = CreditChange {
        account_id: account,
        amount,
        reason: if amount > 0 {
            "admin_credit"
        } else {
            "admin_debit"
        },
        reference: note,
    };
    match store.change_credits(&change, now_millis()).await? {
        CreditOutcome::Applied(_) => Ok(get(store, account).await?),
        CreditOutcome::Insufficient { needed, available } => {
            Err(ChangeError::Insufficient { needed, available })
        }
    }
}
