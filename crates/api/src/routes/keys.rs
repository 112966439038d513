//! `/v1/keys`: an account's API keys. Needs an account-wide `manage` key.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::id::{ChannelMarker, KeyMarker};
use switchboard_core::key::{ApiKey, Permission};
use switchboard_core::time::to_rfc3339;
use switchboard_service::keys::{self, NewKey};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::PageQuery;
use crate::access::{AccountWide, Auth, CanManage};
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, ApiJson, ApiQuery};
use crate::list::List;
use crate::state::AppState;

/// Body of `POST /v1/keys`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    /// A label (default: the permission name).
    pub name: Option<String>,
    /// `read`, `send` or `manage` (default `send`).
    #[schema(value_type = Option<String>, example = "send")]
    pub permission: Option<String>,
    /// Limits the key to one channel of the account (`ch_…`).
    pub channel_id: Option<String>,
}

/// An API key (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    /// `key_…`
    pub id: String,
    /// Label.
    pub name: String,
    /// `read`, `send` or `manage`.
    pub permission: String,
    /// The one channel the key is limited to, or null for account-wide.
    pub channel_id: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Revocation time, or null while valid.
    pub revoked_at: Option<String>,
    /// When the key last authenticated a request (RFC 3339), or null if never. Recorded at
    /// most once a minute per server node, so it may be up to a minute behind.
    pub last_used_at: Option<String>,
}

/// A new key with its secret (shown only here).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKeyView {
    /// The key.
    #[serde(flatten)]
    pub key: KeyView,
    /// The secret to send as `Authorization: Bearer …`. Store it now: it is never shown again.
    pub secret: String,
}

/// A page of keys.
pub type KeyList = List<KeyView>;

impl From<ApiKey> for KeyView {
    fn from(k: ApiKey) -> Self {
        KeyView {
            id: k.id.to_string(),
            name: k.name,
            permission: k.permission.to_string(),
            channel_id: k.channel_id.map(|c| c.to_string()),
            created_at: to_rfc3339(k.created_at),
            revoked_at: k.revoked_at.map(to_rfc3339),
            last_used_at: k.last_used_at.map(to_rfc3339),
        }
    }
}

/// The keys routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_key, list_keys))
        .routes(routes!(revoke_key))
}

/// Creates an API key; the secret is in this answer only.
#[utoipa::path(post, path = "/v1/keys", tag = "keys", request_body = CreateKey,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedKeyView),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
    ))]
async fn create_key(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    ApiJson(body): ApiJson<CreateKey>,
) -> ApiResult<(StatusCode, Json<CreatedKeyView>)> {
    let permission = match body.permission.as_deref() {
        None => Permission::Send,
        Some(p) => p
            .parse()
            .map_err(|m: String| ApiError::invalid(format!("permission: {m}")))?,
    };
    let channel_id = match body.channel_id.as_deref() {
        None => None,
        Some(text) => Some(path_id::<ChannelMarker>(text, "channel").map_err(|_| {
            ApiError::invalid(format!(
                "channel_id: `{text}` is not a channel of this account"
            ))
        })?),
    };
    let created = keys::create(
        state.store().as_ref(),
        key.account_id,
        NewKey {
            name: body.name,
            permission,
            channel_id,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKeyView {
            key: created.key.into(),
            secret: created.token,
        }),
    ))
}

/// Lists the account's keys, revoked ones included; never their secrets.
#[utoipa::path(get, path = "/v1/keys", tag = "keys", params(PageQuery),
    security(("bearer" = [])),
    responses((status = 200, body = List<KeyView>), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
async fn list_keys(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<KeyList>> {
    let page = keys::list(state.store().as_ref(), key.account_id, &page.into()).await?;
    Ok(Json(KeyList {
        data: page.items.into_iter().map(KeyView::from).collect(),
        next: page.next,
    }))
}

/// Revokes a key at once.
#[utoipa::path(delete, path = "/v1/keys/{id}", tag = "keys",
    params(("id" = String, Path, description = "Key id (`key_…`)")),
    security(("bearer" = [])),
    responses((status = 204, description = "revoked"), (status = 404, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
async fn revoke_key(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = path_id::<KeyMarker>(&id, "key")?;
    keys::revoke(state.store().as_ref(), key.account_id, id).await?;
    state.auth.forget(id);
    Ok(StatusCode::NO_CONTENT)
}
