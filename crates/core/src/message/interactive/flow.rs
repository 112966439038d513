//! Flow messages: open a WhatsApp Flow.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::json_reader::wrong_type;
use crate::message::error::{Check, MessageError, Obj};

/// Maximum flow CTA button label length, in characters (Meta's OAS).
pub const FLOW_CTA_MAX: usize = 30;

/// The action of a `flow` message: `{name:"flow", parameters:{…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowAction {
    /// Always `flow`.
    pub name: String,
    /// The flow to open.
    pub parameters: FlowParameters,
}

/// Parameters of a flow message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowParameters {
    /// Always `"3"`.
    pub flow_message_version: String,
    /// The flow's id (exactly one of `flow_id` and `flow_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<String>,
    /// The flow's name (exactly one of `flow_id` and `flow_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_name: Option<String>,
    /// The button label, at most 30 characters.
    pub flow_cta: String,
    /// `draft` or `published` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// A token the business chooses to recognize the flow's replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_token: Option<String>,
    /// `navigate` (the default) or `data_exchange`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_action: Option<String>,
    /// The first screen and its data (only with `navigate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_action_payload: Option<FlowActionPayload>,
}

/// The first screen of a navigate flow and its input data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowActionPayload {
    /// The id of the first screen.
    pub screen: String,
    /// Input data for the first screen (a non-empty object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Map<String, Value>>,
}

const PARAMETERS: &[&str] = &[
    "flow_message_version",
    "flow_id",
    "flow_name",
    "flow_cta",
    "mode",
    "flow_token",
    "flow_action",
    "flow_action_payload",
];

/// Parses the action of a `flow` message.
pub(crate) fn parse(a: &Obj<'_>) -> Check<FlowAction> {
    a.only(&["name", "parameters"])?;
    let name = a.one_of("name", &["flow"])?.to_string();
    let p = a.obj("parameters", "add the flow parameters")?;
    p.only(PARAMETERS)?;
    let flow_message_version = p.one_of("flow_message_version", &["3"])?.to_string();
    let flow_id = p.opt_text("flow_id", 256)?;
    let flow_name = p.opt_text("flow_name", 256)?;
    match (&flow_id, &flow_name) {
        (Some(_), Some(_)) => {
            return Err(MessageError::invalid(
                p.at_key("flow_name"),
                "give either flow_id or flow_name, not both",
            ))
        }
        (None, None) => return Err(p.missing("flow_id", "give flow_id or flow_name")),
        _ => {}
    }
    let flow_cta = p.text(
        "flow_cta",
        FLOW_CTA_MAX,
        "give the label of the button that opens the flow",
    )?;
    let mode = match p.opt_str("mode")? {
        Some(m) => Some(
            p.check_enum("mode", m, &["draft", "published"])?
                .to_string(),
        ),
        None => None,
    };
    let flow_token = p.opt_text("flow_token", 1024)?;
    let flow_action = match p.opt_str("flow_action")? {
        Some(f) => Some(
            p.check_enum("flow_action", f, &["navigate", "data_exchange"])?
                .to_string(),
        ),
        None => None,
    };
    let payload = p.opt_obj("flow_action_payload")?;
    let flow_action_payload = match (flow_action.as_deref(), payload) {
        (Some("data_exchange"), Some(_)) => {
            return Err(MessageError::invalid(
                p.at_key("flow_action_payload"),
                "must be omitted when flow_action is data_exchange; remove it",
            ))
        }
        (Some("navigate"), None) => {
            return Err(p.missing(
                "flow_action_payload",
                "a navigate flow needs {\"screen\": \"<FIRST_SCREEN_ID>\"}",
            ))
        }
        (_, None) => None,
        (_, Some(pl)) => {
            pl.only(&["screen", "data"])?;
            let screen = pl.text("screen", 1024, "give the id of the first screen")?;
            let data =
                match pl.get("data") {
                    None => None,
                    Some(Value::Object(m)) if !m.is_empty() => Some(m.clone()),
                    Some(Value::Object(_)) => return Err(MessageError::bad_value(
                        pl.at_key("data"),
                        "must not be an empty object; remove it or give the screen's input data",
                    )),
                    Some(other) => return Err(wrong_type(&pl.at_key("data"), "an object", other)),
                };
            Some(FlowActionPayload { screen, data })
        }
    };
    Ok(FlowAction {
        name,
        parameters: FlowParameters {
            flow_message_version,
            flow_id,
            flow_name,
            flow_cta,
            mode,
            flow_token,
            flow_action,
            flow_action_payload,
        },
    })
}
