//! The 1msg templates methods over the native template service: `GET templates`
//! (`{total, templates}`), `POST addTemplate` (Meta's create-template fields, the carousel
//! form included) and `POST removeTemplate` (every language of a name).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Map, Value};
use switchboard_core::channel::Channel;
use switchboard_core::template_record::TemplateRecord;
use switchboard_service::templates::manage::{self, DeleteTarget};
use switchboard_service::templates::TemplateParts;
use switchboard_store::templates::TemplateFilter;
use switchboard_store::PageRequest;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::read_fields;
use super::{fail, from_api_error, OneMsgChannel, OneMsgError};
use crate::access::{CanManage, CanRead};
use crate::state::AppState;

/// The templates routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_templates))
        .routes(routes!(add_template))
        .routes(routes!(remove_template))
}

/// A template in 1msg's shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct OneMsgTemplate {
    /// The upstream's id (Meta's), else the Switchboard id (`tpl_…`).
    pub id: String,
    /// The name `sendTemplate` takes.
    pub name: String,
    /// The namespace `sendTemplate` takes: the channel's WhatsApp Business Account id.
    pub namespace: String,
    /// The language code, e.g. `en_US`.
    pub language: String,
    /// `approved`, `pending`, `rejected`, `paused`, `disabled`, … (lower case).
    pub status: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// The components, in Meta's create-template shape (a carousel's cards included).
    #[schema(value_type = Vec<Object>)]
    pub components: Value,
    /// Why it was rejected, else `NONE`.
    pub rejected_reason: String,
}

fn namespace(channel: &Channel) -> String {
    channel
        .settings
        .cloud()
        .map(|c| c.waba_id.clone())
        .unwrap_or_default()
}

fn view(channel: &Channel, t: &TemplateRecord) -> OneMsgTemplate {
    let native = switchboard_core::template_record::TemplateView::from(t);
    OneMsgTemplate {
        id: native.upstream_id.unwrap_or(native.id),
        name: native.name,
        namespace: namespace(channel),
        language: native.language,
        status: native.status.to_ascii_lowercase(),
        category: native.category,
        components: native.components,
        rejected_reason: native.rejected_reason.unwrap_or_else(|| "NONE".into()),
    }
}

/// The answer of `GET templates`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplatesAnswer {
    /// How many templates the channel has.
    pub total: usize,
    /// The templates, oldest first.
    pub templates: Vec<OneMsgTemplate>,
}

/// Lists the channel's templates (every status and language).
#[utoipa::path(get, path = "/compat/1msg/{channel_id}/templates", operation_id = "onemsg_templates", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "The key")),
    responses(
        (status = 200, body = TemplatesAnswer),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
    ))]
async fn list_templates(
    State(state): State<AppState>,
    channel: OneMsgChannel<CanRead>,
) -> Response {
    let parts = TemplateParts::from(&state.gateway);
    let channel = channel.channel();
    let mut page = PageRequest {
        after: None,
        limit: Some(500),
    };
    let mut templates = Vec::new();
    loop {
        match manage::list(&parts, channel, &TemplateFilter::default(), &page).await {
            Ok(got) => {
                templates.extend(got.items.iter().map(|t| view(channel, t)));
                match got.next {
                    Some(next) => page.after = Some(next),
                    None => break,
                }
            }
            Err(e) => return from_api_error(e.into(), false),
        }
    }
    Json(TemplatesAnswer {
        total: templates.len(),
        templates,
    })
    .into_response()
}

fn bad(message: impl Into<String>) -> Response {
    fail(StatusCode::BAD_REQUEST, "invalid_body", message)
}

/// Meta's create-template JSON from 1msg's fields (`components` may come as a JSON string in a
/// form-encoded body).
fn definition(fields: &Map<String, Value>) -> Result<Value, String> {
    let mut body = Map::new();
    for name in ["name", "category", "language"] {
        match fields.get(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                body.insert(name.into(), Value::String(s.trim().to_string()));
            }
            _ => {
                return Err(format!(
                    "{name}: required (name: lower-case letters, digits and _; category: MARKETING, UTILITY or AUTHENTICATION; language: a code such as en_US)"
                ))
            }
        }
    }
    let components = match fields.get("components") {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text)
            .map_err(|e| format!("components: not a JSON array of template components ({e})"))?,
        Some(other) => other.clone(),
        None => {
            return Err(
                "components: required, an array of template components (HEADER, BODY, FOOTER, BUTTONS, CAROUSEL)".into(),
            )
        }
    };
    body.insert("components".into(), components);
    Ok(Value::Object(body))
}

/// Creates a template (Meta's fields: `name`, `category`, `language`, `components`, a
/// `CAROUSEL` component with its `cards` included); it is reviewed by the upstream.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/addTemplate", operation_id = "onemsg_add_template", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "The key (manage permission)")),
    request_body(content = Object, description = "`{name, category, language, components}` (JSON, or form-encoded with `components` as a JSON string)"),
    responses(
        (status = 200, body = OneMsgTemplate, description = "The template, usually `pending` review"),
        (status = 400, body = OneMsgError, description = "A missing or invalid field (`invalid_body`, `invalid_parameter`)"),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
        (status = 409, body = OneMsgError, description = "The name exists in that language"),
        (status = 502, body = OneMsgError, description = "The upstream refused or failed"),
    ))]
async fn add_template(
    State(state): State<AppState>,
    channel: OneMsgChannel<CanManage>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let fields = match read_fields(&headers, body) {
        Ok(f) => f,
        Err(answer) => return *answer,
    };
    let wire = match definition(&fields) {
        Ok(w) => w,
        Err(m) => return bad(m),
    };
    let channel = channel.channel();
    match manage::create(&TemplateParts::from(&state.gateway), channel, &wire).await {
        Ok(t) => Json(view(channel, &t)).into_response(),
        Err(e) => from_api_error(e.into(), false),
    }
}

/// Deletes a template (every language of the name); it cannot be restored.
#[utoipa::path(post, path = "/compat/1msg/{channel_id}/removeTemplate", operation_id = "onemsg_remove_template", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "The channel (`ch_…`)"),
           ("token" = Option<String>, Query, description = "The key (manage permission)")),
    request_body(content = Object, description = "`{\"name\": \"template_name\"}`"),
    responses(
        (status = 200, description = "`{\"result\": \"success\"}`"),
        (status = 400, body = OneMsgError, description = "No or a malformed `name`"),
        (status = 404, body = OneMsgError, description = "No such channel, or no template of that name"),
        (status = 502, body = OneMsgError, description = "The upstream refused or failed"),
    ))]
async fn remove_template(
    State(state): State<AppState>,
    channel: OneMsgChannel<CanManage>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let fields = match read_fields(&headers, body) {
        Ok(f) => f,
        Err(answer) => return *answer,
    };
    let Some(Value::String(name)) = fields.get("name") else {
        return bad("name: give the name of the template to delete");
    };
    let target = match DeleteTarget::parse(name.trim()) {
        Ok(DeleteTarget::Name(n)) => DeleteTarget::Name(n),
        Ok(DeleteTarget::Id(_)) | Err(_) => {
            return bad(format!(
                "name: {name:?} is not a template name (lower-case letters, digits and _)"
            ))
        }
    };
    match manage::delete(
        &TemplateParts::from(&state.gateway),
        channel.channel(),
        &target,
    )
    .await
    {
        Ok(_) => Json(json!({"result": "success"})).into_response(),
        Err(e) => from_api_error(e.into(), false),
    }
}
