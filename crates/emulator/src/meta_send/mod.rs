//! The Messenger and Instagram Send API: `POST /{version}/me/messages` and
//! `/{version}/{page_id}/messages` for registered pages, simulated users who write, tap and
//! react, delivery and read receipts, and signed webhooks.

pub(crate) mod attachments;
pub(crate) mod control;
mod errors;
pub(crate) mod events;
pub(crate) mod send;
mod validate;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::config::PageConfig;
use crate::state::{lock, Inner};

/// A simulated user of a page.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageUser {
    /// Unix milliseconds of the user's last message or postback.
    pub last_inbound_ms: Option<i64>,
    /// Whether the user blocked the page (sends are 551).
    pub blocked: bool,
}

/// One page (or Instagram account) and its users.
#[derive(Debug)]
pub(crate) struct Page {
    pub config: Arc<PageConfig>,
    pub users: HashMap<String, PageUser>,
    /// Saved attachment ids (Attachment Upload API, or `is_reusable` sends).
    pub attachments: HashSet<String>,
}

/// Every page, by id.
#[derive(Debug, Default)]
pub(crate) struct Pages {
    pub by_id: HashMap<String, Page>,
}

/// Registers (or replaces, keeping its users) a page; refuses one without an id.
pub(crate) fn add_page(inner: &Inner, config: PageConfig) -> Result<(), String> {
    if config.page_id.is_empty() {
        return Err("page_id is required".to_string());
    }
    let mut pages = lock(&inner.pages);
    let config = Arc::new(config);
    pages
        .by_id
        .entry(config.page_id.clone())
        .and_modify(|p| p.config = config.clone())
        .or_insert_with(|| Page {
            config,
            users: HashMap::new(),
            attachments: HashSet::new(),
        });
    Ok(())
}

/// Whether `POST /{version}/{id}/messages` is a Send API call: `id` is `me`, or a registered
/// page that is not also a registered phone number (phone numbers win a clash).
pub(crate) fn serves(inner: &Inner, id: &str) -> bool {
    id == "me" || (inner.phone(id).is_none() && lock(&inner.pages).by_id.contains_key(id))
}

/// Saves a new reusable attachment for the page and returns its id.
pub(crate) fn save_attachment(inner: &Inner, page_id: &str) -> String {
    let id = inner.ids.numeric();
    if let Some(p) = lock(&inner.pages).by_id.get_mut(page_id) {
        if p.attachments.len() < inner.config.max_records {
            p.attachments.insert(id.clone());
        }
    }
    id
}
