//! The Bot page's forms: the settings form and the rule form, read from posted fields into the
//! JSON bodies the bot service takes (the same merge and validation as
//! `PUT /v1/channels/{id}/bot` and the rules routes), and filled from what is stored.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use switchboard_core::automation::{BotSettings, MatchKind, Rule};

/// The week's days: the settings' field name and the label.
pub const DAYS: [(&str, &str); 7] = [
    ("monday", "Mon"),
    ("tuesday", "Tue"),
    ("wednesday", "Wed"),
    ("thursday", "Thu"),
    ("friday", "Fri"),
    ("saturday", "Sat"),
    ("sunday", "Sun"),
];

/// The on/off actions the form offers: field name and label.
pub const ACTIONS: [(&str, &str); 5] = [
    (
        "reply_msgs",
        "Answer messages (off: only opt-out and opt-in keywords)",
    ),
    (
        "send_default_msg",
        "Send the default message when no rule matches",
    ),
    ("reply_group_msgs", "Answer in groups"),
    (
        "reply_unread_msgs",
        "Answer messages that were waiting unread when the session connected",
    ),
    (
        "send_webhook",
        "Push each decision to webhooks (bot.decision)",
    ),
];

/// The match kinds offered: wire name and label.
pub const MATCH_KINDS: [(&str, &str); 4] = [
    ("exact", "is exactly"),
    ("contains", "contains"),
    ("starts_with", "starts with"),
    ("regex", "matches the regex"),
];

/// A checkbox of the form.
#[derive(Debug, Clone)]
pub struct Check {
    /// The field's name.
    pub name: &'static str,
    /// What the form says.
    pub label: &'static str,
    /// Whether it is ticked.
    pub on: bool,
}

/// What the settings form shows (the stored settings, or what was posted).
#[derive(Debug, Clone)]
pub struct SettingsForm {
    /// The bot runs.
    pub enabled: bool,
    /// `bot_name`.
    pub bot_name: String,
    /// `bot_timezone`.
    pub bot_timezone: String,
    /// `bot_lang`.
    pub bot_lang: String,
    /// `name_fallback`.
    pub name_fallback: String,
    /// `default_msg`.
    pub default_msg: String,
    /// `away_msg` (empty: none).
    pub away_msg: String,
    /// The actions.
    pub actions: Vec<Check>,
    /// The active days.
    pub days: Vec<Check>,
    /// `active_hours.from`.
    pub hours_from: String,
    /// `active_hours.to`.
    pub hours_to: String,
    /// `default_msg_cooldown_secs`.
    pub default_cooldown: String,
    /// `away_msg_cooldown_secs`.
    pub away_cooldown: String,
    /// `step_timeout_secs`.
    pub step_timeout: String,
    /// `loop_guard.max_replies`.
    pub loop_max: String,
    /// `loop_guard.window_secs`.
    pub loop_window: String,
    /// `opt_out_keywords`, comma-separated.
    pub opt_out_keywords: String,
    /// `opt_in_keywords`, comma-separated.
    pub opt_in_keywords: String,
    /// `opt_out_confirmation`.
    pub opt_out_confirmation: String,
    /// `opt_in_confirmation`.
    pub opt_in_confirmation: String,
}

fn ticked(fields: &HashMap<String, String>, name: &str) -> bool {
    fields.contains_key(name)
}

fn words(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl SettingsForm {
    /// The form of stored settings.
    pub fn of(s: &BotSettings) -> Self {
        let action = |name: &str| {
            let a = &s.actions;
            match name {
                "reply_msgs" => a.reply_msgs,
                "send_default_msg" => a.send_default_msg,
                "reply_group_msgs" => a.reply_group_msgs,
                "reply_unread_msgs" => a.reply_unread_msgs,
                _ => a.send_webhook,
            }
        };
        let day = |name: &str| {
            let d = &s.active_days;
            match name {
                "monday" => d.monday,
                "tuesday" => d.tuesday,
                "wednesday" => d.wednesday,
                "thursday" => d.thursday,
                "friday" => d.friday,
                "saturday" => d.saturday,
                _ => d.sunday,
            }
        };
        SettingsForm {
            enabled: s.enabled,
            bot_name: s.bot_name.clone(),
            bot_timezone: s.bot_timezone.clone(),
            bot_lang: s.bot_lang.clone(),
            name_fallback: s.name_fallback.clone(),
            default_msg: s.default_msg.clone(),
            away_msg: s.away_msg.clone().unwrap_or_default(),
            actions: ACTIONS
                .iter()
                .map(|(name, label)| Check {
                    name,
                    label,
                    on: action(name),
                })
                .collect(),
            days: DAYS
                .iter()
                .map(|(name, label)| Check {
                    name,
                    label,
                    on: day(name),
                })
                .collect(),
            hours_from: s.active_hours.from.clone(),
            hours_to: s.active_hours.to.clone(),
            default_cooldown: s.default_msg_cooldown_secs.to_string(),
            away_cooldown: s.away_msg_cooldown_secs.to_string(),
            step_timeout: s.step_timeout_secs.to_string(),
            loop_max: s.loop_guard.max_replies.to_string(),
            loop_window: s.loop_guard.window_secs.to_string(),
            opt_out_keywords: s.opt_out_keywords.join(", "),
            opt_in_keywords: s.opt_in_keywords.join(", "),
            opt_out_confirmation: s.opt_out_confirmation.clone(),
            opt_in_confirmation: s.opt_in_confirmation.clone(),
        }
    }

    /// The form as posted (an unticked checkbox is absent).
    pub fn read(fields: &HashMap<String, String>) -> Self {
        let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
        SettingsForm {
            enabled: ticked(fields, "enabled"),
            bot_name: field("bot_name"),
            bot_timezone: field("bot_timezone"),
            bot_lang: field("bot_lang"),
            name_fallback: field("name_fallback"),
            default_msg: field("default_msg"),
            away_msg: field("away_msg"),
            actions: ACTIONS
                .iter()
                .map(|(name, label)| Check {
                    name,
                    label,
                    on: ticked(fields, name),
                })
                .collect(),
            days: DAYS
                .iter()
                .map(|(name, label)| Check {
                    name,
                    label,
                    on: ticked(fields, name),
                })
                .collect(),
            hours_from: field("hours_from"),
            hours_to: field("hours_to"),
            default_cooldown: field("default_cooldown"),
            away_cooldown: field("away_cooldown"),
            step_timeout: field("step_timeout"),
            loop_max: field("loop_max"),
            loop_window: field("loop_window"),
            opt_out_keywords: field("opt_out_keywords"),
            opt_in_keywords: field("opt_in_keywords"),
            opt_out_confirmation: field("opt_out_confirmation"),
            opt_in_confirmation: field("opt_in_confirmation"),
        }
    }

    /// The settings body for the bot service's merge, or which field to fix.
    pub fn to_json(&self) -> Result<Value, String> {
        let number = |text: &str, field: &str, what: &str| {
            text.trim()
                .parse::<u64>()
                .map_err(|_| format!("{field}: give {what} as a whole number (0 or more)"))
        };
        let checks = |list: &[Check]| -> Map<String, Value> {
            list.iter()
                .map(|c| (c.name.to_string(), Value::Bool(c.on)))
                .collect()
        };
        let away = self.away_msg.trim();
        Ok(json!({
            "enabled": self.enabled,
            "bot_name": self.bot_name.trim(),
            "bot_timezone": self.bot_timezone.trim(),
            "bot_lang": self.bot_lang.trim(),
            "name_fallback": self.name_fallback,
            "default_msg": self.default_msg,
            "away_msg": if away.is_empty() { Value::Null } else { Value::String(self.away_msg.clone()) },
            "actions": checks(&self.actions),
            "active_days": checks(&self.days),
            "active_hours": {"from": self.hours_from.trim(), "to": self.hours_to.trim()},
            "default_msg_cooldown_secs": number(&self.default_cooldown, "default_msg_cooldown_secs", "the default message's cooldown in seconds")?,
            "away_msg_cooldown_secs": number(&self.away_cooldown, "away_msg_cooldown_secs", "the away message's cooldown in seconds")?,
            "step_timeout_secs": number(&self.step_timeout, "step_timeout_secs", "the menu step timeout in seconds")?,
            "loop_guard": {
                "max_replies": number(&self.loop_max, "loop_guard.max_replies", "the most bot messages per window")?,
                "window_secs": number(&self.loop_window, "loop_guard.window_secs", "the loop guard's window in seconds")?,
            },
            "opt_out_keywords": words(&self.opt_out_keywords),
            "opt_in_keywords": words(&self.opt_in_keywords),
            "opt_out_confirmation": self.opt_out_confirmation,
            "opt_in_confirmation": self.opt_in_confirmation,
        }))
    }
}

/// A match kind to pick.
#[derive(Debug, Clone)]
pub struct KindChoice {
    /// Its wire name.
    pub value: &'static str,
    /// What the form says.
    pub label: &'static str,
    /// Whether it is picked.
    pub selected: bool,
}

/// What a rule form shows (a stored rule, a new one, or what was posted).
#[derive(Debug, Clone)]
pub struct RuleForm {
    /// The keyword, text, regex or button id.
    pub pattern: String,
    /// `exact`, `contains`, `starts_with` or `regex`.
    pub match_kind: String,
    /// The reply's text (a text reply).
    pub reply_text: String,
    /// The reply as a Cloud API message object (any other reply); wins over the text.
    pub reply_json: String,
    /// Ignore case.
    pub case_insensitive: bool,
    /// Ignore accents.
    pub accent_insensitive: bool,
    /// Tags added, comma-separated.
    pub add_tags: String,
    /// The step the contact moves to.
    pub next_step: String,
    /// The step the rule answers in only.
    pub only_in_step: String,
    /// The rule answers at all.
    pub enabled: bool,
}

impl RuleForm {
    /// A new rule's form: exact, case and accents ignored, enabled.
    pub fn blank() -> Self {
        RuleForm {
            pattern: String::new(),
            match_kind: "exact".into(),
            reply_text: String::new(),
            reply_json: String::new(),
            case_insensitive: true,
            accent_insensitive: true,
            add_tags: String::new(),
            next_step: String::new(),
            only_in_step: String::new(),
            enabled: true,
        }
    }

    /// The form of a stored rule (a text reply in the text field, any other as JSON).
    pub fn of(rule: &Rule) -> Self {
        let (reply_text, reply_json) = match reply_text(&rule.reply) {
            Some(text) => (text, String::new()),
            None => (
                String::new(),
                serde_json::to_string_pretty(&rule.reply).unwrap_or_default(),
            ),
        };
        RuleForm {
            pattern: rule.pattern.clone(),
            match_kind: rule.match_kind.as_str().to_string(),
            reply_text,
            reply_json,
            case_insensitive: rule.case_insensitive,
            accent_insensitive: rule.accent_insensitive,
            add_tags: rule.add_tags.join(", "),
            next_step: rule.next_step.clone().unwrap_or_default(),
            only_in_step: rule.only_in_step.clone().unwrap_or_default(),
            enabled: rule.enabled,
        }
    }

    /// The form as posted.
    pub fn read(fields: &HashMap<String, String>) -> Self {
        let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
        RuleForm {
            pattern: field("pattern"),
            match_kind: field("match_kind"),
            reply_text: field("reply_text"),
            reply_json: field("reply_json"),
            case_insensitive: ticked(fields, "case_insensitive"),
            accent_insensitive: ticked(fields, "accent_insensitive"),
            add_tags: field("add_tags"),
            next_step: field("next_step"),
            only_in_step: field("only_in_step"),
            enabled: ticked(fields, "enabled"),
        }
    }

    /// The match kinds, the form's one picked.
    pub fn kinds(&self) -> Vec<KindChoice> {
        MATCH_KINDS
            .iter()
            .map(|(value, label)| KindChoice {
                value,
                label,
                selected: self.match_kind == *value,
            })
            .collect()
    }

    /// The rule body for the bot service (the API's rule fields), or which field to fix.
    pub fn to_fields(&self) -> Result<Map<String, Value>, String> {
        let kind = MATCH_KINDS
            .iter()
            .find(|(k, _)| *k == self.match_kind.trim())
            .map(|(k, _)| *k)
            .ok_or_else(|| {
                format!(
                    "match_kind: `{}` is not a match kind; use exact, contains, starts_with or regex",
                    self.match_kind
                )
            })?;
        let reply = if self.reply_json.trim().is_empty() {
            json!({"type": "text", "text": {"body": self.reply_text}})
        } else {
            serde_json::from_str::<Value>(&self.reply_json).map_err(|e| {
                format!("reply_json: not JSON ({e}); give a Cloud API message object such as {{\"type\": \"text\", \"text\": {{\"body\": \"Hi\"}}}}, or clear it and use the reply text")
            })?
        };
        let step = |text: &str| {
            let t = text.trim();
            if t.is_empty() {
                Value::Null
            } else {
                Value::String(t.to_string())
            }
        };
        let mut fields = Map::new();
        fields.insert("pattern".into(), Value::String(self.pattern.clone()));
        fields.insert("match_kind".into(), Value::String(kind.to_string()));
        fields.insert("reply".into(), reply);
        fields.insert(
            "case_insensitive".into(),
            Value::Bool(self.case_insensitive),
        );
        fields.insert(
            "accent_insensitive".into(),
            Value::Bool(self.accent_insensitive),
        );
        fields.insert("add_tags".into(), json!(words(&self.add_tags)));
        fields.insert("next_step".into(), step(&self.next_step));
        fields.insert("only_in_step".into(), step(&self.only_in_step));
        fields.insert("enabled".into(), Value::Bool(self.enabled));
        Ok(fields)
    }
}

/// The text of a text reply `{"type":"text","text":{"body":…}}`, else `None`.
pub fn reply_text(reply: &Value) -> Option<String> {
    let body = reply.pointer("/text/body")?.as_str()?;
    let only_text = reply.as_object().is_some_and(|o| {
        o.keys()
            .all(|k| k == "type" || k == "text" || k == "messaging_product")
    });
    (only_text && reply["type"] == "text").then(|| body.to_string())
}

/// A reply as the page shows it: a text reply's text, any other as JSON.
pub fn reply_summary(reply: &Value) -> String {
    reply_text(reply).unwrap_or_else(|| reply.to_string())
}

/// How a rule's match reads: `is exactly “hi”`.
pub fn match_phrase(kind: MatchKind, pattern: &str) -> String {
    let label = MATCH_KINDS
        .iter()
        .find(|(k, _)| *k == kind.as_str())
        .map_or(kind.as_str(), |(_, l)| *l);
    format!("{label} “{pattern}”")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_settings_round_trip_through_the_form() {
        let s = BotSettings::default();
        let form = SettingsForm::of(&s);
        let body = form.to_json().expect("valid");
        let back: BotSettings = serde_json::from_value(body).expect("reads");
        assert_eq!(back, s);
        let mut bad = form.clone();
        bad.loop_max = "many".into();
        let e = bad.to_json().expect_err("not a number");
        assert!(e.starts_with("loop_guard.max_replies"), "{e}");
    }

    #[test]
    fn a_rules_text_reply_and_json_reply() {
        let mut form = RuleForm::blank();
        form.pattern = "hi".into();
        form.reply_text = "Hello".into();
        let fields = form.to_fields().expect("valid");
        assert_eq!(fields["reply"]["text"]["body"], "Hello");
        assert_eq!(fields["next_step"], Value::Null);
        form.reply_json = "{nope".into();
        assert!(form.to_fields().expect_err("bad").starts_with("reply_json"));
        assert_eq!(
            reply_summary(&json!({"type": "text", "text": {"body": "x"}})),
            "x"
        );
        assert!(reply_summary(&json!({"type": "image"})).contains("image"));
    }
}
