//! The WhatsApp Web bot platform's instances on the native services: an instance is a `web`
//! channel (its id is the instance's `session_id` and `_id`) with an instance token
//! (`access_token`, stored sealed) checked on each instance request, bot settings created
//! with the platform's defaults (the bot on, time zone `Africa/Harare`), and a `wabot`
//! webhook. Settings changes go to one instance or, without `session_id`, to every instance
//! of the key, counted like the platform's `{matchedCount, modifiedCount}`.

use subtle::ConstantTimeEq;
use switchboard_core::automation::BotSettings;
use switchboard_core::channel::web_session::WebSession;
use switchboard_core::channel::{Channel, ChannelKind};
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::secret::random_hex;
use switchboard_core::subscription::Subscription;
use switchboard_core::time::Millis;
use switchboard_store::wabot_instances::WabotInstance;
use switchboard_store::Store;

use crate::bot::manage;
use crate::channels::{self, NewChannel};
use crate::upstream::Upstream;
use crate::web::WebSessions;
use crate::webhooks::wabot as hook;
use crate::{ServiceError, ServiceResult};

/// The bot name of a new instance (the platform adds the number once it is known).
pub const BOT_NAME: &str = "WhatsappClient";
/// The time zone of a new instance, as the platform creates it.
pub const BOT_TIMEZONE: &str = "Africa/Harare";

/// Why an instance request was refused.
#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    /// `session_id` or `access_token` is missing.
    #[error("{0}")]
    Missing(String),
    /// No such instance in the key's account (or outside its scope).
    #[error("{0}")]
    NotFound(String),
    /// The token does not match the instance.
    #[error("access_token: does not match instance {0}; use the access_token createNewWhatsapp answered")]
    WrongToken(String),
    /// A service failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// An instance with what its views show.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Its channel.
    pub channel: Channel,
    /// Its token and creation time.
    pub record: WabotInstance,
    /// Its session.
    pub session: WebSession,
    /// Its bot settings.
    pub settings: BotSettings,
    /// Its webhook, if set.
    pub webhook: Option<Subscription>,
}

/// A new instance token, shaped like the platform's (`0184-28a5-…`), 96 random bits.
fn new_token() -> String {
    let hex = random_hex(12);
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Compares two tokens in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Creates an instance: a `web` channel (driven by the emulator's fake phone when
/// `sandbox`), its bot settings with the platform's defaults, and its token. The channel is
/// deleted again when the rest cannot be stored.
pub async fn create(
    store: &dyn Store,
    upstream: &Upstream,
    web: &WebSessions,
    account: AccountId,
    sandbox: bool,
    now: Millis,
) -> ServiceResult<Instance> {
    let channel = channels::create(
        store,
        upstream,
        web,
        account,
        NewChannel {
            name: BOT_NAME.into(),
            kind: Some(ChannelKind::Web),
            sandbox: Some(sandbox),
            ..NewChannel::default()
        },
    )
    .await?;
    let settings = BotSettings {
        enabled: true,
        bot_name: BOT_NAME.into(),
        bot_timezone: BOT_TIMEZONE.into(),
        ..BotSettings::default()
    };
    let record = WabotInstance {
        channel_id: channel.id,
        account_id: account,
        access_token: new_token(),
        created_at: now,
    };
    let stored = async {
        let settings = manage::put_settings(store, account, channel.id, settings, now).await?;
        store.create_wabot_instance(&record).await?;
        Ok::<_, ServiceError>(settings)
    }
    .await;
    match stored {
        Ok(settings) => Ok(Instance {
            session: WebSession::stopped(channel.id, channel.created_at),
            channel,
            record,
            settings,
            webhook: None,
        }),
        Err(e) => {
            if let Err(undo) = channels::delete(store, account, channel.id).await {
                tracing::warn!(channel_id = %channel.id, error = %undo, "removing a half-created wabot instance failed");
            }
            Err(e)
        }
    }
}

/// What the views of `channel`'s instance show.
pub async fn describe(
    store: &dyn Store,
    channel: Channel,
    record: WabotInstance,
) -> ServiceResult<Instance> {
    let session = store
        .web_session(channel.id)
        .await?
        .unwrap_or_else(|| WebSession::stopped(channel.id, channel.created_at));
    let settings = manage::get_settings(store, channel.account_id, channel.id).await?;
    let webhook = hook::webhook(store, &channel).await?;
    Ok(Instance {
        channel,
        record,
        session,
        settings,
        webhook,
    })
}

/// The instance `session_id` of `account` (a key limited to `scope` sees only that channel),
/// its token checked against `access_token`.
pub async fn open(
    store: &dyn Store,
    account: AccountId,
    scope: Option<ChannelId>,
    session_id: Option<&str>,
    access_token: Option<&str>,
) -> Result<(Channel, WabotInstance), InstanceError> {
    let session_id = session_id.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| {
        InstanceError::Missing("session_id: is required; give the session_id createNewWhatsapp answered, in the query or the body".into())
    })?;
    let missing = || {
        InstanceError::NotFound(format!(
            "session_id: `{session_id}` is not an instance of your account; list them with GET /compat/wabot/whatsapp"
        ))
    };
    let id: ChannelId = session_id.parse().map_err(|_| missing())?;
    if scope.is_some_and(|only| only != id) {
        return Err(missing());
    }
    let record = store
        .wabot_instance(account, id)
        .await
        .map_err(ServiceError::from)?
        .ok_or_else(missing)?;
    let token = access_token.map(str::trim).filter(|t| !t.is_empty()).ok_or_else(|| {
        InstanceError::Missing("access_token: is required; give the access_token createNewWhatsapp answered, in the query or the body".into())
    })?;
    if !same(token, &record.access_token) {
        return Err(InstanceError::WrongToken(session_id.to_string()));
    }
    let channel = channels::get(store, account, id).await?;
    Ok((channel, record))
}

/// The instance `id` of `account` without its token (the key alone authorizes: delete,
/// logout by path).
pub async fn by_id(
    store: &dyn Store,
    account: AccountId,
    scope: Option<ChannelId>,
    id: &str,
) -> Result<(Channel, WabotInstance), InstanceError> {
    let missing = || {
        InstanceError::NotFound(format!(
            "`{id}` is not an instance of your account; list them with GET /compat/wabot/whatsapp"
        ))
    };
    let channel_id: ChannelId = id.parse().map_err(|_| missing())?;
    if scope.is_some_and(|only| only != channel_id) {
        return Err(missing());
    }
    let record = store
        .wabot_instance(account, channel_id)
        .await
        .map_err(ServiceError::from)?
        .ok_or_else(missing)?;
    let channel = channels::get(store, account, channel_id).await?;
    Ok((channel, record))
}

/// Every instance of `account` (only `scope`'s for a key limited to one channel).
pub async fn list(
    store: &dyn Store,
    account: AccountId,
    scope: Option<ChannelId>,
) -> ServiceResult<Vec<Instance>> {
    let mut out = Vec::new();
    for record in store.list_wabot_instances(account).await? {
        if scope.is_some_and(|only| only != record.channel_id) {
            continue;
        }
        let Some(channel) = store.get_channel(account, record.channel_id).await? else {
            continue;
        };
        out.push(describe(store, channel, record).await?);
    }
    Ok(out)
}

/// How many instances a settings change matched and changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpdateCount {
    /// Instances the change applied to.
    pub matched: u64,
    /// Instances whose settings changed.
    pub modified: u64,
}

/// Applies `patch` (native bot settings fields; nested objects merge field by field) to the
/// bot settings of `channels`; nothing is saved when it is invalid.
pub async fn update_settings(
    store: &dyn Store,
    account: AccountId,
    channels: &[ChannelId],
    patch: &serde_json::Value,
    now: Millis,
) -> ServiceResult<UpdateCount> {
    let mut changed = Vec::new();
    for id in channels {
        let current = manage::get_settings(store, account, *id).await?;
        let next = manage::merge_settings(&current, patch)?;
        next.validate().map_err(manage::invalid)?;
        if next != current {
            changed.push((*id, next));
        }
    }
    let count = UpdateCount {
        matched: channels.len() as u64,
        modified: changed.len() as u64,
    };
    for (id, settings) in changed {
        manage::put_settings(store, account, id, settings, now).await?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_look_like_the_platform_s_and_compare() {
        let t = new_token();
        assert_eq!(t.len(), 29, "{t}");
        assert_eq!(t.split('-').count(), 6);
        assert!(same(&t, &t.clone()));
        assert!(!same(&t, &new_token()));
        assert!(!same("ab", "abc"));
    }
}
