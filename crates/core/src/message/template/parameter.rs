//! Template parameters: the values of a component's variables.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::json_reader::wrong_type;
use crate::message::currency::is_currency_code;
use crate::message::error::{Check, MessageError, Obj};
use crate::message::kind::MessageKind;
use crate::message::location::{self, Location};
use crate::message::media::{self, Media, MediaUse};

/// Maximum length of a text parameter, in characters (a sanity bound; the template's own
/// limits are checked against the template).
pub const TEXT_PARAMETER_MAX: usize = 32_768;
/// Maximum coupon code length, in characters.
pub const COUPON_CODE_MAX: usize = 15;

/// One parameter value, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Parameter {
    /// `{type:"text", text, parameter_name?}`.
    Text {
        /// The value.
        text: String,
        /// The variable's name, for templates with named parameters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parameter_name: Option<String>,
    },
    /// `{type:"currency", currency:{fallback_value, code, amount_1000}}`.
    Currency {
        /// The amount.
        currency: Currency,
        /// The variable's name, for templates with named parameters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parameter_name: Option<String>,
    },
    /// `{type:"date_time", date_time:{fallback_value}}`.
    DateTime {
        /// The date; the Cloud API always shows `fallback_value`.
        date_time: DateTime,
        /// The variable's name, for templates with named parameters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parameter_name: Option<String>,
    },
    /// A header image.
    Image {
        /// The image (no caption).
        image: Media,
    },
    /// A header video.
    Video {
        /// The video (no caption).
        video: Media,
    },
    /// A header document (a PDF).
    Document {
        /// The document (no caption).
        document: Media,
    },
    /// A header location.
    Location {
        /// The place.
        location: Location,
    },
    /// A header product `{product_retailer_id, catalog_id}`.
    Product {
        /// The product.
        product: Map<String, Value>,
    },
    /// A quick-reply button's payload.
    Payload {
        /// Returned in the webhook when tapped.
        payload: String,
    },
    /// The action of a catalog, multi-product, flow or order button.
    Action {
        /// E.g. `{thumbnail_product_retailer_id}` or `{flow_token, flow_action_data}`.
        action: Map<String, Value>,
    },
    /// A copy-code button's code.
    CouponCode {
        /// At most 15 characters.
        coupon_code: String,
    },
    /// The expiry of a limited-time offer `{expiration_time_ms}`.
    LimitedTimeOffer {
        /// The offer.
        limited_time_offer: Map<String, Value>,
    },
}

/// A currency amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Currency {
    /// Shown when the amount cannot be localized, e.g. `$100.99`.
    pub fallback_value: String,
    /// ISO 4217 code, e.g. `USD`.
    pub code: String,
    /// The amount multiplied by 1000, e.g. 100990 for 100.99.
    pub amount_1000: i64,
}

/// A date and time; the Cloud API always renders `fallback_value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateTime {
    /// The text shown.
    pub fallback_value: String,
    /// Legacy localization fields (`calendar`, `year`, `month`, …), kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The parameter types a component accepts.
fn allowed(kind: &str, sub_type: Option<&str>) -> &'static [&'static str] {
    match (kind, sub_type) {
        ("header", _) => &["text", "image", "video", "document", "location", "product"],
        ("body", _) => &["text", "currency", "date_time"],
        ("limited_time_offer", _) => &["limited_time_offer"],
        (_, Some("quick_reply")) => &["payload", "text"],
        (_, Some("url")) => &["text"],
        (_, Some("copy_code")) => &["coupon_code"],
        (_, Some("voice_call")) | ("carousel", _) => &[],
        _ => &["action"],
    }
}

/// How many parameters a component takes: (min, max).
fn count(kind: &str, sub_type: Option<&str>) -> (usize, usize) {
    match (kind, sub_type) {
        ("body", _) => (0, 100),
        (_, Some("voice_call")) | ("carousel", _) => (0, 0),
        _ => (1, 1),
    }
}

fn object_of<'a>(p: &Obj<'a>, key: &str) -> Check<Map<String, Value>> {
    match p.get(key) {
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(other) => Err(wrong_type(&p.at_key(key), "an object", other)),
        None => Err(p.missing(key, "add the object")),
    }
}

fn one(p: &Obj<'_>, allowed: &[&str], component: &str) -> Check<Parameter> {
    let t = p.str("type", &format!("set it to one of {}", allowed.join(", ")))?;
    if !allowed.contains(&t) {
        return Err(MessageError::bad_value(
            p.at_key("type"),
            format!(
                "a {component} parameter must be of type {}; got `{t}`",
                allowed.join(", ")
            ),
        ));
    }
    let named = matches!(t, "text" | "currency" | "date_time");
    if named {
        p.only(&["type", t, "parameter_name"])?;
    } else {
        p.only(&["type", t])?;
    }
    let parameter_name = if named {
        p.opt_text("parameter_name", 512)?
    } else {
        None
    };
    let hint = format!("add the {t} value");
    Ok(match t {
        "text" => Parameter::Text {
            text: p.text("text", TEXT_PARAMETER_MAX, &hint)?,
            parameter_name,
        },
        "currency" => {
            let c = p.obj(
                "currency",
                "add {\"fallback_value\", \"code\", \"amount_1000\"}",
            )?;
            c.only(&["fallback_value", "code", "amount_1000"])?;
            let fallback_value = c.text(
                "fallback_value",
                1024,
                "give the amount as text, e.g. $100.99",
            )?;
            let code = c.str("code", "give the ISO 4217 currency code, e.g. USD")?;
            if !is_currency_code(code) {
                return Err(MessageError::bad_value(
                    c.at_key("code"),
                    format!("must be an ISO 4217 currency code of three capital letters, e.g. USD; got `{code}`"),
                ));
            }
            let amount_1000 = c.int(
                "amount_1000",
                "give the amount multiplied by 1000 as an integer",
            )?;
            Parameter::Currency {
                currency: Currency {
                    fallback_value,
                    code: code.to_string(),
                    amount_1000,
                },
                parameter_name,
            }
        }
        "date_time" => {
            let d = p.obj("date_time", "add {\"fallback_value\": …}")?;
            d.only(&[
                "fallback_value",
                "calendar",
                "timestamp",
                "year",
                "month",
                "day_of_month",
                "day_of_week",
                "hour",
                "minute",
            ])?;
            let fallback_value = d.text(
                "fallback_value",
                1024,
                "give the date as it should be shown",
            )?;
            let mut extra = d.map().clone();
            extra.remove("fallback_value");
            Parameter::DateTime {
                date_time: DateTime {
                    fallback_value,
                    extra,
                },
                parameter_name,
            }
        }
        "image" | "video" | "document" => {
            let kind = match t {
                "image" => MessageKind::Image,
                "video" => MessageKind::Video,
                _ => MessageKind::Document,
            };
            let m = media::parse(&p.obj(t, &hint)?, kind, MediaUse::Embedded)?;
            match kind {
                MessageKind::Image => Parameter::Image { image: m },
                MessageKind::Video => Parameter::Video { video: m },
                _ => Parameter::Document { document: m },
            }
        }
        "location" => Parameter::Location {
            location: location::parse(&p.obj(t, &hint)?)?,
        },
        "product" => {
            let o = p.obj(t, "add {\"product_retailer_id\", \"catalog_id\"}")?;
            o.only(&["product_retailer_id", "catalog_id"])?;
            o.text("product_retailer_id", 256, "give the product's SKU")?;
            o.text("catalog_id", 256, "give the catalog id")?;
            Parameter::Product {
                product: o.map().clone(),
            }
        }
        "payload" => Parameter::Payload {
            payload: p.text("payload", 4096, &hint)?,
        },
        "action" => Parameter::Action {
            action: object_of(p, "action")?,
        },
        "coupon_code" => Parameter::CouponCode {
            coupon_code: p.text("coupon_code", COUPON_CODE_MAX, &hint)?,
        },
        _ => {
            let o = p.obj(t, "add {\"expiration_time_ms\": …}")?;
            o.only(&["expiration_time_ms"])?;
            o.int(
                "expiration_time_ms",
                "give the expiry as a Unix time in milliseconds",
            )?;
            Parameter::LimitedTimeOffer {
                limited_time_offer: o.map().clone(),
            }
        }
    })
}

/// Parses the `parameters` of component `c` of type `kind`.
pub(crate) fn parse_all(c: &Obj<'_>, kind: &str, sub_type: Option<&str>) -> Check<Vec<Parameter>> {
    let types = allowed(kind, sub_type);
    let (min, max) = count(kind, sub_type);
    if max == 0 {
        let what = sub_type.map_or(kind.to_string(), |s| format!("{s} button"));
        c.forbid(
            "parameters",
            &format!("a {what} component takes no parameters; remove it"),
        )?;
        return Ok(Vec::new());
    }
    let arr = c.arr(
        "parameters",
        &format!("add the values of the {kind}'s variables"),
    )?;
    let noun = format!("{kind} parameters");
    arr.count(min, max, &noun)?;
    let component = sub_type.map_or(kind.to_string(), |s| format!("{s} button"));
    arr.objects().map(|p| one(&p?, types, &component)).collect()
}
