//! A WhatsApp channel's business profile and commerce settings, read from and written to the
//! upstream (nothing is stored): changes are checked against Meta's limits first, and channel
//! kinds without them (Telegram, Messenger, Instagram, web) are refused with
//! `unsupported_by_channel` before any upstream call.

use switchboard_connectors::{Connector, ConnectorError};
use switchboard_core::business_profile::{
    validate, BusinessProfile, CommerceSettings, ProfileUpdate,
};
use switchboard_core::channel::Channel;

use crate::templates::sync::upstream_error;
use crate::upstream::Upstream;
use crate::{ServiceError, ServiceResult};

/// The connector of a channel that has a business profile (a WhatsApp Cloud channel:
/// `cloud` or `sandbox`); other kinds are a 422 `unsupported_by_channel`.
fn connector(
    upstream: &Upstream,
    channel: &Channel,
) -> ServiceResult<std::sync::Arc<dyn Connector>> {
    if !channel.kind.is_whatsapp_cloud() {
        return Err(ServiceError::Unprocessable {
            code: "unsupported_by_channel",
            message: format!(
                "{} channels have no WhatsApp business profile or commerce settings: only WhatsApp Cloud channels (cloud, sandbox) do",
                channel.kind.as_str()
            ),
        });
    }
    upstream
        .connector(channel)
        .map_err(|e| upstream_error("the channel has no connector", e))
}

fn refused(doing: &str) -> impl Fn(ConnectorError) -> ServiceError + '_ {
    move |e| upstream_error(doing, e)
}

/// The channel's business profile as the upstream reports it.
pub async fn get(upstream: &Upstream, channel: &Channel) -> ServiceResult<BusinessProfile> {
    connector(upstream, channel)?
        .business_profile()
        .await
        .map_err(refused("reading the business profile from the upstream"))
}

/// Checks `update` against Meta's limits, then changes those fields upstream (one call).
pub async fn update(
    upstream: &Upstream,
    channel: &Channel,
    update: ProfileUpdate,
) -> ServiceResult<()> {
    let connector = connector(upstream, channel)?;
    let update = validate(update).map_err(|e| ServiceError::invalid(e.field, e.message))?;
    connector
        .update_business_profile(&update)
        .await
        .map_err(refused("the upstream refused the business profile"))
}

/// The channel's commerce settings as the upstream reports them.
pub async fn commerce(upstream: &Upstream, channel: &Channel) -> ServiceResult<CommerceSettings> {
    connector(upstream, channel)?
        .commerce_settings()
        .await
        .map_err(refused("reading the commerce settings from the upstream"))
}

/// Changes the commerce settings `settings` gives (at least one) upstream.
pub async fn update_commerce(
    upstream: &Upstream,
    channel: &Channel,
    settings: CommerceSettings,
) -> ServiceResult<()> {
    let connector = connector(upstream, channel)?;
    if settings == CommerceSettings::default() {
        return Err(ServiceError::invalid(
            "body",
            "nothing to change: give is_cart_enabled or is_catalog_visible (true or false)",
        ));
    }
    connector
        .update_commerce_settings(&settings)
        .await
        .map_err(refused("the upstream refused the commerce settings"))
}
