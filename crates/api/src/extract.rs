//! Extractors whose rejections use the API's error shape, and id parsing for paths.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use switchboard_core::id::{Id, IdMarker};

use crate::error::ApiError;

/// JSON body; malformed or mistyped bodies answer 400 naming the problem.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// Maps axum's JSON rejection to an [`ApiError`].
pub fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => ApiError::BadRequest {
            code: "invalid_body",
            message: format!(
                "the JSON body does not have the expected fields: {}",
                e.body_text()
            ),
        },
        JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest {
            code: "malformed_json",
            message: format!("the body is not valid JSON: {}", e.body_text()),
        },
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
            "send the body as JSON with `Content-Type: application/json`".into(),
        ),
        JsonRejection::BytesRejection(e) => {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge("the request body is larger than allowed".into())
            } else {
                ApiError::BadRequest {
                    code: "unreadable_body",
                    message: format!("the request body could not be read: {}", e.body_text()),
                }
            }
        }
        other => ApiError::BadRequest {
            code: "invalid_body",
            message: other.body_text(),
        },
    }
}

/// Query string; bad parameters answer 400.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::BadRequest {
                code: "invalid_query",
                message: format!("invalid query parameters: {}", e.body_text()),
            }),
            Err(other) => Err(ApiError::BadRequest {
                code: "invalid_query",
                message: other.body_text(),
            }),
        }
    }
}

/// Parses an id from a path segment; a malformed id is simply not found (404), like a
/// missing one.
pub fn path_id<K: IdMarker>(text: &str, what: &str) -> Result<Id<K>, ApiError> {
    text.parse()
        .map_err(|_| ApiError::NotFound(format!("{what} not found")))
}
