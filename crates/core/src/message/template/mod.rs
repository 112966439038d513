//! Template messages: `{name, language{code, policy?}, components?}`.
//!
//! This checks the shape of the components and parameters. Whether they match an approved
//! template (count and kinds of parameters) is checked later against the template itself.

mod parameter;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub use parameter::{Currency, DateTime, Parameter};

use crate::message::error::{Check, Obj, Unique};

/// Maximum template name length, in characters.
pub const TEMPLATE_NAME_MAX: usize = 512;
/// Highest button index (a template has at most ten buttons).
pub const BUTTON_INDEX_MAX: u32 = 9;
/// Maximum number of carousel cards.
pub const TEMPLATE_CARDS_MAX: usize = 10;

/// Component types a send may carry.
pub const COMPONENT_TYPES: [&str; 5] =
    ["header", "body", "button", "carousel", "limited_time_offer"];
/// Button sub-types a send may carry.
pub const BUTTON_SUB_TYPES: [&str; 8] = [
    "quick_reply",
    "url",
    "copy_code",
    "catalog",
    "mpm",
    "flow",
    "order_details",
    "voice_call",
];

/// The content of a `template` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// The template's name.
    pub name: String,
    /// The template's language.
    pub language: Language,
    /// Values for the template's variables, per component.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

/// A template language `{code, policy?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Language {
    /// Language (and locale) code, e.g. `en` or `en_US`.
    pub code: String,
    /// Always `deterministic` when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
}

/// A component with values: `{type, sub_type?, index?, parameters?, cards?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// `header`, `body`, `button`, `carousel` or `limited_time_offer` (lower-cased).
    #[serde(rename = "type")]
    pub kind: String,
    /// The button type (lower-cased), for `button` components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    /// The button's position, 0 to 9, for `button` components.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_index"
    )]
    pub index: Option<u32>,
    /// The values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// The cards of a `carousel` component.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cards: Vec<TemplateCard>,
}

/// A card of a carousel template `{card_index, components}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateCard {
    /// Position, 0 to 9.
    #[serde(deserialize_with = "index")]
    pub card_index: u32,
    /// The card's header, body and button values.
    pub components: Vec<Component>,
}

fn index_value(v: Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|i| u32::try_from(i).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn index<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    index_value(Value::deserialize(d)?).ok_or_else(|| serde::de::Error::custom("expected an index"))
}

fn opt_index<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    index(d).map(Some)
}

impl Template {
    /// The template's name and language code.
    pub fn reference(&self) -> TemplateRef {
        TemplateRef {
            name: self.name.clone(),
            language_code: self.language.code.clone(),
        }
    }
}

/// Which approved template a message uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TemplateRef {
    /// The template's name.
    pub name: String,
    /// The language code, e.g. `en_US`.
    pub language_code: String,
}

fn component(c: &Obj<'_>, in_card: bool, buttons: &mut Unique) -> Check<Component> {
    c.only(&["type", "sub_type", "index", "parameters", "cards"])?;
    let kinds: &[&str] = if in_card {
        &["header", "body", "button"]
    } else {
        &COMPONENT_TYPES
    };
    let raw = c.str("type", &format!("set it to one of {}", kinds.join(", ")))?;
    let lower = raw.to_ascii_lowercase();
    let kind = c.check_enum("type", &lower, kinds)?.to_string();
    let (mut sub_type, mut index, mut cards) = (None, None, Vec::new());
    if kind == "button" {
        c.forbid("cards", "only carousel components have cards; remove it")?;
        let raw = c.str(
            "sub_type",
            &format!("set it to one of {}", BUTTON_SUB_TYPES.join(", ")),
        )?;
        let lower = raw.to_ascii_lowercase();
        sub_type = Some(
            c.check_enum("sub_type", &lower, &BUTTON_SUB_TYPES)?
                .to_string(),
        );
        let i = c.index(
            "index",
            BUTTON_INDEX_MAX,
            "give the button's position, starting at 0",
        )?;
        buttons.check(&c.at_key("index"), &i.to_string(), "button index")?;
        index = Some(i);
    } else {
        let why = format!("only button components have {{}}; remove it from this {kind} component");
        c.forbid("sub_type", &why.replace("{}", "sub_type"))?;
        c.forbid("index", &why.replace("{}", "index"))?;
    }
    if kind == "carousel" {
        c.forbid(
            "parameters",
            "a carousel component has cards, not parameters; remove it",
        )?;
        let arr = c.arr("cards", "add the cards of the carousel")?;
        arr.count(1, TEMPLATE_CARDS_MAX, "cards")?;
        let mut seen = Unique::default();
        for card in arr.objects() {
            let card = card?;
            card.only(&["card_index", "components"])?;
            let card_index =
                card.index("card_index", BUTTON_INDEX_MAX, "number the cards from 0")?;
            seen.check(
                &card.at_key("card_index"),
                &card_index.to_string(),
                "card_index",
            )?;
            let comps = card.arr("components", "add the card's components")?;
            comps.count(1, 10, "components")?;
            let mut card_buttons = Unique::default();
            let components = comps
                .objects()
                .map(|o| component(&o?, true, &mut card_buttons))
                .collect::<Check<Vec<_>>>()?;
            cards.push(TemplateCard {
                card_index,
                components,
            });
        }
    } else {
        c.forbid("cards", "only carousel components have cards; remove it")?;
    }
    let parameters = parameter::parse_all(c, &kind, sub_type.as_deref())?;
    Ok(Component {
        kind,
        sub_type,
        index,
        parameters,
        cards,
    })
}

/// Parses the `template` object.
pub(crate) fn parse(o: &Obj<'_>) -> Check<Template> {
    o.only(&["name", "language", "components"])?;
    let name = o.text(
        "name",
        TEMPLATE_NAME_MAX,
        "give the name of an approved template",
    )?;
    let l = o.obj("language", "add {\"code\": \"en_US\"}")?;
    l.only(&["code", "policy"])?;
    let code = l.text("code", 32, "give the template's language code, e.g. en_US")?;
    let policy = match l.opt_str("policy")? {
        Some(p) => Some(l.check_enum("policy", p, &["deterministic"])?.to_string()),
        None => None,
    };
    let mut components = Vec::new();
    if let Some(arr) = o.opt_arr("components")? {
        arr.count(0, 20, "components")?;
        let mut buttons = Unique::default();
        let mut singles = Unique::default();
        for c in arr.objects() {
            let c = c?;
            let comp = component(&c, false, &mut buttons)?;
            if comp.kind != "button" {
                singles.check(&c.at_key("type"), &comp.kind, "component type")?;
            }
            components.push(comp);
        }
    }
    Ok(Template {
        name,
        language: Language { code, policy },
        components,
    })
}
