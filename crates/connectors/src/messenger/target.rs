//! Where and how one Messenger Page or Instagram account is reached: the platform, the Graph
//! host, the id in the path and the token.

use switchboard_core::channel::{ChannelKind, InstagramSettings, MessengerSettings};

use crate::cloud::DEFAULT_API_VERSION;

/// Meta's Graph API host, for Messenger and for Instagram with Facebook Login.
pub const FACEBOOK_GRAPH: &str = "https://graph.facebook.com";
/// The Graph host of the Instagram API with Instagram Login (no linked Page).
pub const INSTAGRAM_GRAPH: &str = "https://graph.instagram.com";

/// The two Send API platforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// A Facebook Page on the Messenger Platform (recipients are PSIDs).
    Messenger,
    /// An Instagram professional account (recipients are IGSIDs).
    Instagram,
}

impl Platform {
    /// `messenger` or `instagram`.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Messenger => "messenger",
            Platform::Instagram => "instagram",
        }
    }

    /// The platform of channels of `kind`, if it is one of the two.
    pub fn of(kind: ChannelKind) -> Option<Self> {
        match kind {
            ChannelKind::Messenger => Some(Platform::Messenger),
            ChannelKind::Instagram => Some(Platform::Instagram),
            _ => None,
        }
    }

    /// The webhook `object` of the platform: `page` or `instagram`.
    pub fn webhook_object(self) -> &'static str {
        match self {
            Platform::Messenger => "page",
            Platform::Instagram => "instagram",
        }
    }
}

/// Where and how to reach one Page or Instagram account. Its `Debug` output leaves the token
/// out.
#[derive(Clone, PartialEq, Eq)]
pub struct PageTarget {
    /// Messenger or Instagram.
    pub platform: Platform,
    /// Graph base URL without the version, e.g. `https://graph.facebook.com`.
    pub base_url: String,
    /// Graph API version, e.g. `v23.0`.
    pub api_version: String,
    /// The id in the Send API path: the Page id (Messenger), `me` (Instagram with Facebook
    /// Login: the Page token's linked account) or the IG account id (Instagram Login).
    pub path_id: String,
    /// The business's own id in webhooks: the Page id or the IG account id.
    pub account_id: String,
    /// The Page token or Instagram user token, sent only as `Authorization: Bearer`.
    pub access_token: String,
}

fn version(v: &str) -> String {
    match v.trim() {
        "" => DEFAULT_API_VERSION.to_string(),
        v => v.to_string(),
    }
}

fn base(own: Option<&String>, sandbox: bool, sandbox_base_url: &str, default: &str) -> String {
    match own.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some(url) => url.to_string(),
        None if sandbox => sandbox_base_url.to_string(),
        None => default.to_string(),
    }
}

impl PageTarget {
    /// The target of a Messenger Page: `/{page_id}/…` on the settings' base URL, else the
    /// sandbox mount for a sandbox channel, else [`FACEBOOK_GRAPH`].
    pub fn messenger(s: &MessengerSettings, sandbox_base_url: &str) -> Self {
        Self {
            platform: Platform::Messenger,
            base_url: base(
                s.base_url.as_ref(),
                s.sandbox,
                sandbox_base_url,
                FACEBOOK_GRAPH,
            ),
            api_version: version(&s.api_version),
            path_id: s.page_id.clone(),
            account_id: s.page_id.clone(),
            access_token: s.page_access_token.clone(),
        }
    }

    /// The target of an Instagram account. With a linked `page_id` (Facebook Login, a Page
    /// token) it sends to `/me/…` on [`FACEBOOK_GRAPH`]; without one (Instagram Login, an
    /// Instagram user token) to `/{ig_account_id}/…` on [`INSTAGRAM_GRAPH`]. The settings'
    /// base URL, else the sandbox mount for a sandbox channel, replaces the host either way.
    pub fn instagram(s: &InstagramSettings, sandbox_base_url: &str) -> Self {
        let facebook_login = s.page_id.as_deref().is_some_and(|p| !p.trim().is_empty());
        let (default, path_id) = if facebook_login {
            (FACEBOOK_GRAPH, "me".to_string())
        } else {
            (INSTAGRAM_GRAPH, s.ig_account_id.clone())
        };
        Self {
            platform: Platform::Instagram,
            base_url: base(s.base_url.as_ref(), s.sandbox, sandbox_base_url, default),
            api_version: version(&s.api_version),
            path_id,
            account_id: s.ig_account_id.clone(),
            access_token: s.access_token.clone(),
        }
    }
}

impl std::fmt::Debug for PageTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageTarget")
            .field("platform", &self.platform)
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("path_id", &self.path_id)
            .field("account_id", &self.account_id)
            .field("access_token", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messenger(base_url: Option<&str>, sandbox: bool) -> MessengerSettings {
        MessengerSettings {
            page_id: "111".into(),
            page_access_token: "EAAP-secret".into(),
            app_secret: "s".into(),
            verify_token: "v".into(),
            base_url: base_url.map(str::to_string),
            api_version: "".into(),
            sandbox,
        }
    }

    fn instagram(page_id: Option<&str>, sandbox: bool) -> InstagramSettings {
        InstagramSettings {
            ig_account_id: "178".into(),
            page_id: page_id.map(str::to_string),
            access_token: "IGQ-secret".into(),
            app_secret: "s".into(),
            verify_token: "v".into(),
            base_url: None,
            api_version: "v25.0".into(),
            sandbox,
        }
    }

    #[test]
    fn messenger_hosts() {
        let t = PageTarget::messenger(&messenger(None, false), "http://sb");
        assert_eq!(t.base_url, FACEBOOK_GRAPH);
        assert_eq!(t.path_id, "111");
        assert_eq!(t.api_version, DEFAULT_API_VERSION);
        let t = PageTarget::messenger(&messenger(None, true), "http://sb");
        assert_eq!(t.base_url, "http://sb");
        let t = PageTarget::messenger(&messenger(Some("http://own"), true), "http://sb");
        assert_eq!(t.base_url, "http://own");
        assert!(!format!("{t:?}").contains("EAAP-secret"));
    }

    #[test]
    fn instagram_login_decides_the_host_and_path() {
        let t = PageTarget::instagram(&instagram(Some("222"), false), "http://sb");
        assert_eq!(
            (t.base_url.as_str(), t.path_id.as_str()),
            (FACEBOOK_GRAPH, "me")
        );
        let t = PageTarget::instagram(&instagram(None, false), "http://sb");
        assert_eq!(
            (t.base_url.as_str(), t.path_id.as_str()),
            (INSTAGRAM_GRAPH, "178")
        );
        let t = PageTarget::instagram(&instagram(None, true), "http://sb");
        assert_eq!(t.base_url, "http://sb");
        assert_eq!(t.account_id, "178");
        assert_eq!(
            Platform::of(ChannelKind::Instagram),
            Some(Platform::Instagram)
        );
        assert_eq!(Platform::of(ChannelKind::Cloud), None);
    }
}
