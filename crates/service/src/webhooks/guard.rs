//! The URL guard: only http(s), and no private, loopback or link-local targets unless the
//! configuration allows them. Names are checked again on the addresses they resolve to at
//! delivery time (the HTTP client's resolver filters them), so DNS cannot smuggle a private
//! address past the check made when the subscription was created.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

/// Whether an address is private, loopback, link-local or otherwise not a public target.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 0
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            let first = seg[0];
            // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) can reach any IPv4 address, site-local
            // (fec0::/10) is private: all refused.
            let nat64 = seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xffc0) == 0xfec0
                || first == 0x2002
                || nat64
        }
    }
}

/// Checks a subscription URL's form: absolute http(s) with a host; a literal internal IP is
/// refused unless `allow_private`.
pub fn check_url(text: &str, allow_private: bool) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("`{text}` is not an absolute URL: {e}"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err("only http and https URLs are allowed".into());
    }
    let host = url.host_str().ok_or("the URL has no host")?;
    if !allow_private {
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>() {
            if is_internal(ip) {
                return Err(format!(
                    "{ip} is a private, loopback or link-local address; set allow_private_targets (SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true) to allow it"
                ));
            }
        }
        if host.eq_ignore_ascii_case("localhost") {
            return Err("localhost is not allowed; set allow_private_targets to allow it".into());
        }
    }
    Ok(url)
}

/// A resolver that drops internal addresses (unless allowed), so the check applies to the
/// address actually connected to.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    /// Allow internal addresses.
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow || !is_internal(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(format!(
                    "{host} resolves only to private, loopback or link-local addresses"
                )
                .into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client for deliveries: the guarded resolver, no redirects (a redirect could
/// lead to an internal address), the delivery timeout.
pub fn client(
    allow_private: bool,
    timeout: std::time::Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(std::time::Duration::from_secs(5))
        .user_agent(concat!("switchboard-webhooks/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(16)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognized() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fc00::1",
            "::ffff:127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::808:808",
            "2002:7f00:1::1",
            "2002::1",
            "fec0::1",
            "feff::1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700::1111",
            "64:ff9b:1::1",
            "2003::1",
            "fe00::1",
        ] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked() {
        assert!(check_url("https://example.com/hook", false).is_ok());
        assert!(check_url("ftp://example.com/hook", false).is_err());
        assert!(check_url("not a url", false).is_err());
        assert!(check_url("http://127.0.0.1:9000/hook", false).is_err());
        assert!(check_url("http://[::1]/hook", false).is_err());
        assert!(check_url("http://localhost/hook", false).is_err());
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_url("http://[64:ff9b::a00:1]/hook", false).is_err());
        assert!(check_url("http://[2002:a00:1::1]/hook", false).is_err());
        assert!(check_url("http://[fec0::1]/hook", false).is_err());
        assert!(check_url("http://[2606:4700::1111]/hook", false).is_ok());
    }

    #[tokio::test]
    async fn the_resolver_drops_internal_addresses() {
        let guarded = GuardedResolver {
            allow_private: false,
        };
        let name: Name = "localhost".parse().unwrap();
        assert!(guarded.resolve(name).await.is_err());
        let open = GuardedResolver {
            allow_private: true,
        };
        let name: Name = "localhost".parse().unwrap();
        assert!(open.resolve(name).await.unwrap().next().is_some());
    }
}
