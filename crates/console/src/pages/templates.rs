//! Templates: a channel's message templates with their review status (changed live by
//! `template.status` events), sync with the upstream, delete, and a creation form whose
//! Preview shows the message as the customer will see it, validated by the same validation
//! as `POST /v1/channels/{id}/templates`, then "Submit for review" through the same service.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_core::channel::Channel;
use switchboard_core::id::TemplateMarker;
use switchboard_core::key::Permission;
use switchboard_core::message::MessageKind;
use switchboard_core::template_def::validate;
use switchboard_core::template_record::TemplateRecord;
use switchboard_service::templates::manage::{self, DeleteTarget};
use switchboard_service::templates::TemplateParts;
use switchboard_service::ServiceError;
use switchboard_store::templates::TemplateFilter;
use switchboard_store::PageRequest;

use super::template_form::{explain, explain_error, CategoryChoice, Preview, TemplateForm};
use super::{html, scoped};
use crate::csrf::Posted;
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::views::{ChannelRow, Shell};
use crate::ConsoleState;

/// Templates listed on the page.
const LISTED: u32 = 500;

/// A template's status badge with the upstream's reason (also the live fragment swapped in
/// on `template.status`).
#[derive(Debug, Clone, Template)]
#[template(path = "template_status.html")]
pub struct StatusCell {
    /// `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, ….
    pub status: String,
    /// Why it was rejected or paused, when the upstream says (upstream-written: escaped).
    pub reason: String,
}

impl StatusCell {
    /// The CSS modifier of the status.
    pub fn tone(&self) -> &'static str {
        match self.status.as_str() {
            "APPROVED" | "REINSTATED" | "UNARCHIVED" => "ok",
            "REJECTED" | "PAUSED" | "DISABLED" | "DELETED" | "LOCKED" | "FLAGGED"
            | "LIMIT_EXCEEDED" => "bad",
            _ => "wait",
        }
    }
}

/// The `tpl-<template id>` SSE message of a `template.status` event: the template's new
/// badge and reason.
pub fn live_status(e: &switchboard_core::event::Event) -> Option<axum::response::sse::Event> {
    let id = e.data["template"]["id"].as_str()?;
    let cell = StatusCell {
        status: e.data["status"].as_str().unwrap_or_default().to_string(),
        reason: e.data["reason"].as_str().unwrap_or_default().to_string(),
    };
    let html = cell.render().ok()?.replace('\n', "");
    Some(
        axum::response::sse::Event::default()
            .event(format!("tpl-{id}"))
            .data(html),
    )
}

/// A template in the list.
#[derive(Debug, Clone)]
pub struct TemplateRow {
    /// `tpl_…`
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its language code.
    pub language: String,
    /// Its category.
    pub category: String,
    /// Its status.
    pub cell: StatusCell,
    /// Its body as the customer sees it (examples filled in).
    pub body: String,
}

impl From<&TemplateRecord> for TemplateRow {
    fn from(t: &TemplateRecord) -> Self {
        TemplateRow {
            id: t.id.to_string(),
            name: t.name().to_string(),
            language: t.language().to_string(),
            category: t.category().as_str().to_string(),
            cell: StatusCell {
                status: t.status.as_str().to_string(),
                reason: t.rejected_reason.clone().unwrap_or_default(),
            },
            body: Preview::of(&t.definition).body,
        }
    }
}

/// A channel's Templates page.
#[derive(Template)]
#[template(path = "templates.html")]
struct TemplatesPage {
    title: &'static str,
    shell: Shell,
    channel: ChannelRow,
    has_templates: bool,
    can_manage: bool,
    templates: Vec<TemplateRow>,
    form: TemplateForm,
    categories: Vec<CategoryChoice>,
    preview: Option<Preview>,
    error: Option<String>,
    flash: Option<String>,
    after: Option<String>,
}

/// `?created=` / `?synced=` / `?deleted=` after a form's redirect.
#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    /// A template was submitted for review (its name).
    pub created: Option<String>,
    /// A sync ran: what it changed.
    pub synced: Option<String>,
    /// A template was deleted (its name).
    pub deleted: Option<String>,
}

impl Flash {
    fn message(&self) -> Option<String> {
        if let Some(name) = &self.created {
            return Some(format!(
                "Template {name} submitted for review: its status changes here when the review ends."
            ));
        }
        if let Some(s) = &self.synced {
            return Some(format!("Synced with the upstream: {s}."));
        }
        self.deleted
            .as_ref()
            .map(|name| format!("Template {name} deleted."))
    }
}

fn carries_templates(channel: &Channel) -> bool {
    channel
        .kind
        .capabilities()
        .carries(MessageKind::Template, None)
}

/// Renders the page of `channel` with `form`, its preview or error, and `flash`.
async fn page(
    state: &ConsoleState,
    signed: &Signed,
    channel: &Channel,
    form: TemplateForm,
    preview: Option<Preview>,
    error: Option<String>,
    flash: Option<String>,
) -> ConsoleResult<TemplatesPage> {
    let key = signed.key()?;
    let store = state.app.store().as_ref();
    let tail = state.tail.read(store, key.account_id).await?;
    let has_templates = carries_templates(channel);
    let templates = if has_templates {
        let page = PageRequest {
            after: None,
            limit: Some(LISTED),
        };
        let parts = TemplateParts::from(&state.app.gateway);
        manage::list(&parts, channel, &TemplateFilter::default(), &page)
            .await?
            .items
            .iter()
            .map(TemplateRow::from)
            .collect()
    } else {
        Vec::new()
    };
    Ok(TemplatesPage {
        title: "Templates",
        shell: Shell::of(signed, "templates"),
        channel: ChannelRow::from(channel),
        has_templates,
        can_manage: key.permission.allows(Permission::Manage),
        templates,
        categories: form.categories(),
        form,
        preview,
        error,
        flash,
        after: tail.cursor,
    })
}

/// `GET /console/templates`: the channel to show templates of.
pub async fn pick(State(state): State<ConsoleState>, signed: Signed) -> ConsoleResult<Response> {
    scoped::pick(&state, &signed, "templates", "Templates").await
}

/// `GET /console/channels/{id}/templates`.
pub async fn list(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> ConsoleResult<Response> {
    let (_, channel) = scoped::channel(&state, &signed, &id, Permission::Read).await?;
    let p = page(
        &state,
        &signed,
        &channel,
        TemplateForm::blank(),
        None,
        None,
        flash.message(),
    )
    .await?;
    html(p)
}

/// A 303 back to the channel's Templates page with `flash=value` in its query.
fn back(channel: &Channel, flash: &str, value: &str) -> Response {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair(flash, value)
        .finish();
    Redirect::to(&format!(
        "/console/channels/{}/templates?{query}",
        channel.id
    ))
    .into_response()
}

fn with_status(status: StatusCode, page: TemplatesPage) -> ConsoleResult<Response> {
    Ok((status, Html(page.render()?)).into_response())
}

/// `POST /console/channels/{id}/templates`: `action=preview` shows the form again with the
/// preview (or what to fix, 400); `action=submit` creates the template upstream and here.
pub async fn create(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (_, channel) = scoped::channel(&state, &posted.signed, &id, Permission::Manage).await?;
    let signed = &posted.signed;
    let form = TemplateForm::read(&posted.fields);
    let (body, labels) = form.to_json();
    let refused = |status: StatusCode, message: String, form: TemplateForm| {
        let state = &state;
        let channel = &channel;
        async move {
            let p = page(state, signed, channel, form, None, Some(message), None).await?;
            with_status(status, p)
        }
    };
    if !carries_templates(&channel) {
        let message = format!(
            "{} channels have no message templates: only WhatsApp Cloud channels (cloud, sandbox) do",
            channel.kind.as_str()
        );
        return refused(StatusCode::BAD_REQUEST, message, form).await;
    }
    let action = posted.fields.get("action").map(String::as_str);
    if action != Some("submit") {
        return match validate(&body) {
            Ok(def) => {
                let preview = Some(Preview::of(&def));
                html(page(&state, signed, &channel, form, preview, None, None).await?)
            }
            Err(e) => refused(StatusCode::BAD_REQUEST, explain_error(&e, &labels), form).await,
        };
    }
    let parts = TemplateParts::from(&state.app.gateway);
    match manage::create(&parts, &channel, &body).await {
        Ok(t) => Ok(back(&channel, "created", t.name())),
        Err(ServiceError::Invalid { field, message }) => {
            refused(
                StatusCode::BAD_REQUEST,
                explain(&field, &message, &labels),
                form,
            )
            .await
        }
        Err(ServiceError::Conflict(message)) => refused(StatusCode::CONFLICT, message, form).await,
        Err(ServiceError::Upstream { message, permanent }) => {
            let status = if permanent {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            refused(status, message, form).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /console/channels/{id}/templates/sync`: syncs with the upstream now, as
/// `POST /v1/channels/{id}/templates/sync` does.
pub async fn sync(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (_, channel) = scoped::channel(&state, &posted.signed, &id, Permission::Manage).await?;
    let parts = TemplateParts::from(&state.app.gateway);
    match manage::sync(&parts, &channel).await {
        Ok(out) => {
            let summary = format!(
                "{} new, {} changed, {} status changes, {} removed",
                out.created, out.updated, out.status_changes, out.removed
            );
            Ok(back(&channel, "synced", &summary))
        }
        Err(ServiceError::Store(e)) => Err(e.into()),
        Err(e) => {
            let status = match &e {
                ServiceError::Upstream {
                    permanent: false, ..
                } => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::BAD_REQUEST,
            };
            let p = page(
                &state,
                &posted.signed,
                &channel,
                TemplateForm::blank(),
                None,
                Some(format!("Sync failed: {e}")),
                None,
            )
            .await?;
            with_status(status, p)
        }
    }
}

/// `POST /console/channels/{id}/templates/{template}/delete`: deletes that language of the
/// template upstream, then here.
pub async fn delete(
    State(state): State<ConsoleState>,
    Path((id, template)): Path<(String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let (_, channel) = scoped::channel(&state, &posted.signed, &id, Permission::Manage).await?;
    let template_id = switchboard_api::extract::path_id::<TemplateMarker>(&template, "template")
        .map_err(|_| ConsoleError::NotFound("template not found"))?;
    let parts = TemplateParts::from(&state.app.gateway);
    let deleted = manage::delete(&parts, &channel, &DeleteTarget::Id(template_id)).await?;
    let name = deleted
        .first()
        .map(|t| t.name().to_string())
        .unwrap_or_default();
    Ok(back(&channel, "deleted", &name))
}
