//! One router per resource.

pub mod accounts;
pub mod bot;
pub mod broadcasts;
pub mod channel_settings;
pub mod channels;
pub mod cloud_webhooks;
pub mod contacts;
pub mod conversations;
pub mod credits;
pub mod events;
pub mod health;
pub mod keys;
pub mod media;
pub mod messages;
pub mod meta_webhooks;
pub mod multiwhats;
pub mod onemsg;
pub mod profile;
pub mod sandbox;
pub mod sandbox_pages;
pub mod scheduled;
pub mod sendbuttons;
pub mod stats;
pub mod subscriptions;
pub mod telegram_webhooks;
pub mod templates;
pub mod wabot;
pub mod web_sessions;
pub mod whautomate;

use serde::Deserialize;
use switchboard_store::PageRequest;
use utoipa::IntoParams;

/// Paging parameters shared by list endpoints.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Cursor: the `next` value of the previous page.
    pub after: Option<String>,
}

impl From<PageQuery> for PageRequest {
    fn from(q: PageQuery) -> Self {
        PageRequest {
            after: q.after,
            limit: q.limit,
        }
    }
}
