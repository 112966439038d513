//! What the bot decided about one inbound message, and the sentence that explains it in the
//! decision log.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::rules::MatchedOn;
use crate::time::{to_rfc3339, Millis};

/// The bot's decision. Outgoing messages are Cloud API message objects without `to`, fully
/// rendered (spintax and placeholders applied); the caller adds the recipient and sends them
/// through the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// A rule answers.
    Reply {
        /// The rule.
        rule_id: String,
        /// What it matched on.
        matched_on: MatchedOn,
        /// The step the rule was limited to, if any.
        in_step: Option<String>,
        /// The message to send.
        message: Value,
        /// Tags to add to the contact.
        add_tags: Vec<String>,
        /// The contact's step from now on (`None` ends any menu).
        next_step: Option<String>,
    },
    /// No rule matched: the default message answers.
    DefaultMessage {
        /// The message to send.
        message: Value,
    },
    /// Outside active days or hours: the away message answers.
    AwayMessage {
        /// The message to send.
        message: Value,
        /// The bot's wall-clock time, e.g. `Sat 2025-03-08 23:10 (Europe/Berlin)`.
        local_time: String,
    },
    /// An opt-out keyword: mark the contact opted out of marketing.
    OptOut {
        /// The confirmation to send: `None` when the contact was already opted out (it is
        /// confirmed once) or the confirmation text is empty.
        confirmation: Option<Value>,
        /// Whether the contact was already opted out.
        already_opted_out: bool,
    },
    /// An opt-in keyword from an opted-out contact: mark the contact opted in again.
    OptIn {
        /// The confirmation to send, `None` when its text is empty.
        confirmation: Option<Value>,
    },
    /// Send nothing.
    Silent {
        /// Why.
        reason: SilentReason,
    },
}

/// Why the bot sends nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SilentReason {
    /// The message was sent by the channel itself.
    OwnMessage,
    /// A reaction, edit, deletion or system notice, not something a person wrote to answer.
    NotConversational,
    /// A group message while `reply_group_msgs` is off.
    GroupMessage,
    /// `reply_msgs` is off.
    BotDisabled,
    /// A message that was waiting unread when the session connected, while
    /// `reply_unread_msgs` is off.
    UnreadBacklog,
    /// The contact opted out.
    OptedOut,
    /// Answering could feed a loop with another bot.
    LoopGuard {
        /// What gave it away.
        cause: LoopCause,
    },
    /// Outside active days or hours, with no away message.
    OutsideActiveHours {
        /// The bot's wall-clock time.
        local_time: String,
    },
    /// The message that would answer was sent to this contact too recently.
    Cooldown {
        /// Which message.
        message: CooldownOf,
        /// When it may be sent again (epoch milliseconds).
        until: Millis,
    },
    /// No rule matched, and the default message is off or empty.
    NoRuleMatched,
}

/// What made the loop guard hold the bot back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum LoopCause {
    /// The caller flagged the sender as automated.
    SenderIsAutomated,
    /// The message repeats the bot's last message to the contact word for word.
    EchoOfOurMessage,
    /// The bot already sent `count` messages to the contact within `window_secs`.
    TooManyReplies {
        /// Messages sent within the window.
        count: usize,
        /// The window, in seconds.
        window_secs: u64,
    },
}

/// The message a cooldown holds back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CooldownOf {
    /// The default message.
    DefaultMessage,
    /// The away message.
    AwayMessage,
}

impl Decision {
    /// The message to send now, if any (a reply, default or away message, or confirmation).
    pub fn message(&self) -> Option<&Value> {
        match self {
            Decision::Reply { message, .. }
            | Decision::DefaultMessage { message }
            | Decision::AwayMessage { message, .. } => Some(message),
            Decision::OptOut { confirmation, .. } | Decision::OptIn { confirmation } => {
                confirmation.as_ref()
            }
            Decision::Silent { .. } => None,
        }
    }

    /// The change to the contact's opt-out flag: `Some(true)` to opt out, `Some(false)` to
    /// opt back in.
    pub fn opt_out_change(&self) -> Option<bool> {
        match self {
            Decision::OptOut { .. } => Some(true),
            Decision::OptIn { .. } => Some(false),
            _ => None,
        }
    }

    /// A stable code for logs and filters: `reply`, `default_message`, `away_message`,
    /// `opt_out`, `opt_in`, or `silent.<reason>` (e.g. `silent.cooldown`).
    pub fn code(&self) -> &'static str {
        match self {
            Decision::Reply { .. } => "reply",
            Decision::DefaultMessage { .. } => "default_message",
            Decision::AwayMessage { .. } => "away_message",
            Decision::OptOut { .. } => "opt_out",
            Decision::OptIn { .. } => "opt_in",
            Decision::Silent { reason } => reason.code(),
        }
    }

    /// One sentence for the decision log saying what the bot did and why.
    pub fn explain(&self) -> String {
        match self {
            Decision::Reply {
                rule_id,
                matched_on,
                in_step,
                next_step,
                ..
            } => {
                let on = match matched_on {
                    MatchedOn::ReplyId { id } => format!("the button/list reply id `{id}`"),
                    MatchedOn::Text { kind, pattern } => {
                        format!("the text ({} `{pattern}`)", kind.as_str())
                    }
                };
                let step = in_step
                    .as_ref()
                    .map(|s| format!(" in step `{s}`"))
                    .unwrap_or_default();
                let next = match (next_step, in_step) {
                    (Some(n), _) => format!("; the contact moves to step `{n}`"),
                    (None, Some(_)) => "; the menu ends".to_string(),
                    (None, None) => String::new(),
                };
                format!("Rule `{rule_id}` matched {on}{step}, so its reply was sent{next}.")
            }
            Decision::DefaultMessage { .. } => {
                "No rule matched, so the default message was sent.".to_string()
            }
            Decision::AwayMessage { local_time, .. } => format!(
                "Outside active days or hours (it is {local_time}), so the away message was sent."
            ),
            Decision::OptOut {
                already_opted_out: true,
                ..
            } => "The message is an opt-out keyword; the contact was already opted out, so no confirmation was sent again.".to_string(),
            Decision::OptOut { confirmation, .. } => format!(
                "The message is an opt-out keyword: the contact is opted out of marketing{}.",
                if confirmation.is_some() { " and gets a confirmation" } else { " (no confirmation text is set)" }
            ),
            Decision::OptIn { confirmation } => format!(
                "The message is an opt-in keyword from an opted-out contact: the contact is opted in again{}.",
                if confirmation.is_some() { " and gets a confirmation" } else { " (no confirmation text is set)" }
            ),
            Decision::Silent { reason } => reason.explain(),
        }
    }
}

impl SilentReason {
    /// `silent.<reason>`, see [`Decision::code`].
    pub fn code(&self) -> &'static str {
        match self {
            SilentReason::OwnMessage => "silent.own_message",
            SilentReason::NotConversational => "silent.not_conversational",
            SilentReason::GroupMessage => "silent.group_message",
            SilentReason::BotDisabled => "silent.bot_disabled",
            SilentReason::UnreadBacklog => "silent.unread_backlog",
            SilentReason::OptedOut => "silent.opted_out",
            SilentReason::LoopGuard { .. } => "silent.loop_guard",
            SilentReason::OutsideActiveHours { .. } => "silent.outside_active_hours",
            SilentReason::Cooldown { .. } => "silent.cooldown",
            SilentReason::NoRuleMatched => "silent.no_rule_matched",
        }
    }

    /// One sentence for the decision log.
    pub fn explain(&self) -> String {
        match self {
            SilentReason::OwnMessage => "Not answered: the message was sent by this channel itself, and the bot never answers its own messages.".into(),
            SilentReason::NotConversational => "Not answered: it is a reaction, edit or system notice, not a message to answer.".into(),
            SilentReason::GroupMessage => "Not answered: it is a group message and replying in groups (reply_group_msgs) is off.".into(),
            SilentReason::BotDisabled => "Not answered: replying (reply_msgs) is off; the bot only handles opt-out and opt-in keywords.".into(),
            SilentReason::UnreadBacklog => "Not answered: the message was already waiting unread when the session connected, and replying to unread messages (reply_unread_msgs) is off.".into(),
            SilentReason::OptedOut => "Not answered: the contact opted out; the bot stays silent until they send an opt-in keyword.".into(),
            SilentReason::LoopGuard { cause } => match cause {
                LoopCause::SenderIsAutomated => "Not answered: the sender looks automated, and answering could start a loop between bots.".into(),
                LoopCause::EchoOfOurMessage => "Not answered: the message repeats the bot's last message word for word, as another bot echoing it would.".into(),
                LoopCause::TooManyReplies { count, window_secs } => format!(
                    "Not answered: the bot already sent this contact {count} messages in the last {window_secs} s, the loop guard's limit."
                ),
            },
            SilentReason::OutsideActiveHours { local_time } => format!(
                "Not answered: outside active days or hours (it is {local_time}) and no away message is set."
            ),
            SilentReason::Cooldown { message: CooldownOf::DefaultMessage, until } => format!(
                "Not answered: no rule matched, and the default message was already sent to this contact recently; it may be sent again from {}.",
                to_rfc3339(*until)
            ),
            SilentReason::Cooldown { message: CooldownOf::AwayMessage, until } => format!(
                "Not answered: outside active days or hours, and the away message was already sent to this contact recently; it may be sent again from {}.",
                to_rfc3339(*until)
            ),
            SilentReason::NoRuleMatched => "Not answered: no rule matched, and the default message is off (send_default_msg) or empty.".into(),
        }
    }
}
