//! A number's business profile and commerce settings:
//! `GET|POST /{version}/{phone_number_id}/whatsapp_business_profile` and
//! `GET|POST /{version}/{phone_number_id}/whatsapp_commerce_settings`, kept per number until
//! the emulator is reset. A profile change is checked as Meta does (`messaging_product`,
//! the field limits, the vertical list) and answers `{success: true}`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use switchboard_core::business_profile::{validate, ProfileUpdate};

use super::{authorize_phone, check_version, gate, json_body};
use crate::config::PhoneNumberConfig;
use crate::error::GraphError;
use crate::state::{lock, Inner};

/// The profiles and commerce settings changed so far, by phone number id.
#[derive(Debug, Default)]
pub(crate) struct Profiles {
    profiles: HashMap<String, Map<String, Value>>,
    commerce: HashMap<String, (bool, bool)>,
}

impl Profiles {
    /// Forgets every change.
    pub(crate) fn clear(&mut self) {
        self.profiles.clear();
        self.commerce.clear();
    }
}

fn answer(r: Result<Value, GraphError>) -> Response {
    match r {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The profile a number starts with.
fn initial(p: &PhoneNumberConfig) -> Map<String, Value> {
    let v = json!({
        "about": "Hey there! I am using WhatsApp.",
        "address": "1 Hacker Way, Menlo Park, CA 94025",
        "description": format!("{} (Switchboard emulator)", p.verified_name),
        "email": "support@example.com",
        "profile_picture_url": "https://example.com/profile.jpg",
        "websites": ["https://example.com/"],
        "vertical": "OTHER",
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `GET|POST /{version}/{phone_number_id}/whatsapp_business_profile`.
pub(crate) async fn business_profile(
    State(inner): State<Arc<Inner>>,
    Path((version, id)): Path<(String, String)>,
    method: axum::http::Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let r = async {
        check_version(&version, &format!("/{id}/whatsapp_business_profile"))?;
        let method_name = method.as_str();
        let p = authorize_phone(&inner, &headers, &id, method_name)?;
        gate(&inner).await?;
        if method == axum::http::Method::POST {
            update_profile(&inner, &p, &body)
        } else {
            let mut profiles = lock(&inner.profiles);
            let mut profile = profiles
                .profiles
                .entry(id.clone())
                .or_insert_with(|| initial(&p))
                .clone();
            profile.insert("messaging_product".into(), json!("whatsapp"));
            Ok(json!({"data": [profile]}))
        }
    }
    .await;
    answer(r)
}

fn update_profile(inner: &Inner, p: &PhoneNumberConfig, body: &[u8]) -> Result<Value, GraphError> {
    let Value::Object(mut fields) = json_body(body)? else {
        return Err(GraphError::invalid(
            "The request body must be a JSON object",
        ));
    };
    if fields
        .remove("messaging_product")
        .as_ref()
        .and_then(Value::as_str)
        != Some("whatsapp")
    {
        return Err(GraphError::invalid(
            "(#100) The parameter messaging_product is required and must be whatsapp",
        ));
    }
    let handle = fields.remove("profile_picture_handle");
    let update: ProfileUpdate = serde_json::from_value(Value::Object(fields.clone()))
        .map_err(|e| GraphError::invalid(format!("(#100) Invalid parameter: {e}")))?;
    if let Some(unknown) = fields.keys().find(|k| {
        !matches!(
            k.as_str(),
            "about" | "address" | "description" | "email" | "websites" | "vertical"
        )
    }) {
        return Err(GraphError::invalid(format!(
            "(#100) Param {unknown} is not a valid parameter"
        )));
    }
    let changed = if update.is_empty() {
        ProfileUpdate::default()
    } else {
        validate(update)
            .map_err(|e| GraphError::invalid(format!("(#100) Invalid parameter: {e}")))?
    };
    let mut profiles = lock(&inner.profiles);
    let profile = profiles
        .profiles
        .entry(p.phone_number_id.clone())
        .or_insert_with(|| initial(p));
    if let Some(handle) = handle.as_ref().and_then(Value::as_str) {
        profile.insert(
            "profile_picture_url".into(),
            json!(format!("https://example.com/profile/{}.jpg", handle.len())),
        );
    }
    if let Ok(Value::Object(set)) = serde_json::to_value(&changed) {
        profile.extend(set);
    }
    Ok(json!({"success": true}))
}

/// `GET|POST /{version}/{phone_number_id}/whatsapp_commerce_settings` (POST takes
/// `is_cart_enabled` and `is_catalog_visible` as query parameters, as Meta does).
pub(crate) async fn commerce_settings(
    State(inner): State<Arc<Inner>>,
    Path((version, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    method: axum::http::Method,
    headers: HeaderMap,
) -> Response {
    let r = async {
        check_version(&version, &format!("/{id}/whatsapp_commerce_settings"))?;
        authorize_phone(&inner, &headers, &id, method.as_str())?;
        gate(&inner).await?;
        let mut profiles = lock(&inner.profiles);
        let (cart, catalog) = profiles
            .commerce
            .entry(id.clone())
            .or_insert((false, false));
        if method == axum::http::Method::POST {
            let flag = |name: &str| -> Result<Option<bool>, GraphError> {
                match q.get(name).map(String::as_str) {
                    None => Ok(None),
                    Some("true") => Ok(Some(true)),
                    Some("false") => Ok(Some(false)),
                    Some(other) => Err(GraphError::invalid(format!(
                        "(#100) Param {name} must be a boolean, got {other:?}"
                    ))),
                }
            };
            if let Some(v) = flag("is_cart_enabled")? {
                *cart = v;
            }
            if let Some(v) = flag("is_catalog_visible")? {
                *catalog = v;
            }
            return Ok(json!({"success": true}));
        }
        Ok(json!({"data": [{
            "id": format!("{id}0"),
            "is_cart_enabled": *cart,
            "is_catalog_visible": *catalog,
        }]}))
    }
    .await;
    answer(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EmulatorConfig;

    fn phone() -> PhoneNumberConfig {
        PhoneNumberConfig {
            phone_number_id: "106540352242922".into(),
            waba_id: "102290129340398".into(),
            display_phone_number: "15550783881".into(),
            access_token: "token".into(),
            app_secret: "secret".into(),
            webhook_url: None,
            verified_name: "Shop".into(),
        }
    }

    fn post(inner: &Inner, body: Value) -> Result<Value, GraphError> {
        update_profile(inner, &phone(), body.to_string().as_bytes())
    }

    #[test]
    fn changes_are_checked_as_meta_does() {
        let inner = Inner::new(EmulatorConfig::default());
        let error_code = |r: Result<Value, GraphError>| {
            r.map(|_| ()).map_err(|e| e.body["error"]["code"].clone())
        };
        assert!(
            error_code(post(&inner, json!({"about": "x"}))).is_err(),
            "messaging_product is required"
        );
        for bad in [
            json!({"messaging_product": "whatsapp", "about": "a".repeat(140)}),
            json!({"messaging_product": "whatsapp", "vertical": "SPACESHIPS"}),
            json!({"messaging_product": "whatsapp", "colour": "red"}),
        ] {
            assert_eq!(
                error_code(post(&inner, bad.clone())),
                Err(json!(100)),
                "{bad}"
            );
        }
        let ok = post(
            &inner,
            json!({"messaging_product": "whatsapp", "about": "Open", "vertical": "RETAIL"}),
        );
        assert_eq!(ok.ok(), Some(json!({"success": true})));
        let profiles = lock(&inner.profiles);
        let stored = &profiles.profiles[&phone().phone_number_id];
        assert_eq!(stored["about"], "Open");
        assert_eq!(stored["vertical"], "RETAIL");
        assert_eq!(stored["email"], "support@example.com", "other fields stay");
    }
}
