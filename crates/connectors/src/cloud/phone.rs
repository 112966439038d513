//! The phone number's own object: `GET /{version}/{phone_number_id}?fields=display_phone_number`.

use reqwest::Method;
use serde::Deserialize;

use super::client::{graph_url, Call};
use super::CloudClient;
use super::CloudTarget;
use crate::ConnectorError;

#[derive(Deserialize)]
struct PhoneNumber {
    #[serde(default)]
    display_phone_number: Option<String>,
}

/// The number's display form as the upstream reports it (`+1 555-012-3456`), reduced to its
/// digits (international, without `+`); `None` when the upstream gives none.
pub(crate) async fn display_number(
    c: &CloudClient,
    target: &CloudTarget,
) -> Result<Option<String>, ConnectorError> {
    let mut url = graph_url(target, &[&target.phone_number_id])?;
    url.query_pairs_mut()
        .append_pair("fields", "display_phone_number");
    let call = Call::new(
        "phone_number",
        Method::GET,
        url,
        target,
        c.config.request_timeout,
    );
    let req = c.request(&call);
    let answer: PhoneNumber = c.execute_json(&call, req).await?;
    Ok(answer
        .display_phone_number
        .map(|d| d.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|d| !d.is_empty()))
}
