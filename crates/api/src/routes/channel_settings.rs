//! The `settings` object of telegram, messenger, instagram and web channels: the request
//! body (validated by the service, `settings.{field}` in errors) and the masked answer.

use serde::{Deserialize, Deserializer, Serialize};
use switchboard_core::channel::{mask_secret, ChannelSettings};
use switchboard_service::channels::SettingsInput;
use utoipa::ToSchema;

/// The `settings` of a telegram, messenger, instagram or web channel. Each kind takes its own
/// fields, any other is refused with 400 naming it:
///
/// | kind | fields (required in bold unless `sandbox`) |
/// |---|---|
/// | telegram | **bot_token**, inbound (`webhook` or `polling`), base_url |
/// | messenger | **page_id**, **page_access_token**, **app_secret**, verify_token, base_url, api_version |
/// | instagram | **ig_account_id**, page_id, **access_token**, **app_secret**, verify_token, base_url, api_version |
/// | web | pairing_phone_number |
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelSettingsBody {
    /// Telegram: the bot token from BotFather, `<bot_id>:<secret>`. Secret.
    pub bot_token: Option<String>,
    /// Telegram: `webhook` (default; Telegram posts to `/webhooks/telegram/{id}`) or
    /// `polling` (this server long-polls `getUpdates`, for installs without a public URL).
    #[schema(example = "webhook")]
    pub inbound: Option<String>,
    /// Messenger: the Page id. Instagram: the linked Page id (Facebook Login).
    pub page_id: Option<String>,
    /// Messenger: the Page access token. Secret.
    pub page_access_token: Option<String>,
    /// Instagram: the professional account id (`IG_ID`).
    pub ig_account_id: Option<String>,
    /// Instagram: a Page token or an Instagram user token. Secret.
    pub access_token: Option<String>,
    /// Messenger, Instagram: the app secret that signs webhooks. Secret.
    pub app_secret: Option<String>,
    /// Messenger, Instagram: the webhook verification token; generated when absent. Secret.
    pub verify_token: Option<String>,
    /// Telegram, Messenger, Instagram: the platform's base URL (default the platform's; on
    /// a change, `null` resets it).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub base_url: Option<Option<String>>,
    /// Messenger, Instagram: Graph API version (default `v23.0`).
    pub api_version: Option<String>,
    /// Web: the number to pair by code (digits with the country code); without it the
    /// session pairs by QR code.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub pairing_phone_number: Option<Option<String>>,
}

impl From<ChannelSettingsBody> for SettingsInput {
    fn from(b: ChannelSettingsBody) -> Self {
        SettingsInput {
            bot_token: b.bot_token,
            inbound: b.inbound,
            page_id: b.page_id,
            page_access_token: b.page_access_token,
            ig_account_id: b.ig_account_id,
            access_token: b.access_token,
            app_secret: b.app_secret,
            verify_token: b.verify_token,
            base_url: b.base_url,
            api_version: b.api_version,
            pairing_phone_number: b.pairing_phone_number,
        }
    }
}

pub(crate) fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// The settings of a telegram, messenger, instagram or web channel, secrets masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelSettingsView {
    /// Whether the channel talks to the built-in emulator.
    pub sandbox: bool,
    /// Telegram: masked bot token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_token: Option<String>,
    /// Telegram: `webhook` or `polling`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound: Option<String>,
    /// Telegram: masked secret token Telegram sends with each update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    /// Messenger: the Page id; Instagram: the linked Page id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_id: Option<String>,
    /// Messenger: masked Page access token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_access_token: Option<String>,
    /// Instagram: the professional account id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ig_account_id: Option<String>,
    /// Instagram: masked access token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// Messenger, Instagram: masked app secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_secret: Option<String>,
    /// Messenger, Instagram: masked verification token (in full only in the creation answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_token: Option<String>,
    /// Telegram, Messenger, Instagram: base URL, or absent for the platform's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Messenger, Instagram: Graph API version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Web: the number paired by code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairing_phone_number: Option<String>,
}

impl ChannelSettingsView {
    fn empty(sandbox: bool) -> Self {
        Self {
            sandbox,
            bot_token: None,
            inbound: None,
            webhook_secret: None,
            page_id: None,
            page_access_token: None,
            ig_account_id: None,
            access_token: None,
            app_secret: None,
            verify_token: None,
            base_url: None,
            api_version: None,
            pairing_phone_number: None,
        }
    }
}

pub(crate) fn settings_view(
    settings: ChannelSettings,
    reveal_verify_token: bool,
) -> ChannelSettingsView {
    let verify = |t: String| {
        Some(if reveal_verify_token {
            t
        } else {
            mask_secret(&t)
        })
    };
    let mut v = ChannelSettingsView::empty(settings.sandbox_flag());
    match settings {
        ChannelSettings::Cloud(_) => {}
        ChannelSettings::Telegram(s) => {
            v.bot_token = Some(mask_secret(&s.bot_token));
            v.inbound = Some(s.inbound.as_str().to_string());
            v.webhook_secret = Some(mask_secret(&s.webhook_secret));
            v.base_url = s.base_url;
        }
        ChannelSettings::Messenger(s) => {
            v.page_id = Some(s.page_id);
            v.page_access_token = Some(mask_secret(&s.page_access_token));
            v.app_secret = Some(mask_secret(&s.app_secret));
            v.verify_token = verify(s.verify_token);
            v.base_url = s.base_url;
            v.api_version = Some(s.api_version);
        }
        ChannelSettings::Instagram(s) => {
            v.ig_account_id = Some(s.ig_account_id);
            v.page_id = s.page_id;
            v.access_token = Some(mask_secret(&s.access_token));
            v.app_secret = Some(mask_secret(&s.app_secret));
            v.verify_token = verify(s.verify_token);
            v.base_url = s.base_url;
            v.api_version = Some(s.api_version);
        }
        ChannelSettings::Web(s) => v.pairing_phone_number = s.pairing_phone_number,
    }
    v
}
