//! The decision: given the settings, the rules, one inbound message's facts and the
//! contact's bot state, what the bot does — pure, deterministic for a given picker.
//!
//! The checks, in order (the first that applies decides):
//! 1. sent by the channel itself → silent (`OwnMessage`);
//! 2. a reaction, edit or system notice → silent (`NotConversational`);
//! 3. a group message while `reply_group_msgs` is off → silent (`GroupMessage`);
//! 4. an opt-out keyword (not in groups) → `OptOut`, confirmed once — honoured even when
//!    the bot is off, outside active hours, or the sender looks automated;
//! 5. an opt-in keyword from an opted-out contact (not in groups) → `OptIn` (from a contact
//!    who is not opted out, the word goes on to the rules like any other);
//! 6. `reply_msgs` off → silent (`BotDisabled`);
//! 7. an unread backlog message while `reply_unread_msgs` is off → silent (`UnreadBacklog`);
//! 8. the contact opted out → silent (`OptedOut`);
//! 9. loop guard: the sender flagged automated, an echo of the bot's last message (16
//!    characters or more), or the bot's message limit per window reached → silent
//!    (`LoopGuard`);
//! 10. outside active days/hours → the away message if set and not in its cooldown
//!     (`AwayMessage`), else silent (`Cooldown` or `OutsideActiveHours`);
//! 11. a rule matches (see [`RuleSet::find`], with the contact's unexpired step) → `Reply`;
//! 12. the default message is on, non-empty and not in its cooldown → `DefaultMessage`;
//!     in its cooldown → silent (`Cooldown`);
//! 13. otherwise silent (`NoRuleMatched`).

use serde::{Deserialize, Serialize};

use super::decision::{CooldownOf, Decision, LoopCause, SilentReason};
use super::hours::Schedule;
use super::normalize::collapse_whitespace;
use super::placeholders::PlaceholderContext;
use super::reply::{render_reply, render_text, text_message};
use super::rules::RuleSet;
use super::settings::BotSettings;
use super::state::{secs_to_millis, ContactBotState};
use crate::time::Millis;

/// A message shorter than this is never taken for an echo of the bot's own message
/// ("OK" answering "OK" is a person).
pub const ECHO_MIN_CHARS: usize = 16;

/// What the caller knows about one inbound message and its sender.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InboundFacts {
    /// The text to match: `text.body`, a media caption, a button's or list row's title.
    pub text: Option<String>,
    /// The id of a tapped button or list row: `interactive.button_reply.id`,
    /// `interactive.list_reply.id`, or a template quick reply's `button.payload`.
    pub reply_id: Option<String>,
    /// Written in a group.
    pub is_group: bool,
    /// Sent by this channel's own number (an echo of our send, or written on the phone).
    pub is_from_me: bool,
    /// The caller's judgement that the sender is automated: a known bot or business number,
    /// a message arriving faster than a person types, a system template. The core adds its
    /// own checks (echo, message limit).
    pub is_automated: bool,
    /// A reaction, edit, deletion or system notice rather than a message to answer.
    pub is_notification: bool,
    /// The message was already waiting, unread, when the session connected (a WhatsApp Web
    /// session's backlog), as opposed to arriving live.
    pub is_unread_backlog: bool,
    /// The contact is opted out of marketing.
    pub contact_opted_out: bool,
    /// The contact's name, for `[name]`.
    pub contact_name: Option<String>,
    /// The contact's phone number or address, for `[phone]`.
    pub phone: String,
}

/// Decides what the bot does with one inbound message at `now`; see the module
/// documentation for the order of checks. `pick` chooses spintax alternatives (see
/// [`super::spintax`]). Never panics.
pub fn decide(
    settings: &BotSettings,
    rules: &RuleSet,
    inbound: &InboundFacts,
    state: &ContactBotState,
    now: Millis,
    pick: &mut dyn FnMut(usize) -> usize,
) -> Decision {
    let silent = |reason| Decision::Silent { reason };
    let actions = &settings.actions;
    if inbound.is_from_me {
        return silent(SilentReason::OwnMessage);
    }
    if inbound.is_notification {
        return silent(SilentReason::NotConversational);
    }
    if inbound.is_group && !actions.reply_group_msgs {
        return silent(SilentReason::GroupMessage);
    }
    let ctx = PlaceholderContext::new(
        settings,
        inbound.contact_name.as_deref(),
        &inbound.phone,
        now,
    );
    let mut text_reply = |template: &str| {
        let body = render_text(template, &ctx, pick);
        (!body.trim().is_empty()).then(|| text_message(&body))
    };
    let text = inbound.text.as_deref();
    if !inbound.is_group {
        if let Some(t) = text {
            if settings.is_opt_out(t) {
                let already = inbound.contact_opted_out;
                return Decision::OptOut {
                    confirmation: if already {
                        None
                    } else {
                        text_reply(&settings.opt_out_confirmation)
                    },
                    already_opted_out: already,
                };
            }
            if inbound.contact_opted_out && settings.is_opt_in(t) {
                return Decision::OptIn {
                    confirmation: text_reply(&settings.opt_in_confirmation),
                };
            }
        }
    }
    if !actions.reply_msgs {
        return silent(SilentReason::BotDisabled);
    }
    if inbound.is_unread_backlog && !actions.reply_unread_msgs {
        return silent(SilentReason::UnreadBacklog);
    }
    if inbound.contact_opted_out {
        return silent(SilentReason::OptedOut);
    }
    if let Some(cause) = loop_cause(settings, inbound, state, now) {
        return silent(SilentReason::LoopGuard { cause });
    }
    let schedule = Schedule::from_settings(settings);
    if !schedule.is_active(now) {
        let local_time = schedule.describe_local(now);
        let Some(away) = settings.away_msg.as_deref() else {
            return silent(SilentReason::OutsideActiveHours { local_time });
        };
        if let Some(until) =
            cooldown_until(state.last_away_msg_at, settings.away_msg_cooldown_secs, now)
        {
            return silent(SilentReason::Cooldown {
                message: CooldownOf::AwayMessage,
                until,
            });
        }
        return match text_reply(away) {
            Some(message) => Decision::AwayMessage {
                message,
                local_time,
            },
            None => silent(SilentReason::OutsideActiveHours { local_time }),
        };
    }
    let step = state.current_step(settings, now);
    if let Some(m) = rules.find(text, inbound.reply_id.as_deref(), step) {
        return Decision::Reply {
            rule_id: m.rule.id.clone(),
            matched_on: m.on,
            in_step: m.rule.only_in_step.clone(),
            message: render_reply(&m.rule.reply, &ctx, pick),
            add_tags: m.rule.add_tags.clone(),
            next_step: m.rule.next_step.clone(),
        };
    }
    if !actions.send_default_msg || settings.default_msg.trim().is_empty() {
        return silent(SilentReason::NoRuleMatched);
    }
    if let Some(until) = cooldown_until(
        state.last_default_msg_at,
        settings.default_msg_cooldown_secs,
        now,
    ) {
        return silent(SilentReason::Cooldown {
            message: CooldownOf::DefaultMessage,
            until,
        });
    }
    match text_reply(&settings.default_msg) {
        Some(message) => Decision::DefaultMessage { message },
        None => silent(SilentReason::NoRuleMatched),
    }
}

/// When a message last sent at `last` may be sent again, if that is after `now`.
fn cooldown_until(last: Option<Millis>, secs: u64, now: Millis) -> Option<Millis> {
    if secs == 0 {
        return None;
    }
    let until = last?.saturating_add(secs_to_millis(secs));
    (now < until).then_some(until)
}

/// Why answering could feed a loop, if it could.
fn loop_cause(
    settings: &BotSettings,
    inbound: &InboundFacts,
    state: &ContactBotState,
    now: Millis,
) -> Option<LoopCause> {
    if inbound.is_automated {
        return Some(LoopCause::SenderIsAutomated);
    }
    if let (Some(text), Some(ours)) = (inbound.text.as_deref(), state.last_bot_text.as_deref()) {
        let text = collapse_whitespace(text);
        if text.chars().count() >= ECHO_MIN_CHARS && text == collapse_whitespace(ours) {
            return Some(LoopCause::EchoOfOurMessage);
        }
    }
    let guard = settings.loop_guard;
    if guard.max_replies > 0 {
        let count = state.recent_count(settings, now);
        if count >= guard.max_replies as usize {
            return Some(LoopCause::TooManyReplies {
                count,
                window_secs: guard.window_secs,
            });
        }
    }
    None
}
