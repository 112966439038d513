//! Meta's WhatsApp Cloud API webhook payloads, and their `X-Hub-Signature-256` signature.
//!
//! Meta POSTs `{"object":"whatsapp_business_account","entry":[{"id":WABA_ID,"changes":[{"field",
//! "value"}]}]}` to the callback URL. A change's `value` depends on its `field`:
//!
//! - `messages`: [`MessagesValue`], holding inbound `contacts` + `messages`, delivery `statuses`,
//!   or value-level `errors`;
//! - `message_template_status_update`: [`TemplateStatusUpdate`];
//! - anything else (account updates, quality updates, …) is kept as raw JSON in
//!   [`ChangeValue::Other`].
//!
//! Every struct keeps the fields it does not name in a flattened `extra` map, so a payload parses
//! whatever Meta adds and serializes back to the same JSON. The body must be verified with
//! [`verify`] against the **raw bytes** before it is parsed.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use sha2::Sha256;

/// The header carrying the body's signature.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// The `object` of every WhatsApp Business Account webhook.
pub const OBJECT_WABA: &str = "whatsapp_business_account";
/// The change field of inbound messages and statuses.
pub const FIELD_MESSAGES: &str = "messages";
/// The change field of template review results.
pub const FIELD_TEMPLATE_STATUS: &str = "message_template_status_update";

type HmacSha256 = Hmac<Sha256>;

/// `sha256=<hex HMAC-SHA256(raw_body, app_secret)>`, the value of [`SIGNATURE_HEADER`].
pub fn sign(app_secret: &str, raw_body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail; fall back to an empty tag anyway.
    match HmacSha256::new_from_slice(app_secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(raw_body);
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        }
        Err(_) => "sha256=".to_string(),
    }
}

/// Whether `header` (`sha256=<hex>`) is the signature of `raw_body` under `app_secret`.
///
/// The comparison runs in constant time; a malformed header is simply `false`.
pub fn verify(app_secret: &str, raw_body: &[u8], header: &str) -> bool {
    let header = header.trim();
    let Some((scheme, hex_sig)) = header.split_once('=') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("sha256") {
        return false;
    }
    let Ok(expected) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(raw_body);
    mac.verify_slice(&expected).is_ok()
}

/// The whole webhook body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookPayload {
    /// Always [`OBJECT_WABA`] for WhatsApp.
    pub object: String,
    /// One entry per WhatsApp Business Account.
    #[serde(default)]
    pub entry: Vec<Entry>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of a [`WebhookPayload`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The WhatsApp Business Account id.
    pub id: String,
    /// What changed.
    #[serde(default)]
    pub changes: Vec<Change>,
    /// Fields not named above (e.g. `time`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One change: a `field` name and its typed `value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The subscribed field, e.g. [`FIELD_MESSAGES`].
    pub field: String,
    /// The value, typed according to `field`.
    pub value: ChangeValue,
}

/// The value of a [`Change`], by field.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeValue {
    /// `field: "messages"`.
    Messages(Box<MessagesValue>),
    /// `field: "message_template_status_update"`.
    TemplateStatus(TemplateStatusUpdate),
    /// Any other field, kept as JSON.
    Other(Value),
}

impl Change {
    /// A `messages` change.
    pub fn messages(value: MessagesValue) -> Self {
        Self {
            field: FIELD_MESSAGES.to_string(),
            value: ChangeValue::Messages(Box::new(value)),
        }
    }

    /// A `message_template_status_update` change.
    pub fn template_status(value: TemplateStatusUpdate) -> Self {
        Self {
            field: FIELD_TEMPLATE_STATUS.to_string(),
            value: ChangeValue::TemplateStatus(value),
        }
    }
}

#[derive(Deserialize)]
struct RawChange {
    field: String,
    value: Value,
}

impl Serialize for Change {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a, V: Serialize> {
            field: &'a str,
            value: &'a V,
        }
        match &self.value {
            ChangeValue::Messages(v) => Out {
                field: &self.field,
                value: v.as_ref(),
            }
            .serialize(serializer),
            ChangeValue::TemplateStatus(v) => Out {
                field: &self.field,
                value: v,
            }
            .serialize(serializer),
            ChangeValue::Other(v) => Out {
                field: &self.field,
                value: v,
            }
            .serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = RawChange::deserialize(deserializer)?;
        let value = match raw.field.as_str() {
            FIELD_MESSAGES => ChangeValue::Messages(Box::new(
                serde_json::from_value(raw.value).map_err(D::Error::custom)?,
            )),
            FIELD_TEMPLATE_STATUS => ChangeValue::TemplateStatus(
                serde_json::from_value(raw.value).map_err(D::Error::custom)?,
            ),
            _ => ChangeValue::Other(raw.value),
        };
        Ok(Self {
            field: raw.field,
            value,
        })
    }
}

/// The value of a `messages` change: inbound messages, statuses or errors.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MessagesValue {
    /// Always `whatsapp`.
    pub messaging_product: String,
    /// Which business number this is about.
    pub metadata: Metadata,
    /// The senders of `messages` (absent for statuses and `system` messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<WebhookContact>>,
    /// Inbound messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<InboundMessage>>,
    /// Status updates of messages the business sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statuses: Option<Vec<StatusUpdate>>,
    /// Value-level errors (e.g. 130429).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<WebhookError>>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `metadata` of a [`MessagesValue`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Metadata {
    /// The business number as displayed, digits only.
    pub display_phone_number: String,
    /// The Graph id of the business number.
    pub phone_number_id: String,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One sender in `value.contacts`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WebhookContact {
    /// `{name}` of the customer's WhatsApp profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// The customer's WhatsApp id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wa_id: Option<String>,
    /// Fields not named above (e.g. `identity_key_hash`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A customer's WhatsApp profile.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Profile {
    /// The profile name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One inbound message: the common fields typed, the kind object (`text`, `image`, …) kept as
/// JSON in `extra` under the key named by `kind` (see [`InboundMessage::content`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The sender's WhatsApp id.
    #[serde(default)]
    pub from: String,
    /// The message id (`wamid.…`).
    pub id: String,
    /// Unix seconds, as a string.
    #[serde(deserialize_with = "string_or_number")]
    pub timestamp: String,
    /// The message type: `text`, `image`, `interactive`, `button`, `location`, `reaction`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The quoted or tapped message, for replies, button taps and forwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<MessageContext>,
    /// Errors, for `unsupported` messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<WebhookError>>,
    /// The kind object and every other field (`referral`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl InboundMessage {
    /// The kind object, e.g. `{"body":"hi"}` for a `text` message (an array for `contacts`).
    pub fn content(&self) -> Option<&Value> {
        self.extra.get(&self.kind)
    }
}

/// `context` of an [`InboundMessage`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MessageContext {
    /// The business number that sent the referenced message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The referenced message id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Fields not named above (`forwarded`, `frequently_forwarded`, `referred_product`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `value.statuses`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StatusUpdate {
    /// The wamid of the message the status is about.
    pub id: String,
    /// `sent`, `delivered`, `read`, `failed` (or `played`, …).
    pub status: String,
    /// Unix seconds, as a string.
    #[serde(deserialize_with = "string_or_number")]
    pub timestamp: String,
    /// The customer's WhatsApp id.
    #[serde(default)]
    pub recipient_id: String,
    /// The conversation the message opened or belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Conversation>,
    /// How the message is billed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<Pricing>,
    /// Why the message failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<WebhookError>>,
    /// Fields not named above (`group_id`, `biz_opaque_callback_data`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `conversation` of a [`StatusUpdate`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Conversation {
    /// The conversation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Unix seconds when the conversation expires (on `sent` only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_string_or_number"
    )]
    pub expiration_timestamp: Option<String>,
    /// `{type}`: `service`, `marketing`, `utility`, `authentication`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<ConversationOrigin>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `conversation.origin`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConversationOrigin {
    /// The conversation category.
    #[serde(rename = "type")]
    pub kind: String,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `pricing` of a [`StatusUpdate`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Pricing {
    /// Whether the message is charged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billable: Option<bool>,
    /// `CBP` (conversation-based) or `PMP` (per-message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_model: Option<String>,
    /// `service`, `marketing`, `utility`, `authentication`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Fields not named above (e.g. `type`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An error in `statuses[].errors`, `messages[].errors` or `value.errors`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WebhookError {
    /// Meta's numeric code (131026, 131047, …).
    pub code: i64,
    /// Short title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Message (usually the title again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `{details}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_data: Option<WebhookErrorData>,
    /// Link to Meta's error-code page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `error_data` of a [`WebhookError`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WebhookErrorData {
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The value of a `message_template_status_update` change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TemplateStatusUpdate {
    /// `APPROVED`, `REJECTED`, `PENDING`, `PAUSED`, `DISABLED`, …
    pub event: String,
    /// The template id. Meta sends a number; a string is accepted too, and an all-digit id is
    /// serialized as a number again.
    #[serde(
        deserialize_with = "string_or_number",
        serialize_with = "digits_as_number"
    )]
    pub message_template_id: String,
    /// The template name.
    pub message_template_name: String,
    /// The template language, e.g. `en_US`.
    pub message_template_language: String,
    /// Rejection reason (`NONE`, `INVALID_FORMAT`, …) or null.
    #[serde(default)]
    pub reason: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    use serde::de::Error;
    match Value::deserialize(deserializer)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(D::Error::custom(format!(
            "expected a string or a number, got {other}"
        ))),
    }
}

fn digits_as_number<S: Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
    match value.parse::<u64>() {
        Ok(n) if n.to_string() == value => serializer.serialize_u64(n),
        _ => serializer.serialize_str(value),
    }
}

fn opt_string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    use serde::de::Error;
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(D::Error::custom(format!(
            "expected a string or a number, got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(v: Value) {
        let parsed: WebhookPayload = serde_json::from_value(v.clone()).expect("parses");
        assert_eq!(serde_json::to_value(&parsed).expect("serializes"), v);
    }

    #[test]
    fn sign_and_verify() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let sig = sign("secret", body);
        assert!(sig.starts_with("sha256="));
        assert_eq!(sig.len(), 7 + 64);
        assert!(verify("secret", body, &sig));
        assert!(verify("secret", body, &sig.replace("sha256", "SHA256")));
        assert!(!verify("other", body, &sig));
        assert!(!verify("secret", b"tampered", &sig));
        assert!(!verify("secret", body, "sha256=zz"));
        assert!(!verify("secret", body, "sha1=abcd"));
        assert!(!verify("secret", body, ""));
        assert!(!verify("secret", body, &sig[..sig.len() - 2]));
    }

    #[test]
    fn known_signature() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn inbound_text_round_trips() {
        round_trip(
            json!({"object":"whatsapp_business_account","entry":[{"id":"419561257915477","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgL","timestamp":"1749416383","type":"text","text":{"body":"Does it come in another color?"}}]},"field":"messages"}]}]}),
        );
    }

    #[test]
    fn inbound_kinds_round_trip_and_expose_content() {
        let v = json!({"object":"whatsapp_business_account","entry":[{"id":"1","time":1700000000,"changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1555","phone_number_id":"2"},"contacts":[{"profile":{"name":"A"},"wa_id":"1650","identity_key_hash":"x"}],"messages":[
            {"context":{"from":"1555","id":"wamid.a","referred_product":{"catalog_id":"1","product_retailer_id":"p"}},"from":"1650","id":"wamid.b","timestamp":"1","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"x","title":"y","description":"z"}}},
            {"from":"1650","id":"wamid.c","timestamp":"1","type":"location","location":{"latitude":37.44221496582,"longitude":-122.16165924072,"name":"Philz"}},
            {"from":"1650","id":"wamid.d","timestamp":"1","type":"contacts","contacts":[{"name":{"formatted_name":"L"},"phones":[{"phone":"+1","type":"MOBILE"}]}]},
            {"from":"1650","id":"wamid.e","timestamp":"1","type":"unsupported","errors":[{"code":131051,"title":"Message type unknown","message":"Message type unknown","error_data":{"details":"Message type is currently not supported."}}]},
            {"from":"1650","id":"wamid.f","timestamp":"1","type":"image","image":{"caption":"Taj","mime_type":"image/jpeg","sha256":"Sf=","id":"100"},"referral":{"ctwa_clid":"c"}}
        ]}}]}]});
        round_trip(v.clone());
        let p: WebhookPayload = serde_json::from_value(v).expect("parses");
        let ChangeValue::Messages(m) = &p.entry[0].changes[0].value else {
            panic!("messages value expected");
        };
        let msgs = m.messages.as_ref().expect("messages");
        assert_eq!(msgs[0].content().expect("content")["list_reply"]["id"], "x");
        assert_eq!(
            msgs[0].context.as_ref().and_then(|c| c.id.as_deref()),
            Some("wamid.a")
        );
        assert!(msgs[2].content().expect("content").is_array());
        assert_eq!(msgs[3].errors.as_ref().expect("errors")[0].code, 131051);
    }

    #[test]
    fn statuses_round_trip() {
        round_trip(
            json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1555","phone_number_id":"2"},"statuses":[
                {"id":"wamid.x","status":"sent","timestamp":"1750000000","recipient_id":"1650","conversation":{"id":"abc","expiration_timestamp":"1750086400","origin":{"type":"service"}},"pricing":{"billable":true,"pricing_model":"PMP","category":"service","type":"regular"}},
                {"id":"wamid.y","status":"failed","timestamp":"1750000000","recipient_id":"1650","errors":[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message","error_data":{"details":"More than 24 hours"},"href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]},
                {"id":"wamid.z","status":"read","timestamp":"1750000001","recipient_id":"1650","biz_opaque_callback_data":"t"}
            ]}}]}]}),
        );
    }

    #[test]
    fn template_status_and_unknown_fields_round_trip() {
        round_trip(
            json!({"object":"whatsapp_business_account","entry":[{"id":"1","time":1,"changes":[
                {"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":1234567,"message_template_name":"order","message_template_language":"en_US","reason":null}},
                {"field":"account_update","value":{"event":"VERIFIED_ACCOUNT","phone_number":"1555"}}
            ]}]}),
        );
        let p: WebhookPayload = serde_json::from_value(json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
            {"field":"message_template_status_update","value":{"event":"REJECTED","message_template_id":"99","message_template_name":"n","message_template_language":"en_US","reason":"INVALID_FORMAT"}}]}]}))
        .expect("parses");
        let ChangeValue::TemplateStatus(t) = &p.entry[0].changes[0].value else {
            panic!("template status expected");
        };
        assert_eq!(t.message_template_id, "99");
        assert_eq!(t.reason.as_deref(), Some("INVALID_FORMAT"));
    }

    #[test]
    fn value_errors_round_trip() {
        round_trip(
            json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1555","phone_number_id":"2"},"errors":[{"code":130429,"title":"Rate limit hit","message":"Rate limit hit","error_data":{"details":"d"}}]}}]}]}),
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for v in [
            json!(null),
            json!({"object":1}),
            json!({"object":"x","entry":[{"id":"1","changes":[{"field":"messages","value":7}]}]}),
            json!({"object":"x","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"2"},"messages":[{"id":"x","timestamp":[],"type":"text"}]}}]}]}),
        ] {
            assert!(serde_json::from_value::<WebhookPayload>(v).is_err());
        }
    }
}
