//! Broadcasts (one message queued for many recipients): `POST /v1/broadcasts` (JSON, or multipart/form-data with a
//! `broadcast` JSON part and a `csv` file part), `GET /v1/broadcasts`,
//! `GET /v1/broadcasts/{id}`, `GET /v1/broadcasts/{id}/targets` and
//! `POST /v1/broadcasts/{id}/pause|resume|cancel`.

use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_core::broadcast::{BroadcastRecord, BroadcastView, TargetStatus};
use switchboard_core::id::{BroadcastId, BroadcastMarker};
use switchboard_core::time::{now_millis, to_rfc3339};
use switchboard_service::broadcasts::manage;
use switchboard_service::broadcasts::request::{new_broadcast, CreateRequest};
use switchboard_service::broadcasts::spool::{
    discard, inspect_spooled, spool_path, Spool, SpoolError,
};
use switchboard_service::broadcasts::{create as create_broadcast, BroadcastError};
use switchboard_service::send::SendParts;
use switchboard_store::broadcasts::{ControlAction, ControlOutcome, TargetRecord};
use switchboard_store::PageRequest;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::PageQuery;
use crate::access::{key_channel_named, Auth, CanRead, CanSend};
use crate::auth::KeyPrincipal;
use crate::error::{ApiError, ApiResult, Context};
use crate::extract::{path_id, ApiQuery};
use crate::list::List;
use crate::state::AppState;

/// Hard cap of a create request's body; the configured `broadcasts.upload_limit_bytes` is
/// checked within it.
const CREATE_BODY_LIMIT: usize = 4 * 1024 * 1024 * 1024;

/// The broadcast routes.
pub fn router() -> OpenApiRouter<AppState> {
    let create = OpenApiRouter::new()
        .routes(routes!(create, list))
        .layer(DefaultBodyLimit::max(CREATE_BODY_LIMIT));
    OpenApiRouter::new()
        .merge(create)
        .routes(routes!(get_one))
        .routes(routes!(targets))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(cancel))
}

/// Body of `POST /v1/broadcasts` (as JSON, or as the `broadcast` part of a multipart upload
/// whose `csv` part is the audience).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBroadcast {
    /// The channel to send on (`ch_…`).
    pub channel_id: String,
    /// A label.
    #[serde(default)]
    pub name: Option<String>,
    /// A Cloud API message object without `to` (any kind; templates are checked against the
    /// channel's templates). Any string may hold the placeholders `{{phone}}`,
    /// `{{contact.name}}` and `{{contact.custom.KEY}}`, with an optional default after `|`.
    #[schema(value_type = Object)]
    pub message: Value,
    /// Exactly one of `{"numbers": ["+1 555…" | {"phone", "name", "fields"}]}`,
    /// `{"contact_ids": ["ct_…"]}` or `{"tags": ["vip"]}` (contacts with any of the tags).
    /// Leave it out when uploading a CSV.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub audience: Option<Value>,
    /// When to start (RFC 3339 with an offset); at once when absent.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub send_at: Option<Value>,
}

/// A page of broadcasts.
pub type BroadcastList = List<BroadcastView>;

/// One target of a broadcast.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetView {
    /// Position in the audience (0, 1, 2…).
    pub seq: i64,
    /// The recipient (normalized when it is a valid number).
    pub wa_id: String,
    /// `pending`, `queued`, `sent`, `delivered`, `seen`, `not_delivered`, `failed`,
    /// `skipped` or `canceled`.
    pub status: String,
    /// The message (`msg_…`), once queued.
    pub message_id: Option<String>,
    /// Why it failed or was skipped.
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
    /// The values its placeholders were filled from.
    #[schema(value_type = Object)]
    pub fields: Value,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

/// A page of targets.
pub type TargetList = List<TargetView>;

/// Filters and paging of `GET /v1/broadcasts/{id}/targets`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {
    /// Only targets in this status.
    pub status: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Cursor: the `next` value of the previous page.
    pub after: Option<String>,
}

impl From<&TargetRecord> for TargetView {
    fn from(t: &TargetRecord) -> Self {
        TargetView {
            seq: t.seq,
            wa_id: t.wa_id.clone(),
            status: t.status.as_str().to_string(),
            message_id: t.message_id.map(|m| m.to_string()),
            error: t.error.clone(),
            fields: t.fields.clone(),
            updated_at: to_rfc3339(t.updated_at),
        }
    }
}

fn service_error(e: BroadcastError) -> ApiError {
    match e {
        BroadcastError::Invalid {
            code: code @ "unsupported_message_kind",
            message,
        } => ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code,
            message,
        },
        BroadcastError::Invalid { code, message } => ApiError::BadRequest { code, message },
        e @ BroadcastError::Insufficient { .. } => ApiError::InsufficientCredits(e.to_string()),
        BroadcastError::Store(e) => ApiError::internal("storing a broadcast", e),
    }
}

fn parse_body(bytes: &[u8]) -> ApiResult<CreateBroadcast> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest {
        code: "invalid_body",
        message: format!("the broadcast JSON is not valid: {e}"),
    })
}

fn spool_error(e: SpoolError) -> ApiError {
    match e {
        e @ SpoolError::TooLarge(_) => ApiError::PayloadTooLarge(e.to_string()),
        SpoolError::Invalid(message) => ApiError::BadRequest {
            code: "invalid_audience",
            message,
        },
        SpoolError::Io(detail) => ApiError::Internal(detail),
    }
}

/// Reads a multipart create request: the `broadcast` JSON part and the `csv` file part, which
/// is spooled as it arrives. Returns the JSON and whether a CSV came.
async fn read_multipart(
    state: &AppState,
    request: Request,
    id: BroadcastId,
) -> ApiResult<(CreateBroadcast, bool)> {
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|e| ApiError::invalid(format!("the multipart body is malformed: {e}")))?;
    let mut body = None;
    let mut csv = false;
    let malformed = |e: axum::extract::multipart::MultipartError| {
        ApiError::invalid(format!("the multipart body could not be read: {e}"))
    };
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        match field.name().unwrap_or("") {
            "broadcast" => {
                let limit = state.settings.body_limit;
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                    if bytes.len() + chunk.len() > limit {
                        return Err(ApiError::PayloadTooLarge(format!(
                            "the `broadcast` part is larger than {limit} bytes (http.body_limit_bytes); only the `csv` part may be large"
                        )));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                body = Some(parse_body(&bytes)?);
            }
            "csv" => {
                let mut spool = Spool::create(&state.gateway.broadcasts.settings, id)
                    .await
                    .map_err(spool_error)?;
                while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                    spool.write(&chunk).await.map_err(spool_error)?;
                }
                spool.finish().await.map_err(spool_error)?;
                csv = true;
            }
            other => {
                return Err(ApiError::invalid(format!(
                    "unknown multipart part `{other}`: send `broadcast` (JSON) and `csv` (the audience file)"
                )))
            }
        }
    }
    let body = body.ok_or_else(|| {
        ApiError::invalid("the multipart body has no `broadcast` part (the broadcast as JSON)")
    })?;
    Ok((body, csv))
}

async fn create_from(
    state: &AppState,
    key: &KeyPrincipal,
    id: BroadcastId,
    body: CreateBroadcast,
    csv: Option<&std::path::Path>,
) -> ApiResult<BroadcastRecord> {
    let channel = key_channel_named(state, key, &body.channel_id).await?;
    let layout = match csv {
        Some(path) => Some(inspect_spooled(path).await.map_err(spool_error)?),
        None => None,
    };
    let request = CreateRequest {
        name: body.name,
        message: body.message,
        audience: body.audience,
        send_at: body.send_at,
    };
    let new = new_broadcast(id, request, layout).map_err(service_error)?;
    create_broadcast(
        &SendParts::from(&state.gateway),
        &state.gateway.broadcasts,
        &channel,
        new,
        now_millis(),
    )
    .await
    .map_err(service_error)
}

/// Creates a broadcast: validates the message once (templates against the channel's
/// templates), resolves the audience size and reserves its credits (1 per target by default);
/// 402 `insufficient_credits` stores and sends nothing. Send JSON, or multipart/form-data with
/// a `broadcast` part (this JSON without `audience`) and a `csv` part (header row with a
/// `phone` column, optional `name`, other columns as custom fields). Targets are materialized
/// and sent in the background.
#[utoipa::path(post, path = "/v1/broadcasts", tag = "broadcasts", request_body = CreateBroadcast,
    security(("bearer" = [])),
    responses((status = 201, body = BroadcastView), (status = 400, body = crate::error::ErrorBody),
        (status = 402, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    key: Auth<CanSend>,
    request: Request,
) -> ApiResult<(StatusCode, Json<BroadcastView>)> {
    let id = BroadcastId::new();
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let record = if content_type.starts_with("multipart/form-data") {
        let path = spool_path(&state.gateway.broadcasts.settings, id);
        let result = async {
            let (body, csv) = read_multipart(&state, request, id).await?;
            create_from(&state, &key, id, body, csv.then_some(path.as_path())).await
        }
        .await;
        if result.is_err() {
            discard(&path).await;
        }
        result?
    } else if content_type.starts_with("application/json") {
        let limit = usize::try_from(state.gateway.broadcasts.settings.upload_limit_bytes)
            .unwrap_or(usize::MAX);
        let bytes = axum::body::to_bytes(request.into_body(), limit)
            .await
            .map_err(|_| {
                ApiError::PayloadTooLarge(format!(
                    "the body is larger than {limit} bytes (broadcasts.upload_limit_bytes); upload large audiences as a CSV"
                ))
            })?;
        let body = parse_body(&bytes)?;
        create_from(&state, &key, id, body, None).await?
    } else {
        return Err(ApiError::UnsupportedMediaType(
            "send the broadcast as application/json, or as multipart/form-data with `broadcast` and `csv` parts".into(),
        ));
    };
    Ok((StatusCode::CREATED, Json(BroadcastView::from(&record))))
}

/// Lists the account's broadcasts with their counters, oldest first.
#[utoipa::path(get, path = "/v1/broadcasts", tag = "broadcasts", params(PageQuery),
    security(("bearer" = [])), responses((status = 200, body = List<BroadcastView>)))]
async fn list(
    State(state): State<AppState>,
    key: Auth<CanRead>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<BroadcastList>> {
    let page = manage::list(
        state.store().as_ref(),
        key.account_id,
        key.channel_id,
        &PageRequest::from(page),
    )
    .await?;
    Ok(Json(BroadcastList {
        data: page.items.iter().map(BroadcastView::from).collect(),
        next: page.next,
    }))
}

async fn find(state: &AppState, key: &KeyPrincipal, id: &str) -> ApiResult<BroadcastRecord> {
    let id = path_id::<BroadcastMarker>(id, "broadcast")?;
    Ok(manage::get(state.store().as_ref(), key.account_id, key.channel_id, id).await?)
}

/// Reads a broadcast with its counters.
#[utoipa::path(get, path = "/v1/broadcasts/{id}", tag = "broadcasts",
    params(("id" = String, Path, description = "Broadcast id (`bc_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = BroadcastView), (status = 404, body = crate::error::ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    key: Auth<CanRead>,
    Path(id): Path<String>,
) -> ApiResult<Json<BroadcastView>> {
    Ok(Json(BroadcastView::from(&find(&state, &key, &id).await?)))
}

/// Lists a broadcast's targets by position, optionally only one status.
#[utoipa::path(get, path = "/v1/broadcasts/{id}/targets", tag = "broadcasts",
    params(("id" = String, Path, description = "Broadcast id (`bc_…`)"), TargetQuery),
    security(("bearer" = [])),
    responses((status = 200, body = List<TargetView>), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
async fn targets(
    State(state): State<AppState>,
    key: Auth<CanRead>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<TargetQuery>,
) -> ApiResult<Json<TargetList>> {
    let b = find(&state, &key, &id).await?;
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(TargetStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(format!(
                "`status` must be one of {}",
                TargetStatus::ALL.map(|t| t.as_str()).join(", ")
            ))
        })?),
    };
    if query
        .after
        .as_deref()
        .is_some_and(|a| !a.is_empty() && a.parse::<i64>().is_err())
    {
        return Err(ApiError::invalid(
            "`after` must be the `next` value of the previous page",
        ));
    }
    let page = manage::targets(
        state.store().as_ref(),
        key.account_id,
        b.id,
        status,
        &PageRequest {
            after: query.after,
            limit: query.limit,
        },
    )
    .await
    .context("listing broadcast targets")?;
    Ok(Json(TargetList {
        data: page.items.iter().map(TargetView::from).collect(),
        next: page.next,
    }))
}

async fn control(
    state: &AppState,
    key: &KeyPrincipal,
    id: &str,
    action: ControlAction,
) -> ApiResult<Json<BroadcastView>> {
    let b = find(state, key, id).await?;
    let outcome = manage::control(
        state.store().as_ref(),
        &state.gateway.broadcasts,
        key.account_id,
        b.id,
        action,
    )
    .await?;
    match outcome {
        ControlOutcome::Changed(b) => Ok(Json(BroadcastView::from(b.as_ref()))),
        ControlOutcome::WrongState(b) => {
            let (code, allowed) = match action {
                ControlAction::Pause => ("not_pausable", "scheduled or running"),
                ControlAction::Resume => ("not_resumable", "paused"),
                ControlAction::Cancel => ("not_cancelable", "scheduled, running or paused"),
            };
            Err(ApiError::WrongState {
                code,
                message: format!(
                    "broadcast {} is `{}`: only a {allowed} broadcast can be {}",
                    b.id,
                    b.status.as_str(),
                    match action {
                        ControlAction::Pause => "paused",
                        ControlAction::Resume => "resumed",
                        ControlAction::Cancel => "canceled",
                    }
                ),
            })
        }
        ControlOutcome::NotFound => Err(ApiError::NotFound("broadcast not found".into())),
    }
}

/// Pauses a scheduled or running broadcast: no new targets go to the outbox (messages already
/// queued still go). 409 `not_pausable` otherwise.
#[utoipa::path(post, path = "/v1/broadcasts/{id}/pause", tag = "broadcasts",
    params(("id" = String, Path, description = "Broadcast id (`bc_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = BroadcastView), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
async fn pause(
    State(state): State<AppState>,
    key: Auth<CanSend>,
    Path(id): Path<String>,
) -> ApiResult<Json<BroadcastView>> {
    control(&state, &key, &id, ControlAction::Pause).await
}

/// Resumes a paused broadcast (scheduled again if its `send_at` is still ahead). 409
/// `not_resumable` otherwise.
#[utoipa::path(post, path = "/v1/broadcasts/{id}/resume", tag = "broadcasts",
    params(("id" = String, Path, description = "Broadcast id (`bc_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = BroadcastView), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
async fn resume(
    State(state): State<AppState>,
    key: Auth<CanSend>,
    Path(id): Path<String>,
) -> ApiResult<Json<BroadcastView>> {
    control(&state, &key, &id, ControlAction::Resume).await
}

/// Cancels a scheduled, running or paused broadcast: its pending targets are canceled and
/// their credits refunded (messages already queued still go). 409 `not_cancelable` otherwise.
#[utoipa::path(post, path = "/v1/broadcasts/{id}/cancel", tag = "broadcasts",
    params(("id" = String, Path, description = "Broadcast id (`bc_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = BroadcastView), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
async fn cancel(
    State(state): State<AppState>,
    key: Auth<CanSend>,
    Path(id): Path<String>,
) -> ApiResult<Json<BroadcastView>> {
    control(&state, &key, &id, ControlAction::Cancel).await
}
