//! Channels: one upstream identity (a WhatsApp number or session, a Telegram bot, a
//! Messenger Page, an Instagram account) owned by an account.

use serde::{Deserialize, Serialize};

use crate::id::{AccountId, ChannelId};
use crate::time::Millis;

pub mod capability;
mod settings;
pub mod telegram;
pub mod web_session;

pub use capability::Capabilities;
pub use settings::{
    ChannelSettings, CloudSettings, InstagramSettings, MessengerSettings, TelegramInbound,
    TelegramSettings, WebSettings,
};

/// Which upstream a channel talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// The built-in emulator, mounted under `/sandbox`: a Cloud API channel that needs no Meta account.
    Sandbox,
    /// Meta's WhatsApp Cloud API.
    Cloud,
    /// A Telegram bot (Bot API).
    Telegram,
    /// A Facebook Page on the Messenger Platform.
    Messenger,
    /// An Instagram professional account (Instagram Messaging).
    Instagram,
    /// A WhatsApp Web session, paired by QR or pair code.
    Web,
}

impl ChannelKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [ChannelKind; 6] = [
        ChannelKind::Sandbox,
        ChannelKind::Cloud,
        ChannelKind::Telegram,
        ChannelKind::Messenger,
        ChannelKind::Instagram,
        ChannelKind::Web,
    ];

    /// The lowercase name used in JSON and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Sandbox => "sandbox",
            ChannelKind::Cloud => "cloud",
            ChannelKind::Telegram => "telegram",
            ChannelKind::Messenger => "messenger",
            ChannelKind::Instagram => "instagram",
            ChannelKind::Web => "web",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether channels of this kind speak the WhatsApp Cloud API (`cloud` and `sandbox`).
    pub fn is_whatsapp_cloud(self) -> bool {
        matches!(self, ChannelKind::Sandbox | ChannelKind::Cloud)
    }

    /// What the channel's capabilities are (see [`Capabilities`]).
    pub fn capabilities(self) -> &'static Capabilities {
        Capabilities::of(self)
    }
}

/// Default Graph API version.
pub const DEFAULT_API_VERSION: &str = "v23.0";

/// A channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Its id (`ch_…`).
    pub id: ChannelId,
    /// Owning account.
    pub account_id: AccountId,
    /// Display name.
    pub name: String,
    /// Upstream kind.
    pub kind: ChannelKind,
    /// Upstream settings, the variant of its kind (see [`ChannelSettings::fits`]).
    pub settings: ChannelSettings,
    /// Time zone of the channel's statistics (days and months): an IANA name such as
    /// `Europe/Berlin` or a fixed offset such as `+05:30`; `UTC` by default.
    pub timezone: String,
    /// Operational state: active, or in error after a permanent upstream auth/config error.
    pub state: ChannelState,
    /// Creation time.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
}

/// A channel's operational status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChannelStatus {
    /// Usable: created, reconfigured, or the upstream accepted its last send.
    #[default]
    Active,
    /// The upstream refused the channel's credentials or configuration on the last send
    /// (e.g. Meta's 190 invalid token, 10 or 200–299 permission, 131031 account locked).
    Error,
    /// Deleted (only ever seen in the `channel.status` event of a deletion).
    Deleted,
}

impl ChannelStatus {
    /// The lowercase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelStatus::Active => "active",
            ChannelStatus::Error => "error",
            ChannelStatus::Deleted => "deleted",
        }
    }
}

/// Why a channel's status changed.
pub mod reason {
    /// The channel was created.
    pub const CREATED: &str = "created";
    /// Its credentials or upstream address changed (the status resets to `active`).
    pub const RECONFIGURED: &str = "reconfigured";
    /// It was deleted.
    pub const DELETED: &str = "deleted";
    /// The upstream refused its credentials or configuration.
    pub const UPSTREAM_ERROR: &str = "upstream_error";
    /// The upstream accepted a send again after an error.
    pub const UPSTREAM_OK: &str = "upstream_ok";
}

/// A channel's status, why it is so and since when; kept with the channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ChannelState {
    /// Current status.
    pub status: ChannelStatus,
    /// Why it changed last (see [`reason`]).
    #[serde(default)]
    pub reason: Option<String>,
    /// For `error`: the upstream error (`code`, `message`, `http_status`, …).
    #[serde(default)]
    pub error: Option<serde_json::Value>,
    /// When it changed last (0 when never recorded).
    #[serde(default)]
    pub since: Millis,
}

impl ChannelState {
    /// A new state `status` for `reason` at `at`, without an error.
    pub fn new(status: ChannelStatus, reason: &str, at: Millis) -> Self {
        Self {
            status,
            reason: Some(reason.to_string()),
            error: None,
            since: at,
        }
    }
}

/// Whether an upstream error says the channel itself is unusable (credentials, permissions,
/// account) rather than the one message: HTTP 401/403, or Meta's codes 0, 3, 10, 190,
/// 200–299 and 131031.
pub fn is_channel_error(code: Option<u32>, http_status: Option<u16>) -> bool {
    is_graph_channel_error(code, http_status)
}

/// Whether an upstream error of a channel of `kind` is about the channel itself. Telegram's
/// 403 is about one chat (`bot was blocked by the user`), so only its 401 (the token was
/// revoked or is unknown) is; other kinds follow [`is_channel_error`].
pub fn is_channel_error_of(kind: ChannelKind, code: Option<u32>, http_status: Option<u16>) -> bool {
    match kind {
        ChannelKind::Telegram => http_status == Some(401),
        _ => is_channel_error(code, http_status),
    }
}

fn is_graph_channel_error(code: Option<u32>, http_status: Option<u16>) -> bool {
    matches!(http_status, Some(401) | Some(403))
        || matches!(code, Some(0 | 3 | 10 | 190 | 200..=299 | 131031))
}

/// The display number the mounted sandbox gives a sandbox channel's phone number id:
/// `1555` and the id's last seven digits.
pub fn sandbox_display_number(phone_number_id: &str) -> String {
    let tail: Vec<char> = phone_number_id.chars().rev().take(7).collect();
    let tail: String = tail.into_iter().rev().collect();
    format!("1555{tail}")
}

/// Masks a secret for display: only its last four characters are kept.
pub fn mask_secret(secret: &str) -> String {
    let count = secret.chars().count();
    if count <= 8 {
        return "********".to_string();
    }
    let tail: String = secret.chars().skip(count - 4).collect();
    format!("********{tail}")
}

/// Checks a Graph API version string: `v` + major + `.` + minor, e.g. `v23.0`.
pub fn is_api_version(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('v') else {
        return false;
    };
    let mut parts = rest.splitn(2, '.');
    let major = parts.next().unwrap_or("");
    let minor = parts.next().unwrap_or("");
    !major.is_empty()
        && !minor.is_empty()
        && major.len() <= 3
        && minor.len() <= 3
        && major.bytes().all(|b| b.is_ascii_digit())
        && minor.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_tail() {
        assert_eq!(mask_secret("EAAGabcdefgh1234"), "********1234");
        assert_eq!(mask_secret("short"), "********");
    }

    #[test]
    fn channel_errors_are_auth_and_account_codes() {
        assert!(is_channel_error(Some(190), Some(401)));
        assert!(is_channel_error(Some(10), Some(400)));
        assert!(is_channel_error(Some(131031), Some(400)));
        assert!(is_channel_error(None, Some(403)));
        assert!(!is_channel_error(Some(100), Some(400)));
        assert!(!is_channel_error(Some(131026), Some(400)));
        assert!(!is_channel_error(None, None));
        assert_eq!(sandbox_display_number("123456789012345"), "15559012345");
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_value(kind).expect("json");
            assert_eq!(json, kind.as_str());
        }
        assert_eq!(ChannelKind::parse("whatsapp"), None);
        assert!(ChannelKind::Sandbox.is_whatsapp_cloud());
        assert!(!ChannelKind::Web.is_whatsapp_cloud());
    }

    #[test]
    fn api_versions() {
        assert!(is_api_version("v23.0"));
        assert!(is_api_version("v9.10"));
        assert!(!is_api_version("23.0"));
        assert!(!is_api_version("v23"));
        assert!(!is_api_version("vx.0"));
        assert!(!is_api_version("v1.0.1"));
    }
}
