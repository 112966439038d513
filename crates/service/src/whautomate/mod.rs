//! The omnichannel (`x-api-key`) dialect on the native services: the channel a send goes
//! out on (`location.id`, else the account's only channel of the platform), the contact it
//! goes to (by id, or created from `recepient{phoneNumber, name}`), the body translated by
//! `switchboard_core::whautomate` and sent by [`crate::send::send`] like any other message;
//! and a contact's history across every channel ([`history`]).

pub mod history;

use serde_json::{Map, Value};
use switchboard_core::channel::Channel;
use switchboard_core::id::{AccountId, ChannelId, ContactId};
use switchboard_core::template_def::TemplateDefinition;
use switchboard_core::time::Millis;
use switchboard_core::whautomate::{
    generic, location_id, send as bodies, target, template, Action, DialectError, Platform, Target,
};
use switchboard_store::bot::ContactRecord;
use switchboard_store::contacts::{ContactKey, ContactPatch};
use switchboard_store::{PageRequest, Store, StoreError};

use crate::send::{send as native_send, SendAnswer, SendError, SendParts};
use crate::templates::cache::MissSync;
use crate::templates::sync::sync_channel;
use crate::templates::TemplateParts;

/// Why a dialect request failed.
#[derive(Debug, thiserror::Error)]
pub enum WhautomateError {
    /// A field is missing or invalid (400); the code is stable.
    #[error("{0}")]
    Invalid(DialectError),
    /// The contact, channel or template named does not exist in the account (404).
    #[error("{message}")]
    NotFound {
        /// `contact_not_found`, `channel_not_found` or `template_not_found`.
        code: &'static str,
        /// What was not found and what to give instead.
        message: String,
    },
    /// The native send refused the message.
    #[error(transparent)]
    Send(SendError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DialectError> for WhautomateError {
    fn from(e: DialectError) -> Self {
        WhautomateError::Invalid(e)
    }
}

fn not_found(code: &'static str, message: String) -> WhautomateError {
    WhautomateError::NotFound { code, message }
}

/// The account's channels of `platform` (only `scope` for a key limited to one channel).
async fn channels_of(
    store: &dyn Store,
    account: AccountId,
    scope: Option<ChannelId>,
    platform: Platform,
) -> Result<Vec<Channel>, StoreError> {
    let mut page = PageRequest {
        after: None,
        limit: Some(500),
    };
    let mut found = Vec::new();
    loop {
        let listed = store.list_channels(account, scope, &page).await?;
        found.extend(
            listed
                .items
                .into_iter()
                .filter(|c| platform.has_kind(c.kind)),
        );
        match listed.next {
            Some(next) => page.after = Some(next),
            None => return Ok(found),
        }
    }
}

/// The channel a send on `platform` goes out on: the one `location` names (its `ch_…` id),
/// else the account's only channel of the platform.
pub async fn channel_for(
    store: &dyn Store,
    account: AccountId,
    scope: Option<ChannelId>,
    platform: Platform,
    location: Option<&str>,
) -> Result<Channel, WhautomateError> {
    let name = platform.as_str();
    let mut channels = channels_of(store, account, scope, platform).await?;
    if let Some(id) = location {
        return channels
            .into_iter()
            .find(|c| c.id.to_string() == id)
            .ok_or_else(|| {
                not_found(
                    "channel_not_found",
                    format!("location.id: `{id}` is not a {name} channel of your account; give one of your {name} channels' ids (ch_…, GET /v1/channels)"),
                )
            });
    }
    match channels.len() {
        0 => Err(not_found(
            "channel_not_found",
            format!("your account has no {name} channel: create one (POST /v1/channels), then send again"),
        )),
        1 => Ok(channels.remove(0)),
        _ => Err(WhautomateError::Invalid(DialectError {
            code: "ambiguous_channel",
            message: format!(
                "your account has {} {name} channels ({}); name the one to send on in location.id",
                channels.len(),
                channels
                    .iter()
                    .map(|c| c.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })),
    }
}

/// The contact `id` (`ct_…`) of the account.
pub async fn contact_by_id(
    store: &dyn Store,
    account: AccountId,
    id: &str,
) -> Result<ContactRecord, WhautomateError> {
    let missing = || {
        not_found(
            "contact_not_found",
            format!("contact `{id}` does not exist in your account; give a contact id (ct_…, GET /v1/contacts) or send to recepient {{phoneNumber, name}}"),
        )
    };
    let parsed: ContactId = id.parse().map_err(|_| missing())?;
    store
        .find_contact(account, &ContactKey::Id(parsed))
        .await?
        .ok_or_else(missing)
}

/// Who a send goes to: the channel's address of the contact, and for a new `recepient` the
/// name to give the contact once the send is accepted.
struct Addressee {
    to: String,
    /// A `recepient` without a contact yet: its key and name.
    new: Option<(ContactKey, Option<String>)>,
}

/// The contact a send goes to: the one named, or the recipient's. A recipient without a
/// contact gets one only when the send is accepted ([`name_new_contact`]), so a refused send
/// leaves nothing behind.
async fn addressee(
    store: &dyn Store,
    account: AccountId,
    who: &Target,
    platform: Platform,
) -> Result<Addressee, WhautomateError> {
    let (phone, name) = match who {
        Target::Contact(id) => {
            let c = contact_by_id(store, account, id).await?;
            return Ok(Addressee {
                to: c.wa_id,
                new: None,
            });
        }
        Target::Recipient { phone, name } => (phone, name),
    };
    if platform != Platform::Whatsapp {
        return Err(WhautomateError::Invalid(DialectError::invalid(format!(
            "recepient: a phone number reaches WhatsApp only; on {} send to contact.id (the contact made when they wrote to you)",
            platform.as_str()
        ))));
    }
    let wa_id = crate::contacts::phone(phone).map_err(|e| {
        WhautomateError::Invalid(DialectError::invalid(format!("recepient.phoneNumber: {e}")))
    })?;
    let key = ContactKey::WaId(wa_id.clone());
    let new = match store.find_contact(account, &key).await? {
        Some(_) => None,
        None => Some((key, name.clone())),
    };
    Ok(Addressee { to: wa_id, new })
}

/// After an accepted send to a new `recepient`: its contact, with the name given. The send
/// itself records the contact (without a name) in its transaction; the name is set when the
/// contact still has none, so a name given meanwhile is kept.
async fn name_new_contact(
    store: &dyn Store,
    account: AccountId,
    key: &ContactKey,
    name: Option<String>,
    now: Millis,
) -> Result<(), StoreError> {
    let ContactKey::WaId(wa_id) = key else {
        return Ok(());
    };
    let contact = ContactRecord {
        id: ContactId::new(),
        account_id: account,
        wa_id: wa_id.clone(),
        name: name.clone(),
        opted_out_at: None,
        tags: Vec::new(),
        custom_fields: Map::new(),
        created_at: now,
        updated_at: now,
    };
    if store.create_contact(&contact).await? || name.is_none() {
        return Ok(());
    }
    if let Some(found) = store.find_contact(account, key).await? {
        if found.name.is_none() {
            let patch = ContactPatch {
                name: Some(name),
                ..ContactPatch::default()
            };
            store.update_contact(account, key, &patch, now).await?;
        }
    }
    Ok(())
}

fn find(
    list: &[(
        TemplateDefinition,
        switchboard_core::template_def::TemplateStatus,
    )],
    name: &str,
    language: &str,
) -> Option<TemplateDefinition> {
    list.iter()
        .find(|(d, _)| d.name == name && d.language == language)
        .map(|(d, _)| d.clone())
}

/// The channel's synced template `name` in `language`; an unknown one makes the channel sync
/// once (as the native template check does).
async fn template_of(
    parts: &SendParts,
    channel: &Channel,
    name: &str,
    language: &str,
) -> Result<TemplateDefinition, WhautomateError> {
    let templates = TemplateParts::from(parts);
    let list = parts
        .templates
        .get(parts.store.as_ref(), channel.id)
        .await?;
    if let Some(d) = find(&list, name, language) {
        return Ok(d);
    }
    let synced = parts
        .templates
        .sync_on_miss(channel.id, || async {
            sync_channel(&templates, channel).await.is_ok()
        })
        .await;
    if synced != MissSync::Failed {
        let list = parts
            .templates
            .get(parts.store.as_ref(), channel.id)
            .await?;
        if let Some(d) = find(&list, name, language) {
            return Ok(d);
        }
    }
    Err(not_found(
        "template_not_found",
        format!("template: `{name}` in `{language}` is not a template of channel {}; give the name and language of one of its approved templates (GET /v1/channels/{}/templates)", channel.id, channel.id),
    ))
}

/// Translates and sends one dialect request (`platform`/`action` from the path, `fields`
/// the JSON body) for `account`; a key limited to `scope` sends only on that channel.
pub async fn send(
    parts: &SendParts,
    account: AccountId,
    scope: Option<ChannelId>,
    platform: Platform,
    action: Action,
    fields: &Map<String, Value>,
    now: Millis,
) -> Result<SendAnswer, WhautomateError> {
    let who = target(fields)?;
    let location = location_id(fields)?;
    let store = parts.store.as_ref();
    let channel = channel_for(store, account, scope, platform, location.as_deref()).await?;
    let addressee = addressee(store, account, &who, platform).await?;
    let to = addressee.to.as_str();
    let message = match (action, platform) {
        (Action::Text, _) => bodies::text(to, fields)?,
        (Action::Media, _) => bodies::media(to, fields)?,
        (Action::Template, Platform::Whatsapp) => {
            let (name, language) = template::template_ref(fields)?;
            let def = template_of(parts, &channel, &name, &language).await?;
            template::whatsapp_template(to, fields, &def)?
        }
        (Action::Template, Platform::Telegram) => bodies::telegram_template(to, fields)?,
        (Action::Template, Platform::Instagram | Platform::Messenger) => {
            generic::generic_template(to, fields)?
        }
    };
    let answer = native_send(parts, &channel, &message, None, now)
        .await
        .map_err(WhautomateError::Send)?;
    if let Some((key, name)) = addressee.new {
        // The message is stored: a failure to name its contact is logged, not answered.
        if let Err(e) = name_new_contact(store, account, &key, name, now).await {
            tracing::warn!(error = %e, "whautomate: the new recipient's contact was not named");
        }
    }
    Ok(answer)
}
