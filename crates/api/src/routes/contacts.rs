//! Contacts of an account: `POST/GET /v1/contacts`, `GET/PATCH/DELETE /v1/contacts/{id}`
//! (`ct_…` or a phone number), CSV import as a background job (`POST /v1/contacts/import`,
//! progress at `GET /v1/contacts/imports/{id}`) and streamed CSV export
//! (`GET /v1/contacts/export`). Contacts belong to the account: these routes need an
//! account-wide key (read to read, manage to change).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use switchboard_core::contact_import::ImportView;
use switchboard_core::id::ContactImportMarker;
use switchboard_core::time::{now_millis, to_rfc3339};
use switchboard_service::contacts::import::{self, StartError};
use switchboard_service::contacts::manage::{self, CreateError};
use switchboard_service::contacts::{self as service, export};
use switchboard_store::bot::ContactRecord;
use switchboard_store::contacts::{ContactFilter, ContactPatch, ContactWithActivity, ImportMode};
use switchboard_store::PageRequest;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{AccountWide, Auth, CanManage, CanRead};
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, ApiJson, ApiQuery};
use crate::list::List;
use crate::state::AppState;

/// The contacts routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_contact, list_contacts))
        .routes(routes!(get_contact, update_contact, delete_contact))
        .routes(routes!(start_import))
        .routes(routes!(get_import))
        .routes(routes!(export_contacts))
}

/// Body of `POST /v1/contacts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContact {
    /// Phone number with country code (`+263 77 100 0001`, `263771000001`, `…@c.us`).
    pub phone: String,
    /// Name (at most 256 characters).
    pub name: Option<String>,
    /// Tags (1–64 characters each, no `;`, at most 50).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Custom fields (a JSON object; at most 50 keys, 16 KiB).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
    /// Opted out of marketing.
    #[serde(default)]
    pub opted_out: bool,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Body of `PATCH /v1/contacts/{id}`; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContact {
    /// New name; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    /// Replaces all tags.
    pub tags: Option<Vec<String>>,
    /// Tags to add (after `tags`).
    #[serde(default)]
    pub add_tags: Vec<String>,
    /// Tags to remove (after adding).
    #[serde(default)]
    pub remove_tags: Vec<String>,
    /// Merged into the custom fields; a `null` value deletes that field.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
    /// Opts out of marketing (`true`) or back in (`false`).
    pub opted_out: Option<bool>,
}

/// A contact's last inbound message on one channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct LastInbound {
    /// `ch_…`
    pub channel_id: String,
    /// When the contact last wrote on that channel (RFC 3339).
    pub last_inbound_at: String,
}

/// A contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    /// `ct_…`
    pub id: String,
    /// WhatsApp id: the phone number's digits with country code.
    pub phone: String,
    /// Name, if known.
    pub name: Option<String>,
    /// Tags, in the order they were added.
    pub tags: Vec<String>,
    /// Custom fields.
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
    /// Opted out of marketing.
    pub opted_out: bool,
    /// When it opted out (RFC 3339), if it did.
    pub opted_out_at: Option<String>,
    /// Last inbound message per channel of the account.
    pub last_inbound_at: Vec<LastInbound>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

impl From<ContactWithActivity> for ContactView {
    fn from(a: ContactWithActivity) -> Self {
        let c = a.contact;
        ContactView {
            id: c.id.to_string(),
            phone: c.wa_id,
            name: c.name,
            tags: c.tags,
            custom_fields: c.custom_fields,
            opted_out: c.opted_out_at.is_some(),
            opted_out_at: c.opted_out_at.map(to_rfc3339),
            last_inbound_at: a
                .last_inbound
                .into_iter()
                .map(|(ch, at)| LastInbound {
                    channel_id: ch.to_string(),
                    last_inbound_at: to_rfc3339(at),
                })
                .collect(),
            created_at: to_rfc3339(c.created_at),
            updated_at: to_rfc3339(c.updated_at),
        }
    }
}

/// A page of contacts.
pub type ContactList = List<ContactView>;

/// Filters of `GET /v1/contacts` and `GET /v1/contacts/export`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Search: a phone prefix (`+26377…`) or a part of the name, case-insensitive.
    pub q: Option<String>,
    /// Contacts with any of these tags (comma-separated: `vip,lead`).
    pub tag: Option<String>,
    /// Only opted-out (`true`) or opted-in (`false`) contacts.
    pub opted_out: Option<bool>,
    /// Page size, 1–500 (default 50; list only).
    pub limit: Option<u32>,
    /// The `next` value of the previous page (list only).
    pub cursor: Option<String>,
}

impl ContactQuery {
    fn filter(&self) -> ContactFilter {
        service::filter(self.q.as_deref(), self.tag.as_deref(), self.opted_out)
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound("contact not found".into())
}

/// Creates a contact. The phone is normalized to its WhatsApp id; a second contact with the
/// same phone is refused with 409 `contact_exists`.
#[utoipa::path(post, path = "/v1/contacts", tag = "contacts", request_body = CreateContact,
    security(("bearer" = [])),
    responses((status = 201, body = ContactView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "That phone already has a contact (`contact_exists`)")))]
async fn create_contact(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    ApiJson(body): ApiJson<CreateContact>,
) -> ApiResult<(StatusCode, Json<ContactView>)> {
    let wa_id = service::phone(&body.phone)?;
    let name = match body.name {
        Some(n) => service::name(&n)?,
        None => None,
    };
    let tags = service::tags("tags", &body.tags)?;
    service::custom_fields(&body.custom_fields)?;
    let now = now_millis();
    let contact = ContactRecord {
        id: switchboard_core::id::ContactId::new(),
        account_id: key.account_id,
        wa_id,
        name,
        opted_out_at: body.opted_out.then_some(now),
        tags,
        custom_fields: body
            .custom_fields
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect(),
        created_at: now,
        updated_at: now,
    };
    let created = manage::create(state.store().as_ref(), contact)
        .await
        .map_err(|e| match e {
            CreateError::Exists(wa_id) => ApiError::WrongState {
                code: "contact_exists",
                message: format!(
                    "phone {wa_id} already has a contact: change it with PATCH /v1/contacts/{wa_id}"
                ),
            },
            CreateError::Service(e) => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Lists the account's contacts, oldest first: search with `q` (phone prefix or part of the
/// name), filter by `tag` (any of several) and `opted_out`, page with `limit` and `cursor`.
#[utoipa::path(get, path = "/v1/contacts", tag = "contacts", params(ContactQuery),
    security(("bearer" = [])),
    responses((status = 200, body = List<ContactView>), (status = 400, body = crate::error::ErrorBody)))]
async fn list_contacts(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanRead>>,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<Json<ContactList>> {
    let page = PageRequest {
        after: q.cursor.clone(),
        limit: q.limit,
    };
    let page = manage::list(state.store().as_ref(), key.account_id, &q.filter(), &page).await?;
    Ok(Json(ContactList {
        data: page.items.into_iter().map(ContactView::from).collect(),
        next: page.next,
    }))
}

/// Reads a contact by id (`ct_…`) or phone number.
#[utoipa::path(get, path = "/v1/contacts/{id}", tag = "contacts",
    params(("id" = String, Path, description = "Contact id (`ct_…`) or phone number")),
    security(("bearer" = [])),
    responses((status = 200, body = ContactView), (status = 404, body = crate::error::ErrorBody)))]
async fn get_contact(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanRead>>,
    Path(id): Path<String>,
) -> ApiResult<Json<ContactView>> {
    let k = service::contact_key(&id).map_err(|_| not_found())?;
    let contact = manage::get(state.store().as_ref(), key.account_id, &k).await?;
    Ok(Json(contact.into()))
}

/// Changes a contact: name, tags (replace, add, remove), custom fields (merged; `null`
/// deletes a field), opt-out.
#[utoipa::path(patch, path = "/v1/contacts/{id}", tag = "contacts", request_body = UpdateContact,
    params(("id" = String, Path, description = "Contact id (`ct_…`) or phone number")),
    security(("bearer" = [])),
    responses((status = 200, body = ContactView), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
async fn update_contact(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateContact>,
) -> ApiResult<Json<ContactView>> {
    let k = service::contact_key(&id).map_err(|_| not_found())?;
    let patch = ContactPatch {
        name: match body.name {
            Some(Some(n)) => Some(service::name(&n)?),
            Some(None) => Some(None),
            None => None,
        },
        tags: body.tags.map(|t| service::tags("tags", &t)).transpose()?,
        add_tags: service::tags("add_tags", &body.add_tags)?,
        remove_tags: body.remove_tags,
        custom_fields: {
            service::custom_fields(&body.custom_fields)?;
            body.custom_fields
        },
        opted_out: body.opted_out,
    };
    let contact = manage::update(state.store().as_ref(), key.account_id, &k, &patch).await?;
    Ok(Json(contact.into()))
}

/// Deletes a contact. Its messages stay; a later message to or from its phone creates a new
/// contact.
#[utoipa::path(delete, path = "/v1/contacts/{id}", tag = "contacts",
    params(("id" = String, Path, description = "Contact id (`ct_…`) or phone number")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::ErrorBody)))]
async fn delete_contact(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let k = service::contact_key(&id).map_err(|_| not_found())?;
    manage::delete(state.store().as_ref(), key.account_id, &k).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?mode=` of an import.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `upsert` (default: existing contacts are updated — a given name replaces, tags are
    /// added, custom fields merged) or `skip` (existing contacts are left alone).
    pub mode: Option<String>,
}

fn is_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let mime = v
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            matches!(mime.as_str(), "text/csv" | "application/csv" | "text/plain")
        })
        .unwrap_or(false)
}

/// Imports contacts from a CSV body (`Content-Type: text/csv`, at most 100 MiB). Columns:
/// `phone` (required), `name`, `tags` (`;`-separated), `opted_out`, `custom_fields` (JSON
/// object); any other column is a custom field. The file is stored before the answer (202),
/// then processed in the background in batches of 500; follow `GET
/// /v1/contacts/imports/{id}` until `status` is `finished` or `failed`, or follow the
/// `contact.import.progress` events (one per batch) and `contact.import.finished` (once),
/// whose data is that same job.
#[utoipa::path(post, path = "/v1/contacts/import", tag = "contacts", params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    security(("bearer" = [])),
    responses((status = 202, body = ImportView, description = "Stored; processing"),
        (status = 400, body = crate::error::ErrorBody, description = "Not a usable CSV (`invalid_csv`) or bad `mode`"),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody)))]
async fn start_import(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanManage>>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<ImportView>)> {
    let mode = match q.mode.as_deref() {
        None => ImportMode::Upsert,
        Some(m) => ImportMode::parse(m).ok_or_else(|| {
            ApiError::invalid(format!(
                "mode: `{m}` is not an import mode: use upsert or skip"
            ))
        })?,
    };
    if !is_csv(&headers) {
        return Err(ApiError::UnsupportedMediaType(
            "send the CSV file as the body with Content-Type: text/csv".into(),
        ));
    }
    let job = import::start(
        state.store().clone(),
        &state.gateway.import_dir,
        key.account_id,
        mode,
        body.into_data_stream(),
    )
    .await
    .map_err(|e| match e {
        StartError::TooLarge => ApiError::PayloadTooLarge(e.to_string()),
        StartError::Invalid(m) => ApiError::BadRequest {
            code: "invalid_csv",
            message: m,
        },
        StartError::Io(m) => ApiError::Internal(m),
        StartError::Store(e) => ApiError::internal("contacts store", e),
    })?;
    Ok((StatusCode::ACCEPTED, Json(job.view())))
}

/// An import job's progress and, once finished, its summary.
#[utoipa::path(get, path = "/v1/contacts/imports/{id}", tag = "contacts",
    params(("id" = String, Path, description = "Import id (`imp_…`)")),
    security(("bearer" = [])),
    responses((status = 200, body = ImportView), (status = 404, body = crate::error::ErrorBody)))]
async fn get_import(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanRead>>,
    Path(id): Path<String>,
) -> ApiResult<Json<ImportView>> {
    let id = path_id::<ContactImportMarker>(&id, "import")?;
    let job = manage::import_job(state.store().as_ref(), key.account_id, id).await?;
    Ok(Json(job.view()))
}

/// Exports the account's contacts as CSV, streamed page by page: columns `phone`, `name`,
/// `tags` (`;`-separated), `opted_out`, `custom_fields` (JSON object) — the import format.
/// Filters as for the list (`q`, `tag`, `opted_out`).
#[utoipa::path(get, path = "/v1/contacts/export", tag = "contacts", params(ContactQuery),
    security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String, description = "The CSV file")))]
async fn export_contacts(
    State(state): State<AppState>,
    key: Auth<AccountWide<CanRead>>,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<Response> {
    let stream = export::csv_stream(state.store().clone(), key.account_id, q.filter());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"contacts.csv\"",
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
