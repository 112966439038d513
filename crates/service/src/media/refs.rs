//! Checking, at send time, that the media a message names by our id (`med_…`) exists in the
//! account, has not expired, and fits the place that names it.

use serde_json::Value;
use switchboard_core::id::AccountId;
use switchboard_core::media::media_refs;
use switchboard_core::message::MessageError;
use switchboard_core::template_def::media_rules::MediaKind;
use switchboard_core::time::Millis;
use switchboard_store::{Store, StoreError};

fn invalid(path: &str, details: String) -> MessageError {
    MessageError {
        code: 100,
        message: "Invalid parameter".into(),
        details: format!("{path}: {details}"),
        path: path.to_string(),
    }
}

/// Why a message's media references are refused.
#[derive(Debug, thiserror::Error)]
pub enum RefError {
    /// A reference is invalid (Meta's shape, with the JSON path).
    #[error("{}", .0.details)]
    Invalid(MessageError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks every `med_…` reference in `body` against the account's media.
pub async fn check_refs(
    store: &dyn Store,
    account: AccountId,
    body: &Value,
    now: Millis,
) -> Result<(), RefError> {
    let refs = media_refs(body).map_err(|e| RefError::Invalid(invalid(&e.path, e.message)))?;
    for r in refs {
        let media = store
            .get_media(account, r.id)
            .await?
            .filter(|m| m.expires_at > now)
            .ok_or_else(|| {
                RefError::Invalid(invalid(
                    &r.path,
                    format!(
                        "media {} does not exist in this account (or has expired); upload it with POST /v1/media first",
                        r.id
                    ),
                ))
            })?;
        if media.kind != r.kind {
            return Err(RefError::Invalid(invalid(
                &r.path,
                format!(
                    "media {} is {} {} ({}); this place needs {} {}",
                    r.id,
                    article(media.kind),
                    media.kind,
                    media.mime_type,
                    article(r.kind),
                    r.kind
                ),
            )));
        }
        if r.path.starts_with("template.")
            && r.kind == MediaKind::Document
            && media.mime_type != "application/pdf"
        {
            return Err(RefError::Invalid(invalid(
                &r.path,
                format!(
                    "a template's document parameter must be a PDF; media {} is {}",
                    r.id, media.mime_type
                ),
            )));
        }
    }
    Ok(())
}

fn article(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image | MediaKind::Audio => "an",
        _ => "a",
    }
}
