//! The Send API's URLs and calls: the Cloud connector's Graph plumbing
//! ([`Call`](crate::cloud::client::Call) and [`CloudClient`]'s `execute`: Bearer token, bounded
//! body reads, logs without secrets), with the Send API's own error table.

use std::time::Duration;

use reqwest::{Method, Url};

use super::classify::SEND_API_ERRORS;
use super::PageTarget;
use crate::cloud::client::{graph_url_at, Call};
use crate::ConnectorError;

/// `{base_url}/{api_version}/{path_id}/{edge}`, each segment percent-encoded; a base URL with
/// a path (e.g. `http://host/sandbox`) keeps it.
pub(crate) fn edge_url(target: &PageTarget, edge: &str) -> Result<Url, ConnectorError> {
    if target.path_id.trim().is_empty() {
        return Err(ConnectorError::permanent(
            "missing Page or Instagram account id in the Graph API path",
        ));
    }
    graph_url_at(
        &target.base_url,
        &target.api_version,
        &[&target.path_id, edge],
    )
}

/// A Send API call: `op` (log field), authenticated with `token` (`None` for a CDN download).
pub(crate) fn call<'a>(
    op: &'static str,
    method: Method,
    url: Url,
    token: Option<&'a str>,
    timeout: Duration,
) -> Call<'a> {
    Call::on(op, method, url, token, timeout, &SEND_API_ERRORS)
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
