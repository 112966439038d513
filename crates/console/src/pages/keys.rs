//! API keys: the account's keys with their permission, scope, creation and last use;
//! creating one (its secret shown once) and revoking one (which ends the console sessions
//! made with it, the next time they are used).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_core::id::{ChannelMarker, KeyMarker};
use switchboard_core::key::{ApiKey, Permission};
use switchboard_core::time::to_rfc3339;
use switchboard_service::keys::{self, NewKey};
use switchboard_store::PageRequest;

use super::html;
use super::webhooks::{manager, ChannelChoice};
use crate::csrf::Posted;
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::views::Shell;
use crate::ConsoleState;

/// Keys listed on the page.
const LISTED: u32 = 500;

/// A key as the page shows it (never its secret).
#[derive(Debug, Clone)]
pub struct KeyRow {
    /// `key_…`
    pub id: String,
    /// Its label (chosen by a person: escaped).
    pub name: String,
    /// `read`, `send` or `manage`.
    pub permission: String,
    /// The one channel it is limited to, or empty.
    pub channel: String,
    /// Created (RFC 3339).
    pub created: String,
    /// Last used (RFC 3339), or empty if never.
    pub last_used: String,
    /// Revoked (RFC 3339), or empty while valid.
    pub revoked: String,
    /// Whether this is the key the session was made with.
    pub current: bool,
}

impl KeyRow {
    fn of(k: &ApiKey, current: bool) -> Self {
        KeyRow {
            id: k.id.to_string(),
            name: k.name.clone(),
            permission: k.permission.to_string(),
            channel: k.channel_id.map(|c| c.to_string()).unwrap_or_default(),
            created: to_rfc3339(k.created_at),
            last_used: k.last_used_at.map(to_rfc3339).unwrap_or_default(),
            revoked: k.revoked_at.map(to_rfc3339).unwrap_or_default(),
            current,
        }
    }
}

/// A key just created, with its secret (shown this once).
#[derive(Debug, Clone)]
pub struct CreatedKey {
    /// The key.
    pub row: KeyRow,
    /// The full token.
    pub secret: String,
}

/// The API keys page.
#[derive(Template)]
#[template(path = "keys.html")]
struct KeysPage {
    title: &'static str,
    shell: Shell,
    keys: Vec<KeyRow>,
    channels: Vec<ChannelChoice>,
    created: Option<CreatedKey>,
    error: Option<String>,
    flash: Option<String>,
    local_url: String,
}

/// `?revoked=` after a revocation.
#[derive(Debug, Deserialize)]
pub struct Flash {
    /// The key just revoked.
    pub revoked: Option<String>,
}

async fn page(
    state: &ConsoleState,
    signed: &Signed,
    created: Option<CreatedKey>,
    error: Option<String>,
    flash: Option<String>,
) -> ConsoleResult<KeysPage> {
    let key = manager(signed)?;
    let store = state.app.store().as_ref();
    let listed = keys::list(
        store,
        key.account_id,
        &PageRequest {
            after: None,
            limit: Some(LISTED),
        },
    )
    .await?;
    let channels = switchboard_service::channels::list(
        store,
        key.account_id,
        None,
        &PageRequest {
            after: None,
            limit: Some(500),
        },
    )
    .await?;
    Ok(KeysPage {
        title: "API keys",
        shell: Shell::of(signed, "keys"),
        keys: listed
            .items
            .iter()
            .map(|k| KeyRow::of(k, k.id == key.key_id))
            .collect(),
        channels: channels
            .items
            .iter()
            .map(|c| ChannelChoice {
                id: c.id.to_string(),
                name: c.name.clone(),
            })
            .collect(),
        created,
        error,
        flash,
        local_url: super::public_base(state),
    })
}

/// `GET /console/keys`.
pub async fn list(
    State(state): State<ConsoleState>,
    signed: Signed,
    Query(flash): Query<Flash>,
) -> ConsoleResult<Response> {
    let flash = flash.revoked.map(|id| {
        format!("Key {id} revoked: it and the console sessions made with it no longer work.")
    });
    html(page(&state, &signed, None, None, flash).await?)
}

fn new_key(fields: &std::collections::HashMap<String, String>) -> Result<NewKey, String> {
    let field = |name: &str| fields.get(name).map(|v| v.trim()).unwrap_or_default();
    let permission: Permission = match field("permission") {
        "" => Permission::Send,
        p => p.parse().map_err(|m: String| format!("permission: {m}"))?,
    };
    let channel_id = match field("channel") {
        "" => None,
        text => Some(
            switchboard_api::extract::path_id::<ChannelMarker>(text, "channel")
                .map_err(|_| format!("channel: `{text}` is not a channel of this account"))?,
        ),
    };
    let name = Some(field("name").to_string()).filter(|n| !n.is_empty());
    Ok(NewKey {
        name,
        permission,
        channel_id,
    })
}

/// `POST /console/keys`: creates a key and answers with the page showing its secret this
/// once (no redirect, so the secret is never in a URL or kept anywhere).
pub async fn create(State(state): State<ConsoleState>, posted: Posted) -> ConsoleResult<Response> {
    let key = manager(&posted.signed)?.clone();
    let refused = |message: String| async {
        let page = page(&state, &posted.signed, None, Some(message), None).await?;
        Ok::<_, ConsoleError>((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
    };
    let new = match new_key(&posted.fields) {
        Ok(new) => new,
        Err(message) => return refused(message).await,
    };
    let created = match keys::create(state.app.store().as_ref(), key.account_id, new).await {
        Ok(created) => created,
        Err(switchboard_service::ServiceError::Invalid { field, message }) => {
            return refused(format!("{field}: {message}")).await
        }
        Err(e) => return Err(e.into()),
    };
    let shown = CreatedKey {
        row: KeyRow::of(&created.key, false),
        secret: created.token,
    };
    html(page(&state, &posted.signed, Some(shown), None, None).await?)
}

/// `POST /console/keys/{id}/revoke`: revokes the key at once (on this node; others within
/// their few-second cache); sessions made with it end on their next request.
pub async fn revoke(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = manager(&posted.signed)?;
    let id = switchboard_api::extract::path_id::<KeyMarker>(&id, "key")?;
    keys::revoke(state.app.store().as_ref(), key.account_id, id).await?;
    state.app.auth.forget(id);
    Ok(Redirect::to(&format!("/console/keys?revoked={id}")).into_response())
}
