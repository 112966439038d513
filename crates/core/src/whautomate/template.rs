//! WhatsApp's `sendtemplate`: `template{name, language}` and the dialect's parameter lists
//! mapped onto the synced template's components, checked against it so a wrong count or a
//! missing header file is named before anything is sent:
//!
//! | dialect | template component |
//! |---|---|
//! | `headerTextParameters[]` | a TEXT header's variables |
//! | `headerMediaUrl` | an IMAGE / VIDEO / DOCUMENT header's file (`link`) |
//! | `locationParameters{latitude, longitude, name, address}` | a LOCATION header |
//! | `bodyTextParameters[]` | the body's variables, in order (named variables by their order of appearance) |
//! | `buttonUrlParameters[]` | the URL buttons with a variable, in button order (`sub_type: url`, their `index`) |
//! | `flowParameters{flowToken, flowData}` | the FLOW button (`flow_token`, `flow_action_data` from `flowData`'s JSON object) |

use serde_json::{json, Map, Value};

use super::{text_field, DialectError};
use crate::template_def::{
    variables, HeaderFormat, ParameterFormat, TemplateButton, TemplateDefinition, Variables,
};

/// The template `template{name, language}` names.
pub fn template_ref(fields: &Map<String, Value>) -> Result<(String, String), DialectError> {
    let Some(Value::Object(t)) = fields.get("template") else {
        return Err(DialectError::invalid(
            "template: give {\"name\": \"…\", \"language\": \"en_US\"} of an approved template",
        ));
    };
    let name = text_field(t, "name")?
        .ok_or_else(|| DialectError::invalid("template.name: give the template's name"))?;
    let language = text_field(t, "language")?.ok_or_else(|| {
        DialectError::invalid("template.language: give the template's language code, e.g. en_US")
    })?;
    Ok((name.to_string(), language.to_string()))
}

/// A list of strings (numbers are taken as their text); absent is empty.
fn strings(fields: &Map<String, Value>, name: &str) -> Result<Vec<String>, DialectError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(DialectError::invalid(format!(
                    "{name}[{i}]: must be a string, got {other}"
                ))),
            })
            .collect(),
        Some(other) => Err(DialectError::invalid(format!(
            "{name}: must be a list of strings, got {other}"
        ))),
    }
}

/// Text parameters for `vars`, named ones with their `parameter_name`.
fn text_parameters(
    values: &[String],
    vars: &Variables,
    field: &str,
    what: &str,
    template: &str,
) -> Result<Vec<Value>, DialectError> {
    if values.len() != vars.count() {
        return Err(DialectError::template(format!(
            "{field}: template `{template}` has {} variable(s) in its {what}, {} value(s) were given",
            vars.count(),
            values.len()
        )));
    }
    let names = vars.names();
    Ok(values
        .iter()
        .enumerate()
        .map(|(i, v)| match names.get(i) {
            Some(n) => json!({"type": "text", "parameter_name": n, "text": v}),
            None => json!({"type": "text", "text": v}),
        })
        .collect())
}

fn variables_of(text: Option<&str>, format: ParameterFormat) -> Variables {
    text.and_then(|t| variables(t, format).ok())
        .unwrap_or(Variables::Positional(0))
}

fn header_component(
    fields: &Map<String, Value>,
    def: &TemplateDefinition,
) -> Result<Option<Value>, DialectError> {
    let texts = strings(fields, "headerTextParameters")?;
    let media = text_field(fields, "headerMediaUrl")?;
    let location = fields.get("locationParameters").filter(|v| !v.is_null());
    let name = &def.name;
    let Some(header) = def.header() else {
        if !texts.is_empty() || media.is_some() || location.is_some() {
            return Err(DialectError::template(format!(
                "template `{name}` has no header; remove headerTextParameters, headerMediaUrl and locationParameters"
            )));
        }
        return Ok(None);
    };
    let refuse_other = |allowed: &str| {
        let given = [
            ("headerTextParameters", !texts.is_empty()),
            ("headerMediaUrl", media.is_some()),
            ("locationParameters", location.is_some()),
        ];
        match given.iter().find(|(f, g)| *g && *f != allowed) {
            Some((f, _)) => Err(DialectError::template(format!(
                "{f}: template `{name}` has a {} header; remove {f}",
                header.format.as_str()
            ))),
            None => Ok(()),
        }
    };
    match header.format {
        HeaderFormat::Text => {
            refuse_other("headerTextParameters")?;
            let vars = variables_of(header.text.as_deref(), def.parameter_format());
            let params = text_parameters(&texts, &vars, "headerTextParameters", "header", name)?;
            Ok((!params.is_empty()).then(|| json!({"type": "header", "parameters": params})))
        }
        HeaderFormat::Image | HeaderFormat::Video | HeaderFormat::Document => {
            refuse_other("headerMediaUrl")?;
            let kind = header.format.as_str().to_ascii_lowercase();
            let url = media.ok_or_else(|| {
                DialectError::template(format!(
                    "headerMediaUrl: template `{name}` has a {} header; give the file's http(s) link",
                    header.format.as_str()
                ))
            })?;
            Ok(Some(
                json!({"type": "header", "parameters": [{"type": kind, kind.clone(): {"link": url}}]}),
            ))
        }
        HeaderFormat::Location => {
            refuse_other("locationParameters")?;
            let Some(Value::Object(l)) = location else {
                return Err(DialectError::template(format!(
                    "locationParameters: template `{name}` has a LOCATION header; give {{latitude, longitude, name, address}}"
                )));
            };
            let number = |k: &str| {
                l.get(k).and_then(|v| match v {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                })
            };
            let (Some(lat), Some(lng)) = (number("latitude"), number("longitude")) else {
                return Err(DialectError::template(
                    "locationParameters: latitude and longitude must be numbers",
                ));
            };
            let mut loc = json!({"latitude": lat, "longitude": lng});
            for k in ["name", "address"] {
                if let Some(s) = l
                    .get(k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.trim().is_empty())
                {
                    loc[k] = json!(s);
                }
            }
            Ok(Some(
                json!({"type": "header", "parameters": [{"type": "location", "location": loc}]}),
            ))
        }
        HeaderFormat::Product => Err(DialectError::template(format!(
            "template `{name}` has a product header, which this API cannot fill; use the native API"
        ))),
    }
}

fn flow_data(flow: &Map<String, Value>) -> Result<Option<Value>, DialectError> {
    match flow.get("flowData") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(Value::Object(o.clone()))),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(o)) => Ok(Some(Value::Object(o))),
            _ => Err(DialectError::template(
                "flowParameters.flowData: must be a JSON object (or its text), the data the Flow's first screen receives",
            )),
        },
        Some(other) => Err(DialectError::template(format!(
            "flowParameters.flowData: must be a JSON object, got {other}"
        ))),
    }
}

fn button_components(
    fields: &Map<String, Value>,
    def: &TemplateDefinition,
) -> Result<Vec<Value>, DialectError> {
    let name = &def.name;
    let urls = strings(fields, "buttonUrlParameters")?;
    let buttons = def.buttons();
    let with_variable: Vec<usize> = buttons
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, TemplateButton::Url(u) if u.has_variable()))
        .map(|(i, _)| i)
        .collect();
    if urls.len() != with_variable.len() {
        return Err(DialectError::template(format!(
            "buttonUrlParameters: template `{name}` has {} URL button(s) with a variable, {} value(s) were given",
            with_variable.len(),
            urls.len()
        )));
    }
    let mut out: Vec<Value> = with_variable
        .iter()
        .zip(&urls)
        .map(|(index, value)| {
            json!({"type": "button", "sub_type": "url", "index": index.to_string(),
                   "parameters": [{"type": "text", "text": value}]})
        })
        .collect();
    match fields.get("flowParameters").filter(|v| !v.is_null()) {
        None => {}
        Some(Value::Object(flow)) => {
            let index = buttons
                .iter()
                .position(|b| matches!(b, TemplateButton::Flow(_)))
                .ok_or_else(|| {
                    DialectError::template(format!(
                        "flowParameters: template `{name}` has no FLOW button; remove flowParameters"
                    ))
                })?;
            let mut action = Map::new();
            if let Some(token) = text_field(flow, "flowToken")? {
                action.insert("flow_token".into(), json!(token));
            }
            if let Some(data) = flow_data(flow)? {
                action.insert("flow_action_data".into(), data);
            }
            out.push(
                json!({"type": "button", "sub_type": "flow", "index": index.to_string(),
                            "parameters": [{"type": "action", "action": action}]}),
            );
        }
        Some(other) => {
            return Err(DialectError::template(format!(
                "flowParameters: must be an object {{flowToken, flowData}}, got {other}"
            )))
        }
    }
    Ok(out)
}

/// The Cloud API template message for `def` (the synced template `template{name,
/// language}` names) with the dialect's parameters, to `to`.
pub fn whatsapp_template(
    to: &str,
    fields: &Map<String, Value>,
    def: &TemplateDefinition,
) -> Result<Value, DialectError> {
    let mut components = Vec::new();
    if let Some(header) = header_component(fields, def)? {
        components.push(header);
    }
    let body_values = strings(fields, "bodyTextParameters")?;
    let body_vars = variables_of(
        def.body().and_then(|b| b.text.as_deref()),
        def.parameter_format(),
    );
    let body = text_parameters(
        &body_values,
        &body_vars,
        "bodyTextParameters",
        "body",
        &def.name,
    )?;
    if !body.is_empty() {
        components.push(json!({"type": "body", "parameters": body}));
    }
    components.extend(button_components(fields, def)?);
    let mut m = Map::new();
    m.insert("messaging_product".into(), json!("whatsapp"));
    m.insert("to".into(), json!(to));
    m.insert("type".into(), json!("template"));
    let mut template = json!({"name": def.name, "language": {"code": def.language}});
    if !components.is_empty() {
        template["components"] = Value::Array(components);
    }
    m.insert("template".into(), template);
    if let Some(at) = fields
        .get("scheduleDateTime")
        .filter(|v| !v.is_null() && v.as_str() != Some(""))
    {
        m.insert("scheduleDateTime".into(), at.clone());
    }
    Ok(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::whautomate::fields_of as map;

    fn def() -> TemplateDefinition {
        serde_json::from_value(json!({
            "name": "order_update", "language": "en_US", "category": "UTILITY",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["42"]}},
                {"type": "BODY", "text": "Hi {{1}}, order {{2}} ships today.", "example": {"body_text": [["Ana", "42"]]}},
                {"type": "BUTTONS", "buttons": [
                    {"type": "QUICK_REPLY", "text": "Thanks"},
                    {"type": "URL", "text": "Track", "url": "https://x.test/t/{{1}}", "example": ["abc"]},
                    {"type": "FLOW", "text": "Book", "flow_id": "123"}]}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn parameters_land_on_the_components() {
        let fields = map(json!({
            "template": {"name": "order_update", "language": "en_US"},
            "headerTextParameters": ["42"], "bodyTextParameters": ["Ana", "42"],
            "buttonUrlParameters": ["abc"],
            "flowParameters": {"flowToken": "tok", "flowData": "{\"a\":1}"}
        }));
        let m = whatsapp_template("123", &fields, &def()).unwrap();
        let c = &m["template"]["components"];
        assert_eq!(c[0]["parameters"][0]["text"], "42");
        assert_eq!(c[1]["parameters"][1]["text"], "42");
        assert_eq!(c[2]["index"], "1");
        assert_eq!(c[3]["parameters"][0]["action"]["flow_action_data"]["a"], 1);
    }

    #[test]
    fn wrong_counts_and_foreign_headers_are_named() {
        let e = whatsapp_template(
            "1",
            &map(json!({"headerTextParameters": ["42"], "bodyTextParameters": ["Ana"]})),
            &def(),
        )
        .unwrap_err();
        assert_eq!(e.code, "invalid_template_parameters");
        assert!(e.message.contains("bodyTextParameters"), "{e}");
        let e = whatsapp_template(
            "1",
            &map(json!({"headerMediaUrl": "https://x/a.png"})),
            &def(),
        )
        .unwrap_err();
        assert!(e.message.contains("headerMediaUrl"), "{e}");
        assert!(template_ref(&map(json!({"template": {"name": "x"}}))).is_err());
    }
}
