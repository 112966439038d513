//! `/v1/accounts`: managed with the admin key.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::account::Account;
use switchboard_core::id::AccountMarker;
use switchboard_core::time::to_rfc3339;
use switchboard_service::accounts;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::PageQuery;
use crate::access::Admin;
use crate::error::ApiResult;
use crate::extract::{path_id, ApiJson, ApiQuery};
use crate::list::List;
use crate::state::AppState;

/// Body of `POST /v1/accounts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    /// Display name, 1–100 characters.
    pub name: String,
}

/// An account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    /// `acc_…`
    pub id: String,
    /// Display name.
    pub name: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

/// A new account with the secret of its first key (shown only here).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedAccountView {
    /// `acc_…`
    pub id: String,
    /// Display name.
    pub name: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// The first account-wide `manage` key. Store it now: it is never shown again.
    pub api_key: String,
}

/// A page of accounts.
pub type AccountList = List<AccountView>;

impl From<Account> for AccountView {
    fn from(a: Account) -> Self {
        AccountView {
            id: a.id.to_string(),
            name: a.name,
            created_at: to_rfc3339(a.created_at),
        }
    }
}

/// The accounts routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_account, list_accounts))
        .routes(routes!(get_account))
}

/// Creates an account and its first API key (admin key required).
#[utoipa::path(post, path = "/v1/accounts", tag = "accounts", request_body = CreateAccount,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedAccountView),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
    ))]
async fn create_account(
    State(state): State<AppState>,
    _admin: Admin,
    ApiJson(body): ApiJson<CreateAccount>,
) -> ApiResult<(StatusCode, Json<CreatedAccountView>)> {
    let created = accounts::create(state.store().as_ref(), &body.name, |_| Vec::new()).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedAccountView {
            id: created.account.id.to_string(),
            name: created.account.name,
            created_at: to_rfc3339(created.account.created_at),
            api_key: created.api_key,
        }),
    ))
}

/// Lists accounts (admin key required).
#[utoipa::path(get, path = "/v1/accounts", tag = "accounts", params(PageQuery),
    security(("bearer" = [])),
    responses((status = 200, body = List<AccountView>), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
async fn list_accounts(
    State(state): State<AppState>,
    _admin: Admin,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<AccountList>> {
    let page = accounts::list(state.store().as_ref(), &page.into()).await?;
    Ok(Json(AccountList {
        data: page.items.into_iter().map(AccountView::from).collect(),
        next: page.next,
    }))
}

/// Reads an account (admin key required).
#[utoipa::path(get, path = "/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path, description = "Account id (`acc_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = AccountView), (status = 403, description = "Not the admin key", body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn get_account(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<AccountView>> {
    let id = path_id::<AccountMarker>(&id, "account")?;
    Ok(Json(
        accounts::get(state.store().as_ref(), id).await?.into(),
    ))
}
