//! The HTTP plumbing of every Send API call: URLs, the Bearer-authenticated request, answers
//! and their classified errors, bounded body reads, logs without secrets.

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::{Method, RequestBuilder, Response, Url};
use serde::de::DeserializeOwned;

use super::classify::{from_answer, from_transport, unexpected};
use super::PageTarget;
use crate::cloud::CloudClient;
use crate::ConnectorError;

/// Largest success body read.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// Largest error body read; the rest is ignored.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// `{base_url}/{api_version}/{path_id}/{edge}`, each segment percent-encoded; a base URL with
/// a path (e.g. `http://host/sandbox`) keeps it.
pub(crate) fn edge_url(target: &PageTarget, edge: &str) -> Result<Url, ConnectorError> {
    let mut url = Url::parse(target.base_url.trim())
        .map_err(|_| ConnectorError::permanent("invalid Graph API base URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(ConnectorError::permanent(
            "invalid Graph API base URL: http(s) expected",
        ));
    }
    if target.path_id.trim().is_empty() {
        return Err(ConnectorError::permanent(
            "missing Page or Instagram account id in the Graph API path",
        ));
    }
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut()
        .map_err(|()| ConnectorError::permanent("invalid Graph API base URL"))?
        .pop_if_empty()
        .push(&target.api_version)
        .push(&target.path_id)
        .push(edge);
    Ok(url)
}

/// One call: what it is for logs and messages, and its limits.
pub(crate) struct Call<'a> {
    /// `send`, `react`, `upload_media`, … (log field).
    pub op: &'static str,
    pub method: Method,
    pub url: Url,
    /// The token to send as Bearer, `None` for CDN downloads.
    pub token: Option<&'a str>,
    pub timeout: Duration,
}

impl Call<'_> {
    /// `POST host/v25.0/123/messages`: never the query.
    fn describe(&self) -> String {
        let host = self.url.host_str().unwrap_or("");
        match self.url.port() {
            Some(p) => format!("{} {host}:{p}{}", self.method, self.url.path()),
            None => format!("{} {host}{}", self.method, self.url.path()),
        }
    }

    fn secret(&self) -> &str {
        self.token.unwrap_or("")
    }

    /// The request: method, URL, Bearer token when there is one, timeout.
    pub(crate) fn request(&self, client: &CloudClient) -> RequestBuilder {
        let req = client
            .http_client()
            .request(self.method.clone(), self.url.clone())
            .timeout(self.timeout);
        match self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// Sends `req`; a non-2xx answer or no answer becomes a classified error.
    pub(crate) async fn execute(&self, req: RequestBuilder) -> Result<Response, ConnectorError> {
        let started = Instant::now();
        let result = req.send().await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                let err = from_transport(&e, &self.describe(), self.timeout, self.secret());
                self.log_error(&err, elapsed_ms);
                return Err(err);
            }
        };
        let status = resp.status();
        if status.is_success() {
            tracing::debug!(
                op = self.op,
                path = self.url.path(),
                status = status.as_u16(),
                elapsed_ms,
                "send api call"
            );
            return Ok(resp);
        }
        let headers = resp.headers().clone();
        let body = read_limited(resp, MAX_ERROR_BYTES)
            .await
            .unwrap_or_default();
        let err = from_answer(status.as_u16(), &headers, &body, self.secret());
        self.log_error(&err, elapsed_ms);
        Err(err)
    }

    /// Sends `req` and parses a 2xx JSON answer as `T`; an unparsable one is transient.
    pub(crate) async fn execute_json<T: DeserializeOwned>(
        &self,
        req: RequestBuilder,
    ) -> Result<T, ConnectorError> {
        let resp = self.execute(req).await?;
        let status = resp.status().as_u16();
        let body = read_limited(resp, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| from_transport(&e, &self.describe(), self.timeout, self.secret()))?;
        serde_json::from_slice(&body).map_err(|e| unexpected(status, e))
    }

    fn log_error(&self, err: &ConnectorError, elapsed_ms: u64) {
        tracing::debug!(
            op = self.op,
            path = self.url.path(),
            status = err.http_status,
            code = err.code,
            class = err.class.as_str(),
            error = %err.message,
            elapsed_ms,
            "send api call failed"
        );
    }
}

/// At most `limit` bytes of the body (the rest is dropped).
async fn read_limited(mut resp: Response, limit: usize) -> Result<Bytes, reqwest::Error> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = limit.saturating_sub(buf.len());
        if chunk.len() >= room {
            buf.extend_from_slice(&chunk[..room]);
            break;
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messenger::Platform;

    fn target(base: &str, id: &str) -> PageTarget {
        PageTarget {
            platform: Platform::Messenger,
            base_url: base.into(),
            api_version: "v25.0".into(),
            path_id: id.into(),
            account_id: id.into(),
            access_token: "t".into(),
        }
    }

    #[test]
    fn urls() {
        let u =
            |base: &str, id: &str| edge_url(&target(base, id), "messages").map(|u| u.to_string());
        assert_eq!(
            u("https://graph.facebook.com", "123").expect("url"),
            "https://graph.facebook.com/v25.0/123/messages"
        );
        assert_eq!(
            u("http://127.0.0.1:9/sandbox/?x=1", "me").expect("url"),
            "http://127.0.0.1:9/sandbox/v25.0/me/messages"
        );
        assert_eq!(
            u("http://h", "1/../x").expect("url"),
            "http://h/v25.0/1%2F..%2Fx/messages"
        );
        assert!(u("ftp://h", "1").is_err());
        assert!(u("http://h", " ").is_err());
    }
}
