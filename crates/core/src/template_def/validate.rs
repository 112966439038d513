//! [`validate`]: the local check of a create-template request before the upstream sees it.
//!
//! Rules (Meta's template docs; choices marked *):
//! - `name`: 1–512 characters of lower-case a–z, 0–9 and `_`.
//! - `language`: a supported code (see [`SUPPORTED_LANGUAGES`](super::SUPPORTED_LANGUAGES)).
//! - `category`: MARKETING, UTILITY or AUTHENTICATION (any case); `parameter_format`:
//!   POSITIONAL (default) or NAMED.
//! - exactly one BODY; at most one HEADER, FOOTER, BUTTONS, CAROUSEL, LIMITED_TIME_OFFER.
//! - texts: body 1024, header 60, footer 60, button labels 25 (* Meta's components page and
//!   pywa say 25; the 20 of some pages is the interactive-message limit), carousel card body
//!   160, URL 2000, copy code 15, offer text 16.
//! - variables numbered `{{1}}`..`{{n}}` without gaps (named `{{name}}` with NAMED), one
//!   sample value per variable (required when there are variables, refused when there are
//!   none); a header has at most one variable, a footer none; * the body can neither start
//!   nor end with a variable.
//! - buttons: at most 10 (2 on a carousel card); at most 2 URL, 1 PHONE_NUMBER, 1
//!   COPY_CODE, 1 FLOW, 1 VOICE_CALL; quick replies grouped together; CATALOG and MPM alone;
//!   a URL has at most one variable, `{{1}}`, at its very end.
//! - AUTHENTICATION: no HEADER, CAROUSEL or offer; a BODY without text; a FOOTER with only
//!   `code_expiration_minutes` (1–90); BUTTONS with exactly one OTP button. OTP buttons only
//!   there.
//! - CAROUSEL: 2–10 cards of the same shape (header format, body variable count, button
//!   types), each a HEADER (IMAGE, VIDEO or PRODUCT), an optional BODY and 1–2 buttons; no
//!   top-level HEADER or BUTTONS beside it.
//! - LIMITED_TIME_OFFER: MARKETING only, no FOOTER.
//!
//! The first violation is returned, naming the JSON path and what to change.

use std::collections::HashMap;

use serde_json::Value;

use super::component::{ComponentKind, HeaderFormat};
use super::definition::{Category, ParameterFormat, TemplateDefinition};
use super::error::{Arr, Check, Obj, TemplateError};
use super::language::{is_language_code_format, is_supported_language, similar_languages};
use super::validate_buttons;
use super::validate_carousel;
use super::vars::{scan, variables, Variables};
use crate::json_reader::Path;

/// Maximum template name length, in characters.
pub const NAME_MAX: usize = 512;
/// Maximum body text length, in characters.
pub const BODY_TEXT_MAX: usize = 1024;
/// Maximum header text length, in characters.
pub const HEADER_TEXT_MAX: usize = 60;
/// Maximum footer text length, in characters.
pub const FOOTER_TEXT_MAX: usize = 60;
/// Maximum carousel card body length, in characters.
pub const CARD_BODY_TEXT_MAX: usize = 160;
/// Maximum length of a sample value, in characters.
pub const SAMPLE_MAX: usize = 1024;
/// Maximum limited-time-offer text length, in characters.
pub const OFFER_TEXT_MAX: usize = 16;

/// Top-level fields a create request may carry.
const TOP_LEVEL_FIELDS: [&str; 11] = [
    "name",
    "language",
    "category",
    "parameter_format",
    "components",
    "allow_category_change",
    "message_send_ttl_seconds",
    "sub_category",
    "cta_url_link_tracking_opted_out",
    "is_primary_device_delivery_only",
    "degrees_of_freedom_spec",
];

/// What the component validators need to know about the template.
pub(crate) struct Ctx {
    /// The template's category.
    pub(crate) category: Category,
    /// How its variables are written.
    pub(crate) format: ParameterFormat,
}

/// Validates a create-template request (Meta's JSON shape) and returns it typed.
pub fn validate(value: &Value) -> Result<TemplateDefinition, TemplateError> {
    let o = Obj::at(value, Path::root())?;
    o.only_as(&TOP_LEVEL_FIELDS, "a template")?;
    check_name(&o)?;
    check_language(&o)?;
    let category =
        enum_field(&o, "category", Category::parse, &Category::names())?.ok_or_else(|| {
            o.missing(
                "category",
                &format!("set it to one of {}", Category::names()),
            )
        })?;
    let format = enum_field(
        &o,
        "parameter_format",
        ParameterFormat::parse,
        &ParameterFormat::names(),
    )?
    .unwrap_or_default();
    check_extras(&o)?;
    let ctx = Ctx { category, format };

    let comps = o.arr("components", "add at least a BODY component")?;
    let seen = components(&comps, &ctx)?;
    cross_rules(&comps, &seen, &ctx)?;

    serde_json::from_value(value.clone())
        .map_err(|e| TemplateError::new("", format!("could not be read as a template: {e}")))
}

fn check_name(o: &Obj<'_>) -> Check<()> {
    let path = o.at_key("name");
    let name = o.str(
        "name",
        "give the template a name of lower-case letters, digits and _",
    )?;
    o.check_len_as("name", name, NAME_MAX, "the name")?;
    let bad = name
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'));
    if let Some((i, c)) = bad {
        let suggestion: String = name
            .to_lowercase()
            .chars()
            .map(|c| {
                if c.is_ascii_lowercase() || c.is_ascii_digit() {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        return Err(TemplateError::new(
            path,
            format!(
                "must use only lower-case letters a-z, digits 0-9 and _; `{c}` at character {} is not allowed (try `{suggestion}`)",
                i + 1
            ),
        ));
    }
    Ok(())
}

fn check_language(o: &Obj<'_>) -> Check<()> {
    let path = o.at_key("language");
    let code = o.str("language", "give the template's language code, e.g. en_US")?;
    if !is_language_code_format(code) {
        let fixed = match code.split_once(['_', '-']) {
            Some((l, r)) => format!("{}_{}", l.to_ascii_lowercase(), r.to_ascii_uppercase()),
            None => code.to_ascii_lowercase(),
        };
        let hint = if is_supported_language(&fixed) {
            format!("; did you mean `{fixed}`?")
        } else {
            String::new()
        };
        return Err(TemplateError::new(
            path,
            format!("must be a language code such as en or en_US (2-3 lower-case letters, optionally _ and a 2-letter region in capitals); got `{code}`{hint}"),
        ));
    }
    if !is_supported_language(code) {
        let similar = similar_languages(code);
        let hint = if similar.is_empty() {
            "see WhatsApp's supported languages".to_string()
        } else {
            format!("supported codes for this language: {}", similar.join(", "))
        };
        return Err(TemplateError::new(
            path,
            format!("`{code}` is not a language WhatsApp templates support; {hint}"),
        ));
    }
    Ok(())
}

/// An optional enum field read case-insensitively.
pub(crate) fn enum_field<T>(
    o: &Obj<'_>,
    key: &str,
    parse: fn(&str) -> Option<T>,
    names: &str,
) -> Check<Option<T>> {
    match o.opt_str(key)? {
        None => Ok(None),
        Some(s) => parse(s).map(Some).ok_or_else(|| {
            TemplateError::new(o.at_key(key), format!("must be one of {names}; got `{s}`"))
        }),
    }
}

fn check_extras(o: &Obj<'_>) -> Check<()> {
    for key in [
        "allow_category_change",
        "cta_url_link_tracking_opted_out",
        "is_primary_device_delivery_only",
    ] {
        o.opt_bool(key)?;
    }
    o.opt_u64("message_send_ttl_seconds")?;
    o.opt_text_as("sub_category", 64, "sub_category")?;
    o.opt_obj("degrees_of_freedom_spec")?;
    Ok(())
}

/// The kind of component `c` (its `type`, any case).
pub(crate) fn component_kind(c: &Obj<'_>) -> Check<ComponentKind> {
    let raw = c.str(
        "type",
        &format!("set it to one of {}", ComponentKind::names()),
    )?;
    ComponentKind::parse(raw).ok_or_else(|| {
        TemplateError::new(
            c.at_key("type"),
            format!("must be one of {}; got `{raw}`", ComponentKind::names()),
        )
    })
}

/// Validates the top-level components; returns where each kind is.
fn components(comps: &Arr<'_>, ctx: &Ctx) -> Check<HashMap<ComponentKind, String>> {
    if comps.len() == 0 {
        return Err(TemplateError::new(
            comps.path(),
            "add at least a BODY component",
        ));
    }
    let mut seen: HashMap<ComponentKind, String> = HashMap::new();
    for c in comps.objects() {
        let c = c?;
        let kind = component_kind(&c)?;
        if let Some(first) = seen.get(&kind) {
            return Err(TemplateError::new(
                c.at_key("type"),
                format!("a template has at most one {kind} component and {first} is already one; merge them"),
            ));
        }
        seen.insert(kind, c.path().to_string());
        match kind {
            ComponentKind::Header => {
                header(&c, ctx, false)?;
            }
            ComponentKind::Body => {
                body(&c, ctx, false)?;
            }
            ComponentKind::Footer => footer(&c, ctx)?,
            ComponentKind::Buttons => {
                validate_buttons::check(&c, ctx, false)?;
            }
            ComponentKind::Carousel => validate_carousel::check(&c, ctx)?,
            ComponentKind::LimitedTimeOffer => offer(&c)?,
        }
    }
    Ok(seen)
}

/// Rules across components: a body, and what each category and carousel allow.
fn cross_rules(comps: &Arr<'_>, seen: &HashMap<ComponentKind, String>, ctx: &Ctx) -> Check<()> {
    if !seen.contains_key(&ComponentKind::Body) {
        return Err(TemplateError::new(
            comps.path(),
            "add a BODY component: every template has exactly one",
        ));
    }
    let refuse = |kind: ComponentKind, why: &str| -> Check<()> {
        match seen.get(&kind) {
            Some(path) => Err(TemplateError::new(path.clone(), why)),
            None => Ok(()),
        }
    };
    if ctx.category == Category::Authentication {
        refuse(
            ComponentKind::Header,
            "authentication templates have no header; remove it",
        )?;
        refuse(
            ComponentKind::Carousel,
            "authentication templates have no carousel; remove it",
        )?;
        refuse(
            ComponentKind::LimitedTimeOffer,
            "limited-time offers are only allowed in MARKETING templates; remove it",
        )?;
        if !seen.contains_key(&ComponentKind::Buttons) {
            return Err(TemplateError::new(
                comps.path(),
                "authentication templates need a BUTTONS component with one OTP button; add {\"type\": \"BUTTONS\", \"buttons\": [{\"type\": \"OTP\", \"otp_type\": \"COPY_CODE\"}]}",
            ));
        }
    }
    if seen.contains_key(&ComponentKind::Carousel) {
        refuse(
            ComponentKind::Header,
            "a carousel template has no header of its own (each card has one); remove it",
        )?;
        refuse(
            ComponentKind::Buttons,
            "a carousel template has no buttons of its own (each card has them); move them into the cards",
        )?;
    }
    if seen.contains_key(&ComponentKind::LimitedTimeOffer) {
        if ctx.category != Category::Marketing {
            refuse(
                ComponentKind::LimitedTimeOffer,
                "limited-time offers are only allowed in MARKETING templates; remove it or change the category",
            )?;
        }
        refuse(
            ComponentKind::Footer,
            "a template with a limited-time offer cannot have a footer; remove it",
        )?;
    }
    Ok(())
}

/// Validates a HEADER (a carousel card's when `in_card`); returns its format.
pub(crate) fn header(c: &Obj<'_>, ctx: &Ctx, in_card: bool) -> Check<HeaderFormat> {
    c.only_as(&["type", "format", "text", "example"], "a HEADER component")?;
    let format =
        enum_field(c, "format", HeaderFormat::parse, &HeaderFormat::names())?.ok_or_else(|| {
            c.missing(
                "format",
                &format!("set it to one of {}", HeaderFormat::names()),
            )
        })?;
    if in_card
        && !matches!(
            format,
            HeaderFormat::Image | HeaderFormat::Video | HeaderFormat::Product
        )
    {
        return Err(TemplateError::new(
            c.at_key("format"),
            format!("a carousel card's header must be IMAGE or VIDEO (PRODUCT for product cards); got {format}"),
        ));
    }
    match format {
        HeaderFormat::Text => {
            let text = c.text_as(
                "text",
                HEADER_TEXT_MAX,
                "the header text",
                "give the header's text, at most 60 characters",
            )?;
            let vars = text_variables(c, &text, ctx)?;
            if vars.count() > 1 {
                return Err(TemplateError::new(
                    c.at_key("text"),
                    format!(
                        "a header has at most 1 variable, this one has {}; move the others to the body",
                        vars.count()
                    ),
                ));
            }
            samples(c, &vars, "header")?;
        }
        HeaderFormat::Image | HeaderFormat::Video | HeaderFormat::Document => {
            c.forbid(
                "text",
                &format!("{format} headers have no text; remove it and put the text in the body"),
            )?;
            let ex = c.obj(
                "example",
                "add {\"header_handle\": [\"<handle of a sample file>\"]} (upload the sample with the Resumable Upload API)",
            )?;
            ex.only_as(&["header_handle"], "a media header's example")?;
            let handles = ex.arr("header_handle", "add the handle of a sample file")?;
            handles.count(1, 1, "sample handles")?;
            handles.strings(8192, "a header handle")?;
        }
        HeaderFormat::Location | HeaderFormat::Product => {
            let why = format!("{format} headers have no {{}}; remove it");
            c.forbid("text", &why.replace("{}", "text"))?;
            c.forbid("example", &why.replace("{}", "example"))?;
        }
    }
    Ok(format)
}

/// Validates a BODY (a carousel card's when `in_card`); returns its variable count.
pub(crate) fn body(c: &Obj<'_>, ctx: &Ctx, in_card: bool) -> Check<usize> {
    c.only_as(
        &["type", "text", "example", "add_security_recommendation"],
        "a BODY component",
    )?;
    if ctx.category == Category::Authentication && !in_card {
        c.forbid("text", "authentication templates have a fixed body text set by WhatsApp; remove text (add_security_recommendation adds the security note)")?;
        c.forbid(
            "example",
            "authentication templates have no body variables to sample; remove example",
        )?;
        c.opt_bool("add_security_recommendation")?;
        return Ok(1);
    }
    c.forbid(
        "add_security_recommendation",
        "only AUTHENTICATION templates take add_security_recommendation; remove it",
    )?;
    let max = if in_card {
        CARD_BODY_TEXT_MAX
    } else {
        BODY_TEXT_MAX
    };
    let text = c.text_as(
        "text",
        max,
        "the body text",
        &format!("give the body's text, at most {max} characters"),
    )?;
    let vars = text_variables(c, &text, ctx)?;
    if !in_card {
        no_variable_at_the_edges(c, &text)?;
    }
    samples(c, &vars, "body")?;
    Ok(vars.count())
}

fn text_variables(c: &Obj<'_>, text: &str, ctx: &Ctx) -> Check<Variables> {
    variables(text, ctx.format).map_err(|m| TemplateError::new(c.at_key("text"), m))
}

fn no_variable_at_the_edges(c: &Obj<'_>, text: &str) -> Check<()> {
    let found = scan(text).map_err(|m| TemplateError::new(c.at_key("text"), m))?;
    let leading = text.chars().take_while(|ch| ch.is_whitespace()).count();
    let trailing = text.chars().count()
        - text
            .chars()
            .rev()
            .take_while(|ch| ch.is_whitespace())
            .count();
    if found.first().is_some_and(|f| f.start == leading) {
        return Err(TemplateError::new(
            c.at_key("text"),
            "the body cannot start with a variable; put some words before it",
        ));
    }
    if found.last().is_some_and(|f| f.end == trailing) {
        return Err(TemplateError::new(
            c.at_key("text"),
            "the body cannot end with a variable; put some words or punctuation after it",
        ));
    }
    Ok(())
}

/// Checks the `example` of a text header or body against its variables: one sample value
/// per variable, required when there are variables and refused when there are none.
fn samples(c: &Obj<'_>, vars: &Variables, what: &str) -> Check<()> {
    if vars.count() == 0 {
        return c.forbid(
            "example",
            &format!(
                "the {what} text has no variables, so it takes no sample values; remove example"
            ),
        );
    }
    let positional_key = format!("{what}_text");
    let named_key = format!("{what}_text_named_params");
    let ex = c.obj(
        "example",
        &format!(
            "the {what} text has {} variable(s), so give one sample value for each in example.{}",
            vars.count(),
            match vars {
                Variables::Positional(_) => &positional_key,
                Variables::Named(_) => &named_key,
            }
        ),
    )?;
    match vars {
        Variables::Positional(n) => {
            ex.only_as(&[positional_key.as_str()], &format!("a {what}'s example"))?;
            let arr = ex.arr(
                &positional_key,
                &format!("give one sample value per variable ({n})"),
            )?;
            let values = if what == "body" {
                arr.count(1, 1, "lists of sample values")?;
                let (path, inner) = arr.iter().next().ok_or_else(|| {
                    TemplateError::new(arr.path(), "add one list of sample values")
                })?;
                Arr::at(inner, path, "a list of sample values like [\"Mark\"]")?
            } else {
                arr
            };
            if values.len() != *n {
                return Err(TemplateError::new(
                    values.path(),
                    format!(
                        "has {} sample value(s) but the {what} text has {n} variable(s) ({}); give exactly one value per variable",
                        values.len(),
                        (1..=*n).map(|k| format!("{{{{{k}}}}}")).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            values.strings(SAMPLE_MAX, "a sample value")?;
            Ok(())
        }
        Variables::Named(names) => {
            ex.only_as(&[named_key.as_str()], &format!("a {what}'s example"))?;
            let arr = ex.arr(
                &named_key,
                "give [{\"param_name\": …, \"example\": …}] for each variable",
            )?;
            named_samples(&arr, names, what)
        }
    }
}

/// Checks `[{param_name, example}]` against the variable `names`.
fn named_samples(arr: &Arr<'_>, names: &[String], what: &str) -> Check<()> {
    let mut given: Vec<String> = Vec::new();
    for item in arr.objects() {
        let item = item?;
        item.only_as(&["param_name", "example"], "a named sample")?;
        let name = item.str("param_name", "give the variable's name")?;
        if !names.iter().any(|n| n == name) {
            return Err(TemplateError::new(
                item.at_key("param_name"),
                format!(
                    "`{name}` is not a variable of the {what} text; its variables are {}",
                    names.join(", ")
                ),
            ));
        }
        if given.iter().any(|g| g == name) {
            return Err(TemplateError::new(
                item.at_key("param_name"),
                format!("`{name}` already has a sample value; give one per variable"),
            ));
        }
        given.push(name.to_string());
        item.text_as(
            "example",
            SAMPLE_MAX,
            "a sample value",
            "give a sample value",
        )?;
    }
    if let Some(missing) = names.iter().find(|n| !given.contains(n)) {
        return Err(TemplateError::new(
            arr.path(),
            format!("no sample value for {{{{{missing}}}}}; add {{\"param_name\": \"{missing}\", \"example\": …}}"),
        ));
    }
    Ok(())
}

fn footer(c: &Obj<'_>, ctx: &Ctx) -> Check<()> {
    c.only_as(
        &["type", "text", "code_expiration_minutes"],
        "a FOOTER component",
    )?;
    if ctx.category == Category::Authentication {
        c.forbid("text", "authentication templates have a fixed footer; remove text (code_expiration_minutes sets the expiry note)")?;
        if let Some(m) = c.opt_u64("code_expiration_minutes")? {
            if !(1..=90).contains(&m) {
                return Err(TemplateError::new(
                    c.at_key("code_expiration_minutes"),
                    format!("must be from 1 to 90 minutes, got {m}"),
                ));
            }
        }
        return Ok(());
    }
    c.forbid(
        "code_expiration_minutes",
        "only AUTHENTICATION templates take code_expiration_minutes; remove it",
    )?;
    let text = c.text_as(
        "text",
        FOOTER_TEXT_MAX,
        "the footer text",
        "give the footer's text, at most 60 characters",
    )?;
    if text.contains("{{") {
        return Err(TemplateError::new(
            c.at_key("text"),
            "a footer cannot have variables; remove the {{…}}",
        ));
    }
    Ok(())
}

fn offer(c: &Obj<'_>) -> Check<()> {
    c.only_as(
        &["type", "limited_time_offer"],
        "a LIMITED_TIME_OFFER component",
    )?;
    let l = c.obj(
        "limited_time_offer",
        "add {\"text\": \"Expiring offer!\", \"has_expiration\": true}",
    )?;
    l.only_as(&["text", "has_expiration"], "a limited_time_offer")?;
    l.text_as(
        "text",
        OFFER_TEXT_MAX,
        "the offer text",
        "give the offer's text, at most 16 characters",
    )?;
    l.opt_bool("has_expiration")?;
    Ok(())
}
