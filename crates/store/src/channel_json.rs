//! A channel's `settings` column: its Cloud API settings with its state beside them under
//! `state` (older rows without it read as active).

use serde::{Deserialize, Serialize};
use switchboard_core::channel::{Channel, ChannelState, CloudSettings};

use crate::StoreResult;

#[derive(Serialize)]
struct Out<'a> {
    #[serde(flatten)]
    settings: &'a CloudSettings,
    state: &'a ChannelState,
}

#[derive(Deserialize)]
struct In {
    #[serde(flatten)]
    settings: CloudSettings,
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
pub(crate) fn parse_settings(text: &str) -> StoreResult<(CloudSettings, ChannelState)> {
    let parsed: In = serde_json::from_str(text)?;
    Ok((parsed.settings, parsed.state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::channel::ChannelStatus;
    use switchboard_core::id::AccountId;

    #[test]
    fn state_round_trips_and_old_rows_read_as_active() {
        let mut channel = crate::conformance::channel(AccountId::new(), "1");
        channel.state = ChannelState::new(ChannelStatus::Error, "upstream_error", 7);
        let (settings, state) = parse_settings(&settings_text(&channel).unwrap()).unwrap();
        assert_eq!(settings, channel.settings);
        assert_eq!(state, channel.state);
        let old = serde_json::to_string(&channel.settings).unwrap();
        let (_, state) = parse_settings(&old).unwrap();
        assert_eq!(state.status, ChannelStatus::Active);
    }
}
