//! The overview (`GET /console` for an account): the channels with their status and today's
//! traffic, the conversations waiting for an answer, the webhooks that fail, the credits, and
//! the first steps while the account is new. Read from the same services as the other pages.

use askama::Template;
use axum::response::Response;
use switchboard_core::channel::ChannelKind;
use switchboard_core::key::Permission;
use switchboard_core::time::{now_millis, to_rfc3339};
use switchboard_service::conversations;
use switchboard_service::stats::today_counts;
use switchboard_store::PageRequest;

use super::html;
use crate::error::ConsoleResult;
use crate::session::Signed;
use crate::views::{Badge, Shell};
use crate::ConsoleState;

/// Channels whose traffic the overview counts (the rest are listed on the Channels page).
const CHANNELS_COUNTED: usize = 20;
/// Conversations read to count the waiting ones.
const CONVERSATIONS_READ: u32 = 500;

/// A channel with today's traffic.
#[derive(Debug, Clone)]
pub struct ChannelToday {
    /// `ch_…`
    pub id: String,
    /// Its name (escaped).
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Its status badge.
    pub badge: Badge,
    /// Sent today (its time zone's day).
    pub sent: u64,
    /// Delivered today.
    pub delivered: u64,
    /// Failed today.
    pub failed: u64,
    /// Received today.
    pub received: u64,
}

/// A subscription that needs attention.
#[derive(Debug, Clone)]
pub struct WebhookTrouble {
    /// `sub_…`
    pub id: String,
    /// Its URL (escaped).
    pub url: String,
    /// `failing since …` or `disabled: …`.
    pub state: String,
}

/// The overview page.
#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    title: &'static str,
    shell: Shell,
    channels: Vec<ChannelToday>,
    more_channels: usize,
    only_sandbox: bool,
    waiting: usize,
    unread: u64,
    open_windows: usize,
    webhooks_shown: bool,
    subscriptions: usize,
    troubles: Vec<WebhookTrouble>,
    balance: i64,
}

/// `GET /console` for an account's session.
pub async fn page(state: &ConsoleState, signed: &Signed) -> ConsoleResult<Response> {
    let key = signed.key()?;
    let store = state.app.store().as_ref();
    let all = PageRequest {
        after: None,
        limit: Some(500),
    };
    let listed = super::visible_channels(state, key).await?;
    let now = now_millis();
    let mut channels = Vec::new();
    for c in listed.iter().take(CHANNELS_COUNTED) {
        let today = today_counts(store, &state.app.gateway.pricing, c, now).await?;
        channels.push(ChannelToday {
            id: c.id.to_string(),
            name: c.name.clone(),
            kind: c.kind.as_str().to_string(),
            badge: Badge {
                status: c.state.status.as_str().to_string(),
            },
            sent: today.sent,
            delivered: today.delivered,
            failed: today.failed,
            received: today.received,
        });
    }
    let only_sandbox = listed.iter().all(|c| c.kind == ChannelKind::Sandbox);
    let convs = conversations::list(
        store,
        key.account_id,
        key.channel_id,
        None,
        &PageRequest {
            after: None,
            limit: Some(CONVERSATIONS_READ),
        },
    )
    .await?;
    let waiting = convs
        .items
        .iter()
        .filter(|s| s.conversation.unread > 0)
        .count();
    let unread = convs
        .items
        .iter()
        .map(|s| u64::from(s.conversation.unread))
        .sum();
    let open_windows = convs
        .items
        .iter()
        .filter(|s| s.window_expires_at.is_some_and(|at| at > now))
        .count();
    let webhooks_shown =
        key.permission.allows(Permission::Manage) && key.require_account_wide().is_ok();
    let (subscriptions, troubles) = if webhooks_shown {
        let subs =
            switchboard_service::webhooks::subscriptions::list(store, key.account_id, &all).await?;
        let troubles = subs
            .items
            .iter()
            .filter_map(|s| {
                let state = match (&s.disabled_reason, s.failing_since, s.enabled) {
                    (Some(reason), _, false) => format!("disabled: {reason}"),
                    (_, Some(since), true) => format!("failing since {}", to_rfc3339(since)),
                    _ => return None,
                };
                Some(WebhookTrouble {
                    id: s.id.to_string(),
                    url: s.url.clone(),
                    state,
                })
            })
            .collect();
        (subs.items.len(), troubles)
    } else {
        (0, Vec::new())
    };
    html(OverviewPage {
        title: "Overview",
        shell: Shell::of(signed, "overview"),
        more_channels: listed.len().saturating_sub(CHANNELS_COUNTED),
        channels,
        only_sandbox,
        waiting,
        unread,
        open_windows,
        webhooks_shown,
        subscriptions,
        troubles,
        balance: store.credit_balance(key.account_id).await?,
    })
}
