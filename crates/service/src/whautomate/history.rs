//! `GET v1/messages/{contactId}`: a contact's messages on every channel of the account,
//! newest first, `limit` per page, pages numbered from 1, `searchText` matching the text,
//! footer or buttons (case-insensitive).

use std::collections::HashMap;

use switchboard_core::channel::ChannelKind;
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::whautomate::view::{entry, matches, HistoryEntry};
use switchboard_core::whautomate::Platform;
use switchboard_store::messages::MessageFilter;
use switchboard_store::{PageRequest, Store};

use super::{contact_by_id, WhautomateError};

/// Messages per page when `limit` is not given.
pub const LIMIT_DEFAULT: u32 = 20;
/// Most messages per page.
pub const LIMIT_MAX: u32 = 100;
/// Messages read from the store per round while paging.
const BATCH: u32 = 200;

/// Which page of the history to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Messages per page, 1 to [`LIMIT_MAX`].
    pub limit: u32,
    /// The page, from 1 (the newest messages).
    pub page: u32,
    /// Only messages containing this text.
    pub search: Option<String>,
}

async fn channel_kinds(
    store: &dyn Store,
    account: AccountId,
    scope: Option<ChannelId>,
) -> Result<HashMap<ChannelId, ChannelKind>, WhautomateError> {
    let mut kinds = HashMap::new();
    let mut page = PageRequest {
        after: None,
        limit: Some(500),
    };
    loop {
        let listed = store.list_channels(account, scope, &page).await?;
        kinds.extend(listed.items.into_iter().map(|c| (c.id, c.kind)));
        match listed.next {
            Some(next) => page.after = Some(next),
            None => return Ok(kinds),
        }
    }
}

/// The page `query` asks for of contact `contact_id`'s history (a key limited to `scope`
/// sees only that channel's messages).
pub async fn history(
    store: &dyn Store,
    account: AccountId,
    scope: Option<ChannelId>,
    contact_id: &str,
    query: &HistoryQuery,
) -> Result<Vec<HistoryEntry>, WhautomateError> {
    let contact = contact_by_id(store, account, contact_id).await?;
    let kinds = channel_kinds(store, account, scope).await?;
    let filter = MessageFilter {
        channel_id: scope,
        chat: Some(contact.wa_id.clone()),
        ..MessageFilter::default()
    };
    let search = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mut skip = u64::from(query.page.saturating_sub(1)) * u64::from(query.limit);
    let mut out = Vec::new();
    let mut before = String::new();
    loop {
        let batch = store
            .latest_messages(account, &filter, &before, BATCH)
            .await?;
        let Some(oldest) = batch.first() else {
            return Ok(out);
        };
        before = oldest.id.to_string();
        let full = batch.len() as u32 == BATCH;
        for m in batch.iter().rev() {
            let platform = kinds
                .get(&m.channel_id)
                .map_or(Platform::Whatsapp, |k| Platform::of_kind(*k));
            let e = entry(m, &contact.id.to_string(), platform);
            if search.is_some_and(|s| !matches(&e, s)) {
                continue;
            }
            if skip > 0 {
                skip -= 1;
                continue;
            }
            out.push(e);
            if out.len() as u32 == query.limit {
                return Ok(out);
            }
        }
        if !full {
            return Ok(out);
        }
    }
}
