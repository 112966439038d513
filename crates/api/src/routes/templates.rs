//! `/v1/channels/{id}/templates`: a channel's message templates — create (validated locally,
//! then created upstream), list with filters, get, delete (by id: one language; by name:
//! every language), and sync with the upstream on demand.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_core::id::TemplateMarker;
use switchboard_core::template_def::{Category, TemplateStatus};
use switchboard_core::template_record::TemplateView;
use switchboard_service::templates::manage::{self, DeleteTarget};
use switchboard_service::templates::TemplateParts;
use switchboard_store::templates::TemplateFilter;
use switchboard_store::PageRequest;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{CanManage, CanRead, ScopedChannel};
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, ApiJson, ApiQuery};
use crate::list::List;
use crate::state::AppState;

/// Filters and paging of `GET /v1/channels/{id}/templates`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// Only this status: `PENDING`, `APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`, ….
    pub status: Option<String>,
    /// Only this category: `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: Option<String>,
    /// Only this language code, e.g. `en_US`.
    pub language: Option<String>,
    /// Only this name.
    pub name: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Cursor: the `next` value of the previous page.
    pub after: Option<String>,
}

/// A page of templates.
pub type TemplateList = List<TemplateView>;

/// The templates a delete removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedTemplates {
    /// The deleted templates.
    pub deleted: Vec<TemplateView>,
}

/// What a sync changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncResult {
    /// Templates stored for the first time.
    pub created: usize,
    /// Templates whose definition, status, upstream id or reason changed.
    pub updated: usize,
    /// `template.status` events written.
    pub status_changes: usize,
    /// Local templates removed because the upstream no longer has them.
    pub removed: usize,
}

/// The templates routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_template, list_templates))
        .routes(routes!(get_template, delete_template))
        .routes(routes!(sync_templates))
}

fn filter(q: &TemplateQuery) -> ApiResult<TemplateFilter> {
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => match TemplateStatus::parse(s) {
            TemplateStatus::Unknown => {
                return Err(ApiError::invalid(format!(
                    "status: `{s}` is not a template status: use PENDING, APPROVED, REJECTED, PAUSED, DISABLED, IN_APPEAL, …"
                )))
            }
            st => Some(st.as_str().to_string()),
        },
    };
    let category = match q.category.as_deref() {
        None => None,
        Some(c) => Some(
            Category::parse(c)
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "category: `{c}` is not a template category: use {}",
                        Category::names()
                    ))
                })?
                .as_str()
                .to_string(),
        ),
    };
    Ok(TemplateFilter {
        status,
        category,
        language: q.language.clone(),
        name: q.name.clone(),
    })
}

/// Creates a template (`manage` key). The body is Meta's create-template JSON
/// (`name`, `language`, `category`, `components`, optional `parameter_format`); it is
/// validated locally first (400 naming the JSON path), then created upstream; the answer
/// carries the upstream's status (usually `PENDING`).
#[utoipa::path(post, path = "/v1/channels/{id}/templates", tag = "templates",
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    request_body(content = Object, description = "Meta's create-template JSON"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = TemplateView),
        (status = 400, description = "Invalid template (the message names the JSON path), or refused by the upstream (`upstream_rejected`)", body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "That name already exists in that language", body = crate::error::ErrorBody),
        (status = 503, description = "The upstream could not be reached", body = crate::error::ErrorBody),
    ))]
async fn create_template(
    State(state): State<AppState>,
    ScopedChannel { channel, .. }: ScopedChannel<CanManage>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<TemplateView>)> {
    let t = manage::create(&TemplateParts::from(&state.gateway), &channel, &body).await?;
    Ok((StatusCode::CREATED, Json(TemplateView::from(&t))))
}

/// Lists a channel's templates, with optional filters.
#[utoipa::path(get, path = "/v1/channels/{id}/templates", tag = "templates",
    params(("id" = String, Path, description = "Channel id (`ch_…`)"), TemplateQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = List<TemplateView>),
        (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
    ))]
async fn list_templates(
    State(state): State<AppState>,
    ScopedChannel { channel, .. }: ScopedChannel<CanRead>,
    ApiQuery(q): ApiQuery<TemplateQuery>,
) -> ApiResult<Json<TemplateList>> {
    let f = filter(&q)?;
    let page = PageRequest {
        after: q.after.clone(),
        limit: q.limit,
    };
    let page = manage::list(&TemplateParts::from(&state.gateway), &channel, &f, &page).await?;
    Ok(Json(TemplateList {
        data: page.items.iter().map(TemplateView::from).collect(),
        next: page.next,
    }))
}

/// Reads a template.
#[utoipa::path(get, path = "/v1/channels/{id}/templates/{template_id}", tag = "templates",
    params(
        ("id" = String, Path, description = "Channel id (`ch_…`)"),
        ("template_id" = String, Path, description = "Template id (`tpl_…`)"),
    ),
    security(("bearer" = [])),
    responses((status = 200, body = TemplateView), (status = 404, body = crate::error::ErrorBody)))]
async fn get_template(
    State(state): State<AppState>,
    ScopedChannel {
        auth: _key,
        channel,
    }: ScopedChannel<CanRead>,
    Path((_channel, template_id)): Path<(String, String)>,
) -> ApiResult<Json<TemplateView>> {
    let template_id = path_id::<TemplateMarker>(&template_id, "template")?;
    let t = manage::get(&TemplateParts::from(&state.gateway), &channel, template_id).await?;
    Ok(Json(TemplateView::from(&t)))
}

/// Deletes templates upstream, then here (`manage` key). A `tpl_…` id deletes that one
/// language; a template name deletes every language of it, as Meta does.
#[utoipa::path(delete, path = "/v1/channels/{id}/templates/{template_id}", tag = "templates",
    params(
        ("id" = String, Path, description = "Channel id (`ch_…`)"),
        ("template_id" = String, Path, description = "Template id (`tpl_…`: one language) or template name (every language)"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DeletedTemplates),
        (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 503, body = crate::error::ErrorBody),
    ))]
async fn delete_template(
    State(state): State<AppState>,
    ScopedChannel {
        auth: _key,
        channel,
    }: ScopedChannel<CanManage>,
    Path((_channel, template_id)): Path<(String, String)>,
) -> ApiResult<Json<DeletedTemplates>> {
    let target = match DeleteTarget::parse(&template_id) {
        Ok(t) => t,
        Err(_) if template_id.starts_with("tpl_") => {
            return Err(ApiError::NotFound("template not found".into()))
        }
        Err(e) => return Err(e.into()),
    };
    let deleted = manage::delete(&TemplateParts::from(&state.gateway), &channel, &target).await?;
    Ok(Json(DeletedTemplates {
        deleted: deleted.iter().map(TemplateView::from).collect(),
    }))
}

/// Syncs the channel's templates with the upstream now (`manage` key): new ones are stored,
/// changed statuses written with `template.status` events, ones deleted upstream removed.
#[utoipa::path(post, path = "/v1/channels/{id}/templates/sync", tag = "templates",
    params(("id" = String, Path, description = "Channel id (`ch_…`)")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SyncResult),
        (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 503, body = crate::error::ErrorBody),
    ))]
async fn sync_templates(
    State(state): State<AppState>,
    ScopedChannel { channel, .. }: ScopedChannel<CanManage>,
) -> ApiResult<Json<SyncResult>> {
    let out = manage::sync(&TemplateParts::from(&state.gateway), &channel).await?;
    Ok(Json(SyncResult {
        created: out.created,
        updated: out.updated,
        status_changes: out.status_changes,
        removed: out.removed,
    }))
}
