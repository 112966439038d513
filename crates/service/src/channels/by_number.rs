//! Finding an account's WhatsApp channel by the number clients know it by, for the
//! compatibility dialects whose `from` is "your WhatsApp number".

use switchboard_core::channel::{Channel, ChannelKind};
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_store::{PageRequest, Store, StoreResult};

use crate::webhooks::payload::display_number;

/// Whether `from` names `channel`: its id, or its WhatsApp number (digits compared, so `+`
/// and spaces do not matter).
fn names(channel: &Channel, from: &str) -> bool {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let wanted = digits(from);
    channel.id.to_string() == from.trim()
        || (!wanted.is_empty() && digits(&display_number(channel)) == wanted)
}

/// The account's WhatsApp channel (sandbox or cloud) that `from` names, by id or number;
/// `scope` limits the search to one channel (a key limited to it).
pub async fn whatsapp_channel(
    store: &dyn Store,
    account: AccountId,
    scope: Option<ChannelId>,
    from: &str,
) -> StoreResult<Option<Channel>> {
    let mut page = PageRequest {
        after: None,
        limit: Some(500),
    };
    loop {
        let listed = store.list_channels(account, scope, &page).await?;
        if let Some(c) = listed
            .items
            .into_iter()
            .find(|c| matches!(c.kind, ChannelKind::Sandbox | ChannelKind::Cloud) && names(c, from))
        {
            return Ok(Some(c));
        }
        match listed.next {
            Some(next) => page.after = Some(next),
            None => return Ok(None),
        }
    }
}
