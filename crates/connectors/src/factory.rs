//! Building the connector of one channel from its settings.

use std::sync::Arc;

use switchboard_core::channel::{Channel, ChannelKind, ChannelSettings};

use crate::cloud::{CloudClient, CloudTarget, DEFAULT_BASE_URL};
use crate::messenger::MessengerConnector;
use crate::telegram::{TelegramConnector, TelegramTarget, DEFAULT_BASE_URL as TELEGRAM_URL};
use crate::{Connector, ConnectorError};

/// Builds the connector of a channel from its kind and settings.
pub trait ConnectorFactory: Send + Sync + 'static {
    /// Whether this build has a connector for channels of `kind`.
    fn has_kind(&self, kind: ChannelKind) -> bool;

    /// The connector for `channel`'s current settings. A kind without a connector in this
    /// build is a permanent error naming the kind.
    fn build(&self, channel: &Channel) -> Result<Arc<dyn Connector>, ConnectorError>;
}

/// Whether `err`, from the connector of a channel of `kind`, says the channel itself is
/// unusable (credentials, permissions, account) rather than the one message: Messenger and
/// Instagram read Meta's codes 10 and 200 with their subcodes
/// ([`messenger::is_channel_error`](crate::messenger::is_channel_error): a closed window or a
/// blocked user concerns the message); other kinds follow
/// [`is_channel_error_of`](switchboard_core::channel::is_channel_error_of).
pub fn concerns_channel(kind: ChannelKind, err: &ConnectorError) -> bool {
    match kind {
        ChannelKind::Messenger | ChannelKind::Instagram => {
            crate::messenger::is_channel_error(err.code, crate::messenger::subcode(err))
        }
        _ => switchboard_core::channel::is_channel_error_of(kind, err.code, err.http_status),
    }
}

/// The error of a kind this build has no connector for.
pub fn kind_unavailable(kind: ChannelKind) -> ConnectorError {
    ConnectorError::permanent(format!(
        "{} channels are not yet supported by this build: it has no {} connector",
        kind.as_str(),
        kind.as_str()
    ))
}

/// The connectors of this build: WhatsApp Cloud (`cloud`, and `sandbox` against the emulator
/// mounted at `sandbox_base_url`), Telegram (sandbox bots at `{sandbox_base_url}/telegram`),
/// Messenger and Instagram (sandbox pages at `sandbox_base_url`, the emulator's Send API).
/// WhatsApp Web has no connector yet.
#[derive(Debug, Clone)]
pub struct Connectors {
    cloud: CloudClient,
    sandbox_base_url: String,
}

impl Connectors {
    /// The connectors on the shared Cloud client `cloud`; sandbox channels without their own
    /// base URL reach `sandbox_base_url` (e.g. `http://127.0.0.1:8080/sandbox`).
    pub fn new(cloud: CloudClient, sandbox_base_url: impl Into<String>) -> Self {
        Self {
            cloud,
            sandbox_base_url: sandbox_base_url.into(),
        }
    }

    /// Where a `cloud` or `sandbox` channel's Graph API account is reached.
    pub fn cloud_target(&self, channel: &Channel) -> Option<CloudTarget> {
        let s = channel.settings.cloud()?;
        let base_url = match (&s.base_url, channel.kind) {
            (Some(url), _) => url.clone(),
            (None, ChannelKind::Sandbox) => self.sandbox_base_url.clone(),
            (None, _) => DEFAULT_BASE_URL.to_string(),
        };
        Some(CloudTarget {
            base_url,
            api_version: s.api_version.clone(),
            phone_number_id: s.phone_number_id.clone(),
            waba_id: s.waba_id.clone(),
            access_token: s.access_token.clone(),
        })
    }

    /// Where a `telegram` channel's bot is reached: its own base URL, else the emulator's
    /// Bot API for a sandbox channel, else `https://api.telegram.org`.
    pub fn telegram_target(&self, channel: &Channel) -> Option<TelegramTarget> {
        let ChannelSettings::Telegram(s) = &channel.settings else {
            return None;
        };
        let base_url = match (&s.base_url, s.sandbox) {
            (Some(url), _) => url.clone(),
            (None, true) => format!("{}/telegram", self.sandbox_base_url.trim_end_matches('/')),
            (None, false) => TELEGRAM_URL.to_string(),
        };
        Some(TelegramTarget {
            base_url,
            bot_token: s.bot_token.clone(),
            webhook_secret: s.webhook_secret.clone(),
        })
    }
}

impl ConnectorFactory for Connectors {
    fn has_kind(&self, kind: ChannelKind) -> bool {
        kind.is_whatsapp_cloud()
            || matches!(
                kind,
                ChannelKind::Telegram | ChannelKind::Messenger | ChannelKind::Instagram
            )
    }

    fn build(&self, channel: &Channel) -> Result<Arc<dyn Connector>, ConnectorError> {
        if !self.has_kind(channel.kind) {
            return Err(kind_unavailable(channel.kind));
        }
        if let (ChannelKind::Telegram, Some(target)) = (channel.kind, self.telegram_target(channel))
        {
            return Ok(Arc::new(TelegramConnector::new(self.cloud.clone(), target)));
        }
        let sandbox = self.sandbox_base_url.as_str();
        match (&channel.settings, self.cloud_target(channel)) {
            (ChannelSettings::Cloud(_), Some(target)) if channel.kind.is_whatsapp_cloud() => {
                Ok(Arc::new(self.cloud.connector(target)))
            }
            (ChannelSettings::Messenger(s), _) if channel.kind == ChannelKind::Messenger => {
                Ok(Arc::new(MessengerConnector::messenger(
                    self.cloud.clone(),
                    s,
                    sandbox,
                )))
            }
            (ChannelSettings::Instagram(s), _) if channel.kind == ChannelKind::Instagram => {
                Ok(Arc::new(MessengerConnector::instagram(
                    self.cloud.clone(),
                    s,
                    sandbox,
                )))
            }
            _ => Err(ConnectorError::permanent(format!(
                "channel {} is of kind {} but its stored settings are not",
                channel.id,
                channel.kind.as_str()
            ))),
        }
    }
}

/// A factory that gives every channel the same connector (tests and fakes). It has every
/// kind.
#[derive(Clone)]
pub struct FixedConnector(pub Arc<dyn Connector>);

impl ConnectorFactory for FixedConnector {
    fn has_kind(&self, _kind: ChannelKind) -> bool {
        true
    }

    fn build(&self, _channel: &Channel) -> Result<Arc<dyn Connector>, ConnectorError> {
        Ok(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ConnectorConfig;
    use switchboard_core::channel::{
        ChannelState, CloudSettings, MessengerSettings, TelegramSettings,
    };
    use switchboard_core::id::{AccountId, ChannelId};

    fn channel(kind: ChannelKind, settings: ChannelSettings) -> Channel {
        Channel {
            id: ChannelId::new(),
            account_id: AccountId::new(),
            name: "c".into(),
            kind,
            settings,
            timezone: "UTC".into(),
            state: ChannelState::default(),
            created_at: 0,
            updated_at: 0,
        }
    }

    fn cloud(base_url: Option<&str>) -> ChannelSettings {
        ChannelSettings::Cloud(CloudSettings {
            display_phone_number: None,
            phone_number_id: "1".into(),
            waba_id: "2".into(),
            access_token: "t".into(),
            app_secret: "s".into(),
            verify_token: "v".into(),
            base_url: base_url.map(str::to_string),
            api_version: "v23.0".into(),
        })
    }

    fn connectors() -> Connectors {
        let client = CloudClient::new(ConnectorConfig::default()).expect("client");
        Connectors::new(client, "http://127.0.0.1:9/sandbox")
    }

    #[test]
    fn page_errors_about_one_user_do_not_concern_the_channel() {
        let graph = |code: u32, subcode: Option<u32>| ConnectorError {
            class: crate::ErrorClass::Permanent,
            code: Some(code),
            http_status: Some(400),
            message: "m".into(),
            details: subcode.map(|s| format!("error_subcode {s}")),
            retry_after: None,
        };
        let window = graph(10, Some(2018278));
        let blocked = graph(200, Some(1545041));
        let token = graph(190, None);
        for kind in [ChannelKind::Messenger, ChannelKind::Instagram] {
            assert!(!concerns_channel(kind, &window));
            assert!(!concerns_channel(kind, &blocked));
            assert!(concerns_channel(kind, &token));
        }
        assert!(
            concerns_channel(ChannelKind::Cloud, &window),
            "Cloud's 10 is a permission"
        );
    }

    #[test]
    fn cloud_targets_resolve_their_base_url() {
        let f = connectors();
        let t = |kind, base| {
            f.cloud_target(&channel(kind, cloud(base)))
                .map(|t| t.base_url)
        };
        assert_eq!(
            t(ChannelKind::Cloud, None).as_deref(),
            Some(DEFAULT_BASE_URL)
        );
        assert_eq!(
            t(ChannelKind::Sandbox, None).as_deref(),
            Some("http://127.0.0.1:9/sandbox")
        );
        assert_eq!(
            t(ChannelKind::Sandbox, Some("http://x")).as_deref(),
            Some("http://x")
        );
        assert!(f.build(&channel(ChannelKind::Cloud, cloud(None))).is_ok());
    }

    #[test]
    fn telegram_and_page_channels_get_their_connector() {
        let f = connectors();
        let tg = channel(
            ChannelKind::Telegram,
            ChannelSettings::Telegram(TelegramSettings {
                bot_token: "1:a".into(),
                base_url: None,
                inbound: Default::default(),
                webhook_secret: "w".into(),
                sandbox: true,
            }),
        );
        assert!(f.has_kind(ChannelKind::Telegram));
        assert!(f.build(&tg).is_ok());
        assert_eq!(
            f.telegram_target(&tg).map(|t| t.base_url).as_deref(),
            Some("http://127.0.0.1:9/sandbox/telegram")
        );
        let mismatched = channel(ChannelKind::Cloud, tg.settings.clone());
        assert!(f.build(&mismatched).is_err());
        let page = channel(
            ChannelKind::Messenger,
            ChannelSettings::Messenger(MessengerSettings {
                page_id: "104512345678901".into(),
                page_access_token: "EAAG-token".into(),
                app_secret: "s".into(),
                verify_token: "v".into(),
                base_url: None,
                api_version: "v23.0".into(),
                sandbox: true,
            }),
        );
        assert!(f.has_kind(ChannelKind::Messenger) && f.has_kind(ChannelKind::Instagram));
        assert!(f.build(&page).is_ok());
        let mismatched = channel(ChannelKind::Instagram, page.settings.clone());
        assert!(
            f.build(&mismatched).is_err(),
            "a kind's settings must match it"
        );
        let web = channel(ChannelKind::Web, ChannelSettings::Web(Default::default()));
        assert!(!f.has_kind(ChannelKind::Web));
        let err = f.build(&web).err().expect("refused");
        assert!(err.message.contains("web"), "{}", err.message);
    }
}
