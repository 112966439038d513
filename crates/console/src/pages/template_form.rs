//! The Templates page's creation form: what a person fills in (name, language, category,
//! header, body with `{{1}}` placeholders and their examples, footer, up to three quick-reply
//! or URL buttons), turned into Meta's create-template JSON for the templates service, and
//! the preview of a validated definition as the customer will see it (examples filled in).

use std::collections::HashMap;

use serde_json::{json, Value};
use switchboard_core::template_def::{
    render, Category, Placeholder, TemplateButton, TemplateDefinition, TemplateError,
};

/// Buttons the form offers.
pub const BUTTON_ROWS: usize = 3;

/// One button row of the form.
#[derive(Debug, Clone, Default)]
pub struct ButtonForm {
    /// `quick_reply`, `url`, or empty (no button).
    pub kind: String,
    /// The label.
    pub text: String,
    /// A URL button's address (may end in `{{1}}`).
    pub url: String,
    /// The example of the URL's `{{1}}`.
    pub example: String,
}

/// What the creation form was given (kept when it is shown again).
#[derive(Debug, Clone, Default)]
pub struct TemplateForm {
    /// Lower-case name.
    pub name: String,
    /// Language code.
    pub language: String,
    /// `UTILITY`, `MARKETING` or `AUTHENTICATION`.
    pub category: String,
    /// Header text (empty: no header).
    pub header: String,
    /// The example of the header's `{{1}}`.
    pub header_example: String,
    /// Body text.
    pub body: String,
    /// Examples of the body's `{{1}}`, `{{2}}`, …, one per line.
    pub examples: String,
    /// Footer text (empty: no footer).
    pub footer: String,
    /// The button rows.
    pub buttons: Vec<ButtonForm>,
}

/// A category to pick.
#[derive(Debug, Clone)]
pub struct CategoryChoice {
    /// Its wire name.
    pub value: &'static str,
    /// Whether the form has it picked.
    pub selected: bool,
}

impl TemplateForm {
    /// An empty form: English (US), utility, three blank button rows.
    pub fn blank() -> Self {
        TemplateForm {
            language: "en_US".into(),
            category: "UTILITY".into(),
            buttons: vec![ButtonForm::default(); BUTTON_ROWS],
            ..Default::default()
        }
    }

    /// The form's fields as posted.
    pub fn read(fields: &HashMap<String, String>) -> Self {
        let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
        TemplateForm {
            name: field("name"),
            language: field("language"),
            category: field("category"),
            header: field("header"),
            header_example: field("header_example"),
            body: field("body"),
            examples: field("examples"),
            footer: field("footer"),
            buttons: (1..=BUTTON_ROWS)
                .map(|i| ButtonForm {
                    kind: field(&format!("button_{i}_kind")),
                    text: field(&format!("button_{i}_text")),
                    url: field(&format!("button_{i}_url")),
                    example: field(&format!("button_{i}_example")),
                })
                .collect(),
        }
    }

    /// The categories, the form's one picked.
    pub fn categories(&self) -> Vec<CategoryChoice> {
        [
            Category::Utility,
            Category::Marketing,
            Category::Authentication,
        ]
        .into_iter()
        .map(|c| CategoryChoice {
            value: c.as_str(),
            selected: self.category.eq_ignore_ascii_case(c.as_str()),
        })
        .collect()
    }

    /// Meta's create-template JSON of the form, and the label of each component by
    /// position (to name the form's field in a validation message).
    pub fn to_json(&self) -> (Value, Vec<&'static str>) {
        let mut components = Vec::new();
        let mut labels = Vec::new();
        let header = self.header.trim();
        if !header.is_empty() {
            let mut c = json!({"type": "HEADER", "format": "TEXT", "text": header});
            if !self.header_example.trim().is_empty() {
                c["example"] = json!({"header_text": [self.header_example.trim()]});
            }
            components.push(c);
            labels.push("Header");
        }
        let mut body = json!({"type": "BODY", "text": self.body.trim()});
        let examples: Vec<&str> = self
            .examples
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if !examples.is_empty() {
            body["example"] = json!({ "body_text": [examples] });
        }
        components.push(body);
        labels.push("Body");
        let footer = self.footer.trim();
        if !footer.is_empty() {
            components.push(json!({"type": "FOOTER", "text": footer}));
            labels.push("Footer");
        }
        let buttons: Vec<Value> = self
            .buttons
            .iter()
            .filter_map(|b| match b.kind.as_str() {
                "quick_reply" => Some(json!({"type": "QUICK_REPLY", "text": b.text.trim()})),
                "url" => {
                    let mut v = json!({"type": "URL", "text": b.text.trim(), "url": b.url.trim()});
                    if !b.example.trim().is_empty() {
                        v["example"] = json!([b.example.trim()]);
                    }
                    Some(v)
                }
                _ => None,
            })
            .collect();
        if !buttons.is_empty() {
            components.push(json!({"type": "BUTTONS", "buttons": buttons}));
            labels.push("Buttons");
        }
        let body = json!({
            "name": self.name.trim(),
            "language": self.language.trim(),
            "category": self.category.trim(),
            "components": components,
        });
        (body, labels)
    }
}

/// A validation message with the JSON path's `components[i]` named as the form's field
/// (`Body`, `Header`, …).
pub fn explain(path: &str, message: &str, labels: &[&str]) -> String {
    let mut field = path.to_string();
    if let Some(rest) = path.strip_prefix("components[") {
        if let Some((index, tail)) = rest.split_once(']') {
            if let Some(label) = index.parse::<usize>().ok().and_then(|i| labels.get(i)) {
                field = format!("{label}{}", tail.replace("buttons[", " button ["));
            }
        }
    }
    if field.is_empty() {
        message.to_string()
    } else {
        format!("{field}: {message}")
    }
}

/// A [`TemplateError`] as [`explain`] words it.
pub fn explain_error(e: &TemplateError, labels: &[&str]) -> String {
    explain(&e.path, &e.message, labels)
}

/// A button as the preview shows it.
#[derive(Debug, Clone)]
pub struct PreviewButton {
    /// Its label.
    pub text: String,
    /// Where a URL button leads, its example filled in (empty for other buttons).
    pub url: String,
}

/// A template as the customer will see it: a message bubble with the examples filled in.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The header text.
    pub header: String,
    /// The body text.
    pub body: String,
    /// The footer text.
    pub footer: String,
    /// The buttons.
    pub buttons: Vec<PreviewButton>,
}

fn fill(text: &str, examples: &[String]) -> String {
    render(text, |p| match p {
        Placeholder::Positional(n) => examples.get((*n as usize).checked_sub(1)?).cloned(),
        Placeholder::Named(_) => None,
    })
}

impl Preview {
    /// The preview of `def`, its examples filled in (a placeholder without an example stays
    /// as written).
    pub fn of(def: &TemplateDefinition) -> Self {
        let header = def
            .header()
            .and_then(|h| {
                let examples = h
                    .example
                    .as_ref()
                    .and_then(|e| e.header_text.clone())
                    .unwrap_or_default();
                h.text.as_deref().map(|t| fill(t, &examples))
            })
            .unwrap_or_default();
        let body = def
            .body()
            .map(|b| {
                let examples = b
                    .example
                    .as_ref()
                    .and_then(|e| e.body_text.as_ref())
                    .and_then(|rows| rows.first().cloned())
                    .unwrap_or_default();
                fill(b.text.as_deref().unwrap_or_default(), &examples)
            })
            .unwrap_or_default();
        let footer = def
            .footer()
            .and_then(|f| f.text.clone())
            .unwrap_or_default();
        let buttons = def
            .buttons()
            .iter()
            .map(|b| PreviewButton {
                text: b.text().unwrap_or(b.kind_name()).to_string(),
                url: match b {
                    TemplateButton::Url(u) => {
                        let examples = u.example.clone().unwrap_or_default();
                        fill(&u.url, &examples)
                    }
                    _ => String::new(),
                },
            })
            .collect();
        Preview {
            header,
            body,
            footer,
            buttons,
        }
    }
}

#[cfg(test)]
mod tests {
    use switchboard_core::template_def::validate;

    use super::*;

    fn form() -> TemplateForm {
        let mut f = TemplateForm::blank();
        f.name = "order_ready".into();
        f.header = "Order {{1}}".into();
        f.header_example = "A-1".into();
        f.body = "Hi {{1}}, your order {{2}} is ready.".into();
        f.examples = "Ann\nA-1001\n".into();
        f.footer = "Thanks".into();
        f.buttons[0] = ButtonForm {
            kind: "quick_reply".into(),
            text: "Got it".into(),
            ..Default::default()
        };
        f.buttons[1] = ButtonForm {
            kind: "url".into(),
            text: "Track".into(),
            url: "https://example.com/t/{{1}}".into(),
            example: "A-1001".into(),
        };
        f
    }

    #[test]
    fn the_form_validates_and_previews_with_its_examples() {
        let (body, labels) = form().to_json();
        assert_eq!(labels, ["Header", "Body", "Footer", "Buttons"]);
        let def = validate(&body).expect("valid");
        let p = Preview::of(&def);
        assert_eq!(p.header, "Order A-1");
        assert_eq!(p.body, "Hi Ann, your order A-1001 is ready.");
        assert_eq!(p.footer, "Thanks");
        assert_eq!(p.buttons.len(), 2);
        assert_eq!(p.buttons[1].url, "https://example.com/t/A-1001");
    }

    #[test]
    fn a_missing_example_is_named_by_the_forms_field() {
        let mut f = form();
        f.examples = String::new();
        let (body, labels) = f.to_json();
        let e = validate(&body).expect_err("examples are required");
        let text = explain_error(&e, &labels);
        assert!(text.starts_with("Body"), "{text}");
        assert_eq!(explain("name", "bad", &labels), "name: bad");
    }
}
