//! CSV imports from the console: the upload form (a file and a mode, as `POST
//! /v1/contacts/import` takes them; the same `contacts::import::start`), then the import's
//! page with its progress bar, counters and row errors, kept current by the
//! `contact.import.*` events over `/console/live?scope=import&import=<id>`.

use askama::Template;
use axum::extract::multipart::{Field, Multipart};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use futures::StreamExt;
use switchboard_core::contact_import::{ImportErrorView, ImportView};
use switchboard_core::event::Event;
use switchboard_core::id::{ContactImportId, ContactImportMarker};
use switchboard_service::contacts::import::{self, StartError};
use switchboard_service::contacts::manage;
use switchboard_store::contacts::ImportMode;

use super::contacts::{list_page, reader, ListQuery};
use super::html;
use super::webhooks::manager;
use crate::csrf::{self, token_matches, FIELD};
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::views::Shell;
use crate::ConsoleState;

/// An import's progress: the bar, the counters and the row errors (also the live fragment).
#[derive(Debug, Clone, Template)]
#[template(path = "import_progress.html")]
pub struct Progress {
    /// `running`, `finished` or `failed`.
    pub status: String,
    /// The bar's value.
    pub value: u64,
    /// The bar's maximum (at least 1).
    pub max: u64,
    /// Done, in whole percent.
    pub percent: u64,
    /// Rows processed.
    pub processed: u64,
    /// Rows in the file.
    pub total: u64,
    /// Contacts created.
    pub created: u64,
    /// Contacts updated.
    pub updated: u64,
    /// Rows left alone.
    pub skipped: u64,
    /// Rows refused.
    pub failed: u64,
    /// The refused rows kept (the first 100).
    pub errors: Vec<ImportErrorView>,
    /// Why the job failed.
    pub reason: String,
}

impl From<&ImportView> for Progress {
    fn from(v: &ImportView) -> Self {
        let ended = v.status != "running";
        let (value, max) = match (v.total, ended) {
            (0, true) => (1, 1),
            (0, false) => (0, 1),
            (total, _) => (v.processed.min(total), total),
        };
        Progress {
            status: v.status.clone(),
            value,
            max,
            percent: value * 100 / max,
            processed: v.processed,
            total: v.total,
            created: v.created,
            updated: v.updated,
            skipped: v.skipped,
            failed: v.failed,
            errors: v.errors.clone(),
            reason: v.reason.clone().unwrap_or_default(),
        }
    }
}

impl Progress {
    /// The badge's tone.
    pub fn tone(&self) -> &'static str {
        match self.status.as_str() {
            "finished" => "ok",
            "failed" => "bad",
            _ => "wait",
        }
    }
}

/// An import's page.
#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    title: &'static str,
    shell: Shell,
    id: String,
    mode: String,
    created: String,
    progress: Progress,
    after: Option<String>,
}

/// The import id in a path (another account's, or no import: 404).
fn parse_id(text: &str) -> ConsoleResult<ContactImportId> {
    switchboard_api::extract::path_id::<ContactImportMarker>(text, "import")
        .map_err(|_| ConsoleError::NotFound("import not found"))
}

/// `GET /console/contacts/imports/{id}`: the import's progress, live while it runs.
pub async fn detail(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
) -> ConsoleResult<Response> {
    let key = reader(&signed)?;
    let id = parse_id(&id)?;
    let store = state.app.store().as_ref();
    // The log's position first: every event after it reaches the page, so nothing between
    // reading the job and connecting the stream is lost.
    let tail = state.tail.read(store, key.account_id).await?;
    let job = manage::import_job(store, key.account_id, id).await?;
    let view = job.view();
    html(ImportPage {
        title: "Contact import",
        shell: Shell::of(&signed, "contacts"),
        id: view.id.clone(),
        mode: view.mode.clone(),
        created: view.created_at.clone(),
        progress: Progress::from(&view),
        after: tail.cursor,
    })
}

/// The live fragment of `e` for the import `id`'s page: its progress, or nothing when the
/// event is another import's.
pub fn fragment(id: ContactImportId, e: &Event) -> Option<String> {
    if e.data["id"].as_str() != Some(id.to_string().as_str()) {
        return None;
    }
    let view: ImportView = serde_json::from_value(e.data.clone()).ok()?;
    Progress::from(&view)
        .render()
        .ok()
        .map(|h| h.replace('\n', ""))
}

/// Why an upload was refused: a status and a message for the form.
struct Refusal(StatusCode, String);

fn refused(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal(status, message.into())
}

/// Whether the uploaded part looks like a CSV file (by its type or its name).
fn looks_like_csv(field: &Field<'_>) -> bool {
    let name = field.file_name().unwrap_or_default().to_ascii_lowercase();
    let mime = field
        .content_type()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    name.ends_with(".csv")
        || name.ends_with(".txt")
        || matches!(mime.as_str(), "text/csv" | "application/csv" | "text/plain")
}

/// Reads the form (the `csrf` and `mode` fields come before the file) and starts the import.
async fn upload(
    state: &ConsoleState,
    signed: &Signed,
    header_token: Option<String>,
    multipart: &mut Multipart,
    mode: &mut ImportMode,
) -> ConsoleResult<Result<ContactImportId, Refusal>> {
    let key = manager(signed)?.clone();
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        ConsoleError::Page(
            StatusCode::BAD_REQUEST,
            format!("the form could not be read: {e}"),
        )
    };
    let mut token = header_token;
    let mut bad_mode = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            FIELD => token = Some(field.text().await.map_err(unreadable)?),
            "mode" => {
                let text = field.text().await.map_err(unreadable)?;
                match ImportMode::parse(text.trim()) {
                    Some(m) => *mode = m,
                    None => {
                        bad_mode = Some(format!(
                            "mode: `{text}` is not an import mode: use upsert or skip"
                        ))
                    }
                }
            }
            "file" => {
                if !token_matches(&signed.session.csrf_token, token.as_deref()) {
                    return Err(csrf::refused());
                }
                if let Some(message) = bad_mode {
                    return Ok(Err(refused(StatusCode::BAD_REQUEST, message)));
                }
                if field.file_name().unwrap_or_default().is_empty() {
                    return Ok(Err(refused(
                        StatusCode::BAD_REQUEST,
                        "file: choose a CSV file to import",
                    )));
                }
                if !looks_like_csv(&field) {
                    return Ok(Err(refused(
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "file: this is not a CSV file: choose a .csv file (UTF-8, header line first)",
                    )));
                }
                let mut field = Box::pin(field);
                // The first bytes (a part may start with empty chunks): none is an empty file.
                let mut first = field.next().await;
                while matches!(&first, Some(Ok(chunk)) if chunk.is_empty()) {
                    first = field.next().await;
                }
                let first = match first {
                    Some(chunk) => chunk,
                    None => return Ok(Err(refused(
                        StatusCode::BAD_REQUEST,
                        "file: the file is empty: choose a CSV file with a header line and rows",
                    ))),
                };
                let body = futures::stream::iter([first]).chain(field);
                let started = import::start(
                    state.app.store().clone(),
                    &state.app.gateway.import_dir,
                    key.account_id,
                    *mode,
                    body,
                )
                .await;
                return match started {
                    Ok(job) => Ok(Ok(job.id)),
                    Err(e @ StartError::TooLarge) => {
                        Ok(Err(refused(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())))
                    }
                    Err(StartError::Invalid(m)) => {
                        Ok(Err(refused(StatusCode::BAD_REQUEST, format!("file: {m}"))))
                    }
                    Err(StartError::Io(m)) => Err(ConsoleError::Internal(m)),
                    Err(StartError::Store(e)) => Err(e.into()),
                };
            }
            _ => {}
        }
    }
    if !token_matches(&signed.session.csrf_token, token.as_deref()) {
        return Err(csrf::refused());
    }
    Ok(Err(refused(
        StatusCode::BAD_REQUEST,
        bad_mode.unwrap_or_else(|| "file: choose a CSV file to import".into()),
    )))
}

/// `POST /console/contacts/import` (a `multipart/form-data` form: `csrf`, `mode`, then
/// `file`): starts the import and goes to its page; a refused file shows the contacts page
/// again with the message.
pub async fn start(
    State(state): State<ConsoleState>,
    signed: Signed,
    headers: axum::http::HeaderMap,
    mut multipart: Multipart,
) -> ConsoleResult<Response> {
    let header_token = csrf::header_token(&headers);
    let mut mode = ImportMode::Upsert;
    match upload(&state, &signed, header_token, &mut multipart, &mut mode).await? {
        Ok(id) => Ok(Redirect::to(&format!("/console/contacts/imports/{id}")).into_response()),
        Err(Refusal(status, message)) => {
            let page =
                list_page(&state, &signed, &ListQuery::default(), mode, Some(message)).await?;
            Ok((status, Html(page.render()?)).into_response())
        }
    }
}
