//! Validation of a BUTTONS component: each button's fields, then the limits across buttons
//! (see [`validate`](super::validate) for the list).

use serde_json::Value;

use super::button::{ButtonKind, OtpType};
use super::definition::Category;
use super::error::{Arr, Check, Obj, TemplateError};
use super::validate::{enum_field, Ctx};
use super::vars::{scan, Placeholder};
use crate::json_reader::{describe, is_http_url};

/// Maximum button label length, in characters (Meta's components page and pywa; 20 is the
/// interactive-message limit).
pub const BUTTON_TEXT_MAX: usize = 25;
/// Maximum number of buttons in a template.
pub const BUTTONS_MAX: usize = 10;
/// Maximum number of buttons on a carousel card.
pub const CARD_BUTTONS_MAX: usize = 2;
/// Maximum URL length, in characters.
pub const URL_MAX: usize = 2000;
/// Maximum copy-code sample length, in characters.
pub const COPY_CODE_MAX: usize = 15;
/// Maximum phone-number length, in characters.
pub const PHONE_NUMBER_MAX: usize = 20;

/// Per-type limits: (kind, at most).
const PER_TYPE_MAX: [(ButtonKind, usize); 6] = [
    (ButtonKind::Url, 2),
    (ButtonKind::PhoneNumber, 1),
    (ButtonKind::CopyCode, 1),
    (ButtonKind::Flow, 1),
    (ButtonKind::VoiceCall, 1),
    (ButtonKind::QuickReply, 10),
];

/// Button types a carousel card may carry.
const CARD_BUTTON_KINDS: [ButtonKind; 4] = [
    ButtonKind::QuickReply,
    ButtonKind::Url,
    ButtonKind::PhoneNumber,
    ButtonKind::Spm,
];

/// Validates a BUTTONS component (a carousel card's when `in_card`); returns the button
/// types in order.
pub(crate) fn check(c: &Obj<'_>, ctx: &Ctx, in_card: bool) -> Check<Vec<ButtonKind>> {
    c.only_as(&["type", "buttons"], "a BUTTONS component")?;
    let arr = c.arr("buttons", "add the buttons")?;
    if in_card {
        arr.count(1, CARD_BUTTONS_MAX, "buttons on a carousel card")?;
    } else {
        arr.count(1, BUTTONS_MAX, "buttons")?;
    }
    let mut kinds = Vec::with_capacity(arr.len());
    for b in arr.objects() {
        kinds.push(button(&b?, ctx, in_card)?);
    }
    across(&arr, &kinds, ctx)?;
    Ok(kinds)
}

fn button(b: &Obj<'_>, ctx: &Ctx, in_card: bool) -> Check<ButtonKind> {
    let kind = enum_field(b, "type", ButtonKind::parse, &ButtonKind::names())?
        .ok_or_else(|| b.missing("type", &format!("set it to one of {}", ButtonKind::names())))?;
    if in_card && !CARD_BUTTON_KINDS.contains(&kind) {
        return Err(TemplateError::new(
            b.at_key("type"),
            format!("a carousel card's buttons can be QUICK_REPLY, URL, PHONE_NUMBER or SPM; got {kind}"),
        ));
    }
    if kind == ButtonKind::Otp && ctx.category != Category::Authentication {
        return Err(TemplateError::new(
            b.at_key("type"),
            "OTP buttons are only for AUTHENTICATION templates; use COPY_CODE or change the category",
        ));
    }
    let label = |b: &Obj<'_>| {
        b.text_as(
            "text",
            BUTTON_TEXT_MAX,
            "the button label",
            "give the button's label, at most 25 characters",
        )
        .map(|_| ())
    };
    match kind {
        ButtonKind::QuickReply
        | ButtonKind::Catalog
        | ButtonKind::Mpm
        | ButtonKind::Spm
        | ButtonKind::VoiceCall => {
            b.only_as(&["type", "text"], &format!("a {kind} button"))?;
            label(b)?;
        }
        ButtonKind::Url => {
            b.only_as(
                &["type", "text", "url", "example", "app_deep_link"],
                "a URL button",
            )?;
            label(b)?;
            url(b)?;
            b.opt_obj("app_deep_link")?;
        }
        ButtonKind::PhoneNumber => {
            b.only_as(&["type", "text", "phone_number"], "a PHONE_NUMBER button")?;
            label(b)?;
            phone_number(b)?;
        }
        ButtonKind::CopyCode => {
            b.only_as(&["type", "example"], "a COPY_CODE button")?;
            b.text_as(
                "example",
                COPY_CODE_MAX,
                "the sample code",
                "give a sample code of at most 15 characters",
            )?;
        }
        ButtonKind::Flow => {
            b.only_as(
                &[
                    "type",
                    "text",
                    "flow_id",
                    "flow_name",
                    "flow_json",
                    "flow_action",
                    "navigate_screen",
                    "icon",
                ],
                "a FLOW button",
            )?;
            label(b)?;
            flow(b)?;
        }
        ButtonKind::Otp => otp(b)?,
    }
    Ok(kind)
}

fn url(b: &Obj<'_>) -> Check<()> {
    let path = b.at_key("url");
    let url = b.str("url", "give the URL the button opens")?;
    b.check_len_as("url", url, URL_MAX, "the URL")?;
    let found = scan(url).map_err(|m| TemplateError::new(&path, m))?;
    let total = url.chars().count();
    match found.as_slice() {
        [] => {
            if !is_http_url(url) {
                return Err(TemplateError::new(
                    path,
                    format!("must be an absolute http:// or https:// URL; got `{url}`"),
                ));
            }
            b.forbid(
                "example",
                "the URL has no variable, so it takes no sample value; remove example",
            )
        }
        [one] => {
            if one.placeholder != Placeholder::Positional(1) {
                return Err(TemplateError::new(
                    path,
                    "a URL's variable is always {{1}}; write it as {{1}}",
                ));
            }
            if one.end != total {
                return Err(TemplateError::new(
                    path,
                    "the variable must be at the very end of the URL, e.g. https://example.com/track?id={{1}}",
                ));
            }
            let base: String = url.chars().take(one.start).collect();
            if !is_http_url(&base) {
                return Err(TemplateError::new(
                    path,
                    "must start with http:// or https:// and a host before the variable, e.g. https://example.com/{{1}}",
                ));
            }
            let ex = b.arr(
                "example",
                "the URL has a variable, so give one sample value: [\"https://example.com/track?id=123\"] or [\"123\"]",
            )?;
            ex.count(1, 1, "sample values")?;
            ex.strings(URL_MAX, "a sample value")?;
            Ok(())
        }
        _ => Err(TemplateError::new(
            path,
            "a URL can have only one variable, {{1}}, at its very end",
        )),
    }
}

fn phone_number(b: &Obj<'_>) -> Check<()> {
    let path = b.at_key("phone_number");
    let number = b.str(
        "phone_number",
        "give the number to call, with its country code",
    )?;
    b.check_len_as("phone_number", number, PHONE_NUMBER_MAX, "the phone number")?;
    let rest = number.strip_prefix('+').unwrap_or(number);
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    let clean = rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.'));
    if !clean || !(5..=15).contains(&digits) {
        return Err(TemplateError::new(
            path,
            format!(
                "must be a phone number with its country code, e.g. +16467043595; got `{number}`"
            ),
        ));
    }
    Ok(())
}

fn flow(b: &Obj<'_>) -> Check<()> {
    let mut given = Vec::new();
    match b.get("flow_id") {
        None => {}
        Some(Value::String(s)) if !s.trim().is_empty() => given.push("flow_id"),
        Some(Value::Number(n)) if n.is_u64() => given.push("flow_id"),
        Some(other) => {
            return Err(TemplateError::new(
                b.at_key("flow_id"),
                format!(
                    "must be the Flow's id (a string or a number), got {}",
                    describe(other)
                ),
            ))
        }
    }
    if b.opt_text_as("flow_name", 200, "the Flow name")?.is_some() {
        given.push("flow_name");
    }
    if b.opt_text_as("flow_json", usize::MAX, "the Flow JSON")?
        .is_some()
    {
        given.push("flow_json");
    }
    match given.as_slice() {
        [_] => {}
        [] => {
            return Err(TemplateError::new(
                b.path(),
                "give the Flow: one of flow_id, flow_name or flow_json",
            ))
        }
        [_, second, ..] => {
            return Err(TemplateError::new(
                b.at_key(second),
                "give only one of flow_id, flow_name and flow_json; remove this one",
            ))
        }
    }
    let action = b.opt_str("flow_action")?;
    if let Some(a) = action {
        if !["navigate", "data_exchange"]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(a))
        {
            return Err(TemplateError::new(
                b.at_key("flow_action"),
                format!("must be navigate or data_exchange; got `{a}`"),
            ));
        }
        if a.eq_ignore_ascii_case("data_exchange") {
            b.forbid(
                "navigate_screen",
                "navigate_screen only applies to flow_action navigate; remove it",
            )?;
        }
    }
    b.opt_text_as("navigate_screen", 200, "the screen id")?;
    if let Some(icon) = b.opt_str("icon")? {
        if !["DOCUMENT", "PROMOTION", "REVIEW"]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(icon))
        {
            return Err(TemplateError::new(
                b.at_key("icon"),
                format!("must be DOCUMENT, PROMOTION or REVIEW; got `{icon}`"),
            ));
        }
    }
    Ok(())
}

fn otp(b: &Obj<'_>) -> Check<()> {
    b.only_as(
        &[
            "type",
            "otp_type",
            "text",
            "autofill_text",
            "package_name",
            "signature_hash",
            "zero_tap_terms_accepted",
            "supported_apps",
        ],
        "an OTP button",
    )?;
    let otp_type =
        enum_field(b, "otp_type", OtpType::parse, &OtpType::names())?.ok_or_else(|| {
            b.missing(
                "otp_type",
                &format!("set it to one of {}", OtpType::names()),
            )
        })?;
    b.opt_text_as("text", BUTTON_TEXT_MAX, "the button label")?;
    if otp_type == OtpType::CopyCode {
        for key in [
            "autofill_text",
            "package_name",
            "signature_hash",
            "supported_apps",
            "zero_tap_terms_accepted",
        ] {
            b.forbid(
                key,
                &format!("{key} only applies to ONE_TAP and ZERO_TAP buttons; remove it"),
            )?;
        }
        return Ok(());
    }
    b.opt_text_as("autofill_text", BUTTON_TEXT_MAX, "the autofill label")?;
    let package = b.opt_text_as("package_name", 224, "the package name")?;
    let hash = b.opt_text_as("signature_hash", 64, "the signature hash")?;
    match (package, hash, b.opt_arr("supported_apps")?) {
        (Some(_), Some(_), None) => {}
        (None, None, Some(apps)) => supported_apps(&apps)?,
        (_, _, Some(_)) => {
            return Err(TemplateError::new(
                b.at_key("supported_apps"),
                "give either package_name and signature_hash or supported_apps, not both",
            ))
        }
        (Some(_), None, None) => return Err(b.missing("signature_hash", "give the app's signing-key hash")),
        (None, Some(_), None) => return Err(b.missing("package_name", "give the app's package name")),
        (None, None, None) => {
            return Err(TemplateError::new(
                b.path(),
                format!("a {otp_type} button needs the Android app: add package_name and signature_hash (or supported_apps)"),
            ))
        }
    }
    if otp_type == OtpType::ZeroTap {
        if b.opt_bool("zero_tap_terms_accepted")? != Some(true) {
            return Err(TemplateError::new(
                b.at_key("zero_tap_terms_accepted"),
                "must be true: zero-tap templates need the zero-tap terms accepted",
            ));
        }
    } else {
        b.forbid(
            "zero_tap_terms_accepted",
            "zero_tap_terms_accepted only applies to ZERO_TAP buttons; remove it",
        )?;
    }
    Ok(())
}

fn supported_apps(apps: &Arr<'_>) -> Check<()> {
    apps.count(1, 5, "supported apps")?;
    for app in apps.objects() {
        let app = app?;
        app.only_as(&["package_name", "signature_hash"], "a supported app")?;
        app.text_as(
            "package_name",
            224,
            "the package name",
            "give the app's package name",
        )?;
        app.text_as(
            "signature_hash",
            64,
            "the signature hash",
            "give the app's signing-key hash",
        )?;
    }
    Ok(())
}

/// Limits across the buttons of one component.
fn across(arr: &Arr<'_>, kinds: &[ButtonKind], ctx: &Ctx) -> Check<()> {
    let at = |i: usize| arr.path().index(i);
    if ctx.category == Category::Authentication
        && (kinds.len() != 1 || kinds.first() != Some(&ButtonKind::Otp))
    {
        let i = kinds
            .iter()
            .position(|k| *k != ButtonKind::Otp)
            .unwrap_or(1);
        return Err(TemplateError::new(
            at(i),
            "authentication templates have exactly one button, of type OTP; remove this one",
        ));
    }
    for (kind, max) in PER_TYPE_MAX {
        let positions = positions_of(kinds, |k| k == kind);
        if let Some(&extra) = positions.get(max) {
            let earlier: Vec<String> = positions
                .iter()
                .take(max)
                .map(|i| format!("buttons[{i}]"))
                .collect();
            return Err(TemplateError::new(
                at(extra),
                format!(
                    "a template has at most {max} {kind} button(s) and {} already {}; remove this one",
                    earlier.join(" and "),
                    if max == 1 { "is one" } else { "are" }
                ),
            ));
        }
    }
    if kinds.len() > 1 {
        if let Some((i, kind)) = kinds
            .iter()
            .enumerate()
            .find(|(_, k)| matches!(k, ButtonKind::Catalog | ButtonKind::Mpm))
        {
            return Err(TemplateError::new(
                at(i),
                format!("a {kind} button must be the template's only button; remove the others"),
            ));
        }
    }
    let qr = positions_of(kinds, |k| k == ButtonKind::QuickReply);
    if let (Some(first), Some(last)) = (qr.first(), qr.last()) {
        if last - first + 1 != qr.len() {
            let broken = qr
                .iter()
                .zip(qr.iter().skip(1))
                .find(|(a, b)| **b != **a + 1)
                .map_or(*last, |(_, b)| *b);
            return Err(TemplateError::new(
                at(broken),
                format!("quick-reply buttons must be grouped together, all before or all after the other buttons; move this one next to buttons[{first}]"),
            ));
        }
    }
    Ok(())
}

/// The positions of the buttons whose kind satisfies `wanted`.
fn positions_of(kinds: &[ButtonKind], wanted: impl Fn(ButtonKind) -> bool) -> Vec<usize> {
    kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| wanted(**k))
        .map(|(i, _)| i)
        .collect()
}
