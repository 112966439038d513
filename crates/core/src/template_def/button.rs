//! The buttons of a template definition, tagged by `type`: QUICK_REPLY, URL, PHONE_NUMBER,
//! COPY_CODE, FLOW, OTP, CATALOG, MPM, SPM and VOICE_CALL.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::wire::{from_map, tagged, untag, wire_enum};

wire_enum! {
    /// The button types of a definition.
    ButtonKind {
        /// `QUICK_REPLY`: sends its text back; a send may set the payload.
        QuickReply = "QUICK_REPLY",
        /// `URL`: opens a URL, optionally ending in a variable `{{1}}`.
        Url = "URL",
        /// `PHONE_NUMBER`: calls a number.
        PhoneNumber = "PHONE_NUMBER",
        /// `COPY_CODE`: copies a coupon code given at send time.
        CopyCode = "COPY_CODE",
        /// `FLOW`: opens a WhatsApp Flow.
        Flow = "FLOW",
        /// `OTP`: one-time-password button of authentication templates.
        Otp = "OTP",
        /// `CATALOG`: opens the catalog.
        Catalog = "CATALOG",
        /// `MPM`: multi-product message.
        Mpm = "MPM",
        /// `SPM`: single-product message.
        Spm = "SPM",
        /// `VOICE_CALL`: starts a WhatsApp call.
        VoiceCall = "VOICE_CALL",
    }
}

wire_enum! {
    /// The kind of an OTP button.
    OtpType {
        /// Copies the code.
        CopyCode = "COPY_CODE",
        /// Hands the code to an Android app on tap.
        OneTap = "ONE_TAP",
        /// Hands the code to an Android app without a tap.
        ZeroTap = "ZERO_TAP",
    }
}

/// A button of a template definition.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateButton {
    /// `QUICK_REPLY {text}`.
    QuickReply(LabelButton),
    /// `URL {text, url, example?}`.
    Url(UrlButton),
    /// `PHONE_NUMBER {text, phone_number}`.
    PhoneNumber(PhoneNumberButton),
    /// `COPY_CODE {example}`.
    CopyCode(CopyCodeButton),
    /// `FLOW {text, flow_id | flow_name | flow_json, flow_action?, navigate_screen?}`.
    Flow(FlowButton),
    /// `OTP {otp_type, …}`.
    Otp(OtpButton),
    /// `CATALOG {text}`.
    Catalog(LabelButton),
    /// `MPM {text}`.
    Mpm(LabelButton),
    /// `SPM {text}`.
    Spm(LabelButton),
    /// `VOICE_CALL {text}`.
    VoiceCall(LabelButton),
    /// A button this model cannot type, kept as given (`kind` is its `type`).
    Other {
        /// The `type` as given.
        kind: String,
        /// The other fields.
        fields: Map<String, Value>,
    },
}

impl TemplateButton {
    /// The button's kind; `None` for [`TemplateButton::Other`].
    pub fn kind(&self) -> Option<ButtonKind> {
        Some(match self {
            TemplateButton::QuickReply(_) => ButtonKind::QuickReply,
            TemplateButton::Url(_) => ButtonKind::Url,
            TemplateButton::PhoneNumber(_) => ButtonKind::PhoneNumber,
            TemplateButton::CopyCode(_) => ButtonKind::CopyCode,
            TemplateButton::Flow(_) => ButtonKind::Flow,
            TemplateButton::Otp(_) => ButtonKind::Otp,
            TemplateButton::Catalog(_) => ButtonKind::Catalog,
            TemplateButton::Mpm(_) => ButtonKind::Mpm,
            TemplateButton::Spm(_) => ButtonKind::Spm,
            TemplateButton::VoiceCall(_) => ButtonKind::VoiceCall,
            TemplateButton::Other { .. } => return None,
        })
    }

    /// The `type` as written on the wire.
    pub fn kind_name(&self) -> &str {
        match self {
            TemplateButton::Other { kind, .. } => kind,
            other => other.kind().map_or("", ButtonKind::as_str),
        }
    }

    /// The button's label, when it has one.
    pub fn text(&self) -> Option<&str> {
        match self {
            TemplateButton::QuickReply(b)
            | TemplateButton::Catalog(b)
            | TemplateButton::Mpm(b)
            | TemplateButton::Spm(b)
            | TemplateButton::VoiceCall(b) => Some(&b.text),
            TemplateButton::Url(b) => Some(&b.text),
            TemplateButton::PhoneNumber(b) => Some(&b.text),
            TemplateButton::Flow(b) => Some(&b.text),
            TemplateButton::Otp(b) => b.text.as_deref(),
            TemplateButton::CopyCode(_) | TemplateButton::Other { .. } => None,
        }
    }
}

impl Serialize for TemplateButton {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            TemplateButton::QuickReply(b) => tagged("QUICK_REPLY", b, s),
            TemplateButton::Url(b) => tagged("URL", b, s),
            TemplateButton::PhoneNumber(b) => tagged("PHONE_NUMBER", b, s),
            TemplateButton::CopyCode(b) => tagged("COPY_CODE", b, s),
            TemplateButton::Flow(b) => tagged("FLOW", b, s),
            TemplateButton::Otp(b) => tagged("OTP", b, s),
            TemplateButton::Catalog(b) => tagged("CATALOG", b, s),
            TemplateButton::Mpm(b) => tagged("MPM", b, s),
            TemplateButton::Spm(b) => tagged("SPM", b, s),
            TemplateButton::VoiceCall(b) => tagged("VOICE_CALL", b, s),
            TemplateButton::Other { kind, fields } => tagged(kind, fields, s),
        }
    }
}

impl<'de> Deserialize<'de> for TemplateButton {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (kind, fields) = untag::<D::Error>(Map::deserialize(d)?, "a button")?;
        let typed = match ButtonKind::parse(&kind) {
            Some(ButtonKind::QuickReply) => from_map(&fields).map(TemplateButton::QuickReply),
            Some(ButtonKind::Url) => from_map(&fields).map(TemplateButton::Url),
            Some(ButtonKind::PhoneNumber) => from_map(&fields).map(TemplateButton::PhoneNumber),
            Some(ButtonKind::CopyCode) => from_map(&fields).map(TemplateButton::CopyCode),
            Some(ButtonKind::Flow) => from_map(&fields).map(TemplateButton::Flow),
            Some(ButtonKind::Otp) => from_map(&fields).map(TemplateButton::Otp),
            Some(ButtonKind::Catalog) => from_map(&fields).map(TemplateButton::Catalog),
            Some(ButtonKind::Mpm) => from_map(&fields).map(TemplateButton::Mpm),
            Some(ButtonKind::Spm) => from_map(&fields).map(TemplateButton::Spm),
            Some(ButtonKind::VoiceCall) => from_map(&fields).map(TemplateButton::VoiceCall),
            None => None,
        };
        Ok(typed.unwrap_or(TemplateButton::Other { kind, fields }))
    }
}

/// A button with only a label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelButton {
    /// The label, at most 25 characters.
    pub text: String,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `URL {text, url, example?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrlButton {
    /// The label, at most 25 characters.
    pub text: String,
    /// The URL, at most 2000 characters; may end with the variable `{{1}}`.
    pub url: String,
    /// A sample value of the variable (one string), required when the URL has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<Vec<String>>,
    /// Other fields (e.g. `app_deep_link`), kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl UrlButton {
    /// Whether the URL ends with a variable a send must fill in.
    pub fn has_variable(&self) -> bool {
        self.url.contains("{{")
    }
}

/// `PHONE_NUMBER {text, phone_number}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneNumberButton {
    /// The label, at most 25 characters.
    pub text: String,
    /// The number to call, at most 20 characters.
    pub phone_number: String,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `COPY_CODE {example}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyCodeButton {
    /// A sample code, at most 15 characters.
    pub example: String,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `FLOW {text, flow_id | flow_name | flow_json, flow_action?, navigate_screen?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowButton {
    /// The label, at most 25 characters.
    pub text: String,
    /// The published Flow's id (a string or a number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<Value>,
    /// The published Flow's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_name: Option<String>,
    /// The Flow itself, as escaped JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_json: Option<String>,
    /// `navigate` or `data_exchange`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_action: Option<String>,
    /// The first screen, for `navigate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub navigate_screen: Option<String>,
    /// Other fields (e.g. `icon`), kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `OTP {otp_type, text?, autofill_text?, package_name?, signature_hash?,
/// zero_tap_terms_accepted?, supported_apps?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtpButton {
    /// Copy code, one-tap or zero-tap.
    pub otp_type: OtpType,
    /// The copy-code label, at most 25 characters (WhatsApp localizes a default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The autofill label, at most 25 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autofill_text: Option<String>,
    /// The Android app's package name (one-tap, zero-tap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_name: Option<String>,
    /// The Android app's signing-key hash (one-tap, zero-tap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_hash: Option<String>,
    /// Must be `true` for zero-tap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zero_tap_terms_accepted: Option<bool>,
    /// Up to 5 apps, instead of `package_name` and `signature_hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_apps: Option<Vec<SupportedApp>>,
    /// Other fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An Android app an OTP button hands the code to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportedApp {
    /// The package name, at most 224 characters.
    pub package_name: String,
    /// The signing-key hash.
    pub signature_hash: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn buttons_round_trip() {
        for v in [
            json!({"type": "QUICK_REPLY", "text": "Yes"}),
            json!({"type": "URL", "text": "Shop", "url": "https://x.com/{{1}}", "example": ["a"]}),
            json!({"type": "PHONE_NUMBER", "text": "Call", "phone_number": "16467043595"}),
            json!({"type": "COPY_CODE", "example": "SAVE20"}),
            json!({"type": "FLOW", "text": "Go", "flow_id": 123, "icon": "DOCUMENT"}),
            json!({"type": "OTP", "otp_type": "ONE_TAP", "package_name": "a.b", "signature_hash": "h"}),
            json!({"type": "VOICE_CALL", "text": "Call us"}),
            json!({"type": "CALL_PERMISSION_REQUEST"}),
        ] {
            let b: TemplateButton = serde_json::from_value(v.clone()).expect("reads");
            assert_eq!(serde_json::to_value(&b).ok(), Some(v));
        }
        let b: TemplateButton =
            serde_json::from_value(json!({"type": "url", "text": "a", "url": "https://b"}))
                .expect("reads");
        assert_eq!(b.kind(), Some(ButtonKind::Url));
        assert_eq!(b.kind_name(), "URL");
        assert_eq!(b.text(), Some("a"));
        let other: TemplateButton =
            serde_json::from_value(json!({"type": "URL", "text": "no url"})).expect("reads");
        assert_eq!(other.kind(), None);
        assert_eq!(other.kind_name(), "URL");
    }
}
