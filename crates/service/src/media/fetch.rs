//! Fetching an upload's URL: http(s) only, no private-network targets unless allowed (the
//! webhook guard: literal addresses checked up front, names checked on the addresses they
//! resolve to, every redirect checked again), a whole-request timeout, and a size cap
//! enforced from `Content-Length` and again as the body streams.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use super::storage::ByteStream;
use super::MediaError;
use crate::webhooks::guard::{check_url, GuardedResolver};

/// Most redirects followed.
const MAX_REDIRECTS: usize = 5;

/// The fetch client: guarded resolver, redirects re-checked, `timeout` for the whole request.
pub fn client(allow_private: bool, timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        match check_url(attempt.url().as_str(), allow_private) {
            Ok(_) => attempt.follow(),
            Err(e) => attempt.error(format!("redirect refused: {e}")),
        }
    });
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .redirect(redirects)
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("switchboard-media/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// A fetched URL, ready to stream.
pub struct Fetched {
    /// The body.
    pub stream: ByteStream<'static>,
    /// The answer's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The last path segment of the URL, as a file name.
    pub filename: Option<String>,
}

fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// GETs `url` with `client`, refusing answers larger than `max_bytes` by `Content-Length`.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    allow_private: bool,
    max_bytes: u64,
) -> Result<Fetched, MediaError> {
    let parsed = check_url(url, allow_private).map_err(MediaError::UrlRefused)?;
    let filename = parsed
        .path_segments()
        .and_then(|mut s| s.next_back().map(str::to_string))
        .filter(|s| !s.is_empty());
    let response = client.get(parsed).send().await.map_err(|e| {
        let text = describe(&e);
        if text.contains("private, loopback or link-local") || text.contains("redirect refused") {
            MediaError::UrlRefused(format!("url: {text}"))
        } else if e.is_timeout() {
            MediaError::Fetch(format!("url: fetching timed out: {text}"))
        } else {
            MediaError::Fetch(format!("url: fetching failed: {text}"))
        }
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(MediaError::Fetch(format!(
            "url: the server answered HTTP {}; it must answer 200 with the file",
            status.as_u16()
        )));
    }
    if let Some(len) = response.content_length() {
        if len > max_bytes {
            return Err(MediaError::too_large(
                &format!("the file at the URL is {len} bytes"),
                max_bytes,
            ));
        }
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let stream = response
        .bytes_stream()
        .map(|chunk| chunk.map_err(|e| io::Error::other(describe(&e))))
        .boxed();
    Ok(Fetched {
        stream,
        content_type,
        filename,
    })
}
