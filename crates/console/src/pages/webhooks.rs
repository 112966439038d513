//! Webhooks: the account's subscriptions with their health, creating one (its secret shown
//! once), and on a subscription's page: enable / disable, rotate the secret (shown once),
//! send a test event, delete. Its delivery log is in [`super::deliveries`].

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_api::auth::{KeyPrincipal, Principal};
use switchboard_core::id::{ChannelMarker, SubscriptionId, SubscriptionMarker};
use switchboard_core::key::Permission;
use switchboard_core::subscription::{DeliveryState, PayloadFormat, Subscription};
use switchboard_core::time::{now_millis, to_rfc3339};
use switchboard_service::channels;
use switchboard_service::webhooks::guard::check_url;
use switchboard_service::webhooks::subscriptions::{self, NewSubscription, SubscriptionPatch};
use switchboard_service::webhooks::WebhookParts;
use switchboard_store::webhooks::LoggedDelivery;
use switchboard_store::PageRequest;

use super::deliveries::{self, DeliveryLog};
use super::html;
use crate::csrf::Posted;
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::views::Shell;
use crate::ConsoleState;

/// Subscriptions listed on the page.
const LISTED: u32 = 200;
/// How long the old secret keeps signing after a rotation from the console.
const ROTATION_OVERLAP_MS: i64 = 86_400_000;
/// The payload formats offered, as `(value, label)`.
pub const FORMATS: &[(&str, &str)] = &[
    ("switchboard", "Switchboard envelope"),
    ("meta", "Meta (Cloud API webhook)"),
    ("sendbuttons", "Send Buttons"),
    ("1msg", "1msg"),
];

/// A subscription as the pages show it.
#[derive(Debug, Clone)]
pub struct SubscriptionRow {
    /// `sub_…`
    pub id: String,
    /// Target URL (customer-written: escaped).
    pub url: String,
    /// Event filter, comma-separated.
    pub events: String,
    /// Payload format.
    pub format: String,
    /// The one channel, if limited to one.
    pub channel: String,
    /// A note.
    pub description: String,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// `healthy`, `failing`, `disabled` or `paused`, as a badge.
    pub health: Tag,
    /// What the health means (failing since …, why disabled).
    pub health_note: String,
    /// The newest delivery: its state, HTTP code and time, or empty.
    pub last: String,
    /// The newest delivery's state, as a badge.
    pub last_badge: Option<Tag>,
    /// Creation time.
    pub created: String,
    /// Until when the previous secret still signs, after a rotation.
    pub previous_secret_until: String,
}

impl SubscriptionRow {
    /// The row of `s`, whose newest delivery is `last`.
    pub fn of(s: &Subscription, last: Option<&LoggedDelivery>) -> Self {
        let (health, health_note) = match (&s.disabled_reason, s.enabled, s.failing_since) {
            (Some(reason), false, _) => ("disabled", format!("disabled automatically: {reason}")),
            (None, false, _) => (
                "paused",
                "disabled by hand: no delivery is made".to_string(),
            ),
            (_, true, Some(since)) => (
                "failing",
                format!("failing without a success since {}", to_rfc3339(since)),
            ),
            (_, true, None) => ("healthy", String::new()),
        };
        let last_text = last.map(|l| {
            let d = &l.delivery;
            let code = d
                .last_status
                .map(|c| format!("HTTP {c}"))
                .unwrap_or_else(|| "no answer yet".into());
            format!("{} · {} · {}", l.event_type, code, to_rfc3339(d.created_at))
        });
        SubscriptionRow {
            id: s.id.to_string(),
            url: s.url.clone(),
            events: s.events.join(", "),
            format: s.format.as_str().to_string(),
            channel: s.channel_id.map(|c| c.to_string()).unwrap_or_default(),
            description: s.description.clone().unwrap_or_default(),
            enabled: s.enabled,
            health: Tag::of(health),
            health_note,
            last: last_text.unwrap_or_default(),
            last_badge: last.map(|l| Tag::of(state_name(l.delivery.state))),
            created: to_rfc3339(s.created_at),
            previous_secret_until: s
                .previous_expires_at
                .filter(|t| *t > now_millis())
                .map(to_rfc3339)
                .unwrap_or_default(),
        }
    }
}

/// A delivery state's name.
pub fn state_name(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Delivered => "delivered",
        DeliveryState::Failed => "failed",
        DeliveryState::Pending => "pending",
    }
}

/// A badge of these pages: a word and its tone (`ok`, `bad` or `wait`, a CSS modifier).
#[derive(Debug, Clone)]
pub struct Tag {
    /// The word shown.
    pub status: String,
    /// Its tone.
    pub tone: &'static str,
}

impl Tag {
    /// The badge of a subscription's health or a delivery's state.
    pub fn of(status: &str) -> Self {
        let tone = match status {
            "healthy" | "delivered" => "ok",
            "failing" | "disabled" | "failed" => "bad",
            _ => "wait",
        };
        Tag {
            status: status.to_string(),
            tone,
        }
    }
}

/// A payload format to pick in the creation form.
#[derive(Debug, Clone)]
pub struct FormatChoice {
    /// Its name in the API.
    pub value: &'static str,
    /// What the form says.
    pub label: &'static str,
    /// Whether the form has it picked.
    pub selected: bool,
}

/// The payload formats offered, `picked` selected.
fn format_choices(picked: &str) -> Vec<FormatChoice> {
    FORMATS
        .iter()
        .map(|(value, label)| FormatChoice {
            value,
            label,
            selected: picked == *value,
        })
        .collect()
}

/// A channel to pick in the creation form.
#[derive(Debug, Clone)]
pub struct ChannelChoice {
    /// `ch_…`
    pub id: String,
    /// Its name.
    pub name: String,
}

/// What the creation form was given (kept when it is shown again with an error).
#[derive(Debug, Clone, Default)]
pub struct SubscriptionForm {
    /// URL.
    pub url: String,
    /// Event filter text.
    pub events: String,
    /// Payload format.
    pub format: String,
    /// Channel id, or empty.
    pub channel: String,
    /// Note.
    pub description: String,
}

/// The webhooks page.
#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    title: &'static str,
    shell: Shell,
    subscriptions: Vec<SubscriptionRow>,
    channels: Vec<ChannelChoice>,
    formats: Vec<FormatChoice>,
    form: SubscriptionForm,
    error: Option<String>,
    flash: Option<String>,
}

/// A page showing a new signing secret once (after creation or rotation).
#[derive(Template)]
#[template(path = "webhook_secret.html")]
struct SecretPage {
    title: &'static str,
    shell: Shell,
    subscription: SubscriptionRow,
    secret: String,
    rotated: bool,
}

/// A subscription's page with its delivery log.
#[derive(Template)]
#[template(path = "webhook.html", blocks = ["log"])]
pub struct WebhookPage {
    /// Page title.
    pub title: &'static str,
    /// The frame.
    pub shell: Shell,
    /// The subscription.
    pub subscription: SubscriptionRow,
    /// Its delivery log.
    pub log: DeliveryLog,
    /// What the last action did.
    pub flash: Option<String>,
    /// Rendering the log alone for a poll (which then also carries the health, swapped
    /// out of band).
    pub fragment: bool,
    /// The edit form's values (the subscription's, or what a refused edit was given).
    pub edit: SubscriptionForm,
    /// The payload formats offered by the edit form.
    pub formats: Vec<FormatChoice>,
    /// Why the last edit was refused.
    pub edit_error: Option<String>,
}

/// `?created=` / `?deleted=` and friends after a form's redirect.
#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    /// A subscription was deleted.
    pub deleted: Option<String>,
    /// A test event was sent (its delivery).
    pub tested: Option<String>,
    /// The subscription was enabled or disabled.
    pub switched: Option<String>,
    /// A delivery was queued again.
    pub retried: Option<String>,
    /// A replay queued this many deliveries.
    pub replayed: Option<u64>,
    /// The subscription was changed.
    pub edited: Option<String>,
    /// Show the log before this delivery (older ones).
    pub before: Option<String>,
}

/// The session's key when it may manage webhooks (account-wide, `manage`), else 403.
pub fn manager(signed: &Signed) -> ConsoleResult<&KeyPrincipal> {
    let key = signed.key()?;
    Principal::Key(key.clone()).require_key(Permission::Manage)?;
    key.require_account_wide()?;
    Ok(key)
}

/// The subscription id in a path.
pub fn parse_id(text: &str) -> ConsoleResult<SubscriptionId> {
    switchboard_api::extract::path_id::<SubscriptionMarker>(text, "subscription")
        .map_err(Into::into)
}

fn bad(message: impl Into<String>) -> ConsoleError {
    ConsoleError::Page(StatusCode::BAD_REQUEST, message.into())
}

async fn rows(state: &ConsoleState, key: &KeyPrincipal) -> ConsoleResult<Vec<SubscriptionRow>> {
    let store = state.app.store().as_ref();
    let page = PageRequest {
        after: None,
        limit: Some(LISTED),
    };
    let listed = subscriptions::list(store, key.account_id, &page).await?;
    let mut out = Vec::with_capacity(listed.items.len());
    for s in &listed.items {
        let last = store.delivery_log(key.account_id, s.id, None, 1).await?;
        out.push(SubscriptionRow::of(s, last.first()));
    }
    Ok(out)
}

async fn channel_choices(
    state: &ConsoleState,
    key: &KeyPrincipal,
) -> ConsoleResult<Vec<ChannelChoice>> {
    let page = PageRequest {
        after: None,
        limit: Some(500),
    };
    let listed = channels::list(state.app.store().as_ref(), key.account_id, None, &page).await?;
    Ok(listed
        .items
        .iter()
        .map(|c| ChannelChoice {
            id: c.id.to_string(),
            name: c.name.clone(),
        })
        .collect())
}

async fn list_page(
    state: &ConsoleState,
    signed: &Signed,
    form: SubscriptionForm,
    error: Option<String>,
    flash: Option<String>,
) -> ConsoleResult<WebhooksPage> {
    let key = manager(signed)?;
    Ok(WebhooksPage {
        title: "Webhooks",
        shell: Shell::of(signed, "webhooks"),
        subscriptions: rows(state, key).await?,
        channels: channel_choices(state, key).await?,
        formats: format_choices(&form.format),
        form,
        error,
        flash,
    })
}

/// `GET /console/webhooks`.
pub async fn list(
    State(state): State<ConsoleState>,
    signed: Signed,
    Query(flash): Query<Flash>,
) -> ConsoleResult<Response> {
    let flash = flash.deleted.map(|_| "Subscription deleted.".to_string());
    let form = SubscriptionForm {
        events: "*".into(),
        format: "switchboard".into(),
        ..Default::default()
    };
    html(list_page(&state, &signed, form, None, flash).await?)
}

/// A form's URL, event filter and payload format, checked as the API checks them.
fn checked_target(
    state: &ConsoleState,
    form: &SubscriptionForm,
) -> Result<(String, Vec<String>, PayloadFormat), String> {
    let url = check_url(form.url.trim(), state.app.settings.allow_private_targets)
        .map_err(|m| format!("url: {m}"))?
        .to_string();
    let events: Vec<String> = form
        .events
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect();
    let events =
        switchboard_api::routes::subscriptions::check_filter(&events).map_err(|e| e.to_string())?;
    let format = PayloadFormat::parse(form.format.trim()).ok_or_else(|| {
        format!(
            "format: `{}` is not a payload format: use switchboard, meta, sendbuttons or 1msg",
            form.format
        )
    })?;
    Ok((url, events, format))
}

/// Reads and checks the creation form.
fn new_subscription(
    state: &ConsoleState,
    form: &SubscriptionForm,
) -> Result<NewSubscription, String> {
    let (url, events, format) = checked_target(state, form)?;
    let channel = match form.channel.trim() {
        "" => None,
        text => {
            let id = switchboard_api::extract::path_id::<ChannelMarker>(text, "channel")
                .map_err(|_| format!("channel: `{text}` is not a channel of this account"))?;
            Some((id, text.to_string()))
        }
    };
    let description = Some(form.description.trim().to_string()).filter(|d| !d.is_empty());
    Ok(NewSubscription {
        url,
        events,
        format,
        channel,
        enabled: true,
        description,
    })
}

/// `POST /console/webhooks`: creates a subscription and answers with its secret, shown this
/// once (no redirect, so the secret is never in a URL or kept anywhere).
pub async fn create(State(state): State<ConsoleState>, posted: Posted) -> ConsoleResult<Response> {
    let key = manager(&posted.signed)?.clone();
    let field = |name: &str| posted.fields.get(name).cloned().unwrap_or_default();
    let form = SubscriptionForm {
        url: field("url"),
        events: field("events"),
        format: field("format"),
        channel: field("channel"),
        description: field("description"),
    };
    let refused = |message: String| async {
        let page = list_page(&state, &posted.signed, form.clone(), Some(message), None).await?;
        Ok::<_, ConsoleError>(
            (
                StatusCode::BAD_REQUEST,
                axum::response::Html(page.render()?),
            )
                .into_response(),
        )
    };
    let new = match new_subscription(&state, &form) {
        Ok(new) => new,
        Err(message) => return refused(message).await,
    };
    let s = match subscriptions::create(state.app.store().as_ref(), key.account_id, new).await {
        Ok(s) => s,
        Err(switchboard_service::ServiceError::Invalid { field, message }) => {
            return refused(format!("{field}: {message}")).await
        }
        Err(e) => return Err(e.into()),
    };
    html(SecretPage {
        title: "Webhook created",
        shell: Shell::of(&posted.signed, "webhooks"),
        subscription: SubscriptionRow::of(&s, None),
        secret: s.secret.clone(),
        rotated: false,
    })
}

/// The subscription's page, its log starting before `before`.
pub async fn page(
    state: &ConsoleState,
    signed: &Signed,
    id: SubscriptionId,
    before: Option<&str>,
    flash: Option<String>,
) -> ConsoleResult<WebhookPage> {
    let key = manager(signed)?;
    let store = state.app.store().as_ref();
    let s = subscriptions::get(store, key.account_id, id).await?;
    let (log, s) = deliveries::log(state, key, &s, before).await?;
    let newest = if before.is_none() {
        log.rows.first().map(|r| r.logged.clone())
    } else {
        store
            .delivery_log(key.account_id, s.id, None, 1)
            .await?
            .into_iter()
            .next()
    };
    let subscription = SubscriptionRow::of(&s, newest.as_ref());
    Ok(WebhookPage {
        title: "Webhook",
        shell: Shell::of(signed, "webhooks"),
        edit: SubscriptionForm {
            url: subscription.url.clone(),
            events: subscription.events.clone(),
            format: subscription.format.clone(),
            channel: subscription.channel.clone(),
            description: subscription.description.clone(),
        },
        formats: format_choices(&subscription.format),
        subscription,
        log,
        flash,
        fragment: false,
        edit_error: None,
    })
}

/// `GET /console/webhooks/{id}`: the subscription, its actions and its delivery log.
pub async fn detail(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> ConsoleResult<Response> {
    let id = parse_id(&id)?;
    let message = match &flash {
        Flash {
            tested: Some(_), ..
        } => Some("Test event sent: its delivery is at the top of the log.".to_string()),
        Flash {
            switched: Some(s), ..
        } => Some(format!("Subscription {s}.")),
        Flash {
            retried: Some(_), ..
        } => Some("Delivery queued again: it is attempted now.".to_string()),
        Flash {
            edited: Some(_), ..
        } => Some("Subscription changed: the next deliveries use it.".to_string()),
        Flash {
            replayed: Some(n), ..
        } => Some(format!(
            "Replay queued {n} deliver{}.",
            if *n == 1 { "y" } else { "ies" }
        )),
        _ => None,
    };
    html(page(&state, &signed, id, flash.before.as_deref(), message).await?)
}

/// `POST /console/webhooks/{id}/test`: sends a test event, then back to the log.
pub async fn send_test(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = manager(&posted.signed)?;
    let id = parse_id(&id)?;
    let parts = WebhookParts::from(&state.app.gateway);
    let d = subscriptions::send_test(&parts, key.account_id, id).await?;
    Ok(Redirect::to(&format!("/console/webhooks/{id}?tested={}", d.id)).into_response())
}

/// `POST /console/webhooks/{id}/rotate`: a new signing secret, shown this once; the old one
/// keeps signing beside it for a day.
pub async fn rotate(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = manager(&posted.signed)?;
    let id = parse_id(&id)?;
    let s = subscriptions::rotate_secret(
        state.app.store().as_ref(),
        key.account_id,
        id,
        ROTATION_OVERLAP_MS,
    )
    .await?;
    html(SecretPage {
        title: "Secret rotated",
        shell: Shell::of(&posted.signed, "webhooks"),
        subscription: SubscriptionRow::of(&s, None),
        secret: s.secret.clone(),
        rotated: true,
    })
}

/// `POST /console/webhooks/{id}/enabled`: the form's `enabled` (`true` / `false`) enables
/// (clearing an automatic disable) or disables the subscription.
pub async fn set_enabled(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = manager(&posted.signed)?;
    let id = parse_id(&id)?;
    let enabled = match posted.fields.get("enabled").map(String::as_str) {
        Some("true") => true,
        Some("false") => false,
        _ => return Err(bad("enabled: use true or false")),
    };
    let patch = SubscriptionPatch {
        enabled: Some(enabled),
        ..Default::default()
    };
    subscriptions::update(state.app.store().as_ref(), key.account_id, id, patch).await?;
    let word = if enabled { "enabled" } else { "disabled" };
    Ok(Redirect::to(&format!("/console/webhooks/{id}?switched={word}")).into_response())
}

/// `POST /console/webhooks/{id}/edit`: changes the URL, event filter, payload format and
/// note (checked as `PATCH /v1/subscriptions/{id}` checks them); a refusal shows the page
/// again with the form as given and why.
pub async fn edit(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = manager(&posted.signed)?.clone();
    let id = parse_id(&id)?;
    let field = |name: &str| posted.fields.get(name).cloned().unwrap_or_default();
    let form = SubscriptionForm {
        url: field("url"),
        events: field("events"),
        format: field("format"),
        channel: String::new(),
        description: field("description"),
    };
    let refused = |message: String| async {
        let mut view = page(&state, &posted.signed, id, None, None).await?;
        view.formats = format_choices(&form.format);
        view.edit = SubscriptionForm {
            channel: view.subscription.channel.clone(),
            ..form.clone()
        };
        view.edit_error = Some(message);
        Ok::<_, ConsoleError>(
            (
                StatusCode::BAD_REQUEST,
                axum::response::Html(view.render()?),
            )
                .into_response(),
        )
    };
    let (url, events, format) = match checked_target(&state, &form) {
        Ok(checked) => checked,
        Err(message) => return refused(message).await,
    };
    let patch = SubscriptionPatch {
        url: Some(url),
        events: Some(events),
        format: Some(format),
        enabled: None,
        description: Some(form.description.trim().to_string()),
    };
    match subscriptions::update(state.app.store().as_ref(), key.account_id, id, patch).await {
        Ok(_) => Ok(Redirect::to(&format!("/console/webhooks/{id}?edited=1")).into_response()),
        Err(switchboard_service::ServiceError::Invalid { field, message }) => {
            refused(format!("{field}: {message}")).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /console/webhooks/{id}/delete`: deletes the subscription and its deliveries.
pub async fn delete(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = manager(&posted.signed)?;
    let id = parse_id(&id)?;
    subscriptions::delete(state.app.store().as_ref(), key.account_id, id).await?;
    Ok(Redirect::to(&format!("/console/webhooks?deleted={id}")).into_response())
}
