//! The HTTP plumbing shared by every call: URLs, the authenticated request, answers and
//! their errors, bounded body reads, logging without secrets.

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::{Method, RequestBuilder, Response, Url};
use serde::de::DeserializeOwned;

use super::classify::CLOUD_ERRORS;
use super::CloudTarget;
use super::{CloudClient, DEFAULT_API_VERSION};
use crate::http_error::{from_graph_answer, from_transport, unexpected, GraphErrors};
use crate::ConnectorError;

/// Largest success body read (template pages are the biggest answers).
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// Largest error body read; the rest is ignored.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// `{base_url}/{api_version}/{segments…}`, each segment percent-encoded. A base URL with a
/// path (e.g. `http://host/sandbox`) keeps it.
pub(crate) fn graph_url(target: &CloudTarget, segments: &[&str]) -> Result<Url, ConnectorError> {
    graph_url_at(&target.base_url, &target.api_version, segments)
}

/// [`graph_url`] on the Graph API at `base_url` in `api_version` (any Graph API: the Cloud
/// API's, the Send API's).
pub(crate) fn graph_url_at(
    base_url: &str,
    api_version: &str,
    segments: &[&str],
) -> Result<Url, ConnectorError> {
    let mut url = Url::parse(base_url.trim())
        .map_err(|_| ConnectorError::permanent("invalid Graph API base URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(ConnectorError::permanent(
            "invalid Graph API base URL: http(s) expected",
        ));
    }
    url.set_query(None);
    url.set_fragment(None);
    let version = match api_version.trim() {
        "" => DEFAULT_API_VERSION,
        v => v,
    };
    {
        let mut path = url
            .path_segments_mut()
            .map_err(|()| ConnectorError::permanent("invalid Graph API base URL"))?;
        path.pop_if_empty().push(version);
        for s in segments {
            if s.is_empty() {
                return Err(ConnectorError::permanent(
                    "missing id in the Graph API path (phone number, WABA or media id)",
                ));
            }
            path.push(s);
        }
    }
    Ok(url)
}

/// What a request is, for messages and logs: method and URL without its query.
pub(crate) struct Call<'a> {
    /// `send`, `mark_read`, … (log field).
    pub op: &'static str,
    method: Method,
    url: Url,
    /// The Bearer token; `None` for a download from a signed CDN URL.
    token: Option<&'a str>,
    timeout: Duration,
    /// How the API's error envelope is read.
    errors: &'static GraphErrors,
}

impl<'a> Call<'a> {
    pub(crate) fn new(
        op: &'static str,
        method: Method,
        url: Url,
        target: &'a CloudTarget,
        timeout: Duration,
    ) -> Self {
        Self::on(
            op,
            method,
            url,
            Some(&target.access_token),
            timeout,
            &CLOUD_ERRORS,
        )
    }

    /// A call to another Graph API (the Send API), reading its errors with `errors`.
    pub(crate) fn on(
        op: &'static str,
        method: Method,
        url: Url,
        token: Option<&'a str>,
        timeout: Duration,
        errors: &'static GraphErrors,
    ) -> Self {
        Self {
            op,
            method,
            url,
            token,
            timeout,
            errors,
        }
    }

    fn secret(&self) -> &str {
        self.token.unwrap_or("")
    }

    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    /// `POST host/v23.0/123/messages` — never the query, which could carry signed URL
    /// parameters.
    fn describe(&self) -> String {
        let host = self.url.host_str().unwrap_or("");
        match self.url.port() {
            Some(p) => format!("{} {host}:{p}{}", self.method, self.url.path()),
            None => format!("{} {host}{}", self.method, self.url.path()),
        }
    }
}

impl CloudClient {
    /// The request for `call`: method, URL, Bearer token (marked sensitive), timeout.
    pub(crate) fn request(&self, call: &Call<'_>) -> RequestBuilder {
        let req = self
            .client
            .request(call.method.clone(), call.url.clone())
            .timeout(call.timeout);
        match call.token {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    /// Sends `req`; a non-2xx answer or no answer becomes a classified error.
    pub(crate) async fn execute(
        &self,
        call: &Call<'_>,
        req: RequestBuilder,
    ) -> Result<Response, ConnectorError> {
        let started = Instant::now();
        let result = req.send().await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                let err = from_transport(&e, &call.describe(), Some(call.timeout), call.secret());
                log_error(call, &err, elapsed_ms);
                return Err(err);
            }
        };
        let status = resp.status();
        if status.is_success() {
            tracing::debug!(
                op = call.op,
                method = %call.method,
                path = call.url.path(),
                status = status.as_u16(),
                elapsed_ms,
                "graph api call"
            );
            return Ok(resp);
        }
        let headers = resp.headers().clone();
        let body = read_limited(resp, MAX_ERROR_BYTES)
            .await
            .map(|(b, _)| b)
            .unwrap_or_default();
        let err = from_graph_answer(call.errors, status.as_u16(), &headers, &body, call.secret());
        log_error(call, &err, elapsed_ms);
        Err(err)
    }

    /// Sends `req` and parses a 2xx JSON answer as `T`; an unparsable answer is a transient
    /// "unexpected answer".
    pub(crate) async fn execute_json<T: DeserializeOwned>(
        &self,
        call: &Call<'_>,
        req: RequestBuilder,
    ) -> Result<T, ConnectorError> {
        let resp = self.execute(call, req).await?;
        let status = resp.status().as_u16();
        let (body, truncated) = read_limited(resp, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| from_transport(&e, &call.describe(), Some(call.timeout), call.secret()))?;
        if truncated {
            return Err(unexpected(
                status,
                format_args!("answer longer than {MAX_ANSWER_BYTES} bytes"),
            ));
        }
        serde_json::from_slice(&body).map_err(|e| {
            let err = unexpected(status, e);
            log_error(call, &err, 0);
            err
        })
    }
}

fn log_error(call: &Call<'_>, err: &ConnectorError, elapsed_ms: u64) {
    tracing::debug!(
        op = call.op,
        method = %call.method,
        path = call.url.path(),
        status = err.http_status,
        code = err.code,
        class = err.class.as_str(),
        error = %err.message,
        elapsed_ms,
        "graph api call failed"
    );
}

/// Reads at most `limit` bytes of the body; the flag says whether more was left unread.
/// A body that arrives in one chunk is returned without copying.
pub(crate) async fn read_limited(
    mut resp: Response,
    limit: usize,
) -> Result<(Bytes, bool), reqwest::Error> {
    let Some(first) = resp.chunk().await? else {
        return Ok((Bytes::new(), false));
    };
    if first.len() > limit {
        return Ok((first.slice(..limit), true));
    }
    let Some(second) = resp.chunk().await? else {
        return Ok((first, false));
    };
    let mut buf = Vec::with_capacity(first.len() + second.len());
    buf.extend_from_slice(&first);
    let mut next = Some(second);
    // Ends with the body, or once `limit` bytes were read.
    while let Some(chunk) = next {
        let room = limit - buf.len();
        if chunk.len() > room {
            buf.extend_from_slice(&chunk[..room]);
            return Ok((Bytes::from(buf), true));
        }
        buf.extend_from_slice(&chunk);
        next = resp.chunk().await?;
    }
    Ok((Bytes::from(buf), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(base: &str, version: &str) -> CloudTarget {
        CloudTarget {
            base_url: base.into(),
            api_version: version.into(),
            phone_number_id: "123".into(),
            waba_id: "456".into(),
            access_token: "t".into(),
        }
    }

    #[test]
    fn urls() {
        let u = |base: &str, version: &str, segs: &[&str]| {
            graph_url(&target(base, version), segs).map(|u| u.to_string())
        };
        assert_eq!(
            u("https://graph.facebook.com", "v23.0", &["123", "messages"]).expect("url"),
            "https://graph.facebook.com/v23.0/123/messages"
        );
        assert_eq!(
            u("http://127.0.0.1:9/sandbox/", "", &["123", "media"]).expect("url"),
            "http://127.0.0.1:9/sandbox/v23.0/123/media"
        );
        assert_eq!(
            u("http://h/?q=1#f", "v21.0", &["1/../x?y"]).expect("url"),
            "http://h/v21.0/1%2F..%2Fx%3Fy"
        );
        assert!(u("ftp://h", "v23.0", &["1"]).is_err());
        assert!(u("not a url", "v23.0", &["1"]).is_err());
        assert!(u("mailto:a@b", "v23.0", &["1"]).is_err());
        let e = u("http://h", "v23.0", &["", "messages"]).expect_err("empty id");
        assert_eq!(e.class, crate::ErrorClass::Permanent);
    }
}
