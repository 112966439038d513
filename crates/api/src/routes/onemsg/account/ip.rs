//! `GET /ip`: the server's public IP address (`{"result": "213.74.84.72"}`), from the
//! configured `public_url`: its host when it is an address, else the host's first address
//! in DNS. Without a configured `public_url` the address is unknown: 422 `ip_unknown`.

use std::net::IpAddr;

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::{fail, OneMsgChannel, OneMsgError};
use crate::access::CanRead;
use crate::state::AppState;

/// The ip routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ip))
}

/// The server's IP address.
#[derive(Debug, Serialize, ToSchema)]
pub struct IpAnswer {
    /// The address upstreams and clients reach this server at.
    #[schema(example = "213.74.84.72")]
    pub result: String,
}

/// The host and port of a URL, the host without IPv6 brackets.
fn host_of(url: &str) -> Option<(String, u16)> {
    let uri: Uri = url.trim().parse().ok()?;
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("http") {
            80
        } else {
            443
        });
    (!host.is_empty()).then(|| (host.to_string(), port))
}

fn unknown(message: String) -> Response {
    fail(StatusCode::UNPROCESSABLE_ENTITY, "ip_unknown", message)
}

/// Get channel server IP: the address of this server's `public_url`.
#[utoipa::path(get, path = "/compat/1msg/{channel_id}/ip", tag = "compat-1msg",
    params(("channel_id" = String, Path, description = "Channel id (`ch_…`)"),
           ("token" = Option<String>, Query, description = "A Switchboard API key")),
    responses(
        (status = 200, body = IpAnswer),
        (status = 401, body = OneMsgError),
        (status = 404, body = OneMsgError, description = "No such channel in the key's account"),
        (status = 422, body = OneMsgError, description = "`public_url` is not configured, or its host has no address (`ip_unknown`)"),
    ))]
async fn ip(State(state): State<AppState>, _channel: OneMsgChannel<CanRead>) -> Response {
    if !state.settings.public_url_configured {
        return unknown(
            "this server's public address is not known: set public_url (SWITCHBOARD_PUBLIC_URL) to the URL it is reached at".into(),
        );
    }
    let url = &state.settings.public_url;
    let Some((host, port)) = host_of(url) else {
        return unknown(format!("public_url {url:?} names no host"));
    };
    if let Ok(addr) = host.parse::<IpAddr>() {
        return Json(IpAnswer {
            result: addr.to_string(),
        })
        .into_response();
    }
    let first = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map(|mut addrs| addrs.next());
    match first {
        Ok(Some(a)) => Json(IpAnswer {
            result: a.ip().to_string(),
        })
        .into_response(),
        Ok(None) => unknown(format!(
            "the host of public_url, {host}, has no address in DNS"
        )),
        Err(e) => unknown(format!(
            "the host of public_url, {host}, cannot be resolved: {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_urls() {
        assert_eq!(
            host_of("https://203.0.113.7:8443/x"),
            Some(("203.0.113.7".into(), 8443))
        );
        assert_eq!(
            host_of("http://gw.example.com"),
            Some(("gw.example.com".into(), 80))
        );
        assert_eq!(
            host_of("https://[2001:db8::1]/"),
            Some(("2001:db8::1".into(), 443))
        );
        assert_eq!(host_of("not a url"), None);
    }
}
