//! Template management: `GET|POST|DELETE /{version}/{waba_id}/message_templates`.

use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::Value;

use super::client::{graph_url, Call};
use super::messages::{expect_success, SuccessAnswer};
use super::CloudClient;
use super::CloudTarget;
use crate::ConnectorError;

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    data: Vec<Value>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Deserialize, Default)]
struct Paging {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    cursors: Option<Cursors>,
}

#[derive(Deserialize, Default)]
struct Cursors {
    #[serde(default)]
    after: Option<String>,
}

/// The next page's URL, or `None` on the last page (Meta leaves `paging.next` out there).
///
/// `paging.next` is followed when it points at the same origin as `current` (it may be
/// absolute, as Meta's are, or relative); the Bearer token never goes to another origin: for
/// a foreign `next`, the `after` cursor is applied to `current` instead.
fn next_page(current: &Url, paging: Option<Paging>) -> Option<Url> {
    let paging = paging?;
    let next = paging.next.filter(|n| !n.trim().is_empty())?;
    if let Ok(url) = current.join(next.trim()) {
        if url.origin() == current.origin() {
            return Some(url);
        }
    }
    let after = paging.cursors?.after.filter(|a| !a.is_empty())?;
    let mut url = current.clone();
    let kept: Vec<(String, String)> = current
        .query_pairs()
        .filter(|(k, _)| k != "after")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("after", &after);
    Some(url)
}

/// Every template of the WABA (or those named `name`), across pages.
pub(crate) async fn list(
    c: &CloudClient,
    target: &CloudTarget,
    name: Option<&str>,
) -> Result<Vec<Value>, ConnectorError> {
    let mut url = graph_url(target, &[&target.waba_id, "message_templates"])?;
    if let Some(n) = name {
        url.query_pairs_mut().append_pair("name", n);
    }
    let max_pages = c.config.max_template_pages.max(1);
    let mut out = Vec::new();
    let mut next = Some(url);
    let mut pages = 0;
    while let Some(url) = next.take() {
        if pages >= max_pages {
            return Err(ConnectorError::permanent(format!(
                "the template list has more than {max_pages} pages; raise max_template_pages"
            )));
        }
        pages += 1;
        let call = Call::new(
            "list_templates",
            Method::GET,
            url,
            target,
            c.config.request_timeout,
        );
        let req = c.request(&call);
        let page: Page = c.execute_json(&call, req).await?;
        let empty = page.data.is_empty();
        out.extend(page.data);
        next = next_page(call.url(), page.paging).filter(|n| n != call.url());
        if empty {
            break; // a page with nothing on it ends the walk, whatever it says
        }
    }
    Ok(out)
}

/// Creates a template; returns Meta's answer (`{id, status, category}`).
pub(crate) async fn create(
    c: &CloudClient,
    target: &CloudTarget,
    template: &Value,
) -> Result<Value, ConnectorError> {
    let body = serde_json::to_vec(template)
        .map_err(|e| ConnectorError::permanent(format!("cannot serialize the template: {e}")))?;
    let url = graph_url(target, &[&target.waba_id, "message_templates"])?;
    let call = Call::new(
        "create_template",
        Method::POST,
        url,
        target,
        c.config.request_timeout,
    );
    let req = c
        .request(&call)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(body);
    c.execute_json(&call, req).await
}

/// Deletes every language of the template `name`, or only the one whose id is `hsm_id`.
pub(crate) async fn delete(
    c: &CloudClient,
    target: &CloudTarget,
    name: &str,
    hsm_id: Option<&str>,
) -> Result<(), ConnectorError> {
    if name.is_empty() {
        return Err(ConnectorError::permanent("missing template name to delete"));
    }
    let mut url = graph_url(target, &[&target.waba_id, "message_templates"])?;
    url.query_pairs_mut().append_pair("name", name);
    if let Some(id) = hsm_id {
        url.query_pairs_mut().append_pair("hsm_id", id);
    }
    let call = Call::new(
        "delete_template",
        Method::DELETE,
        url,
        target,
        c.config.request_timeout,
    );
    let req = c.request(&call);
    let answer: SuccessAnswer = c.execute_json(&call, req).await?;
    expect_success(answer.success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(next: Option<&str>, after: Option<&str>) -> Option<Paging> {
        Some(Paging {
            next: next.map(str::to_string),
            cursors: Some(Cursors {
                after: after.map(str::to_string),
            }),
        })
    }

    #[test]
    fn next_pages() {
        let cur = Url::parse("http://127.0.0.1:5/v23.0/9/message_templates?name=a").expect("url");
        // Last page: cursors but no next.
        assert_eq!(next_page(&cur, paging(None, Some("MjQ"))), None);
        assert_eq!(next_page(&cur, None), None);
        // Relative next (the emulator's).
        assert_eq!(
            next_page(&cur, paging(Some("?limit=25&after=MjQ"), Some("MjQ")))
                .expect("next")
                .as_str(),
            "http://127.0.0.1:5/v23.0/9/message_templates?limit=25&after=MjQ"
        );
        // Absolute, same origin (Meta's).
        assert_eq!(
            next_page(
                &cur,
                paging(
                    Some("http://127.0.0.1:5/v23.0/9/message_templates?after=X"),
                    None
                )
            )
            .expect("next")
            .as_str(),
            "http://127.0.0.1:5/v23.0/9/message_templates?after=X"
        );
        // Another origin: the cursor on our own URL instead.
        assert_eq!(
            next_page(
                &cur,
                paging(Some("https://evil.example/steal?after=X"), Some("Y"))
            )
            .expect("next")
            .as_str(),
            "http://127.0.0.1:5/v23.0/9/message_templates?name=a&after=Y"
        );
        assert_eq!(
            next_page(&cur, paging(Some("https://evil.example/x"), None)),
            None
        );
    }
}
