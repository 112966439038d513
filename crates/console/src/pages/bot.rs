//! Bot: a channel's bot settings, its rules in order (create, edit, delete, move up and
//! down), the dead ends the API warns about, the recent decisions, and "try a message",
//! which shows what the bot would do with a customer's message without writing or sending
//! anything. Every change goes through the same bot service functions as the API.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use switchboard_core::automation::Decision;
use switchboard_core::channel::Channel;
use switchboard_core::id::{RuleId, RuleMarker};
use switchboard_core::key::Permission;
use switchboard_core::time::{now_millis, to_rfc3339};
use switchboard_service::bot::consider::{try_message, Trial};
use switchboard_service::bot::manage;
use switchboard_service::ServiceError;
use switchboard_store::bot::{DecisionFilter, StoredRule};
use switchboard_store::PageRequest;

use super::bot_form::{match_phrase, reply_summary, RuleForm, SettingsForm};
use super::{html, scoped};
use crate::csrf::Posted;
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::views::{ChannelRow, Shell};
use crate::ConsoleState;

/// Decisions shown.
const DECISIONS_SHOWN: usize = 30;
/// How far back the decisions are read.
const DECISIONS_SINCE_MS: i64 = 7 * 86_400_000;

/// A rule in the list.
#[derive(Debug, Clone)]
pub struct RuleRow {
    /// `rule_…`
    pub id: String,
    /// Its place in the order, from 1.
    pub number: usize,
    /// How it matches, e.g. `is exactly “hi”`.
    pub matches: String,
    /// Its reply (a text reply's text, else JSON).
    pub reply: String,
    /// Steps and tags, in words.
    pub notes: String,
    /// Whether it answers.
    pub enabled: bool,
    /// Its edit form.
    pub form: RuleForm,
    /// Whether it is first (no Up) or last (no Down).
    pub first: bool,
    /// See `first`.
    pub last: bool,
}

impl RuleRow {
    fn of(r: &StoredRule, index: usize, count: usize) -> Self {
        let rule = &r.rule;
        let mut notes = Vec::new();
        if let Some(s) = &rule.only_in_step {
            notes.push(format!("only in step {s}"));
        }
        if let Some(s) = &rule.next_step {
            notes.push(format!("then step {s}"));
        }
        if !rule.add_tags.is_empty() {
            notes.push(format!("tags {}", rule.add_tags.join(", ")));
        }
        RuleRow {
            id: r.id.to_string(),
            number: index + 1,
            matches: match_phrase(rule.match_kind, &rule.pattern),
            reply: reply_summary(&rule.reply),
            notes: notes.join(" · "),
            enabled: rule.enabled,
            form: RuleForm::of(rule),
            first: index == 0,
            last: index + 1 == count,
        }
    }
}

/// A decision of the log.
#[derive(Debug, Clone)]
pub struct DecisionRow {
    /// When (RFC 3339).
    pub at: String,
    /// The customer.
    pub chat: String,
    /// `reply`, `default_message`, `silent.…`.
    pub code: String,
    /// The sentence saying why.
    pub explanation: String,
    /// What was sent, if anything.
    pub reply: String,
    /// Why the reply could not be sent, if it could not.
    pub error: String,
}

/// What "try a message" found.
#[derive(Debug, Clone)]
pub struct TrialView {
    /// The headline: which rule fires, or which message answers, or that nothing does.
    pub headline: String,
    /// `reply`, `default_message`, `silent.…`.
    pub code: String,
    /// The decision's explanation.
    pub explanation: String,
    /// The reply it would send (empty: none).
    pub reply: String,
    /// Said when the bot is off.
    pub off: bool,
    /// Stored rules skipped as invalid.
    pub skipped: Vec<String>,
}

impl TrialView {
    fn of(trial: &Trial, rules: &[RuleRow]) -> Self {
        let decision = &trial.considered.decision;
        let headline = match decision {
            Decision::Reply { rule_id, .. } => match rules.iter().find(|r| &r.id == rule_id) {
                Some(r) => format!("Rule {} fires ({}): {}", r.number, r.matches, r.id),
                None => format!("Rule {rule_id} fires"),
            },
            Decision::DefaultMessage { .. } => "No rule fires: the default message answers".into(),
            Decision::AwayMessage { .. } => "Outside active hours: the away message answers".into(),
            Decision::OptOut { .. } => "An opt-out keyword: the contact would be opted out".into(),
            Decision::OptIn { .. } => {
                "An opt-in keyword: the contact would be opted in again".into()
            }
            Decision::Silent { .. } => "Nothing would be sent".into(),
        };
        TrialView {
            headline,
            code: decision.code().to_string(),
            explanation: decision.explain(),
            reply: decision.message().map(reply_summary).unwrap_or_default(),
            off: !trial.enabled,
            skipped: trial.considered.skipped_rules.clone(),
        }
    }
}

/// Where a message of the page goes.
#[derive(Debug, Clone, Default)]
pub struct Problems {
    /// Next to the settings form.
    pub settings: Option<String>,
    /// Next to the rules.
    pub rules: Option<String>,
    /// Next to "try a message".
    pub trial: Option<String>,
}

/// A channel's Bot page.
#[derive(Template)]
#[template(path = "bot.html")]
struct BotPage {
    title: &'static str,
    shell: Shell,
    channel: ChannelRow,
    can_manage: bool,
    settings: SettingsForm,
    rules: Vec<RuleRow>,
    new_rule: RuleForm,
    warnings: Vec<String>,
    decisions: Vec<DecisionRow>,
    trial: Option<TrialView>,
    try_text: String,
    try_number: String,
    problems: Problems,
    flash: Option<String>,
}

/// What the page shows besides the stored state.
#[derive(Default)]
struct Shown {
    settings: Option<SettingsForm>,
    new_rule: Option<RuleForm>,
    trial: Option<Trial>,
    try_text: String,
    try_number: String,
    problems: Problems,
    flash: Option<String>,
}

async fn decisions(state: &ConsoleState, channel: &Channel) -> ConsoleResult<Vec<DecisionRow>> {
    let store = state.app.store().as_ref();
    let filter = DecisionFilter {
        chat: None,
        since: Some(now_millis().saturating_sub(DECISIONS_SINCE_MS)),
    };
    let mut rows = Vec::new();
    let mut after = None;
    // Oldest first: read the week's pages and keep the newest.
    for _ in 0..10 {
        let page = PageRequest {
            after: after.clone(),
            limit: Some(200),
        };
        let got = manage::decisions(store, channel.account_id, channel.id, &filter, &page).await?;
        rows.extend(got.items);
        if rows.len() > DECISIONS_SHOWN {
            rows.drain(..rows.len() - DECISIONS_SHOWN);
        }
        match got.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(rows
        .iter()
        .rev()
        .map(|d| DecisionRow {
            at: to_rfc3339(d.created_at),
            chat: d.chat.clone(),
            code: d.code.clone(),
            explanation: d.explanation.clone(),
            reply: d.decision.message().map(reply_summary).unwrap_or_default(),
            error: d.error.clone().unwrap_or_default(),
        })
        .collect())
}

async fn page(
    state: &ConsoleState,
    signed: &Signed,
    channel: &Channel,
    shown: Shown,
) -> ConsoleResult<BotPage> {
    let key = signed.key()?;
    let store = state.app.store().as_ref();
    let stored = manage::list_rules(store, key.account_id, channel.id).await?;
    let settings = match shown.settings {
        Some(s) => s,
        None => SettingsForm::of(&manage::get_settings(store, key.account_id, channel.id).await?),
    };
    let rules: Vec<RuleRow> = stored
        .iter()
        .enumerate()
        .map(|(i, r)| RuleRow::of(r, i, stored.len()))
        .collect();
    let trial = shown.trial.as_ref().map(|t| TrialView::of(t, &rules));
    Ok(BotPage {
        title: "Bot",
        shell: Shell::of(signed, "bot"),
        channel: ChannelRow::from(channel),
        can_manage: key.permission.allows(Permission::Manage),
        settings,
        warnings: manage::dead_ends(&stored),
        rules,
        new_rule: shown.new_rule.unwrap_or_else(RuleForm::blank),
        decisions: decisions(state, channel).await?,
        trial,
        try_text: shown.try_text,
        try_number: shown.try_number,
        problems: shown.problems,
        flash: shown.flash,
    })
}

async fn answer(
    state: &ConsoleState,
    signed: &Signed,
    channel: &Channel,
    status: StatusCode,
    shown: Shown,
) -> ConsoleResult<Response> {
    let p = page(state, signed, channel, shown).await?;
    Ok((status, Html(p.render()?)).into_response())
}

/// The 4xx of a refused change, or the error itself when it is not the input's fault.
fn refusal(e: ServiceError) -> Result<(StatusCode, String), ConsoleError> {
    match e {
        ServiceError::Invalid { field, message } => {
            let text = if message.starts_with(&field) {
                message
            } else {
                format!("{field}: {message}")
            };
            Ok((StatusCode::BAD_REQUEST, text))
        }
        ServiceError::Conflict(message) => Ok((StatusCode::CONFLICT, message)),
        other => Err(other.into()),
    }
}

fn back(channel: &Channel, flash: &str) -> Response {
    Redirect::to(&format!(
        "/console/channels/{}/bot?done={flash}",
        channel.id
    ))
    .into_response()
}

/// `?done=` after a form's redirect.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    /// What was done: `settings`, `created`, `updated`, `deleted`, `moved`.
    pub done: Option<String>,
}

/// `GET /console/bot`: the channel to show the bot of.
pub async fn pick(State(state): State<ConsoleState>, signed: Signed) -> ConsoleResult<Response> {
    scoped::pick(&state, &signed, "bot", "Bot").await
}

/// `GET /console/channels/{id}/bot`.
pub async fn show(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> ConsoleResult<Response> {
    let (_, channel) = scoped::channel(&state, &signed, &id, Permission::Read).await?;
    let flash = match done.done.as_deref() {
        Some("settings") => Some("Settings saved."),
        Some("created") => Some("Rule added."),
        Some("updated") => Some("Rule saved."),
        Some("deleted") => Some("Rule deleted."),
        Some("moved") => Some("Rule moved."),
        _ => None,
    };
    let shown = Shown {
        flash: flash.map(str::to_string),
        ..Default::default()
    };
    html(page(&state, &signed, &channel, shown).await?)
}

/// `POST /console/channels/{id}/bot`: saves the settings with the same merge and validation
/// as `PUT /v1/channels/{id}/bot`.
pub async fn save_settings(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (key, channel) = scoped::channel(&state, &posted.signed, &id, Permission::Manage).await?;
    let form = SettingsForm::read(&posted.fields);
    let store = state.app.store().as_ref();
    let saved = match form.to_json() {
        Ok(body) => {
            let current = manage::get_settings(store, key.account_id, channel.id).await?;
            match manage::merge_settings(&current, &body) {
                Ok(merged) => {
                    manage::put_settings(store, key.account_id, channel.id, merged, now_millis())
                        .await
                }
                Err(e) => Err(e),
            }
        }
        Err(message) => Err(ServiceError::invalid("settings", message)),
    };
    match saved {
        Ok(_) => Ok(back(&channel, "settings")),
        Err(e) => {
            let (status, message) = match e {
                ServiceError::Invalid { field, message } if field == "settings" => {
                    (StatusCode::BAD_REQUEST, message)
                }
                e => refusal(e)?,
            };
            let shown = Shown {
                settings: Some(form),
                problems: Problems {
                    settings: Some(message),
                    ..Default::default()
                },
                ..Default::default()
            };
            answer(&state, &posted.signed, &channel, status, shown).await
        }
    }
}

fn rule_id(text: &str) -> ConsoleResult<RuleId> {
    switchboard_api::extract::path_id::<RuleMarker>(text, "rule")
        .map_err(|_| ConsoleError::NotFound("rule not found"))
}

async fn rule_refused(
    state: &ConsoleState,
    posted: &Posted,
    channel: &Channel,
    form: Option<RuleForm>,
    e: Result<ServiceError, String>,
) -> ConsoleResult<Response> {
    let (status, message) = match e {
        Ok(e) => refusal(e)?,
        Err(message) => (StatusCode::BAD_REQUEST, message),
    };
    let shown = Shown {
        new_rule: form,
        problems: Problems {
            rules: Some(message),
            ..Default::default()
        },
        ..Default::default()
    };
    answer(state, &posted.signed, channel, status, shown).await
}

/// `POST /console/channels/{id}/bot/rules`: adds a rule at the end.
pub async fn create_rule(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (key, channel) = scoped::channel(&state, &posted.signed, &id, Permission::Manage).await?;
    let form = RuleForm::read(&posted.fields);
    let fields = match form.to_fields() {
        Ok(f) => f,
        Err(m) => return rule_refused(&state, &posted, &channel, Some(form), Err(m)).await,
    };
    let store = state.app.store().as_ref();
    match manage::create_rule(store, key.account_id, channel.id, &fields, now_millis()).await {
        Ok(_) => Ok(back(&channel, "created")),
        Err(e) => rule_refused(&state, &posted, &channel, Some(form), Ok(e)).await,
    }
}

/// `POST /console/channels/{id}/bot/rules/{rule}`: saves a rule's edit form.
pub async fn update_rule(
    State(state): State<ConsoleState>,
    Path((id, rule)): Path<(String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (key, channel) = scoped::channel(&state, &posted.signed, &id, Permission::Manage).await?;
    let rule = rule_id(&rule)?;
    let form = RuleForm::read(&posted.fields);
    let fields = match form.to_fields() {
        Ok(f) => f,
        Err(m) => return rule_refused(&state, &posted, &channel, None, Err(m)).await,
    };
    let store = state.app.store().as_ref();
    match manage::update_rule(
        store,
        key.account_id,
        channel.id,
        rule,
        &fields,
        now_millis(),
    )
    .await
    {
        Ok(_) => Ok(back(&channel, "updated")),
        Err(ServiceError::NotFound(what)) => Err(ConsoleError::NotFound(what)),
        Err(e) => rule_refused(&state, &posted, &channel, None, Ok(e)).await,
    }
}

/// `POST /console/channels/{id}/bot/rules/{rule}/delete`.
pub async fn delete_rule(
    State(state): State<ConsoleState>,
    Path((id, rule)): Path<(String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (key, channel) = scoped::channel(&state, &posted.signed, &id, Permission::Manage).await?;
    let rule = rule_id(&rule)?;
    manage::delete_rule(state.app.store().as_ref(), key.account_id, channel.id, rule).await?;
    Ok(back(&channel, "deleted"))
}

/// `POST /console/channels/{id}/bot/rules/{rule}/move`: `direction=up` or `down` swaps the
/// rule with its neighbour, through the same reorder as the API's.
pub async fn move_rule(
    State(state): State<ConsoleState>,
    Path((id, rule)): Path<(String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (key, channel) = scoped::channel(&state, &posted.signed, &id, Permission::Manage).await?;
    let rule = rule_id(&rule)?;
    let up = match posted.fields.get("direction").map(String::as_str) {
        Some("up") => true,
        Some("down") => false,
        _ => {
            return Err(ConsoleError::Page(
                StatusCode::BAD_REQUEST,
                "direction: use up or down".into(),
            ))
        }
    };
    let store = state.app.store().as_ref();
    let mut order: Vec<RuleId> = manage::list_rules(store, key.account_id, channel.id)
        .await?
        .iter()
        .map(|r| r.id)
        .collect();
    let at = order
        .iter()
        .position(|r| *r == rule)
        .ok_or(ConsoleError::NotFound("rule not found"))?;
    let other = if up {
        at.checked_sub(1)
    } else {
        Some(at + 1).filter(|o| *o < order.len())
    };
    if let Some(other) = other {
        order.swap(at, other);
        manage::reorder_rules(store, key.account_id, channel.id, &order, now_millis()).await?;
    }
    Ok(back(&channel, "moved"))
}

/// `POST /console/channels/{id}/bot/try`: what the bot would do with the typed message (and
/// number), shown on the page; nothing is written or sent. A read key may try.
pub async fn try_it(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (key, channel) = scoped::channel(&state, &posted.signed, &id, Permission::Read).await?;
    let field = |name: &str| posted.fields.get(name).cloned().unwrap_or_default();
    let (text, number) = (field("text"), field("number"));
    let store = state.app.store().as_ref();
    let tried = try_message(
        store,
        key.account_id,
        channel.id,
        &text,
        &number,
        now_millis(),
    )
    .await;
    let (status, trial, problem) = match tried {
        Ok(t) => (StatusCode::OK, Some(t), None),
        Err(e) => {
            let (status, message) = refusal(e)?;
            (status, None, Some(message))
        }
    };
    let shown = Shown {
        trial,
        try_text: text,
        try_number: number,
        problems: Problems {
            trial: problem,
            ..Default::default()
        },
        ..Default::default()
    };
    answer(&state, &posted.signed, &channel, status, shown).await
}
