//! A channel's `settings` column: its upstream settings, tagged with their `kind` (`cloud`,
//! `telegram`, `messenger`, `instagram`, `web`), with its state beside them under `state`
//! (older rows without it read as active).
//!
//! Rows written before the kind tag existed hold Cloud API settings; migration 0011 tags
//! them, and a row still without a tag (written by an older node during a rolling upgrade)
//! reads as Cloud settings too.

use serde::{Deserialize, Serialize};
use switchboard_core::channel::{Channel, ChannelSettings, ChannelState};

use crate::StoreResult;

/// The tag of the settings variant.
const KIND_TAG: &str = "kind";

#[derive(Serialize)]
struct Out<'a> {
    #[serde(flatten)]
    settings: &'a ChannelSettings,
    state: &'a ChannelState,
}

#[derive(Deserialize)]
struct In {
    #[serde(flatten)]
    settings: ChannelSettings,
    #[serde(default)]
    state: ChannelState,
}

/// The column text of `channel`'s settings and state.
pub(crate) fn settings_text(channel: &Channel) -> StoreResult<String> {
    Ok(serde_json::to_string(&Out {
        settings: &channel.settings,
        state: &channel.state,
    })?)
}

/// Reads the column text back into settings and state.
pub(crate) fn parse_settings(text: &str) -> StoreResult<(ChannelSettings, ChannelState)> {
    let mut value: serde_json::Value = serde_json::from_str(text)?;
    if let Some(fields) = value.as_object_mut() {
        fields
            .entry(KIND_TAG)
            .or_insert_with(|| serde_json::Value::from("cloud"));
    }
    let parsed: In = serde_json::from_value(value)?;
    Ok((parsed.settings, parsed.state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::channel::{ChannelStatus, TelegramInbound, TelegramSettings};
    use switchboard_core::id::AccountId;

    #[test]
    fn state_round_trips_and_old_rows_read_as_active_cloud_settings() {
        let mut channel = crate::conformance::channel(AccountId::new(), "1");
        channel.state = ChannelState::new(ChannelStatus::Error, "upstream_error", 7);
        let text = settings_text(&channel).unwrap();
        assert!(text.contains(r#""kind":"cloud""#), "{text}");
        let (settings, state) = parse_settings(&text).unwrap();
        assert_eq!(settings, channel.settings);
        assert_eq!(state, channel.state);
        let old = serde_json::to_string(channel.settings.cloud().unwrap()).unwrap();
        let (settings, state) = parse_settings(&old).unwrap();
        assert_eq!(settings, channel.settings);
        assert_eq!(state.status, ChannelStatus::Active);
    }

    #[test]
    fn other_kinds_round_trip() {
        let mut channel = crate::conformance::channel(AccountId::new(), "2");
        channel.settings = ChannelSettings::Telegram(TelegramSettings {
            bot_token: "123:abc".into(),
            base_url: None,
            inbound: TelegramInbound::Polling,
            webhook_secret: "secret".into(),
            sandbox: true,
        });
        let (settings, _) = parse_settings(&settings_text(&channel).unwrap()).unwrap();
        assert_eq!(settings, channel.settings);
        assert!(parse_settings(r#"{"kind":"fax"}"#).is_err());
    }
}
