//! Marketing opt-out: whether a contact opted out, and the check the send path runs before a
//! marketing template or broadcast goes to a contact.
//!
//! Wiring: `crate::send::send` calls [`check_marketing_allowed`] after it has parsed the
//! message and knows the template's category, before the 24-hour window check, and maps
//! [`MarketingRefused::OptedOut`] to Meta's error with [`MarketingRefused::to_meta_error`].

use switchboard_core::id::AccountId;
use switchboard_core::message::MessageError;
use switchboard_core::recipient::WaId;
use switchboard_core::time::{to_rfc3339, Millis};
use switchboard_store::{Store, StoreError};

/// Meta's code for a message refused because the recipient stopped marketing messages.
pub const OPTED_OUT_OF_MARKETING: u32 = 131050;

/// Why a marketing message may not go to a contact.
#[derive(Debug, thiserror::Error)]
pub enum MarketingRefused {
    /// The contact opted out of marketing (e.g. by writing STOP to the bot).
    #[error("{wa_id} opted out of marketing messages at {}; they can opt back in by writing START", to_rfc3339(*since))]
    OptedOut {
        /// The recipient.
        wa_id: WaId,
        /// When they opted out.
        since: Millis,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl MarketingRefused {
    /// Meta's error for an opted-out recipient (code 131050, path `to`); `None` for a store
    /// failure, which is not the client's fault.
    pub fn to_meta_error(&self) -> Option<MessageError> {
        match self {
            MarketingRefused::OptedOut { .. } => Some(MessageError {
                code: OPTED_OUT_OF_MARKETING,
                message: "Unable to deliver message".into(),
                details: format!(
                    "to: this recipient has chosen to stop receiving marketing messages from your business ({self})"
                ),
                path: "to".into(),
            }),
            MarketingRefused::Store(_) => None,
        }
    }

    /// The reason a broadcast records for a skipped target: `opted_out`.
    pub fn skip_reason(&self) -> &'static str {
        match self {
            MarketingRefused::OptedOut { .. } => "opted_out",
            MarketingRefused::Store(_) => "store_error",
        }
    }
}

/// Whether the account's contact `wa_id` opted out of marketing.
pub async fn is_opted_out(
    store: &dyn Store,
    account: AccountId,
    wa_id: &WaId,
) -> Result<bool, StoreError> {
    Ok(store
        .get_contact(account, wa_id.as_str())
        .await?
        .is_some_and(|c| c.opted_out_at.is_some()))
}

/// Refuses a message of template `category` (Meta's `MARKETING`, `UTILITY`,
/// `AUTHENTICATION`; any case) to `wa_id` when it is marketing and the contact opted out.
/// Other categories always pass: opting out of marketing does not stop order updates or
/// one-time passwords.
pub async fn check_marketing_allowed(
    store: &dyn Store,
    account: AccountId,
    wa_id: &WaId,
    category: &str,
) -> Result<(), MarketingRefused> {
    if !category.trim().eq_ignore_ascii_case("marketing") {
        return Ok(());
    }
    match store.get_contact(account, wa_id.as_str()).await? {
        Some(contact) => match contact.opted_out_at {
            Some(since) => Err(MarketingRefused::OptedOut {
                wa_id: wa_id.clone(),
                since,
            }),
            None => Ok(()),
        },
        None => Ok(()),
    }
}
