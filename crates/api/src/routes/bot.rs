//! `/v1/channels/{id}/bot…`: a channel's bot settings, ordered keyword rules, decision log,
//! and what the bot knows about one contact. `read` keys read; `manage` keys write.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use switchboard_core::id::{RuleId, RuleMarker};
use switchboard_core::time::{now_millis, parse_rfc3339, to_rfc3339, Millis};
use switchboard_service::bot::manage;
use switchboard_service::bot::worker::decision_json;
use switchboard_store::bot::{DecisionFilter, StoredRule};
use switchboard_store::PageRequest;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{CanManage, CanRead, ScopedChannel, ScopedChannelId};
use crate::error::{ApiError, ApiResult, Unexpected};
use crate::extract::{path_id, ApiJson, ApiQuery};
use crate::list::List;
use crate::state::AppState;

/// A keyword rule. In a create body `pattern` and `reply` are required; in a patch every
/// field is optional and `null` clears `next_step` / `only_in_step`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RuleBody {
    /// Rules are tried by ascending position (default: after the last rule).
    pub position: Option<i64>,
    /// `exact` (default), `contains`, `starts_with` or `regex`.
    #[schema(example = "exact")]
    pub match_kind: Option<String>,
    /// The keyword, text, regex, or the id of a button / list row (up to 512 characters).
    #[schema(example = "menu")]
    pub pattern: Option<String>,
    /// Ignore case (default true).
    pub case_insensitive: Option<bool>,
    /// Ignore accents (default true).
    pub accent_insensitive: Option<bool>,
    /// The answer: a Cloud API message object without `to`, of any kind; texts may use
    /// spintax `{Hi|Hello}` and placeholders `[name]`, `[phone]`, `[bot_name]`, `[date]`, `[time]`.
    #[schema(value_type = Object)]
    pub reply: Option<Value>,
    /// Tags added to the contact when the rule answers.
    pub add_tags: Option<Vec<String>>,
    /// The contact's step after this rule answers (null ends any menu).
    pub next_step: Option<String>,
    /// The rule answers only while the contact is in this step.
    pub only_in_step: Option<String>,
    /// Disabled rules never answer (default true).
    pub enabled: Option<bool>,
}

/// A stored rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleView {
    /// `rule_…`
    pub id: String,
    /// Position; rules are tried by ascending position.
    pub position: i64,
    /// `exact`, `contains`, `starts_with` or `regex`.
    pub match_kind: String,
    /// The pattern.
    pub pattern: String,
    /// Ignore case.
    pub case_insensitive: bool,
    /// Ignore accents.
    pub accent_insensitive: bool,
    /// The reply message object.
    #[schema(value_type = Object)]
    pub reply: Value,
    /// Tags added to the contact.
    pub add_tags: Vec<String>,
    /// The step after this rule.
    pub next_step: Option<String>,
    /// The step this rule is limited to.
    pub only_in_step: Option<String>,
    /// Whether the rule is enabled.
    pub enabled: bool,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// Warnings about the channel's rules after this change (e.g. a step no rule answers in).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A channel's rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleList {
    /// The rules in the order they are tried.
    pub data: Vec<RuleView>,
    /// Warnings, e.g. a `next_step` no rule answers in.
    pub warnings: Vec<String>,
}

/// Body of `POST /v1/channels/{id}/bot/rules/reorder`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderBody {
    /// Every rule id of the channel, once each, in the new order.
    pub order: Vec<String>,
}

/// Filters of the decision log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DecisionQuery {
    /// Only this contact's decisions (WhatsApp id).
    pub contact: Option<String>,
    /// Decisions at or after (RFC 3339 or Unix seconds).
    pub since: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Cursor: `next` of the previous page.
    pub after: Option<String>,
}

/// One decision: what the bot did with one inbound message and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    /// `bdec_…`
    pub id: String,
    /// `ch_…`
    pub channel_id: String,
    /// The contact's WhatsApp id.
    pub chat: String,
    /// The inbound message (`msg_…`).
    pub inbound_message_id: String,
    /// `reply`, `default_message`, `away_message`, `opt_out`, `opt_in` or `silent.<reason>`
    /// (`silent.outside_active_hours`, `silent.cooldown`, `silent.group_message`,
    /// `silent.opted_out`, `silent.loop_guard`, `silent.no_rule_matched`, …).
    pub decision: String,
    /// The rule that matched, if one did.
    pub rule_id: Option<String>,
    /// One sentence saying what the bot did and why.
    pub explanation: String,
    /// The message the bot sent, rendered (spintax and placeholders applied), if any.
    #[schema(value_type = Option<Object>)]
    pub reply: Option<Value>,
    /// The full decision (matched-on, steps, cooldown end, …).
    #[schema(value_type = Object)]
    pub details: Value,
    /// Ids (`msg_…`) of the replies in the outbox; follow them in `GET /v1/messages/{id}`.
    pub reply_message_ids: Vec<String>,
    /// Whether the reply was handed to the outbox (or refused, see `error`).
    pub replies_done: bool,
    /// Why the reply could not be sent, if it could not.
    pub error: Option<String>,
    /// When the decision was taken (RFC 3339).
    pub created_at: String,
}

/// A page of decisions.
pub type DecisionList = List<DecisionView>;

/// What the bot knows about a contact on a channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactBotStateView {
    /// The contact's WhatsApp id.
    pub wa_id: String,
    /// The contact's profile name, if known.
    pub name: Option<String>,
    /// Whether the contact opted out of marketing.
    pub opted_out: bool,
    /// When the contact opted out (RFC 3339).
    pub opted_out_at: Option<String>,
    /// The contact's tags.
    pub tags: Vec<String>,
    /// The contact's custom fields.
    #[schema(value_type = Object)]
    pub custom_fields: Value,
    /// The menu step in force now (null when none or expired).
    pub step: Option<String>,
    /// When the contact entered the step (RFC 3339).
    pub step_entered_at: Option<String>,
    /// When the default message was last sent to the contact (RFC 3339).
    pub last_default_msg_at: Option<String>,
    /// When the away message was last sent to the contact (RFC 3339).
    pub last_away_msg_at: Option<String>,
    /// Bot messages to the contact within the loop guard's window.
    pub recent_bot_messages: usize,
}

/// The bot routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(reorder_rules))
        .routes(routes!(get_rule, update_rule, delete_rule))
        .routes(routes!(list_decisions))
        .routes(routes!(contact_state))
}

fn rule_id(text: &str) -> ApiResult<RuleId> {
    path_id::<RuleMarker>(text, "rule")
}

fn time(at: Option<Millis>) -> Option<String> {
    at.map(to_rfc3339)
}

fn rule_view(r: StoredRule, warnings: Vec<String>) -> RuleView {
    RuleView {
        id: r.id.to_string(),
        position: r.rule.position,
        match_kind: r.rule.match_kind.as_str().to_string(),
        pattern: r.rule.pattern,
        case_insensitive: r.rule.case_insensitive,
        accent_insensitive: r.rule.accent_insensitive,
        reply: r.rule.reply,
        add_tags: r.rule.add_tags,
        next_step: r.rule.next_step,
        only_in_step: r.rule.only_in_step,
        enabled: r.rule.enabled,
        created_at: to_rfc3339(r.created_at),
        updated_at: to_rfc3339(r.updated_at),
        warnings,
    }
}

/// The body as a JSON object of rule fields.
fn rule_fields(body: Value) -> ApiResult<Map<String, Value>> {
    match body {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::invalid(
            "the body must be a rule object: {\"pattern\",\"reply\",…}",
        )),
    }
}

/// Reads a channel's bot settings (the defaults until changed).
#[utoipa::path(get, path = "/v1/channels/{id}/bot", tag = "bot",
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = Object, description = "The bot settings"), (status = 404, body = crate::error::ErrorBody)))]
async fn get_settings(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanRead>,
) -> ApiResult<Json<Value>> {
    let settings = manage::get_settings(state.store().as_ref(), key.account_id, id).await?;
    Ok(Json(serde_json::to_value(settings).unwrap_or(Value::Null)))
}

/// Changes a channel's bot settings (`manage` key). Fields left out keep their value; the
/// objects `actions`, `active_days`, `active_hours` and `loop_guard` merge field by field.
/// A bad time zone, time of day, day name or keyword list is a 400 naming the field.
#[utoipa::path(put, path = "/v1/channels/{id}/bot", tag = "bot",
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    request_body(content = Object, description = "Bot settings: bot_name, bot_timezone, bot_lang, default_msg, actions{…}, active_days{monday…sunday}, active_hours{from,to}, away_msg, default_msg_cooldown_secs, away_msg_cooldown_secs, name_fallback, opt_out_keywords, opt_in_keywords, opt_out_confirmation, opt_in_confirmation, step_timeout_secs, loop_guard{max_replies,window_secs}"),
    security(("bearer" = [])),
    responses((status = 200, body = Object, description = "The bot settings after the change"), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanManage>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    let store = state.store().as_ref();
    let current = manage::get_settings(store, key.account_id, id).await?;
    let merged = manage::merge_settings(&current, &body)?;
    let saved = manage::put_settings(store, key.account_id, id, merged, now_millis()).await?;
    Ok(Json(serde_json::to_value(saved).unwrap_or(Value::Null)))
}

/// Lists a channel's rules in the order they are tried.
#[utoipa::path(get, path = "/v1/channels/{id}/bot/rules", tag = "bot",
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = RuleList), (status = 404, body = crate::error::ErrorBody)))]
async fn list_rules(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanRead>,
) -> ApiResult<Json<RuleList>> {
    let rules = manage::list_rules(state.store().as_ref(), key.account_id, id).await?;
    let warnings = manage::dead_ends(&rules);
    Ok(Json(RuleList {
        data: rules
            .into_iter()
            .map(|r| rule_view(r, Vec::new()))
            .collect(),
        warnings,
    }))
}

/// Adds a rule (`manage` key); without `position` it goes last. A bad regex, reply or name is
/// a 400 naming the field.
#[utoipa::path(post, path = "/v1/channels/{id}/bot/rules", tag = "bot", request_body = RuleBody,
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    security(("bearer" = [])),
    responses((status = 201, body = RuleView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
async fn create_rule(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanManage>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<RuleView>)> {
    let store = state.store().as_ref();
    let fields = rule_fields(body)?;
    let rule = manage::create_rule(store, key.account_id, id, &fields, now_millis()).await?;
    let warnings = manage::dead_ends(&manage::list_rules(store, key.account_id, id).await?);
    Ok((StatusCode::CREATED, Json(rule_view(rule, warnings))))
}

/// Reads a rule.
#[utoipa::path(get, path = "/v1/channels/{id}/bot/rules/{rule_id}", tag = "bot",
    params(("id" = String, Path, description = "Channel id (`ch_…`)"), ("rule_id" = String, Path, description = "Rule id (`rule_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = RuleView), (status = 404, body = crate::error::ErrorBody)))]
async fn get_rule(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanRead>,
    Path((_channel, rule)): Path<(String, String)>,
) -> ApiResult<Json<RuleView>> {
    let rule = rule_id(&rule)?;
    let rule = manage::get_rule(state.store().as_ref(), key.account_id, id, rule).await?;
    Ok(Json(rule_view(rule, Vec::new())))
}

/// Changes the fields of a rule the body names (`manage` key).
#[utoipa::path(patch, path = "/v1/channels/{id}/bot/rules/{rule_id}", tag = "bot", request_body = RuleBody,
    params(("id" = String, Path, description = "Channel id (`ch_…`)"), ("rule_id" = String, Path, description = "Rule id (`rule_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = RuleView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn update_rule(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanManage>,
    Path((_channel, rule)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<RuleView>> {
    let rule = rule_id(&rule)?;
    let store = state.store().as_ref();
    let fields = rule_fields(body)?;
    let rule = manage::update_rule(store, key.account_id, id, rule, &fields, now_millis()).await?;
    let warnings = manage::dead_ends(&manage::list_rules(store, key.account_id, id).await?);
    Ok(Json(rule_view(rule, warnings)))
}

/// Deletes a rule (`manage` key).
#[utoipa::path(delete, path = "/v1/channels/{id}/bot/rules/{rule_id}", tag = "bot",
    params(("id" = String, Path, description = "Channel id (`ch_…`)"), ("rule_id" = String, Path, description = "Rule id (`rule_…`)")),
    security(("bearer" = [])),
    responses((status = 204, description = "deleted"), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn delete_rule(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanManage>,
    Path((_channel, rule)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let rule = rule_id(&rule)?;
    manage::delete_rule(state.store().as_ref(), key.account_id, id, rule).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Puts the rules in a new order (`manage` key): `order` lists every rule id once.
#[utoipa::path(post, path = "/v1/channels/{id}/bot/rules/reorder", tag = "bot", request_body = ReorderBody,
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = RuleList), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn reorder_rules(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanManage>,
    ApiJson(body): ApiJson<ReorderBody>,
) -> ApiResult<Json<RuleList>> {
    let order = body
        .order
        .iter()
        .map(|r| {
            r.parse::<RuleId>()
                .map_err(|e| ApiError::invalid(format!("order: `{r}`: {e}")))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let rules = manage::reorder_rules(
        state.store().as_ref(),
        key.account_id,
        id,
        &order,
        now_millis(),
    )
    .await?;
    let warnings = manage::dead_ends(&rules);
    Ok(Json(RuleList {
        data: rules
            .into_iter()
            .map(|r| rule_view(r, Vec::new()))
            .collect(),
        warnings,
    }))
}

fn parse_since(text: &str) -> ApiResult<Millis> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds.saturating_mul(1000));
    }
    parse_rfc3339(text).ok_or_else(|| {
        ApiError::invalid("since: use RFC 3339 (2026-01-31T12:00:00Z) or Unix seconds")
    })
}

/// The bot's decision log: for each inbound message, which rule matched or why nothing was
/// sent, oldest first.
#[utoipa::path(get, path = "/v1/channels/{id}/bot/decisions", tag = "bot",
    params(("id" = String, Path, description = "Channel id (`ch_…`)"), DecisionQuery),
    security(("bearer" = [])),
    responses((status = 200, body = List<DecisionView>), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn list_decisions(
    State(state): State<AppState>,
    ScopedChannel { auth: key, channel }: ScopedChannel<CanRead>,
    ApiQuery(q): ApiQuery<DecisionQuery>,
) -> ApiResult<Json<DecisionList>> {
    let store = state.store().as_ref();
    let id = channel.id;
    let filter = DecisionFilter {
        chat: q
            .contact
            .map(|c| c.trim().trim_start_matches('+').to_string()),
        since: q.since.as_deref().map(parse_since).transpose()?,
    };
    let page = PageRequest {
        after: q.after,
        limit: q.limit,
    };
    let page = manage::decisions(store, key.account_id, id, &filter, &page).await?;
    let data = page
        .items
        .iter()
        .map(|d| {
            serde_json::from_value::<DecisionViewIn>(decision_json(d))
                .map(DecisionView::from)
                .unexpected("decision view")
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(DecisionList {
        data,
        next: page.next,
    }))
}

/// The decision JSON of the service, read back into the documented view.
#[derive(Deserialize)]
struct DecisionViewIn {
    id: String,
    channel_id: String,
    chat: String,
    inbound_message_id: String,
    decision: String,
    rule_id: Option<String>,
    explanation: String,
    reply: Option<Value>,
    details: Value,
    reply_message_ids: Vec<String>,
    replies_done: bool,
    error: Option<String>,
    created_at: String,
}

impl From<DecisionViewIn> for DecisionView {
    fn from(d: DecisionViewIn) -> Self {
        DecisionView {
            id: d.id,
            channel_id: d.channel_id,
            chat: d.chat,
            inbound_message_id: d.inbound_message_id,
            decision: d.decision,
            rule_id: d.rule_id,
            explanation: d.explanation,
            reply: d.reply,
            details: d.details,
            reply_message_ids: d.reply_message_ids,
            replies_done: d.replies_done,
            error: d.error,
            created_at: d.created_at,
        }
    }
}

/// What the bot knows about a contact on this channel: menu step, opt-out, tags, and when it
/// last sent the default or away message.
#[utoipa::path(get, path = "/v1/channels/{id}/bot/contacts/{wa_id}", tag = "bot",
    params(("id" = String, Path, description = "Channel id (`ch_…`)"), ("wa_id" = String, Path, description = "The contact's WhatsApp id")),
    security(("bearer" = [])),
    responses((status = 200, body = ContactBotStateView), (status = 404, body = crate::error::ErrorBody)))]
async fn contact_state(
    State(state): State<AppState>,
    ScopedChannelId { auth: key, id }: ScopedChannelId<CanRead>,
    Path((_channel, wa_id)): Path<(String, String)>,
) -> ApiResult<Json<ContactBotStateView>> {
    let wa_id = wa_id.trim().trim_start_matches('+').to_string();
    let now = now_millis();
    let view =
        manage::contact_state(state.store().as_ref(), key.account_id, id, &wa_id, now).await?;
    let settings = manage::get_settings(state.store().as_ref(), key.account_id, id).await?;
    let contact = view.contact;
    Ok(Json(ContactBotStateView {
        wa_id,
        name: contact.as_ref().and_then(|c| c.name.clone()),
        opted_out: contact.as_ref().is_some_and(|c| c.opted_out_at.is_some()),
        opted_out_at: time(contact.as_ref().and_then(|c| c.opted_out_at)),
        tags: contact.as_ref().map(|c| c.tags.clone()).unwrap_or_default(),
        custom_fields: Value::Object(
            contact
                .as_ref()
                .map(|c| c.custom_fields.clone())
                .unwrap_or_default(),
        ),
        step_entered_at: view
            .current_step
            .as_ref()
            .and(time(view.state.step_entered_at)),
        step: view.current_step,
        last_default_msg_at: time(view.state.last_default_msg_at),
        last_away_msg_at: time(view.state.last_away_msg_at),
        recent_bot_messages: view.state.recent_count(&settings, now),
    }))
}
