//! CTA URL and location request messages.

use serde::{Deserialize, Serialize};

use crate::message::error::{Check, Obj};

/// Maximum CTA URL button label length, in characters.
pub const DISPLAY_TEXT_MAX: usize = 20;

/// The action of a `cta_url` message: `{name:"cta_url", parameters:{display_text, url}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CtaUrlAction {
    /// Always `cta_url`.
    pub name: String,
    /// The button.
    pub parameters: CtaUrlParameters,
}

/// The button of a CTA URL message or card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CtaUrlParameters {
    /// The label, at most 20 characters.
    pub display_text: String,
    /// The http(s) URL opened when tapped.
    pub url: String,
}

/// The action of a `location_request_message`: `{name:"send_location"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationRequestAction {
    /// Always `send_location`.
    pub name: String,
}

/// Parses a `{name:"cta_url", parameters}` action.
pub(crate) fn parse_cta_url(a: &Obj<'_>) -> Check<CtaUrlAction> {
    a.only(&["name", "parameters"])?;
    let name = a.one_of("name", &["cta_url"])?.to_string();
    let p = a.obj("parameters", "add {\"display_text\": …, \"url\": …}")?;
    p.only(&["display_text", "url"])?;
    let display_text = p.text("display_text", DISPLAY_TEXT_MAX, "give the button label")?;
    let url = p.str("url", "give the http(s) URL the button opens")?;
    p.check_url("url", url)?;
    Ok(CtaUrlAction {
        name,
        parameters: CtaUrlParameters {
            display_text,
            url: url.to_string(),
        },
    })
}

/// Parses a `{name:"send_location"}` action.
pub(crate) fn parse_location_request(a: &Obj<'_>) -> Check<LocationRequestAction> {
    a.only(&["name"])?;
    Ok(LocationRequestAction {
        name: a.one_of("name", &["send_location"])?.to_string(),
    })
}
