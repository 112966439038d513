//! What the bot remembers per contact, and how a decision changes it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::decision::Decision;
use super::settings::BotSettings;
use crate::time::Millis;

/// The bot's memory of one contact on one channel. The caller loads it before
/// [`super::decide::decide`] and stores it after [`ContactBotState::apply`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactBotState {
    /// When the default message was last sent to the contact.
    pub last_default_msg_at: Option<Millis>,
    /// When the away message was last sent to the contact.
    pub last_away_msg_at: Option<Millis>,
    /// The menu step the contact is in, if any.
    pub step: Option<String>,
    /// When the contact entered `step`.
    pub step_entered_at: Option<Millis>,
    /// When the bot sent this contact its recent messages (those within the loop guard's
    /// window; older ones are dropped by [`ContactBotState::apply`]).
    pub recent_bot_messages: Vec<Millis>,
    /// The text of the bot's last message to the contact, to spot a bot echoing it.
    pub last_bot_text: Option<String>,
}

impl ContactBotState {
    /// The step in force at `now`: `step`, unless it is older than the settings'
    /// `step_timeout_secs` (0: steps never expire).
    pub fn current_step(&self, settings: &BotSettings, now: Millis) -> Option<&str> {
        let step = self.step.as_deref()?;
        let timeout = settings.step_timeout_secs;
        match self.step_entered_at {
            Some(at) if timeout > 0 && now >= at.saturating_add(secs_to_millis(timeout)) => None,
            _ => Some(step),
        }
    }

    /// How many bot messages went to the contact within the loop guard's window before `now`.
    pub fn recent_count(&self, settings: &BotSettings, now: Millis) -> usize {
        let since = now.saturating_sub(secs_to_millis(settings.loop_guard.window_secs));
        self.recent_bot_messages
            .iter()
            .filter(|t| **t > since && **t <= now)
            .count()
    }

    /// Records the outcome of `decision`, taken at `now`: the step moves on a rule reply
    /// (to its `next_step`, `None` ending the menu) and is cleared by an opt-out; cooldown
    /// clocks start when the default or away message is sent; every message sent is
    /// counted for the loop guard. An expired step is forgotten. Silent decisions change
    /// nothing else.
    pub fn apply(&mut self, decision: &Decision, settings: &BotSettings, now: Millis) {
        if self.current_step(settings, now).is_none() {
            self.step = None;
            self.step_entered_at = None;
        }
        match decision {
            Decision::Reply { next_step, .. } => {
                self.step = next_step.clone();
                self.step_entered_at = next_step.as_ref().map(|_| now);
            }
            Decision::DefaultMessage { .. } => self.last_default_msg_at = Some(now),
            Decision::AwayMessage { .. } => self.last_away_msg_at = Some(now),
            Decision::OptOut { .. } => {
                self.step = None;
                self.step_entered_at = None;
            }
            Decision::OptIn { .. } | Decision::Silent { .. } => {}
        }
        let since = now.saturating_sub(secs_to_millis(settings.loop_guard.window_secs));
        self.recent_bot_messages.retain(|t| *t > since && *t <= now);
        if let Some(message) = decision.message() {
            self.recent_bot_messages.push(now);
            self.last_bot_text = message_text(message);
        }
        let keep = settings.loop_guard.max_replies as usize + 1;
        if self.recent_bot_messages.len() > keep {
            let drop = self.recent_bot_messages.len() - keep;
            self.recent_bot_messages.drain(..drop);
        }
    }
}

/// Seconds as milliseconds, saturating.
pub(crate) fn secs_to_millis(secs: u64) -> Millis {
    Millis::try_from(secs.saturating_mul(1000)).unwrap_or(Millis::MAX)
}

/// The main human-readable text of a message object: `text.body`, a media caption or an
/// interactive body.
pub fn message_text(message: &Value) -> Option<String> {
    [
        "/text/body",
        "/interactive/body/text",
        "/image/caption",
        "/video/caption",
        "/document/caption",
    ]
    .iter()
    .find_map(|p| message.pointer(p).and_then(Value::as_str))
    .map(str::to_string)
}
