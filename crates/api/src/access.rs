//! Extractors that carry who is calling, with what permission, on which channel.
//!
//! A handler states what it needs in its signature and gets it checked before it runs:
//! [`Admin`] for the installation's admin key; [`Auth<P>`] for an account key with at least
//! the permission of the marker `P` ([`CanRead`], [`CanSend`], [`CanManage`]), wrapped in
//! [`AccountWide`] when a key limited to one channel may not use the route;
//! [`ScopedChannelId<P>`] and [`ScopedChannel<P>`] for routes under a channel, which answer
//! 404 for a channel outside the key's scope or of another account, like a missing one.

use std::marker::PhantomData;
use std::ops::Deref;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use switchboard_core::channel::Channel;
use switchboard_core::id::{ChannelId, ChannelMarker};
use switchboard_core::key::Permission;
use switchboard_service::channels;

use crate::auth::{KeyPrincipal, Principal};
use crate::error::{ApiError, ApiResult};
use crate::extract::path_id;
use crate::state::AppState;

/// What a route needs of the calling key.
pub trait Need: Send + Sync + 'static {
    /// The least permission.
    const PERMISSION: Permission;
    /// Whether a key limited to one channel is refused.
    const ACCOUNT_WIDE: bool = false;
}

/// A key with `read` permission or more.
pub struct CanRead;
/// A key with `send` permission or more.
pub struct CanSend;
/// A key with `manage` permission.
pub struct CanManage;
/// The permission of `P`, from a key that is not limited to one channel.
pub struct AccountWide<P>(PhantomData<P>);

impl Need for CanRead {
    const PERMISSION: Permission = Permission::Read;
}
impl Need for CanSend {
    const PERMISSION: Permission = Permission::Send;
}
impl Need for CanManage {
    const PERMISSION: Permission = Permission::Manage;
}
impl<P: Need> Need for AccountWide<P> {
    const PERMISSION: Permission = P::PERMISSION;
    const ACCOUNT_WIDE: bool = true;
}

/// The installation's admin key (403 for an account key).
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        Principal::from_request_parts(parts, state)
            .await?
            .require_admin()?;
        Ok(Admin)
    }
}

/// An account key allowed what `P` needs; dereferences to the key.
pub struct Auth<P> {
    key: KeyPrincipal,
    need: PhantomData<P>,
}

impl<P> Clone for Auth<P> {
    fn clone(&self) -> Self {
        Self {
            key: self.key.clone(),
            need: PhantomData,
        }
    }
}

impl<P> Deref for Auth<P> {
    type Target = KeyPrincipal;

    fn deref(&self) -> &KeyPrincipal {
        &self.key
    }
}

impl<P: Need> Auth<P> {
    /// Checks an already authenticated caller (for routes that answer in another shape).
    pub fn check(principal: &Principal) -> ApiResult<Self> {
        let key = principal.require_key(P::PERMISSION)?;
        if P::ACCOUNT_WIDE {
            key.require_account_wide()?;
        }
        Ok(Self {
            key: key.clone(),
            need: PhantomData,
        })
    }
}

impl<P> Auth<P> {
    /// The key.
    pub fn key(&self) -> &KeyPrincipal {
        &self.key
    }

    /// The channel `id` of this key's account, if the key may see it (404 otherwise).
    pub async fn channel(&self, state: &AppState, id: ChannelId) -> ApiResult<Channel> {
        key_channel(state, &self.key, id).await
    }
}

/// The channel `id` of `key`'s account, if the key may see it (404 otherwise).
pub async fn key_channel(
    state: &AppState,
    key: &KeyPrincipal,
    id: ChannelId,
) -> ApiResult<Channel> {
    key.require_channel(id)?;
    Ok(channels::get(state.store().as_ref(), key.account_id, id).await?)
}

/// The channel named by `text` (`ch_…`, from a body or a query), as [`key_channel`]; a
/// malformed id is not found.
pub async fn key_channel_named(
    state: &AppState,
    key: &KeyPrincipal,
    text: &str,
) -> ApiResult<Channel> {
    let id = path_id::<ChannelMarker>(text, "channel")?;
    key_channel(state, key, id).await
}

impl<P: Need> FromRequestParts<AppState> for Auth<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let principal = Principal::from_request_parts(parts, state).await?;
        Self::check(&principal)
    }
}

/// The channel id of the route (`{id}` under `/v1/channels`, else `{channel_id}`), checked
/// against the key's scope and account (404 outside them); the key is allowed what `P` needs.
pub struct ScopedChannelId<P> {
    /// The calling key.
    pub auth: Auth<P>,
    /// The channel.
    pub id: ChannelId,
}

impl<P> Deref for ScopedChannelId<P> {
    type Target = KeyPrincipal;

    fn deref(&self) -> &KeyPrincipal {
        &self.auth.key
    }
}

/// The route's channel parameter.
async fn channel_param(parts: &mut Parts, state: &AppState) -> ApiResult<String> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| ApiError::NotFound("channel not found".into()))?;
    let under_channels = parts.uri.path().starts_with("/v1/channels/");
    let wanted = if under_channels { "id" } else { "channel_id" };
    params
        .iter()
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_string())
        .ok_or_else(|| ApiError::NotFound("channel not found".into()))
}

impl<P: Need> FromRequestParts<AppState> for ScopedChannelId<P> {
    type Rejection = ApiError;

    /// Loads the channel, as [`ScopedChannel`] does, so that another account's channel is
    /// not found before the handler reads its body (which would otherwise answer 400 there).
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let ScopedChannel { auth, channel } =
            ScopedChannel::<P>::from_request_parts(parts, state).await?;
        Ok(Self {
            auth,
            id: channel.id,
        })
    }
}

/// The route's channel, loaded: of the key's account and in its scope (404 otherwise); the
/// key is allowed what `P` needs.
pub struct ScopedChannel<P> {
    /// The calling key.
    pub auth: Auth<P>,
    /// The channel.
    pub channel: Channel,
}

impl<P> Deref for ScopedChannel<P> {
    type Target = KeyPrincipal;

    fn deref(&self) -> &KeyPrincipal {
        &self.auth.key
    }
}

impl<P: Need> FromRequestParts<AppState> for ScopedChannel<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let auth = Auth::<P>::from_request_parts(parts, state).await?;
        let text = channel_param(parts, state).await?;
        let id = path_id::<ChannelMarker>(&text, "channel")?;
        let channel = auth.channel(state, id).await?;
        Ok(Self { auth, channel })
    }
}
