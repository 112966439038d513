//! Where and how to reach one Cloud API channel's upstream account.

use super::{DEFAULT_API_VERSION, DEFAULT_BASE_URL};

/// Where and how to reach one channel's Graph API account.
///
/// Its `Debug` output leaves the access token out.
#[derive(Clone, PartialEq, Eq)]
pub struct CloudTarget {
    /// Graph API base URL without a trailing slash, e.g. `https://graph.facebook.com`.
    pub base_url: String,
    /// Graph API version, e.g. `v23.0`.
    pub api_version: String,
    /// Meta's phone number id.
    pub phone_number_id: String,
    /// WhatsApp Business Account id (templates).
    pub waba_id: String,
    /// Bearer token. Never logged.
    pub access_token: String,
}

impl CloudTarget {
    /// A target on Meta's Graph API ([`DEFAULT_BASE_URL`], [`DEFAULT_API_VERSION`]).
    pub fn meta(
        phone_number_id: impl Into<String>,
        waba_id: impl Into<String>,
        access_token: impl Into<String>,
    ) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            api_version: DEFAULT_API_VERSION.to_string(),
            phone_number_id: phone_number_id.into(),
            waba_id: waba_id.into(),
            access_token: access_token.into(),
        }
    }
}

impl std::fmt::Debug for CloudTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudTarget")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("phone_number_id", &self.phone_number_id)
            .field("waba_id", &self.waba_id)
            .field("access_token", &"[redacted]")
            .finish()
    }
}
