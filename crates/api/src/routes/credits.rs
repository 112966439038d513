//! `/v1/accounts/{id}/credits`: an account's credit balance and ledger. The admin key reads
//! and changes any account's credits; an account key reads its own balance.

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::id::{AccountId, AccountMarker};
use switchboard_core::time::to_rfc3339;
use switchboard_service::credits::{self, ChangeError, Credits};
use switchboard_store::credits::CreditMovement;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::Admin;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, ApiJson};
use crate::state::AppState;

/// Body of `POST /v1/accounts/{id}/credits`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeCredits {
    /// Signed, non-zero number of credits: positive credits the account, negative debits it.
    pub amount: i64,
    /// Optional note stored in the ledger as the movement's reference (at most 200 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// One ledger movement.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditMovementView {
    /// Signed amount.
    pub amount: i64,
    /// The balance right after the movement.
    pub balance_after: i64,
    /// `admin_credit` or `admin_debit` (broadcasts will add their own reasons).
    pub reason: String,
    /// The note or related object, if any.
    pub reference: Option<String>,
    /// When (RFC 3339).
    pub created_at: String,
}

/// An account's credits.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditsView {
    /// `acc_…`
    pub account_id: String,
    /// Current balance (never negative).
    pub balance: i64,
    /// The latest movements, newest first (at most 50).
    pub movements: Vec<CreditMovementView>,
}

impl From<CreditMovement> for CreditMovementView {
    fn from(m: CreditMovement) -> Self {
        CreditMovementView {
            amount: m.amount,
            balance_after: m.balance_after,
            reason: m.reason,
            reference: m.reference,
            created_at: to_rfc3339(m.created_at),
        }
    }
}

/// The credits routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_credits, change_credits))
}

async fn existing_account(state: &AppState, id: &str) -> ApiResult<AccountId> {
    let id = path_id::<AccountMarker>(id, "account")?;
    if credits::account_exists(state.store().as_ref(), id).await? {
        Ok(id)
    } else {
        Err(ApiError::NotFound(format!("no account {id}")))
    }
}

impl From<Credits> for CreditsView {
    fn from(c: Credits) -> Self {
        CreditsView {
            account_id: c.account_id.to_string(),
            balance: c.balance,
            movements: c.movements.into_iter().map(Into::into).collect(),
        }
    }
}

/// Reads an account's credit balance and latest movements (admin key, or a key of that account).
#[utoipa::path(get, path = "/v1/accounts/{id}/credits", tag = "accounts",
    params(("id" = String, Path, description = "Account id (`acc_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = CreditsView), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn get_credits(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<CreditsView>> {
    if let Principal::Key(key) = &principal {
        let wanted = path_id::<AccountMarker>(&id, "account")?;
        if key.account_id != wanted {
            return Err(ApiError::NotFound(format!("no account {wanted}")));
        }
    }
    let id = existing_account(&state, &id).await?;
    Ok(Json(credits::get(state.store().as_ref(), id).await?.into()))
}

/// Credits (positive amount) or debits (negative amount) an account (admin key required).
/// A debit larger than the balance is refused with 402 `insufficient_credits`.
#[utoipa::path(post, path = "/v1/accounts/{id}/credits", tag = "accounts", request_body = ChangeCredits,
    params(("id" = String, Path, description = "Account id (`acc_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = CreditsView), (status = 400, body = crate::error::ErrorBody),
        (status = 402, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
async fn change_credits(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChangeCredits>,
) -> ApiResult<Json<CreditsView>> {
    let id = existing_account(&state, &id).await?;
    let changed = credits::change(
        state.store().as_ref(),
        id,
        body.amount,
        body.note.as_deref(),
    )
    .await
    .map_err(|e| match e {
        ChangeError::Insufficient { needed, available } => ApiError::InsufficientCredits(format!(
            "insufficient credits: needed {needed}, available {available}"
        )),
        ChangeError::Service(e) => e.into(),
    })?;
    Ok(Json(changed.into()))
}
