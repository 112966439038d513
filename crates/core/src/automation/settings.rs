//! Per-channel bot settings: the `settings` object of WhatsApp bot platforms (general,
//! actions, active days, active hours) plus Switchboard's additions (away message,
//! cooldowns, opt-out keywords, menu step timeout, loop guard), with their defaults and
//! validation.

use serde::{Deserialize, Serialize};

use super::error::FieldErrors;
use super::hours::{parse_window, Schedule};
use super::normalize::keyword_key;
use super::zone::parse_time_zone;
use crate::message::TEXT_BODY_MAX;

/// The default `bot_name`. Bot platforms name a new bot after its number
/// (`WhatsappClient (2349011668758)`); the service may do the same when it creates a channel.
pub const DEFAULT_BOT_NAME: &str = "Switchboard bot";
/// The default `bot_timezone`: UTC. Bot platforms' examples show `Africa/Harare` and `+1`,
/// which are accounts' own choices; a neutral zone is the only default that is right for
/// nobody in particular and wrong for nobody by surprise.
pub const DEFAULT_TIME_ZONE: &str = "UTC";
/// The default `default_msg`, exactly as the bot platforms create it.
pub const DEFAULT_MESSAGE: &str = "{Hi|Hello} [name] your message has no keyword here.";
/// The default `name_fallback`: what `[name]` becomes when the contact has no name, so the
/// default message reads "Hi there your message has no keyword here.".
pub const DEFAULT_NAME_FALLBACK: &str = "there";
/// The default cooldown of the default message and of the away message: one day.
pub const DEFAULT_COOLDOWN_SECS: u64 = 86_400;
/// The default menu step timeout: one day.
pub const DEFAULT_STEP_TIMEOUT_SECS: u64 = 86_400;
/// The longest cooldown or timeout accepted: 366 days.
pub const MAX_DURATION_SECS: u64 = 366 * 86_400;
/// The most keywords in one opt-out or opt-in list.
pub const KEYWORDS_MAX: usize = 50;
/// The longest keyword, in characters.
pub const KEYWORD_MAX: usize = 64;
/// The longest `bot_name` and `name_fallback`, in characters.
pub const NAME_MAX: usize = 100;

/// The default opt-out keywords: the carriers' English set and their usual equivalents in
/// German, Norwegian/Swedish, French, Spanish, Portuguese, Italian and Dutch. Matching ignores
/// case, accents and punctuation (`Arrêt!` is `ARRET`).
pub const DEFAULT_OPT_OUT_KEYWORDS: [&str; 16] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPT OUT",
    "STOPP",
    "ABMELDEN",
    "ARRET",
    "DESABONNER",
    "BAJA",
    "PARAR",
    "SAIR",
    "DISISCRIVITI",
    "AFMELDEN",
];

/// The default opt-in keywords (they only act for a contact who opted out).
pub const DEFAULT_OPT_IN_KEYWORDS: [&str; 8] = [
    "START",
    "UNSTOP",
    "SUBSCRIBE",
    "OPT IN",
    "ANMELDEN",
    "ALTA",
    "INICIAR",
    "ISCRIVITI",
];

/// The default confirmation of an opt-out.
pub const DEFAULT_OPT_OUT_CONFIRMATION: &str = "You have been unsubscribed and will no longer receive marketing messages from us. Reply START to subscribe again.";
/// The default confirmation of an opt-in.
pub const DEFAULT_OPT_IN_CONFIRMATION: &str =
    "You are subscribed again. Reply STOP to unsubscribe.";

/// A channel's bot settings. Every field has a default (the bot platforms' create response
/// where it has the field), so a partial JSON object deserializes;
/// [`BotSettings::validate`] checks the values. Unknown fields are ignored, so settings
/// stored by a newer version still load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BotSettings {
    /// Whether the channel's bot runs at all. Off until turned on, so a channel used only
    /// through the API never answers customers by surprise; bot platforms create a bot
    /// explicitly, which is what turning this on stands for. Default `false`.
    pub enabled: bool,
    /// The bot's name, shown by `[bot_name]`; 1 to 100 characters.
    pub bot_name: String,
    /// The time zone of active days and hours and of `[date]`/`[time]`: an IANA name
    /// (`Africa/Harare`) or an offset (`+1`, `-03:30`); default `UTC`.
    pub bot_timezone: String,
    /// The bot's language, a BCP 47 tag such as `en` or `pt-BR`; default `en`.
    pub bot_lang: String,
    /// The default message, sent when no rule matches: spintax and placeholders allowed; empty
    /// means none. Default: the bot platforms' `{Hi|Hello} [name] your message has no keyword
    /// here.`
    pub default_msg: String,
    /// The on/off switches (the bot platforms' `actions`).
    pub actions: BotActions,
    /// The days of the week the bot answers on, in `bot_timezone`.
    pub active_days: ActiveDays,
    /// The hours of the day the bot answers in, in `bot_timezone`.
    pub active_hours: ActiveHours,
    /// Sent instead of silence outside active days and hours (spintax and placeholders
    /// allowed); `None` means stay silent. Default `None`.
    pub away_msg: Option<String>,
    /// The default message goes to one contact at most once per this many seconds; 0 means
    /// every time. Default one day.
    pub default_msg_cooldown_secs: u64,
    /// The away message goes to one contact at most once per this many seconds; 0 means every
    /// time. Default one day.
    pub away_msg_cooldown_secs: u64,
    /// What `[name]` becomes when the contact has no name (a placeholder's own fallback,
    /// `[name|friend]`, wins); may be empty. Default `there`.
    pub name_fallback: String,
    /// Messages consisting of one of these words opt the contact out of marketing (compared
    /// ignoring case, accents and punctuation); empty turns opt-out by keyword off.
    pub opt_out_keywords: Vec<String>,
    /// Messages consisting of one of these words opt an opted-out contact back in.
    pub opt_in_keywords: Vec<String>,
    /// Sent once when a contact opts out; empty sends nothing.
    pub opt_out_confirmation: String,
    /// Sent when an opted-out contact opts back in; empty sends nothing.
    pub opt_in_confirmation: String,
    /// A menu step older than this many seconds is forgotten, so yesterday's "1" does not
    /// pick from yesterday's menu; 0 means steps never expire. Default one day.
    pub step_timeout_secs: u64,
    /// Limits on automated replies, against loops with other bots.
    pub loop_guard: LoopGuard,
}

impl Default for BotSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            bot_name: DEFAULT_BOT_NAME.into(),
            bot_timezone: DEFAULT_TIME_ZONE.into(),
            bot_lang: "en".into(),
            default_msg: DEFAULT_MESSAGE.into(),
            actions: BotActions::default(),
            active_days: ActiveDays::default(),
            active_hours: ActiveHours::default(),
            away_msg: None,
            default_msg_cooldown_secs: DEFAULT_COOLDOWN_SECS,
            away_msg_cooldown_secs: DEFAULT_COOLDOWN_SECS,
            name_fallback: DEFAULT_NAME_FALLBACK.into(),
            opt_out_keywords: DEFAULT_OPT_OUT_KEYWORDS.map(String::from).to_vec(),
            opt_in_keywords: DEFAULT_OPT_IN_KEYWORDS.map(String::from).to_vec(),
            opt_out_confirmation: DEFAULT_OPT_OUT_CONFIRMATION.into(),
            opt_in_confirmation: DEFAULT_OPT_IN_CONFIRMATION.into(),
            step_timeout_secs: DEFAULT_STEP_TIMEOUT_SECS,
            loop_guard: LoopGuard::default(),
        }
    }
}

/// The bot platforms' `actions` switches, with their create-response defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BotActions {
    /// Send the default message when no rule matches. Default `true`.
    pub send_default_msg: bool,
    /// Answer messages written in groups. Default `true`.
    pub reply_group_msgs: bool,
    /// Answer messages that were already waiting, unread, when the session connected (the
    /// backlog a WhatsApp Web session receives on reconnect). Default `true`.
    pub reply_unread_msgs: bool,
    /// Answer at all: `false` turns the bot off except for opt-out/opt-in keywords.
    /// Default `true`.
    pub reply_msgs: bool,
    /// The bot platforms' multi-device flag, kept for the session layer; the decision
    /// ignores it. Default `false`.
    pub multi_device: bool,
    /// Push the bot's decisions to the channel's webhook too; the decision ignores it.
    /// Default `false`.
    pub send_webhook: bool,
}

impl Default for BotActions {
    fn default() -> Self {
        Self {
            send_default_msg: true,
            reply_group_msgs: true,
            reply_unread_msgs: true,
            reply_msgs: true,
            multi_device: false,
            send_webhook: false,
        }
    }
}

/// The bot platforms' `active_days`: the days the bot answers on; all `true` by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActiveDays {
    /// Active on Mondays.
    pub monday: bool,
    /// Active on Tuesdays.
    pub tuesday: bool,
    /// Active on Wednesdays.
    pub wednesday: bool,
    /// Active on Thursdays.
    pub thursday: bool,
    /// Active on Fridays.
    pub friday: bool,
    /// Active on Saturdays.
    pub saturday: bool,
    /// Active on Sundays.
    pub sunday: bool,
}

impl Default for ActiveDays {
    fn default() -> Self {
        Self::all(true)
    }
}

impl ActiveDays {
    /// Every day set to `on`.
    pub fn all(on: bool) -> Self {
        Self {
            monday: on,
            tuesday: on,
            wednesday: on,
            thursday: on,
            friday: on,
            saturday: on,
            sunday: on,
        }
    }

    /// Whether `day` is active.
    pub fn is_active(&self, day: jiff::civil::Weekday) -> bool {
        use jiff::civil::Weekday::*;
        match day {
            Monday => self.monday,
            Tuesday => self.tuesday,
            Wednesday => self.wednesday,
            Thursday => self.thursday,
            Friday => self.friday,
            Saturday => self.saturday,
            Sunday => self.sunday,
        }
    }

    /// Sets whether `day` is active.
    pub fn set(&mut self, day: jiff::civil::Weekday, on: bool) {
        use jiff::civil::Weekday::*;
        let slot = match day {
            Monday => &mut self.monday,
            Tuesday => &mut self.tuesday,
            Wednesday => &mut self.wednesday,
            Thursday => &mut self.thursday,
            Friday => &mut self.friday,
            Saturday => &mut self.saturday,
            Sunday => &mut self.sunday,
        };
        *slot = on;
    }
}

/// The bot platforms' `active_hours`: `from`/`to` as `"HH:MM"` (or `"H:MM"`, as in their
/// `"5:00"`), or both `"always"`. See [`super::hours`] for the exact semantics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActiveHours {
    /// Start of the daily window (inclusive), or `"always"`.
    pub from: String,
    /// End of the daily window (exclusive), or `"always"`; `"24:00"` means midnight.
    pub to: String,
}

impl Default for ActiveHours {
    fn default() -> Self {
        Self {
            from: "always".into(),
            to: "always".into(),
        }
    }
}

/// Limits on automated replies per contact, so two bots cannot answer each other forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoopGuard {
    /// At most this many bot messages to one contact per window; 0 turns the guard off.
    /// Default 8.
    pub max_replies: u32,
    /// The window, in seconds (1 to 86 400). Default 60.
    pub window_secs: u64,
}

impl Default for LoopGuard {
    fn default() -> Self {
        Self {
            max_replies: 8,
            window_secs: 60,
        }
    }
}

impl BotSettings {
    /// Checks every field; all errors are returned, each naming its field.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errs = FieldErrors::default();
        let name_len = self.bot_name.chars().count();
        if self.bot_name.trim().is_empty() {
            errs.push("bot_name", "give the bot a name");
        } else if name_len > NAME_MAX {
            errs.push(
                "bot_name",
                format!("is {name_len} characters; at most {NAME_MAX}"),
            );
        }
        if let Err(e) = parse_time_zone(&self.bot_timezone) {
            errs.push("bot_timezone", e);
        }
        if !is_language_tag(&self.bot_lang) {
            errs.push(
                "bot_lang",
                format!(
                    "`{}` is not a language tag; use one like `en`, `es` or `pt-BR`",
                    self.bot_lang
                ),
            );
        }
        check_text(&mut errs, "default_msg", &self.default_msg);
        if let Some(away) = &self.away_msg {
            if away.trim().is_empty() {
                errs.push(
                    "away_msg",
                    "is empty; set it to null to stay silent outside active hours",
                );
            }
            check_text(&mut errs, "away_msg", away);
        }
        if let Err(e) = parse_window(&self.active_hours) {
            errs.0.push(e);
        }
        check_duration(
            &mut errs,
            "default_msg_cooldown_secs",
            self.default_msg_cooldown_secs,
        );
        check_duration(
            &mut errs,
            "away_msg_cooldown_secs",
            self.away_msg_cooldown_secs,
        );
        check_duration(&mut errs, "step_timeout_secs", self.step_timeout_secs);
        let fallback_len = self.name_fallback.chars().count();
        if fallback_len > NAME_MAX {
            errs.push(
                "name_fallback",
                format!("is {fallback_len} characters; at most {NAME_MAX}"),
            );
        }
        let out = check_keywords(&mut errs, "opt_out_keywords", &self.opt_out_keywords);
        let inn = check_keywords(&mut errs, "opt_in_keywords", &self.opt_in_keywords);
        for (i, (key, word)) in inn.iter().zip(&self.opt_in_keywords).enumerate() {
            if !key.is_empty() && out.contains(key) {
                errs.push(
                    format!("opt_in_keywords[{i}]"),
                    format!("`{word}` is also an opt-out keyword"),
                );
            }
        }
        check_text(
            &mut errs,
            "opt_out_confirmation",
            &self.opt_out_confirmation,
        );
        check_text(&mut errs, "opt_in_confirmation", &self.opt_in_confirmation);
        if self.loop_guard.max_replies > 1000 {
            errs.push(
                "loop_guard.max_replies",
                "at most 1000 (0 turns the guard off)",
            );
        }
        if !(1..=86_400).contains(&self.loop_guard.window_secs) {
            errs.push(
                "loop_guard.window_secs",
                "must be between 1 and 86400 seconds",
            );
        }
        errs.into_result()
    }

    /// The parsed time zone, days and hours. Invalid values (settings that skipped
    /// [`BotSettings::validate`]) fall back to UTC and to "always", so a bad setting never
    /// silences the bot by surprise.
    pub fn schedule(&self) -> Schedule {
        Schedule::from_settings(self)
    }

    /// Whether `text` is exactly one of the opt-out keywords (ignoring case, accents,
    /// whitespace and punctuation).
    pub fn is_opt_out(&self, text: &str) -> bool {
        is_keyword(&self.opt_out_keywords, text)
    }

    /// Whether `text` is exactly one of the opt-in keywords.
    pub fn is_opt_in(&self, text: &str) -> bool {
        is_keyword(&self.opt_in_keywords, text)
    }
}

fn is_keyword(list: &[String], text: &str) -> bool {
    let key = keyword_key(text);
    !key.is_empty() && list.iter().any(|k| keyword_key(k) == key)
}

/// A text sent as a message body: at most [`TEXT_BODY_MAX`] characters.
fn check_text(errs: &mut FieldErrors, field: &str, text: &str) {
    let n = text.chars().count();
    if n > TEXT_BODY_MAX {
        errs.push(field, format!("is {n} characters; at most {TEXT_BODY_MAX}"));
    }
}

fn check_duration(errs: &mut FieldErrors, field: &str, secs: u64) {
    if secs > MAX_DURATION_SECS {
        errs.push(
            field,
            format!("at most {MAX_DURATION_SECS} seconds (366 days)"),
        );
    }
}

/// Checks a keyword list; returns each keyword's comparison key (empty for invalid ones).
fn check_keywords(errs: &mut FieldErrors, field: &str, list: &[String]) -> Vec<String> {
    if list.len() > KEYWORDS_MAX {
        errs.push(
            field,
            format!("has {} keywords; at most {KEYWORDS_MAX}", list.len()),
        );
    }
    let mut keys: Vec<String> = Vec::with_capacity(list.len());
    for (i, kw) in list.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let key = keyword_key(kw);
        let n = kw.chars().count();
        if key.is_empty() {
            errs.push(at, "needs at least one letter or digit");
            keys.push(String::new());
            continue;
        }
        if n > KEYWORD_MAX {
            errs.push(at, format!("is {n} characters; at most {KEYWORD_MAX}"));
        } else if keys.contains(&key) {
            errs.push(at, format!("`{kw}` is listed twice"));
        }
        keys.push(key);
    }
    keys
}

/// A BCP 47-like tag: 2–3 letters, then subtags of 1–8 letters or digits after `-` or `_`;
/// at most 35 characters.
fn is_language_tag(tag: &str) -> bool {
    if tag.len() > 35 {
        return false;
    }
    let mut parts = tag.split(['-', '_']);
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}
