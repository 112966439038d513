//! The media services' error type.

use switchboard_core::template_def::media_rules::{MediaRuleError, MediaRuleReason};
use switchboard_store::StoreError;

/// Why a media operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The file breaks WhatsApp's type or size rules (Meta's 131053, with the reason).
    #[error(transparent)]
    Rule(MediaRuleError),
    /// The declared MIME type or kind contradicts the type detected from the bytes.
    #[error("{0}")]
    Mismatch(String),
    /// The upload's URL is not allowed (scheme, private-network target).
    #[error("{0}")]
    UrlRefused(String),
    /// Fetching the upload's URL failed (unreachable, non-2xx answer, timeout).
    #[error("{0}")]
    Fetch(String),
    /// The client's body could not be read to its end.
    #[error("{0}")]
    Source(String),
    /// The request is malformed (a bad data URI, a missing file).
    #[error("{0}")]
    Invalid(String),
    /// No such media in the account.
    #[error("media not found")]
    NotFound,
    /// The media storage failed.
    #[error("media storage: {0}")]
    Storage(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl MediaError {
    /// A [`MediaError::Rule`] for a file over `limit` bytes of `what` (e.g. "image must be
    /// JPEG or PNG up to 5 MB").
    pub fn too_large(rule: &str, limit: u64) -> Self {
        MediaError::Rule(MediaRuleError {
            code: switchboard_core::template_def::media_rules::MEDIA_UPLOAD_ERROR,
            reason: MediaRuleReason::TooLarge,
            message: format!("{rule}; the file is larger than the limit of {limit} bytes"),
        })
    }
}
