//! A channel's upstream settings: one variant per kind of upstream.
//!
//! Stored as JSON with a `kind` tag (`cloud`, `telegram`, `messenger`, `instagram`, `web`);
//! sandbox channels of WhatsApp Cloud keep [`CloudSettings`], the other kinds say
//! `sandbox: true` to be pointed at the built-in emulator.

use serde::{Deserialize, Serialize};

use super::ChannelKind;

/// Cloud API settings of a channel (sandbox channels have them too, pointing at the emulator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudSettings {
    /// Meta's phone number id.
    pub phone_number_id: String,
    /// The WhatsApp Business Account id.
    pub waba_id: String,
    /// Bearer token for the Graph API. Secret.
    pub access_token: String,
    /// App secret that signs inbound webhooks (`X-Hub-Signature-256`). Secret.
    pub app_secret: String,
    /// Token Meta echoes in the webhook verification handshake. Secret.
    pub verify_token: String,
    /// Graph API base URL; `None` means Meta's (or, for sandbox channels, the mounted emulator).
    pub base_url: Option<String>,
    /// Graph API version, e.g. `v23.0`.
    pub api_version: String,
    /// The number's display form, digits only (international, without `+`), as the
    /// upstream reported it when the channel was created or last synced; `None` until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_phone_number: Option<String>,
}

/// How a Telegram channel receives updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TelegramInbound {
    /// Telegram POSTs each update to `/webhooks/telegram/{channel_id}` (`setWebhook`).
    #[default]
    Webhook,
    /// One node long-polls `getUpdates` (installs without a public URL).
    Polling,
}

impl TelegramInbound {
    /// The lowercase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TelegramInbound::Webhook => "webhook",
            TelegramInbound::Polling => "polling",
        }
    }

    /// Parses the JSON name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "webhook" => Some(TelegramInbound::Webhook),
            "polling" => Some(TelegramInbound::Polling),
            _ => None,
        }
    }
}

/// A Telegram bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelegramSettings {
    /// The bot token, `<bot_id>:<secret>`. Secret.
    pub bot_token: String,
    /// Bot API base URL; `None` means `https://api.telegram.org` (or the mounted emulator
    /// for a sandbox channel).
    pub base_url: Option<String>,
    /// Webhook or `getUpdates` long polling.
    #[serde(default)]
    pub inbound: TelegramInbound,
    /// The `secret_token` given to `setWebhook`, checked against
    /// `X-Telegram-Bot-Api-Secret-Token`; generated. Secret.
    pub webhook_secret: String,
    /// Whether the channel talks to the built-in emulator.
    #[serde(default)]
    pub sandbox: bool,
}

/// A Facebook Page on the Messenger Platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessengerSettings {
    /// The Page id.
    pub page_id: String,
    /// The Page access token. Secret.
    pub page_access_token: String,
    /// App secret that signs inbound webhooks (`X-Hub-Signature-256`). Secret.
    pub app_secret: String,
    /// Token of the webhook verification handshake. Secret.
    pub verify_token: String,
    /// Graph API base URL; `None` means Meta's (or the mounted emulator for a sandbox channel).
    pub base_url: Option<String>,
    /// Graph API version, e.g. `v23.0`.
    pub api_version: String,
    /// Whether the channel talks to the built-in emulator.
    #[serde(default)]
    pub sandbox: bool,
}

/// An Instagram professional account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstagramSettings {
    /// The Instagram professional account id (`IG_ID`, the webhook `entry.id`).
    pub ig_account_id: String,
    /// The linked Facebook Page id (Facebook Login); `None` with Instagram Login.
    pub page_id: Option<String>,
    /// A Page token (Facebook Login) or an Instagram user token (Instagram Login). Secret.
    pub access_token: String,
    /// App secret that signs inbound webhooks (`X-Hub-Signature-256`). Secret.
    pub app_secret: String,
    /// Token of the webhook verification handshake. Secret.
    pub verify_token: String,
    /// Graph API base URL; `None` means Meta's (or the mounted emulator for a sandbox channel).
    pub base_url: Option<String>,
    /// Graph API version, e.g. `v23.0`.
    pub api_version: String,
    /// Whether the channel talks to the built-in emulator.
    #[serde(default)]
    pub sandbox: bool,
}

/// A WhatsApp Web session: it is paired after creation (QR code, or a pair code sent to
/// `pairing_phone_number`); its keys live in the store, not in these settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct WebSettings {
    /// The number to pair by code (digits with the country code); `None` pairs by QR code.
    #[serde(default)]
    pub pairing_phone_number: Option<String>,
    /// Whether the channel is driven by a fake session instead of WhatsApp.
    #[serde(default)]
    pub sandbox: bool,
}

/// A channel's upstream settings, one variant per kind of upstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChannelSettings {
    /// WhatsApp Cloud API (kinds `cloud` and `sandbox`).
    Cloud(CloudSettings),
    /// A Telegram bot.
    Telegram(TelegramSettings),
    /// A Messenger Page.
    Messenger(MessengerSettings),
    /// An Instagram account.
    Instagram(InstagramSettings),
    /// A WhatsApp Web session.
    Web(WebSettings),
}

impl ChannelSettings {
    /// Whether these settings are the variant a channel of `kind` has.
    pub fn fits(&self, kind: ChannelKind) -> bool {
        matches!(
            (self, kind),
            (
                ChannelSettings::Cloud(_),
                ChannelKind::Cloud | ChannelKind::Sandbox
            ) | (ChannelSettings::Telegram(_), ChannelKind::Telegram)
                | (ChannelSettings::Messenger(_), ChannelKind::Messenger)
                | (ChannelSettings::Instagram(_), ChannelKind::Instagram)
                | (ChannelSettings::Web(_), ChannelKind::Web)
        )
    }

    /// The Cloud API settings, for `cloud` and `sandbox` channels.
    pub fn cloud(&self) -> Option<&CloudSettings> {
        match self {
            ChannelSettings::Cloud(s) => Some(s),
            _ => None,
        }
    }

    /// The Cloud API settings, to change them.
    pub fn cloud_mut(&mut self) -> Option<&mut CloudSettings> {
        match self {
            ChannelSettings::Cloud(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the channel talks to the built-in emulator (for Cloud settings this is the
    /// channel kind `sandbox`, not a setting, so it answers false).
    pub fn sandbox_flag(&self) -> bool {
        match self {
            ChannelSettings::Cloud(_) => false,
            ChannelSettings::Telegram(s) => s.sandbox,
            ChannelSettings::Messenger(s) => s.sandbox,
            ChannelSettings::Instagram(s) => s.sandbox,
            ChannelSettings::Web(s) => s.sandbox,
        }
    }

    /// The upstream identity the store keeps unique per kind (phone number id, bot id, Page
    /// id, IG account id); `None` for web sessions, whose number is known only once paired.
    pub fn upstream_identity(&self) -> Option<&str> {
        match self {
            ChannelSettings::Cloud(s) => Some(&s.phone_number_id),
            ChannelSettings::Telegram(s) => s.bot_token.split(':').next(),
            ChannelSettings::Messenger(s) => Some(&s.page_id),
            ChannelSettings::Instagram(s) => Some(&s.ig_account_id),
            ChannelSettings::Web(_) => None,
        }
    }
}

impl From<CloudSettings> for ChannelSettings {
    fn from(s: CloudSettings) -> Self {
        ChannelSettings::Cloud(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud() -> CloudSettings {
        CloudSettings {
            display_phone_number: None,
            phone_number_id: "1".into(),
            waba_id: "2".into(),
            access_token: "t".into(),
            app_secret: "s".into(),
            verify_token: "v".into(),
            base_url: None,
            api_version: "v23.0".into(),
        }
    }

    #[test]
    fn the_json_form_carries_the_kind_tag() {
        let s = ChannelSettings::Cloud(cloud());
        let json = serde_json::to_value(&s).expect("json");
        assert_eq!(json["kind"], "cloud");
        assert_eq!(json["phone_number_id"], "1");
        let back: ChannelSettings = serde_json::from_value(json).expect("back");
        assert_eq!(back, s);
        let tg: ChannelSettings = serde_json::from_value(serde_json::json!({
            "kind": "telegram", "bot_token": "123:abc", "base_url": null, "webhook_secret": "w"
        }))
        .expect("telegram");
        match &tg {
            ChannelSettings::Telegram(t) => {
                assert_eq!(t.inbound, TelegramInbound::Webhook);
                assert!(!t.sandbox);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(tg.upstream_identity(), Some("123"));
        assert!(
            serde_json::from_value::<ChannelSettings>(serde_json::json!({"kind": "fax"})).is_err()
        );
    }

    #[test]
    fn settings_fit_their_kinds() {
        let c = ChannelSettings::Cloud(cloud());
        assert!(c.fits(ChannelKind::Cloud) && c.fits(ChannelKind::Sandbox));
        assert!(!c.fits(ChannelKind::Telegram));
        let w = ChannelSettings::Web(WebSettings::default());
        assert!(w.fits(ChannelKind::Web) && !w.fits(ChannelKind::Cloud));
        assert_eq!(w.upstream_identity(), None);
        assert!(c.cloud().is_some() && w.cloud().is_none());
        assert_eq!(
            TelegramInbound::parse("polling"),
            Some(TelegramInbound::Polling)
        );
        assert_eq!(TelegramInbound::Polling.as_str(), "polling");
        assert_eq!(TelegramInbound::parse("push"), None);
    }
}
