//! The error answers every operation can give, added to the OpenAPI document once instead of
//! in each route's annotation, so a new route documents them too: 401 and 429 on a secured
//! operation (no key, or an unknown or revoked one; over the key's rate), 400 on one that reads query parameters or a body
//! (`invalid_query`, `malformed_json`, `invalid_body`), and 413 / 415 on one that reads a body
//! (over the body limit, or not the documented content type).
//!
//! An added answer has the same content as the operation's own 400 (so the Cloud-API-shaped
//! operations keep Meta's error envelope), or the native [`crate::error::ErrorBody`].

use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response};

/// Adds the common error answers to every operation of `doc` that lacks them.
pub fn add_common_errors(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            add_to(operation);
        }
    }
}

fn add_to(operation: &mut Operation) {
    let secured = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    let has_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query) && !p.name.is_empty());
    let has_body = operation.request_body.is_some();
    if secured {
        add(
            operation,
            "401",
            "No key, or an unknown or revoked one (`unauthorized`)",
        );
        add(
            operation,
            "429",
            "The key is over its request rate (`rate_limited`) or holds its limit of open event streams (`too_many_streams`); `Retry-After` says when to retry",
        );
        if let Some(RefOr::T(response)) = operation.responses.responses.get_mut("429") {
            response.headers.insert(
                "Retry-After".to_string(),
                Header::new(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .description(Some("Seconds to wait before retrying")),
                ),
            );
        }
    }
    if has_query || has_body {
        add(
            operation,
            "400",
            "Invalid query parameters or body: `error.code` names the problem",
        );
    }
    if has_body {
        add(
            operation,
            "413",
            "The body is larger than allowed (`payload_too_large`)",
        );
        add(
            operation,
            "415",
            "The body is not of the documented content type (`unsupported_media_type`)",
        );
    }
}

/// Adds the `status` answer, unless the operation documents it already.
fn add(operation: &mut Operation, status: &str, description: &str) {
    let responses = &mut operation.responses.responses;
    if responses.contains_key(status) {
        return;
    }
    let mut response = Response::new(description);
    match responses.get("400") {
        Some(RefOr::T(own)) => response.content = own.content.clone(),
        Some(RefOr::Ref(_)) => {}
        None => {
            response.content.insert(
                "application/json".to_string(),
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            );
        }
    }
    responses.insert(status.to_string(), RefOr::T(response));
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Every operation of the generated document, as `(method path, operation)`.
    fn operations() -> Vec<(String, Value)> {
        let document: Value = serde_json::from_str(&crate::openapi_json()).unwrap();
        let mut found = Vec::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                found.push((format!("{method} {path}"), operation.clone()));
            }
        }
        found
    }

    #[test]
    fn every_secured_operation_documents_401_429_and_every_body_400_413_415() {
        for (name, operation) in operations() {
            let responses = &operation["responses"];
            if operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
            {
                assert!(responses.get("401").is_some(), "{name} lacks 401");
                assert!(
                    responses["429"]["headers"].get("Retry-After").is_some(),
                    "{name} lacks 429 with Retry-After"
                );
            }
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(responses.get(status).is_some(), "{name} lacks {status}");
                }
            }
        }
    }

    #[test]
    fn added_answers_keep_the_operations_error_shape() {
        let (_, native) = operations()
            .into_iter()
            .find(|(name, _)| name == "get /v1/accounts/{id}")
            .unwrap();
        assert_eq!(
            native["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody"
        );
        let (_, cloud) = operations()
            .into_iter()
            .find(|(name, _)| name == "post /{version}/{channel_id}/messages")
            .unwrap();
        assert_eq!(
            cloud["responses"]["401"].get("content"),
            cloud["responses"]["400"].get("content"),
            "Meta's shape, as its 400"
        );
    }
}
