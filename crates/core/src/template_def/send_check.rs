//! The synchronous check of a template send against the stored template, giving Meta's
//! codes at once instead of in a failed-status webhook:
//!
//! - 132001: no template of that name, not in that language (the details list the
//!   languages it has), or not approved (PENDING, REJECTED, …); 132015 when PAUSED and
//!   132016 when DISABLED.
//! - 132000: a component gets the wrong number of parameters (the details name the
//!   component, the number expected and the number given), or parameters for a component
//!   the template does not have.
//! - 132012: a parameter of the wrong kind (an image header given text, a missing media
//!   header, a button whose `sub_type` differs from the template's button at that `index`,
//!   a named parameter missing or unknown).
//! - 132005: the header or body text too long once the parameters are filled in.
//! - 100: a text parameter WhatsApp never accepts (a new line, a tab or more than four
//!   consecutive spaces).
//!
//! Currency and date-time parameters are accepted wherever text is (WhatsApp shows their
//! `fallback_value`). Parts of a definition this model cannot type (`Other`) are not
//! checked.

use super::button::TemplateButton;
use super::component::{
    CarouselComponent, HeaderComponent, HeaderFormat, LimitedTimeOfferComponent, TemplateComponent,
};
use super::definition::{Category, ParameterFormat, TemplateDefinition};
use super::error::{
    TemplateSendError, PARAMETER_COUNT_MISMATCH, PARAMETER_FORMAT_MISMATCH, TEMPLATE_DISABLED,
    TEMPLATE_NOT_FOUND, TEMPLATE_PAUSED, TEMPLATE_TEXT_TOO_LONG,
};
use super::status::TemplateStatus;
use super::validate::{BODY_TEXT_MAX, CARD_BODY_TEXT_MAX, HEADER_TEXT_MAX};
use super::vars::{render, variables, Placeholder, Variables};
use crate::message::{Component, Parameter, Template, INVALID_PARAMETER};

type Checked = Result<(), TemplateSendError>;

/// Checks `send` against `definition`, whose current status is `status`.
pub fn check_send(
    definition: &TemplateDefinition,
    status: TemplateStatus,
    send: &Template,
) -> Result<(), TemplateSendError> {
    if definition.name != send.name {
        return Err(no_such_name(send));
    }
    if definition.language != send.language.code {
        return Err(no_such_language(send, &[definition.language.as_str()]));
    }
    check_status(definition, status)?;
    let scope = Scope {
        base: "template.components".to_string(),
        label: String::new(),
        format: definition.parameter_format(),
        category: definition.category(),
        in_card: false,
    };
    check_components(&definition.components, &send.components, &scope)
}

/// Finds the template `send` names among `candidates` (the definitions the channel has,
/// with their statuses; those of other names are ignored) and checks `send` against it.
/// Returns the definition used, e.g. for its [`category`](TemplateDefinition::category).
pub fn check_send_among<'a>(
    candidates: &[(&'a TemplateDefinition, TemplateStatus)],
    send: &Template,
) -> Result<&'a TemplateDefinition, TemplateSendError> {
    let named: Vec<&(&TemplateDefinition, TemplateStatus)> = candidates
        .iter()
        .filter(|(d, _)| d.name == send.name)
        .collect();
    if named.is_empty() {
        return Err(no_such_name(send));
    }
    let Some((definition, status)) = named.iter().find(|(d, _)| d.language == send.language.code)
    else {
        let mut languages: Vec<&str> = named.iter().map(|(d, _)| d.language.as_str()).collect();
        languages.sort_unstable();
        languages.dedup();
        return Err(no_such_language(send, &languages));
    };
    check_send(definition, *status, send)?;
    Ok(definition)
}

fn no_such_name(send: &Template) -> TemplateSendError {
    TemplateSendError::new(
        TEMPLATE_NOT_FOUND,
        "template.name",
        format!(
            "template name ({}) does not exist in {}: there is no template of that name on this channel; check the name or create the template",
            send.name, send.language.code
        ),
    )
}

fn no_such_language(send: &Template, available: &[&str]) -> TemplateSendError {
    TemplateSendError::new(
        TEMPLATE_NOT_FOUND,
        "template.language.code",
        format!(
            "template name ({}) does not exist in {}; it exists in {}: use that language code or create the {} translation",
            send.name,
            send.language.code,
            available.join(", "),
            send.language.code
        ),
    )
}

fn check_status(d: &TemplateDefinition, status: TemplateStatus) -> Checked {
    if status.is_sendable() {
        return Ok(());
    }
    let who = format!("template {} ({})", d.name, d.language);
    let (code, details) = match status {
        TemplateStatus::Paused => (
            TEMPLATE_PAUSED,
            format!("{who} is PAUSED because of low quality; it cannot be sent until WhatsApp unpauses it"),
        ),
        TemplateStatus::Disabled => (
            TEMPLATE_DISABLED,
            format!("{who} is DISABLED because of low quality; send another template"),
        ),
        TemplateStatus::Pending => (
            TEMPLATE_NOT_FOUND,
            format!("{who} is still in review (PENDING); it can be sent once APPROVED"),
        ),
        TemplateStatus::Rejected => (
            TEMPLATE_NOT_FOUND,
            format!("{who} was REJECTED in review; edit and resubmit it, or send another template"),
        ),
        other => (
            TEMPLATE_NOT_FOUND,
            format!("{who} is {other}, not APPROVED; only approved templates can be sent"),
        ),
    };
    Err(TemplateSendError::new(code, "template.name", details))
}

/// Where the components being checked are: the template, or one carousel card.
struct Scope {
    /// JSON path of the send's components array.
    base: String,
    /// Prefix of the details, e.g. `card 1 ` (empty at the top level).
    label: String,
    format: ParameterFormat,
    category: Category,
    in_card: bool,
}

impl Scope {
    fn at(&self, i: usize) -> String {
        format!("{}[{i}]", self.base)
    }

    fn err(&self, code: u32, path: impl Into<String>, details: String) -> TemplateSendError {
        TemplateSendError::new(code, path, format!("{}{details}", self.label))
    }
}

/// The send's components by kind, with their positions.
#[derive(Default)]
struct SendParts<'s> {
    header: Option<(usize, &'s Component)>,
    body: Option<(usize, &'s Component)>,
    carousel: Option<(usize, &'s Component)>,
    offer: Option<(usize, &'s Component)>,
    buttons: Vec<(usize, &'s Component)>,
}

fn split<'s>(send: &'s [Component], scope: &Scope) -> Result<SendParts<'s>, TemplateSendError> {
    let mut parts = SendParts::default();
    for (i, c) in send.iter().enumerate() {
        let slot = match c.kind.as_str() {
            "header" => &mut parts.header,
            "body" => &mut parts.body,
            "carousel" => &mut parts.carousel,
            "limited_time_offer" => &mut parts.offer,
            "button" => {
                parts.buttons.push((i, c));
                continue;
            }
            _ => continue,
        };
        if slot.is_some() {
            return Err(scope.err(
                PARAMETER_COUNT_MISMATCH,
                scope.at(i),
                format!("{}: the component is given twice; give it once", c.kind),
            ));
        }
        *slot = Some((i, c));
    }
    Ok(parts)
}

fn check_components(defs: &[TemplateComponent], send: &[Component], scope: &Scope) -> Checked {
    let parts = split(send, scope)?;
    let mut header = None;
    let mut body = None;
    let mut buttons: &[TemplateButton] = &[];
    let mut carousel = None;
    let mut offer = None;
    for d in defs {
        match d {
            TemplateComponent::Header(h) => header = Some(h),
            TemplateComponent::Body(b) => body = Some(b.text.as_deref()),
            TemplateComponent::Buttons(b) => buttons = &b.buttons,
            TemplateComponent::Carousel(c) => carousel = Some(c),
            TemplateComponent::LimitedTimeOffer(l) => offer = Some(l),
            TemplateComponent::Footer(_) | TemplateComponent::Other { .. } => {}
        }
    }
    check_header(header, parts.header, scope)?;
    check_body(body, parts.body, scope)?;
    check_offer(offer, parts.offer, scope)?;
    check_buttons(buttons, &parts.buttons, scope)?;
    check_carousel(carousel, parts.carousel, scope)
}

/// The variables of a stored text, read leniently (a synced template may declare its
/// format wrongly): the declared format first, then the other one.
fn vars_of(text: Option<&str>, format: ParameterFormat) -> Variables {
    let Some(text) = text else {
        return Variables::Positional(0);
    };
    let other = match format {
        ParameterFormat::Positional => ParameterFormat::Named,
        ParameterFormat::Named => ParameterFormat::Positional,
    };
    variables(text, format)
        .or_else(|_| variables(text, other))
        .unwrap_or(Variables::Positional(0))
}

fn type_name(p: &Parameter) -> &'static str {
    match p {
        Parameter::Text { .. } => "text",
        Parameter::Currency { .. } => "currency",
        Parameter::DateTime { .. } => "date_time",
        Parameter::Image { .. } => "image",
        Parameter::Video { .. } => "video",
        Parameter::Document { .. } => "document",
        Parameter::Location { .. } => "location",
        Parameter::Product { .. } => "product",
        Parameter::Payload { .. } => "payload",
        Parameter::Action { .. } => "action",
        Parameter::CouponCode { .. } => "coupon_code",
        Parameter::LimitedTimeOffer { .. } => "limited_time_offer",
    }
}

/// The text WhatsApp shows for a text-like parameter.
fn shown(p: &Parameter) -> Option<&str> {
    match p {
        Parameter::Text { text, .. } => Some(text),
        Parameter::Currency { currency, .. } => Some(&currency.fallback_value),
        Parameter::DateTime { date_time, .. } => Some(&date_time.fallback_value),
        _ => None,
    }
}

fn parameter_name(p: &Parameter) -> Option<&str> {
    match p {
        Parameter::Text { parameter_name, .. }
        | Parameter::Currency { parameter_name, .. }
        | Parameter::DateTime { parameter_name, .. } => parameter_name.as_deref(),
        _ => None,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Where a component's parameters are: its `parameters`, or the components array when the
/// component is absent.
fn params_of<'s>(send: Option<(usize, &'s Component)>, scope: &Scope) -> (String, &'s [Parameter]) {
    match send {
        Some((i, c)) => (format!("{}.parameters", scope.at(i)), &c.parameters),
        None => (scope.base.clone(), &[]),
    }
}

/// Refuses text WhatsApp never accepts in a parameter.
fn check_text_value(path: &str, what: &str, p: &Parameter, scope: &Scope) -> Checked {
    let Parameter::Text { text, .. } = p else {
        return Ok(());
    };
    if text.contains(['\n', '\r', '\t']) || text.contains("     ") {
        return Err(scope.err(
            INVALID_PARAMETER,
            format!("{path}.text"),
            format!("{what}: Param text cannot have new-line/tab characters or more than 4 consecutive spaces; put line breaks in the template text instead"),
        ));
    }
    Ok(())
}

/// Checks the names of named parameters, then the rendered length.
fn check_text_params(
    what: &str,
    text: Option<&str>,
    vars: &Variables,
    params: &[Parameter],
    path: &str,
    max: usize,
    scope: &Scope,
) -> Checked {
    if let Variables::Named(names) = vars {
        let mut seen: Vec<&str> = Vec::new();
        for (k, p) in params.iter().enumerate() {
            let at = format!("{path}[{k}]");
            let Some(name) = parameter_name(p) else {
                return Err(scope.err(
                    PARAMETER_FORMAT_MISMATCH,
                    at,
                    format!("{what}: parameter {} needs parameter_name; this template uses named parameters ({})", k + 1, names.join(", ")),
                ));
            };
            if !names.iter().any(|n| n == name) {
                return Err(scope.err(
                    PARAMETER_FORMAT_MISMATCH,
                    format!("{at}.parameter_name"),
                    format!("{what}: `{name}` is not a parameter of this template; its parameters are {}", names.join(", ")),
                ));
            }
            if seen.contains(&name) {
                return Err(scope.err(
                    PARAMETER_FORMAT_MISMATCH,
                    format!("{at}.parameter_name"),
                    format!("{what}: `{name}` is given twice; give each parameter once"),
                ));
            }
            seen.push(name);
        }
    }
    for (k, p) in params.iter().enumerate() {
        check_text_value(&format!("{path}[{k}]"), what, p, scope)?;
    }
    let Some(text) = text else { return Ok(()) };
    let rendered = render(text, |ph| match ph {
        Placeholder::Positional(n) => params
            .get((*n as usize).saturating_sub(1))
            .and_then(shown)
            .map(str::to_string),
        Placeholder::Named(name) => params
            .iter()
            .find(|p| parameter_name(p) == Some(name))
            .and_then(shown)
            .map(str::to_string),
    });
    let n = rendered.chars().count();
    if n > max {
        return Err(scope.err(
            TEMPLATE_TEXT_TOO_LONG,
            path.to_string(),
            format!("{what}: the text is {n} characters once the parameters are filled in, over the limit of {max}; shorten the parameters"),
        ));
    }
    Ok(())
}

/// 132000: `what` expects `expected` `unit`s (parameters, cards) but got `got`.
fn count_mismatch(
    what: &str,
    unit: &str,
    (expected, got): (usize, usize),
    path: String,
    hint: &str,
    scope: &Scope,
) -> TemplateSendError {
    scope.err(
        PARAMETER_COUNT_MISMATCH,
        path,
        format!(
            "{what} expects {expected} {unit}{}, got {got}{hint}",
            plural(expected)
        ),
    )
}

fn check_header(
    def: Option<&HeaderComponent>,
    send: Option<(usize, &Component)>,
    scope: &Scope,
) -> Checked {
    let Some(def) = def else {
        return match send {
            Some((i, _)) => Err(scope.err(
                PARAMETER_COUNT_MISMATCH,
                scope.at(i),
                "header: the template has no header, so it takes no header parameters; remove this component".to_string(),
            )),
            None => Ok(()),
        };
    };
    let (path, params) = params_of(send, scope);
    let media = match def.format {
        HeaderFormat::Text => {
            let vars = vars_of(def.text.as_deref(), scope.format);
            let expected = vars.count();
            if params.len() != expected {
                let hint = if expected == 0 {
                    "; the header text has no variable, so remove the header component".to_string()
                } else {
                    "; add {\"type\": \"header\", \"parameters\": [{\"type\": \"text\", \"text\": …}]}".to_string()
                };
                return Err(count_mismatch(
                    "header",
                    "parameter",
                    (expected, params.len()),
                    path,
                    &hint,
                    scope,
                ));
            }
            if let Some((k, p)) = params
                .iter()
                .enumerate()
                .find(|(_, p)| !matches!(p, Parameter::Text { .. }))
            {
                return Err(scope.err(
                    PARAMETER_FORMAT_MISMATCH,
                    format!("{path}[{k}].type"),
                    format!("header: Format mismatch, expected TEXT, received {}; give a text parameter", type_name(p).to_ascii_uppercase()),
                ));
            }
            return check_text_params(
                "header",
                def.text.as_deref(),
                &vars,
                params,
                &path,
                HEADER_TEXT_MAX,
                scope,
            );
        }
        HeaderFormat::Image => "image",
        HeaderFormat::Video => "video",
        HeaderFormat::Document => "document",
        HeaderFormat::Location => "location",
        HeaderFormat::Product => "product",
    };
    let expected = media.to_ascii_uppercase();
    match params {
        [] => Err(scope.err(
            PARAMETER_FORMAT_MISMATCH,
            path,
            format!("header: Format mismatch, expected {expected}, received nothing; add {{\"type\": \"header\", \"parameters\": [{{\"type\": \"{media}\", \"{media}\": …}}]}}"),
        )),
        [p] if type_name(p) == media => Ok(()),
        [p] => Err(scope.err(
            PARAMETER_FORMAT_MISMATCH,
            format!("{path}[0].type"),
            format!("header: Format mismatch, expected {expected}, received {}; give {} {media} parameter", type_name(p).to_ascii_uppercase(), if media == "image" { "an" } else { "a" }),
        )),
        more => Err(count_mismatch("header", "parameter", (1, more.len()), path, "", scope)),
    }
}

fn check_body(
    def: Option<Option<&str>>,
    send: Option<(usize, &Component)>,
    scope: &Scope,
) -> Checked {
    let (path, params) = params_of(send, scope);
    let authentication = scope.category == Category::Authentication && !scope.in_card;
    let text = def.flatten();
    let vars = if authentication {
        Variables::Positional(1)
    } else {
        vars_of(text, scope.format)
    };
    let expected = vars.count();
    if params.len() != expected {
        let hint = if authentication {
            "; give the one-time code as the body's text parameter".to_string()
        } else if expected == 0 {
            match send {
                Some(_) => "; the body has no variables, so remove the body component".to_string(),
                None => String::new(),
            }
        } else {
            format!(
                "; give one parameter per variable ({})",
                match &vars {
                    Variables::Positional(n) => (1..=*n)
                        .map(|k| format!("{{{{{k}}}}}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    Variables::Named(names) => names.join(", "),
                }
            )
        };
        return Err(count_mismatch(
            "body",
            "parameter",
            (expected, params.len()),
            path,
            &hint,
            scope,
        ));
    }
    if authentication {
        return match params.first() {
            Some(p @ Parameter::Text { .. }) => {
                check_text_value(&format!("{path}[0]"), "body", p, scope)
            }
            Some(p) => Err(scope.err(
                PARAMETER_FORMAT_MISMATCH,
                format!("{path}[0].type"),
                format!(
                    "body: Format mismatch, expected TEXT (the one-time code), received {}",
                    type_name(p).to_ascii_uppercase()
                ),
            )),
            None => Ok(()),
        };
    }
    let max = if scope.in_card {
        CARD_BODY_TEXT_MAX
    } else {
        BODY_TEXT_MAX
    };
    check_text_params("body", text, &vars, params, &path, max, scope)
}

fn check_offer(
    def: Option<&LimitedTimeOfferComponent>,
    send: Option<(usize, &Component)>,
    scope: &Scope,
) -> Checked {
    match (def, send) {
        (None, None) => Ok(()),
        (None, Some((i, _))) => Err(scope.err(
            PARAMETER_COUNT_MISMATCH,
            scope.at(i),
            "limited_time_offer: the template has no limited-time offer; remove this component"
                .to_string(),
        )),
        (Some(d), send) => {
            let expected = usize::from(d.limited_time_offer.has_expiration == Some(true));
            let (path, params) = params_of(send, scope);
            if params.len() != expected {
                let hint = if expected == 1 {
                    "; add {\"type\": \"limited_time_offer\", \"parameters\": [{\"type\": \"limited_time_offer\", \"limited_time_offer\": {\"expiration_time_ms\": …}}]}"
                } else {
                    "; the offer has no expiration, so remove this component"
                };
                return Err(count_mismatch(
                    "limited_time_offer",
                    "parameter",
                    (expected, params.len()),
                    path,
                    hint,
                    scope,
                ));
            }
            Ok(())
        }
    }
}

/// The `sub_type` a send uses for a button, and how many parameters it takes.
fn send_shape(b: &TemplateButton) -> Option<(Option<&'static str>, usize, usize, &'static str)> {
    Some(match b {
        TemplateButton::QuickReply(_) => (Some("quick_reply"), 0, 1, "{\"type\": \"payload\", \"payload\": …}"),
        TemplateButton::Url(u) if u.has_variable() => (Some("url"), 1, 1, "{\"type\": \"text\", \"text\": \"<the end of the URL>\"}"),
        TemplateButton::Url(_) => (Some("url"), 0, 0, ""),
        TemplateButton::CopyCode(_) => (Some("copy_code"), 1, 1, "{\"type\": \"coupon_code\", \"coupon_code\": …}"),
        TemplateButton::Flow(_) => (Some("flow"), 0, 1, "{\"type\": \"action\", \"action\": {\"flow_token\": …}}"),
        TemplateButton::Otp(_) => (Some("url"), 1, 1, "{\"type\": \"text\", \"text\": \"<the one-time code>\"}"),
        TemplateButton::Catalog(_) => (Some("catalog"), 0, 1, "{\"type\": \"action\", \"action\": {\"thumbnail_product_retailer_id\": …}}"),
        TemplateButton::Mpm(_) => (Some("mpm"), 1, 1, "{\"type\": \"action\", \"action\": {\"thumbnail_product_retailer_id\": …, \"sections\": […]}}"),
        TemplateButton::VoiceCall(_) => (Some("voice_call"), 0, 0, ""),
        TemplateButton::PhoneNumber(_) | TemplateButton::Spm(_) => (None, 0, 0, ""),
        TemplateButton::Other { .. } => return None,
    })
}

fn check_buttons(defs: &[TemplateButton], send: &[(usize, &Component)], scope: &Scope) -> Checked {
    let n = defs.len();
    for (i, c) in send {
        let index = c.index.unwrap_or(0) as usize;
        let sub = c.sub_type.as_deref().unwrap_or("");
        let Some(def) = defs.get(index) else {
            let has = match n {
                0 => "the template has no buttons".to_string(),
                1 => "the template has 1 button (index 0)".to_string(),
                n => format!("the template has {n} buttons (index 0 to {})", n - 1),
            };
            return Err(scope.err(
                PARAMETER_FORMAT_MISMATCH,
                format!("{}.index", scope.at(*i)),
                format!("button {index}: {has}; there is no button at index {index}"),
            ));
        };
        let Some((want, min, max, _)) = send_shape(def) else {
            continue;
        };
        let kind = def.kind_name();
        let Some(want) = want else {
            return Err(scope.err(
                PARAMETER_FORMAT_MISMATCH,
                scope.at(*i),
                format!("button {index}: the template's button {index} is a {kind} button, which takes no parameters; remove this component"),
            ));
        };
        if want != sub {
            return Err(scope.err(
                PARAMETER_FORMAT_MISMATCH,
                format!("{}.sub_type", scope.at(*i)),
                format!("button {index}: the template's button {index} is a {kind} button; set sub_type to {want} (got {sub})"),
            ));
        }
        let got = c.parameters.len();
        if got < min || got > max {
            let hint = if max == 0 {
                format!("; the {kind} button has no variable, so remove this component")
            } else {
                String::new()
            };
            return Err(count_mismatch(
                &format!("button {index} ({kind})"),
                "parameter",
                (max, got),
                format!("{}.parameters", scope.at(*i)),
                &hint,
                scope,
            ));
        }
    }
    for (index, def) in defs.iter().enumerate() {
        let Some((Some(want), min, _, example)) = send_shape(def) else {
            continue;
        };
        if min > 0
            && !send
                .iter()
                .any(|(_, c)| c.index.unwrap_or(0) as usize == index)
        {
            let hint = format!(
                "; add {{\"type\": \"button\", \"sub_type\": \"{want}\", \"index\": {index}, \"parameters\": [{example}]}}"
            );
            return Err(count_mismatch(
                &format!("button {index} ({})", def.kind_name()),
                "parameter",
                (min, 0),
                scope.base.clone(),
                &hint,
                scope,
            ));
        }
    }
    Ok(())
}

fn check_carousel(
    def: Option<&CarouselComponent>,
    send: Option<(usize, &Component)>,
    scope: &Scope,
) -> Checked {
    match (def, send) {
        (None, None) => Ok(()),
        (None, Some((i, _))) => Err(scope.err(
            PARAMETER_COUNT_MISMATCH,
            scope.at(i),
            "carousel: the template has no carousel; remove this component".to_string(),
        )),
        (Some(d), None) => Err(count_mismatch(
            "carousel",
            "card",
            (d.cards.len(), 0),
            scope.base.clone(),
            "; add {\"type\": \"carousel\", \"cards\": [{\"card_index\": 0, \"components\": […]}, …]} with one entry per card",
            scope,
        )
        ),
        (Some(d), Some((i, c))) => {
            let k = d.cards.len();
            if c.cards.len() != k {
                return Err(count_mismatch(
                    "carousel",
                    "card",
                    (k, c.cards.len()),
                    format!("{}.cards", scope.at(i)),
                    "; give one entry per card",
                    scope,
                )
                );
            }
            for (j, card) in c.cards.iter().enumerate() {
                let ci = card.card_index as usize;
                let Some(def_card) = d.cards.get(ci) else {
                    return Err(scope.err(
                        PARAMETER_COUNT_MISMATCH,
                        format!("{}.cards[{j}].card_index", scope.at(i)),
                        format!("carousel: the template has {k} cards (card_index 0 to {}); there is no card {ci}", k.saturating_sub(1)),
                    ));
                };
                let card_scope = Scope {
                    base: format!("{}.cards[{j}].components", scope.at(i)),
                    label: format!("{}card {ci}: ", scope.label),
                    format: scope.format,
                    category: scope.category,
                    in_card: true,
                };
                check_components(&def_card.components, &card.components, &card_scope)?;
            }
            Ok(())
        }
    }
}
