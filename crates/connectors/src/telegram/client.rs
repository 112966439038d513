//! Calls of the Bot API: `{base_url}/bot{token}/{method}` with a JSON or multipart body, and
//! the `{ok, result}` envelope unwrapped.

use std::time::Instant;

use reqwest::multipart::Form;
use reqwest::{RequestBuilder, Url};
use serde_json::Value;

use super::classify::{from_answer, from_transport, redact};
use super::TelegramTarget;
use crate::cloud::client::read_limited;
use crate::{CloudClient, ConnectorError};

/// Largest answer read.
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// `{base_url}/bot{token}/{method}`.
pub(crate) fn method_url(target: &TelegramTarget, method: &str) -> Result<Url, ConnectorError> {
    url_with(target, &format!("bot{}", target.bot_token), method)
}

/// `{base_url}/file/bot{token}/{file_path}`.
pub(crate) fn file_url(target: &TelegramTarget, file_path: &str) -> Result<Url, ConnectorError> {
    url_with(
        target,
        "file",
        &format!("bot{}/{file_path}", target.bot_token),
    )
}

fn url_with(target: &TelegramTarget, first: &str, rest: &str) -> Result<Url, ConnectorError> {
    let base = target.base_url.trim().trim_end_matches('/');
    let url = Url::parse(&format!("{base}/{first}/{rest}"))
        .map_err(|_| ConnectorError::permanent("invalid Telegram Bot API base URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConnectorError::permanent(
            "invalid Telegram Bot API base URL: http(s) expected",
        ));
    }
    Ok(url)
}

/// Calls `method` with a JSON body; returns its `result`.
pub(crate) async fn call(
    c: &CloudClient,
    target: &TelegramTarget,
    method: &str,
    params: &Value,
) -> Result<Value, ConnectorError> {
    let url = method_url(target, method)?;
    let req = c
        .http_client()
        .post(url)
        .json(params)
        .timeout(c.config().request_timeout);
    execute(target, method, req).await
}

/// Calls `method` with a JSON body and a whole-request limit of `timeout` (long polls).
pub(crate) async fn call_waiting(
    c: &CloudClient,
    target: &TelegramTarget,
    method: &str,
    params: &Value,
    timeout: std::time::Duration,
) -> Result<Value, ConnectorError> {
    let url = method_url(target, method)?;
    let req = c.http_client().post(url).json(params).timeout(timeout);
    execute(target, method, req).await
}

/// Calls `method` with a multipart body (an upload); returns its `result`.
pub(crate) async fn call_multipart(
    c: &CloudClient,
    target: &TelegramTarget,
    method: &str,
    form: Form,
) -> Result<Value, ConnectorError> {
    let url = method_url(target, method)?;
    let req = c
        .http_client()
        .post(url)
        .multipart(form)
        .timeout(c.config().media_timeout);
    execute(target, method, req).await
}

async fn execute(
    target: &TelegramTarget,
    method: &str,
    req: RequestBuilder,
) -> Result<Value, ConnectorError> {
    let token = target.bot_token.as_str();
    let started = Instant::now();
    let resp = req
        .send()
        .await
        .map_err(|e| from_transport(&e, method, token))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let (body, _) = read_limited(resp, MAX_ANSWER_BYTES)
        .await
        .map_err(|e| from_transport(&e, method, token))?;
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let ok = parsed.as_ref().and_then(|v| v["ok"].as_bool()) == Some(true);
    tracing::debug!(
        method,
        status,
        elapsed_ms = started.elapsed().as_millis() as u64,
        ok,
        "telegram call"
    );
    if (200..300).contains(&status) && ok {
        return Ok(parsed
            .map(|mut v| v["result"].take())
            .unwrap_or(Value::Null));
    }
    if (200..300).contains(&status) {
        let mut e = ConnectorError::transient(redact(
            format!("Telegram {method}: unexpected answer (HTTP {status} without ok:true)"),
            token,
        ));
        e.http_status = Some(status);
        return Err(e);
    }
    Err(from_answer(status, &headers, &body, token))
}
