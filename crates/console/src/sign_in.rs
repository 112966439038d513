//! Signing in (an API key typed into a form, or a one-time link) and out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use switchboard_api::auth::{KeyPrincipal, Principal};
use switchboard_core::key::hash_secret;
use switchboard_core::time::now_millis;

use crate::csrf::Posted;
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::{self, clear_cookie, new_session, over_https, set_cookie};
use crate::ConsoleState;

/// The sign-in page.
#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    /// Page title.
    pub title: &'static str,
    /// Why the last attempt failed, if it did.
    pub error: Option<String>,
}

/// `?token=` of a one-time link.
#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    /// The one-time token.
    pub token: Option<String>,
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    /// An account API key or the admin key.
    #[serde(default)]
    pub key: String,
}

fn render(status: StatusCode, error: Option<String>) -> ConsoleResult<Response> {
    let page = SignInPage {
        title: "Sign in",
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /console/sign-in`: the form, or, with `?token=`, a one-time link's sign-in.
pub async fn form(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(q): Query<LinkQuery>,
) -> ConsoleResult<Response> {
    if let Some(token) = q.token.filter(|t| !t.is_empty()) {
        return link(&state, &headers, &token).await;
    }
    if session::current(&state, &headers).await?.is_some() {
        return Ok(Redirect::to("/console/channels").into_response());
    }
    render(StatusCode::OK, None)
}

async fn link(state: &ConsoleState, headers: &HeaderMap, token: &str) -> ConsoleResult<Response> {
    let store = state.app.store();
    let taken = store
        .take_sign_in_token(&hash_secret(token), now_millis())
        .await?;
    let principal = match taken.map(|t| (t.account_id, t.key_id)) {
        Some((None, None)) => Principal::Admin,
        Some((Some(account), Some(key_id))) => match store.find_key(key_id).await? {
            Some(k) if k.revoked_at.is_none() && k.account_id == account => {
                Principal::Key(KeyPrincipal {
                    key_id: k.id,
                    account_id: k.account_id,
                    permission: k.permission,
                    channel_id: k.channel_id,
                })
            }
            _ => return link_refused(),
        },
        _ => return link_refused(),
    };
    start(state, headers, &principal).await
}

fn link_refused() -> ConsoleResult<Response> {
    render(
        StatusCode::UNAUTHORIZED,
        Some("this sign-in link was already used or has expired: sign in with your API key".into()),
    )
}

/// `POST /console/sign-in`: exchanges an API key for a session.
pub async fn submit(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> ConsoleResult<Response> {
    let key = form.key.trim();
    if key.is_empty() {
        return render(StatusCode::BAD_REQUEST, Some("enter an API key".into()));
    }
    match state.app.auth.verify(key).await {
        Ok(principal) => start(&state, &headers, &principal).await,
        Err(e) => {
            let (status, _) = e.status_and_code();
            if status.is_server_error() {
                return Err(e.into());
            }
            render(status, Some("invalid or revoked API key".into()))
        }
    }
}

/// Makes a session for `principal`, sets its cookie and goes to the console's first page.
async fn start(
    state: &ConsoleState,
    headers: &HeaderMap,
    principal: &Principal,
) -> ConsoleResult<Response> {
    let store = state.app.store();
    let now = now_millis();
    if let Err(e) = store.purge_console_sessions(now).await {
        tracing::debug!(error = %e, "purging ended console sessions failed");
    }
    let (id, record) = new_session(principal, &state.settings, now);
    store.create_console_session(&record).await?;
    let secure =
        state.settings.secure_cookies || over_https(headers, &state.app.settings.public_url);
    let cookie = set_cookie(&id, secure, state.settings.max_age.as_secs());
    let to = match principal {
        Principal::Admin => "/console/accounts",
        Principal::Key(_) => "/console/channels",
    };
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie
            .parse()
            .map_err(|_| ConsoleError::Internal("cookie header".into()))?,
    );
    Ok(response)
}

/// `POST /console/sign-out`: deletes the session and its cookie.
pub async fn sign_out(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    posted: Posted,
) -> ConsoleResult<Response> {
    state
        .app
        .store()
        .delete_console_session(&posted.signed.session.id_hash)
        .await?;
    let secure =
        state.settings.secure_cookies || over_https(&headers, &state.app.settings.public_url);
    let mut response = Redirect::to("/console/sign-in").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        clear_cookie(secure)
            .parse()
            .map_err(|_| ConsoleError::Internal("cookie header".into()))?,
    );
    Ok(response)
}
