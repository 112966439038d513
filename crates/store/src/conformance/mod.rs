//! The conformance suite: the same behaviour checks for every store backend.
//!
//! Each function takes a fresh, migrated store and panics on a failed check; the runner in
//! `tests/conformance.rs` calls each one against SQLite and against PostgreSQL.

pub mod accounts;
pub mod bot;
pub mod broadcasts;
pub mod console_sessions;
pub mod contacts;
pub mod conversations;
pub mod credits;
pub mod leases;
pub mod media;
pub mod messages;
pub mod outbox_heads;
pub mod polls;
pub mod schedule;
pub mod stats;
pub mod templates;
pub mod wabot_instances;
pub mod web_sessions;
pub mod webhooks;

use std::sync::Arc;

use switchboard_core::account::Account;
use switchboard_core::channel::{
    reason, Channel, ChannelKind, ChannelSettings, ChannelState, ChannelStatus, CloudSettings,
    InstagramSettings, MessengerSettings, TelegramInbound, TelegramSettings, WebSettings,
};
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::key::{generate_key, ApiKey, Permission};
use switchboard_core::time::now_millis;

use crate::{PageRequest, Store};

/// A page request: up to `limit` items after the cursor `after`.
pub fn page_request(after: Option<String>, limit: u32) -> PageRequest {
    PageRequest {
        after,
        limit: Some(limit),
    }
}

/// The default value (e.g. a list filter) changed by `edit`.
pub fn edited<T: Default>(edit: impl FnOnce(&mut T)) -> T {
    let mut value = T::default();
    edit(&mut value);
    value
}

/// A phone number id unique to this run: `prefix` and twelve random digits (so test runs
/// sharing a database never collide).
pub fn unique_number(prefix: char) -> String {
    let digits: String = switchboard_core::secret::random_hex(12)
        .bytes()
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    format!("{prefix}{digits}")
}

/// A new account record named `name`.
pub fn account(name: &str) -> Account {
    Account {
        id: AccountId::new(),
        name: name.to_string(),
        created_at: now_millis(),
    }
}

/// A new account-wide key of `account` with `permission`.
pub fn key(account: AccountId, permission: Permission) -> ApiKey {
    let generated = generate_key();
    ApiKey {
        id: generated.id,
        account_id: account,
        name: "test".into(),
        permission,
        channel_id: None,
        secret_hash: generated.secret_hash,
        created_at: now_millis(),
        revoked_at: None,
        last_used_at: None,
    }
}

/// Stores `account` with an account-wide `manage` key and `channels`.
pub async fn create_with_key(store: &Arc<dyn Store>, account: &Account, channels: &[Channel]) {
    store
        .create_account(account, &key(account.id, Permission::Manage), channels)
        .await
        .unwrap();
}

/// A new cloud channel of `account` with phone number id `phone_number_id`.
pub fn channel(account: AccountId, phone_number_id: &str) -> Channel {
    let now = now_millis();
    Channel {
        id: ChannelId::new(),
        account_id: account,
        name: format!("line {phone_number_id}"),
        kind: ChannelKind::Cloud,
        settings: ChannelSettings::Cloud(CloudSettings {
            display_phone_number: None,
            phone_number_id: phone_number_id.to_string(),
            waba_id: "waba1".into(),
            access_token: "token-secret".into(),
            app_secret: "app-secret".into(),
            verify_token: "verify".into(),
            base_url: None,
            api_version: "v23.0".into(),
        }),
        timezone: "UTC".into(),
        state: ChannelState::new(ChannelStatus::Active, reason::CREATED, now),
        created_at: now,
        updated_at: now,
    }
}

/// A new channel of `account` of `kind`, with settings of that kind (`n` makes its upstream
/// identity unique).
pub fn channel_of_kind(account: AccountId, kind: ChannelKind, n: u32) -> Channel {
    let mut c = channel(account, &format!("9{n:04}"));
    c.kind = kind;
    c.name = format!("{} {n}", kind.as_str());
    c.settings = match kind {
        ChannelKind::Cloud | ChannelKind::Sandbox => c.settings,
        ChannelKind::Telegram => ChannelSettings::Telegram(TelegramSettings {
            bot_token: format!("70000{n}:AAH-token-secret"),
            base_url: Some("http://127.0.0.1:9/sandbox/telegram".into()),
            inbound: TelegramInbound::Polling,
            webhook_secret: "webhook-secret".into(),
            sandbox: true,
        }),
        ChannelKind::Messenger => ChannelSettings::Messenger(MessengerSettings {
            page_id: format!("10{n}"),
            page_access_token: "page-token-secret".into(),
            app_secret: "app-secret".into(),
            verify_token: "verify".into(),
            base_url: None,
            api_version: "v23.0".into(),
            sandbox: false,
        }),
        ChannelKind::Instagram => ChannelSettings::Instagram(InstagramSettings {
            ig_account_id: format!("17841{n}"),
            page_id: Some(format!("10{n}")),
            access_token: "ig-token-secret".into(),
            app_secret: "app-secret".into(),
            verify_token: "verify".into(),
            base_url: None,
            api_version: "v23.0".into(),
            sandbox: false,
        }),
        ChannelKind::Web => ChannelSettings::Web(WebSettings {
            pairing_phone_number: Some("16505551234".into()),
            sandbox: false,
        }),
    };
    c
}
