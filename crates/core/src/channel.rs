//! Channels: one upstream number or bot owned by an account.

use serde::{Deserialize, Serialize};

use crate::id::{AccountId, ChannelId};
use crate::time::Millis;

/// Which upstream a channel talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// The built-in emulator, mounted under `/sandbox`: a Cloud API channel that needs no Meta account.
    Sandbox,
    /// Meta's WhatsApp Cloud API.
    Cloud,
}

impl ChannelKind {
    /// The lowercase name used in JSON and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Sandbox => "sandbox",
            ChannelKind::Cloud => "cloud",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sandbox" => Some(ChannelKind::Sandbox),
            "cloud" => Some(ChannelKind::Cloud),
            _ => None,
        }
    }
}

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
    /// Upstream settings.
    pub settings: CloudSettings,
    /// Time zone of the channel's statistics (days and months): an IANA name such as
    /// `Europe/Berlin` or a fixed offset such as `+05:30`; `UTC` by default.
    pub timezone: String,
    /// Creation time.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
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
    fn api_versions() {
        assert!(is_api_version("v23.0"));
        assert!(is_api_version("v9.10"));
        assert!(!is_api_version("23.0"));
        assert!(!is_api_version("v23"));
        assert!(!is_api_version("vx.0"));
        assert!(!is_api_version("v1.0.1"));
    }
}
