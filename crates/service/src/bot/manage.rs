//! Managing a channel's bot: its settings, its ordered rules, and what it remembers about a
//! contact. Every write is validated by the core engine's rules first.

use serde_json::{json, Map, Value};
use switchboard_core::automation::{BotSettings, ContactBotState, FieldErrors, Rule, RuleSet};
use switchboard_core::id::{AccountId, ChannelId, RuleId};
use switchboard_core::time::Millis;
use switchboard_store::bot::{ContactRecord, StoredRule};
use switchboard_store::Store;

use crate::{ServiceError, ServiceResult};

/// The fields a rule body may carry (create and patch).
pub const RULE_FIELDS: [&str; 10] = [
    "position",
    "match_kind",
    "pattern",
    "case_insensitive",
    "accent_insensitive",
    "reply",
    "add_tags",
    "next_step",
    "only_in_step",
    "enabled",
];

/// The most rules one channel may have.
pub const RULES_MAX: usize = 500;

/// Turns validation errors into one [`ServiceError::Invalid`] naming the first field and
/// listing them all.
pub fn invalid(errors: FieldErrors) -> ServiceError {
    let field = errors.first().map(|e| e.field.clone()).unwrap_or_default();
    ServiceError::Invalid {
        field,
        message: errors.to_string(),
    }
}

async fn require_channel(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
) -> ServiceResult<()> {
    store
        .get_channel(account, channel)
        .await?
        .map(|_| ())
        .ok_or(ServiceError::NotFound("channel"))
}

/// A channel's bot settings (the defaults until they are first saved).
pub async fn get_settings(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
) -> ServiceResult<BotSettings> {
    require_channel(store, account, channel).await?;
    Ok(store
        .get_bot_settings(account, channel)
        .await?
        .unwrap_or_default())
}

/// Top-level settings fields, and the fields of its nested objects.
const SETTINGS_FIELDS: [&str; 18] = [
    "enabled",
    "bot_name",
    "bot_timezone",
    "bot_lang",
    "default_msg",
    "actions",
    "active_days",
    "active_hours",
    "away_msg",
    "default_msg_cooldown_secs",
    "away_msg_cooldown_secs",
    "name_fallback",
    "opt_out_keywords",
    "opt_in_keywords",
    "opt_out_confirmation",
    "opt_in_confirmation",
    "step_timeout_secs",
    "loop_guard",
];
const NESTED_FIELDS: [(&str, &[&str]); 4] = [
    (
        "actions",
        &[
            "send_default_msg",
            "reply_group_msgs",
            "reply_unread_msgs",
            "reply_msgs",
            "multi_device",
            "send_webhook",
        ],
    ),
    (
        "active_days",
        &[
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ],
    ),
    ("active_hours", &["from", "to"]),
    ("loop_guard", &["max_replies", "window_secs"]),
];

/// `current` with the fields of `body` changed: top-level fields replace, nested objects
/// (`actions`, `active_days`, `active_hours`, `loop_guard`) merge field by field. Unknown
/// fields (e.g. a misspelt day) and wrong types are refused naming the field.
pub fn merge_settings(current: &BotSettings, body: &Value) -> ServiceResult<BotSettings> {
    let Value::Object(body) = body else {
        return Err(ServiceError::invalid(
            "body",
            "must be a JSON object of bot settings",
        ));
    };
    let mut merged = match serde_json::to_value(current) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (key, value) in body {
        if !SETTINGS_FIELDS.contains(&key.as_str()) {
            return Err(ServiceError::invalid(
                key.clone(),
                format!(
                    "unknown setting; the settings are {}",
                    SETTINGS_FIELDS.join(", ")
                ),
            ));
        }
        if let Some((_, allowed)) = NESTED_FIELDS.iter().find(|(k, _)| k == key) {
            let Value::Object(fields) = value else {
                return Err(ServiceError::invalid(
                    key.clone(),
                    format!("must be an object with {}", allowed.join(", ")),
                ));
            };
            let target = merged
                .entry(key.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            for (k, v) in fields {
                if !allowed.contains(&k.as_str()) {
                    let what = if key == "active_days" {
                        "is not a day; use monday, tuesday, wednesday, thursday, friday, saturday or sunday".to_string()
                    } else {
                        format!("unknown field; use {}", allowed.join(", "))
                    };
                    return Err(ServiceError::invalid(format!("{key}.{k}"), what));
                }
                if let Value::Object(t) = target {
                    t.insert(k.clone(), v.clone());
                }
            }
        } else {
            merged.insert(key.clone(), value.clone());
        }
    }
    let merged = Value::Object(merged);
    serde_json::from_value(merged.clone()).map_err(|e| {
        // Name the first field whose type is wrong, trying each one alone.
        let field = SETTINGS_FIELDS
            .iter()
            .find(|f| {
                let mut probe = Map::new();
                if let Some(v) = merged.get(**f) {
                    probe.insert((**f).to_string(), v.clone());
                }
                serde_json::from_value::<BotSettings>(Value::Object(probe)).is_err()
            })
            .copied()
            .unwrap_or("body");
        ServiceError::invalid(field, format!("has the wrong type ({e})"))
    })
}

/// Validates and saves a channel's bot settings.
pub async fn put_settings(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
    settings: BotSettings,
    now: Millis,
) -> ServiceResult<BotSettings> {
    require_channel(store, account, channel).await?;
    settings.validate().map_err(invalid)?;
    store
        .put_bot_settings(account, channel, &settings, now)
        .await?;
    Ok(settings)
}

/// A channel's rules in the order they are tried.
pub async fn list_rules(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
) -> ServiceResult<Vec<StoredRule>> {
    require_channel(store, account, channel).await?;
    Ok(store.list_bot_rules(account, channel).await?)
}

/// One rule.
pub async fn get_rule(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
    id: RuleId,
) -> ServiceResult<StoredRule> {
    require_channel(store, account, channel).await?;
    store
        .get_bot_rule(account, channel, id)
        .await?
        .ok_or(ServiceError::NotFound("rule"))
}

/// `base` with the fields of `body` set on it; unknown fields are refused.
fn merge_rule(base: Value, body: &Map<String, Value>) -> ServiceResult<Rule> {
    let Value::Object(mut merged) = base else {
        return Err(ServiceError::invalid("rule", "is not an object"));
    };
    for (k, v) in body {
        if !RULE_FIELDS.contains(&k.as_str()) {
            return Err(ServiceError::invalid(
                k.clone(),
                format!("unknown field; a rule has {}", RULE_FIELDS.join(", ")),
            ));
        }
        merged.insert(k.clone(), v.clone());
    }
    serde_json::from_value(Value::Object(merged)).map_err(|e| {
        ServiceError::invalid(
            "rule",
            format!("{e}; see the rule fields in the API documentation"),
        )
    })
}

/// Steps some rule leads to that no rule answers in, as warnings for the client.
pub fn dead_ends(rules: &[StoredRule]) -> Vec<String> {
    let (set, _) = RuleSet::compile_lenient(rules.iter().map(|r| r.rule.clone()));
    set.dead_end_steps()
        .into_iter()
        .map(|(rule, step)| {
            format!("rule `{rule}` leads to step `{step}`, but no rule answers in that step (only_in_step)")
        })
        .collect()
}

/// Creates a rule from a JSON body (`pattern` and `reply` required); without `position` it
/// goes last.
pub async fn create_rule(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
    body: &Map<String, Value>,
    now: Millis,
) -> ServiceResult<StoredRule> {
    let existing = list_rules(store, account, channel).await?;
    if existing.len() >= RULES_MAX {
        return Err(ServiceError::Conflict(format!(
            "the channel already has {RULES_MAX} rules, the most allowed; delete some first"
        )));
    }
    let id = RuleId::new();
    let position = existing
        .iter()
        .map(|r| r.rule.position)
        .max()
        .map_or(0, |p| p.saturating_add(1));
    let base = json!({"id": id.to_string(), "position": position, "pattern": "", "reply": null});
    let mut rule = merge_rule(base, body)?;
    rule.id = id.to_string();
    rule.validate().map_err(invalid)?;
    let stored = StoredRule {
        id,
        account_id: account,
        channel_id: channel,
        rule,
        created_at: now,
        updated_at: now,
    };
    store.create_bot_rule(&stored).await?;
    Ok(stored)
}

/// Changes the fields of a rule that `body` names.
pub async fn update_rule(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
    id: RuleId,
    body: &Map<String, Value>,
    now: Millis,
) -> ServiceResult<StoredRule> {
    let mut stored = get_rule(store, account, channel, id).await?;
    let base = serde_json::to_value(&stored.rule)
        .map_err(|e| ServiceError::invalid("rule", e.to_string()))?;
    let mut rule = merge_rule(base, body)?;
    rule.id = id.to_string();
    rule.validate().map_err(invalid)?;
    stored.rule = rule;
    stored.updated_at = now;
    if !store.update_bot_rule(&stored).await? {
        return Err(ServiceError::NotFound("rule"));
    }
    Ok(stored)
}

/// Deletes a rule.
pub async fn delete_rule(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
    id: RuleId,
) -> ServiceResult<()> {
    require_channel(store, account, channel).await?;
    if store.delete_bot_rule(account, channel, id).await? {
        Ok(())
    } else {
        Err(ServiceError::NotFound("rule"))
    }
}

/// Puts the channel's rules in the order of `order` (every rule exactly once).
pub async fn reorder_rules(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
    order: &[RuleId],
    now: Millis,
) -> ServiceResult<Vec<StoredRule>> {
    require_channel(store, account, channel).await?;
    if !store
        .reorder_bot_rules(account, channel, order, now)
        .await?
    {
        return Err(ServiceError::invalid(
            "order",
            "must list every rule id of the channel exactly once",
        ));
    }
    Ok(store.list_bot_rules(account, channel).await?)
}

/// What the bot knows about one contact on a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactBotView {
    /// The contact, if it exists.
    pub contact: Option<ContactRecord>,
    /// The bot's state for the contact on the channel (empty when it never wrote).
    pub state: ContactBotState,
    /// The step in force now (an expired step is not).
    pub current_step: Option<String>,
}

/// The bot's view of contact `wa_id` on `channel`.
pub async fn contact_state(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
    wa_id: &str,
    now: Millis,
) -> ServiceResult<ContactBotView> {
    let settings = get_settings(store, account, channel).await?;
    let contact = store.get_contact(account, wa_id).await?;
    let state = store
        .get_bot_state(channel, wa_id)
        .await?
        .unwrap_or_default();
    if contact.is_none() && state == ContactBotState::default() {
        return Err(ServiceError::NotFound("contact"));
    }
    let current_step = state.current_step(&settings, now).map(str::to_string);
    Ok(ContactBotView {
        contact,
        state,
        current_step,
    })
}

/// A page of the bot's decisions on `channel`, oldest first.
pub async fn decisions(
    store: &dyn Store,
    account: AccountId,
    channel: ChannelId,
    filter: &switchboard_store::bot::DecisionFilter,
    page: &switchboard_store::PageRequest,
) -> ServiceResult<switchboard_store::Page<switchboard_store::bot::DecisionRecord>> {
    Ok(store
        .list_bot_decisions(account, channel, filter, page)
        .await?)
}
