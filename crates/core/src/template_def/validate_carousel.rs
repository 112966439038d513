//! Validation of a CAROUSEL component: 2–10 cards, each a media HEADER, an optional BODY
//! and 1–2 buttons, all cards of the same shape as the first.

use super::button::ButtonKind;
use super::component::{ComponentKind, HeaderFormat};
use super::error::{Arr, Check, Obj, TemplateError};
use super::validate::{body, component_kind, header, Ctx};
use super::validate_buttons;

/// Minimum number of carousel cards.
pub const CARDS_MIN: usize = 2;
/// Maximum number of carousel cards.
pub const CARDS_MAX: usize = 10;

/// What every card must share, with where each part is.
struct Shape {
    header: (HeaderFormat, String),
    body: Option<(usize, String)>,
    buttons: (Vec<ButtonKind>, String),
}

/// Validates a CAROUSEL component.
pub(crate) fn check(c: &Obj<'_>, ctx: &Ctx) -> Check<()> {
    c.only_as(&["type", "cards"], "a CAROUSEL component")?;
    let cards = c.arr("cards", "add 2 to 10 cards")?;
    cards.count(CARDS_MIN, CARDS_MAX, "cards")?;
    let mut first: Option<(String, Shape)> = None;
    for card in cards.objects() {
        let card = card?;
        card.only_as(&["components"], "a carousel card")?;
        let comps = card.arr(
            "components",
            "add the card's HEADER, BODY and BUTTONS components",
        )?;
        let shape = card_shape(&comps, ctx)?;
        match &first {
            None => first = Some((card.path().to_string(), shape)),
            Some((path0, shape0)) => same_shape(path0, shape0, &shape)?,
        }
    }
    Ok(())
}

fn card_shape(comps: &Arr<'_>, ctx: &Ctx) -> Check<Shape> {
    let mut header_at: Option<(HeaderFormat, String)> = None;
    let mut body_at: Option<(usize, String)> = None;
    let mut buttons_at: Option<(Vec<ButtonKind>, String)> = None;
    for c in comps.objects() {
        let c = c?;
        let kind = component_kind(&c)?;
        let path = c.path().to_string();
        let taken = match kind {
            ComponentKind::Header => header_at.is_some(),
            ComponentKind::Body => body_at.is_some(),
            ComponentKind::Buttons => buttons_at.is_some(),
            _ => {
                return Err(TemplateError::new(
                    c.at_key("type"),
                    format!(
                        "a carousel card has only HEADER, BODY and BUTTONS components; got {kind}"
                    ),
                ))
            }
        };
        if taken {
            return Err(TemplateError::new(
                c.at_key("type"),
                format!("a carousel card has at most one {kind} component; merge them"),
            ));
        }
        match kind {
            ComponentKind::Header => header_at = Some((header(&c, ctx, true)?, path)),
            ComponentKind::Body => body_at = Some((body(&c, ctx, true)?, path)),
            _ => buttons_at = Some((validate_buttons::check(&c, ctx, true)?, path)),
        }
    }
    let header = header_at.ok_or_else(|| {
        TemplateError::new(
            comps.path(),
            "add the card's header: {\"type\": \"HEADER\", \"format\": \"IMAGE\", \"example\": {\"header_handle\": [\"…\"]}}",
        )
    })?;
    let buttons = buttons_at.ok_or_else(|| {
        TemplateError::new(
            comps.path(),
            "add the card's buttons: {\"type\": \"BUTTONS\", \"buttons\": [1 or 2 QUICK_REPLY, URL or PHONE_NUMBER buttons]}",
        )
    })?;
    Ok(Shape {
        header,
        body: body_at,
        buttons,
    })
}

fn same_shape(path0: &str, s0: &Shape, s: &Shape) -> Check<()> {
    let differ = |path: &str, what: String| {
        Err(TemplateError::new(
            path,
            format!("every card must have the same components as {path0}: {what}"),
        ))
    };
    if s.header.0 != s0.header.0 {
        return differ(
            &format!("{}.format", s.header.1),
            format!(
                "its header is {}, this card's is {}",
                s0.header.0, s.header.0
            ),
        );
    }
    match (&s0.body, &s.body) {
        (Some((n0, _)), Some((n, path))) if n0 != n => {
            return differ(
                &format!("{path}.text"),
                format!("its body has {n0} variable(s), this card's has {n}"),
            )
        }
        (Some(_), None) => {
            return differ(&s.header.1, "it has a BODY, this card has none".to_string())
        }
        (None, Some((_, path))) => {
            return differ(path, "it has no BODY, this card has one".to_string())
        }
        _ => {}
    }
    if s.buttons.0 != s0.buttons.0 {
        let names = |k: &[ButtonKind]| k.iter().map(|b| b.as_str()).collect::<Vec<_>>().join(", ");
        return differ(
            &format!("{}.buttons", s.buttons.1),
            format!(
                "its buttons are [{}], this card's are [{}]",
                names(&s0.buttons.0),
                names(&s.buttons.0)
            ),
        );
    }
    Ok(())
}
