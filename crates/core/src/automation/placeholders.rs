//! Placeholders in bot texts: `[name]`, `[first_name]`, `[phone]`, `[bot_name]`, `[date]`,
//! `[time]`, replaced from a [`PlaceholderContext`].
//!
//! - Names are matched ignoring case (`[Name]` works); anything else in brackets — an unknown
//!   name, `[ name ]`, `[1]`, an unmatched `[` — is left exactly as written.
//! - A placeholder may carry its own fallback after a bar, used when its value is empty:
//!   `[name|friend]`.
//! - **Missing name**: `[name]` and `[first_name]` without a fallback of their own become the
//!   context's `name_fallback` (the settings' `name_fallback`, default `there`, so the bot
//!   platforms' default message reads "Hi there your message has no keyword here."); it may
//!   be empty.
//! - `[date]` is `YYYY-MM-DD` and `[time]` is `HH:MM` (24-hour), both on the bot's wall
//!   clock, in `bot_timezone`.
//! - Replacement is one pass: a value is never scanned again, so a customer named `[phone]`
//!   or `{a|b}` is greeted by that name, literally.

use jiff::civil::DateTime;

use super::hours::{timestamp, Schedule};
use super::settings::{BotSettings, NAME_MAX};
use crate::time::Millis;

/// The longest bracketed text considered a placeholder (with its fallback), in bytes.
const PLACEHOLDER_MAX: usize = 128;

/// The values placeholders are replaced with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderContext {
    /// The contact's name (WhatsApp profile or address book), if known.
    pub name: Option<String>,
    /// The contact's phone number or address, as the caller shows it.
    pub phone: String,
    /// The bot's name.
    pub bot_name: String,
    /// Used for a missing name when the placeholder has no fallback of its own.
    pub name_fallback: String,
    /// The current time on the bot's wall clock.
    pub local_now: DateTime,
}

impl PlaceholderContext {
    /// The context for a contact, with the bot's name, fallback and time zone from
    /// `settings` and the local time of `now`.
    pub fn new(settings: &BotSettings, name: Option<&str>, phone: &str, now: Millis) -> Self {
        let schedule = Schedule::from_settings(settings);
        Self {
            name: name.map(str::to_string),
            phone: phone.to_string(),
            bot_name: settings.bot_name.clone(),
            name_fallback: settings.name_fallback.clone(),
            local_now: schedule.tz.to_datetime(timestamp(now)),
        }
    }

    /// The contact's name, whitespace collapsed and cut to 100 characters; `None` when
    /// unknown or blank.
    pub fn clean_name(&self) -> Option<String> {
        let name = self.name.as_deref()?;
        let collapsed: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let cut: String = collapsed.chars().take(NAME_MAX).collect();
        (!cut.is_empty()).then_some(cut)
    }

    /// The value of placeholder `key` (lower case), or `None` for an unknown one. An empty
    /// string means "known but empty" (the fallback applies).
    fn value(&self, key: &str) -> Option<String> {
        let name = || self.clean_name().unwrap_or_default();
        Some(match key {
            "name" => name(),
            "first_name" => name().split(' ').next().unwrap_or_default().to_string(),
            "phone" => self.phone.clone(),
            "bot_name" => self.bot_name.clone(),
            "date" => format!(
                "{:04}-{:02}-{:02}",
                self.local_now.year(),
                self.local_now.month(),
                self.local_now.day()
            ),
            "time" => format!(
                "{:02}:{:02}",
                self.local_now.hour(),
                self.local_now.minute()
            ),
            _ => return None,
        })
    }

    /// The default fallback of `key`.
    fn fallback(&self, key: &str) -> &str {
        match key {
            "name" | "first_name" => &self.name_fallback,
            _ => "",
        }
    }
}

/// The placeholders known, as written in a template.
pub const PLACEHOLDERS: [&str; 6] = [
    "[name]",
    "[first_name]",
    "[phone]",
    "[bot_name]",
    "[date]",
    "[time]",
];

/// Replaces every known placeholder in `text`; see the module documentation.
pub fn fill(text: &str, ctx: &PlaceholderContext) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match replacement(after, ctx) {
            Some((value, used)) => {
                out.push_str(&value);
                rest = &after[used..];
            }
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// For text just after a `[`: the replacement and how many bytes it consumed (through the
/// `]`), or `None` when this is no known placeholder.
fn replacement(after: &str, ctx: &PlaceholderContext) -> Option<(String, usize)> {
    let close = after.find([']', '['])?;
    if close > PLACEHOLDER_MAX || after.as_bytes().get(close) != Some(&b']') {
        return None;
    }
    let inner = &after[..close];
    let (key, own_fallback) = match inner.split_once('|') {
        Some((k, f)) => (k, Some(f)),
        None => (inner, None),
    };
    let key = key.to_ascii_lowercase();
    let value = ctx.value(&key)?;
    let value = if value.is_empty() {
        own_fallback.unwrap_or(ctx.fallback(&key)).to_string()
    } else {
        value
    };
    Some((value, close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(name: Option<&str>) -> PlaceholderContext {
        PlaceholderContext {
            name: name.map(str::to_string),
            phone: "+12020721369".into(),
            bot_name: "Acme bot".into(),
            name_fallback: "there".into(),
            local_now: DateTime::constant(2025, 3, 9, 7, 5, 9, 0),
        }
    }

    #[test]
    fn replaces_known_ones() {
        let c = ctx(Some("  Ada   Lovelace "));
        assert_eq!(fill("Hi [name]!", &c), "Hi Ada Lovelace!");
        assert_eq!(fill("[First_Name] [PHONE]", &c), "Ada +12020721369");
        assert_eq!(
            fill("[bot_name] [date] [time]", &c),
            "Acme bot 2025-03-09 07:05"
        );
        assert_eq!(fill("[name|friend]", &c), "Ada Lovelace");
    }

    #[test]
    fn missing_name_falls_back() {
        assert_eq!(
            fill("Hi [name] ([first_name])", &ctx(None)),
            "Hi there (there)"
        );
        assert_eq!(fill("Hi [name|friend]", &ctx(Some(" "))), "Hi friend");
        let mut c = ctx(None);
        c.name_fallback.clear();
        assert_eq!(fill("Hi [name]!", &c), "Hi !");
    }

    #[test]
    fn leaves_the_rest_alone() {
        let c = ctx(Some("Bo"));
        for t in [
            "[unknown]",
            "[ name ]",
            "[",
            "]",
            "a[b",
            "[1]",
            "[]",
            "[|x]",
        ] {
            assert_eq!(fill(t, &c), t);
        }
        assert_eq!(fill("[[name]]", &c), "[Bo]");
        assert_eq!(fill("é[name]ü", &c), "éBoü");
        let long = format!("[name|{}]", "x".repeat(200));
        assert_eq!(fill(&long, &c), long);
    }

    #[test]
    fn values_are_not_rescanned() {
        assert_eq!(fill("[name]", &ctx(Some("[phone]"))), "[phone]");
    }
}
