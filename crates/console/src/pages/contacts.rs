//! Contacts: the account's contacts searched (`q`, as the API's), filtered by tag and paged;
//! a contact's page to change its name, tags and opt-out or delete it; the CSV export. All
//! through the contacts service (`/v1/contacts`'s), with the API's permissions: an
//! account-wide key, read to read, manage to change. The CSV import is in [`super::imports`].

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_api::auth::{KeyPrincipal, Principal};
use switchboard_core::key::Permission;
use switchboard_core::time::to_rfc3339;
use switchboard_service::contacts::{self as service, export, manage};
use switchboard_store::contacts::{ContactKey, ContactPatch, ContactWithActivity, ImportMode};
use switchboard_store::PageRequest;

use super::html;
use super::webhooks::manager;
use crate::csrf::Posted;
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::views::Shell;
use crate::ConsoleState;

/// Contacts per page.
const PAGE: u32 = 50;

/// A contact as the pages show it.
#[derive(Debug, Clone)]
pub struct ContactRow {
    /// `ct_…`
    pub id: String,
    /// WhatsApp id.
    pub phone: String,
    /// Name (customer-written: escaped), or empty.
    pub name: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Opted out of marketing.
    pub opted_out: bool,
    /// When it opted out (RFC 3339), or empty.
    pub opted_out_at: String,
    /// Its last inbound message on any channel (RFC 3339), or empty.
    pub last_activity: String,
    /// Created (RFC 3339).
    pub created: String,
}

impl From<&ContactWithActivity> for ContactRow {
    fn from(a: &ContactWithActivity) -> Self {
        let c = &a.contact;
        ContactRow {
            id: c.id.to_string(),
            phone: c.wa_id.clone(),
            name: c.name.clone().unwrap_or_default(),
            tags: c.tags.clone(),
            opted_out: c.opted_out_at.is_some(),
            opted_out_at: c.opted_out_at.map(to_rfc3339).unwrap_or_default(),
            last_activity: a
                .last_inbound
                .iter()
                .map(|(_, at)| *at)
                .max()
                .map(to_rfc3339)
                .unwrap_or_default(),
            created: to_rfc3339(c.created_at),
        }
    }
}

/// `GET /console/contacts`'s query: the search, the tag, the page.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// A phone prefix or part of the name.
    pub q: Option<String>,
    /// Contacts with any of these tags (comma-separated).
    pub tag: Option<String>,
    /// The page's cursor (the previous page's `next`).
    pub cursor: Option<String>,
    /// A contact was deleted.
    pub deleted: Option<String>,
}

impl ListQuery {
    /// This search's URL query (without the cursor), URL-encoded.
    fn search(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if let Some(q) = self.q.as_deref().filter(|q| !q.trim().is_empty()) {
            s.append_pair("q", q);
        }
        if let Some(t) = self.tag.as_deref().filter(|t| !t.trim().is_empty()) {
            s.append_pair("tag", t);
        }
        s.finish()
    }
}

/// An import mode to pick in the upload form.
#[derive(Debug, Clone)]
pub struct ModeChoice {
    /// `upsert` or `skip`.
    pub value: &'static str,
    /// What the form says.
    pub label: &'static str,
    /// Whether the form has it picked.
    pub selected: bool,
}

/// The modes of the upload form, `picked` selected.
pub fn modes(picked: ImportMode) -> Vec<ModeChoice> {
    [
        (ImportMode::Upsert, "Update them (upsert)"),
        (ImportMode::Skip, "Leave them alone (skip)"),
    ]
    .into_iter()
    .map(|(mode, label)| ModeChoice {
        value: mode.as_str(),
        label,
        selected: mode == picked,
    })
    .collect()
}

/// The contacts page.
#[derive(Template)]
#[template(path = "contacts.html")]
pub struct ContactsPage {
    /// Page title.
    pub title: &'static str,
    /// The frame.
    pub shell: Shell,
    /// The search text.
    pub q: String,
    /// The tag filter.
    pub tag: String,
    /// This page's contacts.
    pub contacts: Vec<ContactRow>,
    /// The next page's link, if there is one.
    pub next: Option<String>,
    /// Whether this is not the first page.
    pub paged: bool,
    /// The export link (the same search).
    pub export: String,
    /// Whether the key may change contacts (and import).
    pub can_manage: bool,
    /// The upload form's modes.
    pub modes: Vec<ModeChoice>,
    /// Why the upload was refused.
    pub error: Option<String>,
    /// What the last action did.
    pub flash: Option<String>,
}

/// A contact's page.
#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    title: &'static str,
    shell: Shell,
    contact: ContactRow,
    tags_text: String,
    can_manage: bool,
    error: Option<String>,
    flash: Option<String>,
}

/// The session's key when it may read contacts (account-wide, `read`), else 403.
pub fn reader(signed: &Signed) -> ConsoleResult<&KeyPrincipal> {
    let key = signed.key()?;
    Principal::Key(key.clone()).require_key(Permission::Read)?;
    key.require_account_wide()?;
    Ok(key)
}

fn can_manage(key: &KeyPrincipal) -> bool {
    key.permission.allows(Permission::Manage)
}

/// The contacts page for `query`, with the upload form's state.
pub async fn list_page(
    state: &ConsoleState,
    signed: &Signed,
    query: &ListQuery,
    picked: ImportMode,
    error: Option<String>,
) -> ConsoleResult<ContactsPage> {
    let key = reader(signed)?;
    let filter = service::filter(query.q.as_deref(), query.tag.as_deref(), None);
    let page = PageRequest {
        after: query.cursor.clone().filter(|c| !c.is_empty()),
        limit: Some(PAGE),
    };
    let listed = manage::list(state.app.store().as_ref(), key.account_id, &filter, &page).await?;
    let search = query.search();
    let joined = |path: &str| {
        if search.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{search}")
        }
    };
    let next = listed.next.map(|cursor| {
        let mut s = form_urlencoded::Serializer::new(search.clone());
        s.append_pair("cursor", &cursor);
        format!("/console/contacts?{}", s.finish())
    });
    Ok(ContactsPage {
        title: "Contacts",
        shell: Shell::of(signed, "contacts"),
        q: query.q.clone().unwrap_or_default(),
        tag: query.tag.clone().unwrap_or_default(),
        contacts: listed.items.iter().map(ContactRow::from).collect(),
        next,
        paged: page.after.is_some(),
        export: joined("/console/contacts/export"),
        can_manage: can_manage(key),
        modes: modes(picked),
        error,
        flash: query
            .deleted
            .as_ref()
            .map(|phone| format!("Contact {phone} deleted.")),
    })
}

/// `GET /console/contacts`.
pub async fn list(
    State(state): State<ConsoleState>,
    signed: Signed,
    Query(query): Query<ListQuery>,
) -> ConsoleResult<Response> {
    html(list_page(&state, &signed, &query, ImportMode::Upsert, None).await?)
}

/// `GET /console/contacts/export`: the same CSV as `GET /v1/contacts/export` (the export
/// service's stream), for the page's search.
pub async fn export_csv(
    State(state): State<ConsoleState>,
    signed: Signed,
    Query(query): Query<ListQuery>,
) -> ConsoleResult<Response> {
    let key = reader(&signed)?;
    let filter = service::filter(query.q.as_deref(), query.tag.as_deref(), None);
    let stream = export::csv_stream(state.app.store().clone(), key.account_id, filter);
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

/// The contact a path names (`ct_…`); anything else is a 404, as in the API.
fn contact_key(id: &str) -> ConsoleResult<ContactKey> {
    match service::contact_key(id) {
        Ok(key @ ContactKey::Id(_)) => Ok(key),
        _ => Err(ConsoleError::NotFound("contact not found")),
    }
}

/// `?saved=` after a change.
#[derive(Debug, Default, Deserialize)]
pub struct Saved {
    /// The contact was saved.
    pub saved: Option<String>,
}

async fn contact_page(
    state: &ConsoleState,
    signed: &Signed,
    id: &str,
    error: Option<String>,
    flash: Option<String>,
) -> ConsoleResult<ContactPage> {
    let key = reader(signed)?;
    let k = contact_key(id)?;
    let contact = manage::get(state.app.store().as_ref(), key.account_id, &k).await?;
    let row = ContactRow::from(&contact);
    Ok(ContactPage {
        title: "Contact",
        shell: Shell::of(signed, "contacts"),
        tags_text: row.tags.join(", "),
        contact: row,
        can_manage: can_manage(key),
        error,
        flash,
    })
}

/// `GET /console/contacts/{id}`: the contact, and its edit and delete forms.
pub async fn detail(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(saved): Query<Saved>,
) -> ConsoleResult<Response> {
    let flash = saved.saved.map(|_| "Contact saved.".to_string());
    html(contact_page(&state, &signed, &id, None, flash).await?)
}

/// The edit form's change: the name (empty clears it), the tags (comma-separated, replacing
/// them all) and the opt-out checkbox.
fn patch(fields: &std::collections::HashMap<String, String>) -> Result<ContactPatch, String> {
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    let name = service::name(field("name")).map_err(|e| e.to_string())?;
    let tags: Vec<String> = field("tags")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let tags = service::tags("tags", &tags).map_err(|e| e.to_string())?;
    Ok(ContactPatch {
        name: Some(name),
        tags: Some(tags),
        opted_out: Some(fields.contains_key("opted_out")),
        ..Default::default()
    })
}

/// `POST /console/contacts/{id}`: saves the edit form, then back to the contact.
pub async fn update(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = manager(&posted.signed)?;
    let k = contact_key(&id)?;
    let refused = |message: String| async {
        let page = contact_page(&state, &posted.signed, &id, Some(message), None).await?;
        Ok::<_, ConsoleError>((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
    };
    let patch = match patch(&posted.fields) {
        Ok(p) => p,
        Err(message) => return refused(message).await,
    };
    match manage::update(state.app.store().as_ref(), key.account_id, &k, &patch).await {
        Ok(_) => Ok(Redirect::to(&format!("/console/contacts/{id}?saved=1")).into_response()),
        Err(switchboard_service::ServiceError::Invalid { field, message }) => {
            refused(format!("{field}: {message}")).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /console/contacts/{id}/delete`: deletes the contact (its messages stay).
pub async fn delete(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let key = manager(&posted.signed)?;
    let k = contact_key(&id)?;
    let store = state.app.store().as_ref();
    let contact = manage::get(store, key.account_id, &k).await?;
    manage::delete(store, key.account_id, &k).await?;
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("deleted", &contact.contact.wa_id);
    Ok(Redirect::to(&format!("/console/contacts?{}", s.finish())).into_response())
}
