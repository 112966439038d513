//! A cloud channel's own number, learned from the upstream (`GET /{version}/{phone_number_id}`)
//! when the channel is created and each time its templates are synced, so clients can name
//! the channel by the number they know (the compatibility dialects' `from`).

use switchboard_core::channel::{Channel, ChannelKind, ChannelSettings};
use switchboard_store::Store;

use crate::templates::sync::upstream_error;
use crate::upstream::Upstream;
use crate::ServiceResult;

/// Asks the upstream for `channel`'s display number and stores it when it changed; other
/// kinds than `cloud` are left alone (the sandbox's numbers are known without asking).
pub async fn learn_display_number(
    store: &dyn Store,
    upstream: &Upstream,
    channel: &Channel,
) -> ServiceResult<()> {
    if channel.kind != ChannelKind::Cloud {
        return Ok(());
    }
    let upstream_error = |e| upstream_error("reading the phone number from the upstream", e);
    let number = upstream
        .connector(channel)
        .map_err(upstream_error)?
        .display_number()
        .await
        .map_err(upstream_error)?;
    let Some(number) = number else {
        return Ok(());
    };
    let Some(mut fresh) = store.find_channel(channel.id).await? else {
        return Ok(());
    };
    let ChannelSettings::Cloud(settings) = &mut fresh.settings else {
        return Ok(());
    };
    if settings.display_phone_number.as_deref() == Some(number.as_str()) {
        return Ok(());
    }
    settings.display_phone_number = Some(number);
    store.update_channel(&fresh, false).await?;
    Ok(())
}
