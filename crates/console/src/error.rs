//! The console's error: an HTML page with the status, or a redirect to the sign-in page.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use switchboard_api::ApiError;
use switchboard_service::ServiceError;
use switchboard_store::StoreError;

/// Why a console request failed.
#[derive(Debug)]
pub enum ConsoleError {
    /// No live session: send the browser to the sign-in page.
    SignIn,
    /// Refused with a status and a message for the person (403 CSRF, 404, 400, …).
    Page(StatusCode, String),
    /// Not found.
    NotFound(&'static str),
    /// An unexpected failure: logged, answered as an opaque 500.
    Internal(String),
}

impl ConsoleError {
    /// A 403 for the CSRF check.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ConsoleError::Page(StatusCode::FORBIDDEN, message.into())
    }
}

impl From<StoreError> for ConsoleError {
    fn from(e: StoreError) -> Self {
        ConsoleError::Internal(format!("store: {e}"))
    }
}

impl From<ApiError> for ConsoleError {
    fn from(e: ApiError) -> Self {
        let (status, _) = e.status_and_code();
        if status.is_server_error() {
            ConsoleError::Internal(e.to_string())
        } else {
            ConsoleError::Page(status, e.to_string())
        }
    }
}

impl From<ServiceError> for ConsoleError {
    fn from(e: ServiceError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<askama::Error> for ConsoleError {
    fn from(e: askama::Error) -> Self {
        ConsoleError::Internal(format!("template: {e}"))
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    status: u16,
    message: &'a str,
}

fn page(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = ErrorPage {
        title,
        status: status.as_u16(),
        message,
    }
    .render()
    .unwrap_or_else(|_| message.to_string());
    (status, Html(body)).into_response()
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        match self {
            ConsoleError::SignIn => {
                let mut response = Redirect::to("/console/sign-in").into_response();
                response.headers_mut().insert(
                    header::HeaderName::from_static("hx-redirect"),
                    header::HeaderValue::from_static("/console/sign-in"),
                );
                response
            }
            ConsoleError::Page(status, message) => page(status, &message),
            ConsoleError::NotFound(what) => page(StatusCode::NOT_FOUND, what),
            ConsoleError::Internal(detail) => {
                tracing::error!(error = %detail, "console request failed");
                page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "something went wrong on the server; it was logged",
                )
            }
        }
    }
}

/// A console handler's result.
pub type ConsoleResult<T> = Result<T, ConsoleError>;
