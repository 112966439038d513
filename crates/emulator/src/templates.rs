//! Message templates per WhatsApp Business Account: creation rules, simulated review, lookup.

use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

/// One template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Numeric Graph id.
    pub id: String,
    /// Name: lowercase letters, digits and `_`.
    pub name: String,
    /// Language code, e.g. `en_US`.
    pub language: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// `PENDING`, `APPROVED` or `REJECTED`.
    pub status: String,
    /// Rejection reason once reviewed (`NONE` when approved).
    pub reason: Option<String>,
    /// `parameter_format` when given (`POSITIONAL` or `NAMED`).
    pub parameter_format: Option<String>,
    /// The components as created.
    pub components: Value,
}

impl Template {
    /// The template as `GET message_templates` lists it.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "components": self.components,
        });
        if let Some(pf) = &self.parameter_format {
            v["parameter_format"] = json!(pf);
        }
        if self.status == "REJECTED" {
            if let Some(r) = &self.reason {
                v["rejected_reason"] = json!(r);
            }
        }
        v
    }

    fn component_text(&self, kind: &str) -> Option<&str> {
        self.components.as_array()?.iter().find_map(|c| {
            let t = c.get("type")?.as_str()?;
            if t.eq_ignore_ascii_case(kind) {
                c.get("text")?.as_str()
            } else {
                None
            }
        })
    }

    /// Distinct `{{…}}` placeholders in the body and in a text header.
    pub fn placeholder_counts(&self) -> (usize, usize) {
        let body = self.component_text("BODY").map_or(0, count_placeholders);
        let header = self.component_text("HEADER").map_or(0, count_placeholders);
        (body, header)
    }
}

/// Number of distinct `{{name}}` placeholders in `text`.
pub fn count_placeholders(text: &str) -> usize {
    let mut names = BTreeSet::new();
    let mut rest = text;
    // Bounded: each iteration consumes at least the `{{` it found.
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                if !name.is_empty() && !name.contains('{') {
                    names.insert(name.to_string());
                }
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    names.len()
}

/// The review outcome and reason for a new template, by the emulator's rule: a name
/// containing `reject` → `REJECTED`/`INVALID_FORMAT`; a body containing a banned word
/// (case-insensitive) → `REJECTED`/`ABUSIVE_CONTENT`; otherwise `APPROVED`/`NONE`.
pub fn review(t: &Template, banned_words: &[String]) -> (&'static str, &'static str) {
    if t.name.contains("reject") {
        return ("REJECTED", "INVALID_FORMAT");
    }
    let body = t.component_text("BODY").unwrap_or("").to_lowercase();
    if banned_words
        .iter()
        .any(|w| !w.is_empty() && body.contains(&w.to_lowercase()))
    {
        return ("REJECTED", "ABUSIVE_CONTENT");
    }
    ("APPROVED", "NONE")
}

/// Checks a creation request; returns (name, language, category, parameter_format, components)
/// or the details of a code-100 error.
pub fn parse_create(
    body: &Value,
) -> Result<(String, String, String, Option<String>, Value), String> {
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .ok_or("The parameter name is required.")?;
    if name.is_empty()
        || name.len() > 512
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!(
            "Invalid template name '{name}': use 1–512 lowercase letters, digits and underscores."
        ));
    }
    let language = body
        .get("language")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
        .ok_or("The parameter language is required.")?;
    let category = body
        .get("category")
        .and_then(Value::as_str)
        .ok_or("The parameter category is required.")?
        .to_ascii_uppercase();
    if !["MARKETING", "UTILITY", "AUTHENTICATION"].contains(&category.as_str()) {
        return Err(format!(
            "Invalid category '{category}': expected MARKETING, UTILITY or AUTHENTICATION."
        ));
    }
    let components = body
        .get("components")
        .filter(|c| c.is_array())
        .cloned()
        .ok_or("The parameter components is required and must be an array.")?;
    let parameter_format = body
        .get("parameter_format")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase);
    Ok((
        name.to_string(),
        language.to_string(),
        category,
        parameter_format,
        components,
    ))
}

/// Templates by WABA id.
#[derive(Debug, Default)]
pub struct TemplateStore {
    by_waba: HashMap<String, Vec<Template>>,
}

impl TemplateStore {
    /// Whether the WABA has any template list yet.
    pub fn has_waba(&self, waba: &str) -> bool {
        self.by_waba.contains_key(waba)
    }

    /// Adds `t` to the WABA; fails when the name already exists in that language.
    pub fn add(&mut self, waba: &str, t: Template) -> Result<(), ()> {
        let list = self.by_waba.entry(waba.to_string()).or_default();
        if list
            .iter()
            .any(|x| x.name == t.name && x.language == t.language)
        {
            return Err(());
        }
        list.push(t);
        Ok(())
    }

    /// The WABA's templates, optionally only those named `name`.
    pub fn list(&self, waba: &str, name: Option<&str>) -> Vec<Template> {
        self.by_waba
            .get(waba)
            .map(|l| {
                l.iter()
                    .filter(|t| name.is_none_or(|n| t.name == n))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Deletes the WABA's templates named `name` (only the one with `id` when given); returns
    /// how many were deleted.
    pub fn delete(&mut self, waba: &str, name: &str, id: Option<&str>) -> usize {
        let Some(list) = self.by_waba.get_mut(waba) else {
            return 0;
        };
        let before = list.len();
        list.retain(|t| !(t.name == name && id.is_none_or(|i| t.id == i)));
        before - list.len()
    }

    /// The template `name` in `language`, whatever its status.
    pub fn find(&self, waba: &str, name: &str, language: &str) -> Option<&Template> {
        self.by_waba
            .get(waba)?
            .iter()
            .find(|t| t.name == name && t.language == language)
    }

    /// The template with Graph id `id`, and its WABA.
    pub fn by_id(&self, id: &str) -> Option<(String, Template)> {
        self.by_waba.iter().find_map(|(w, l)| {
            l.iter()
                .find(|t| t.id == id)
                .map(|t| (w.clone(), t.clone()))
        })
    }

    /// Sets the status and reason of template `id`; returns the updated template.
    pub fn set_status(&mut self, id: &str, status: &str, reason: &str) -> Option<Template> {
        for list in self.by_waba.values_mut() {
            if let Some(t) = list.iter_mut().find(|t| t.id == id) {
                t.status = status.to_string();
                t.reason = Some(reason.to_string());
                return Some(t.clone());
            }
        }
        None
    }
}

/// Meta's sample `hello_world` template, pre-approved on every WABA.
pub fn hello_world(id: String) -> Template {
    Template {
        id,
        name: "hello_world".to_string(),
        language: "en_US".to_string(),
        category: "UTILITY".to_string(),
        status: "APPROVED".to_string(),
        reason: Some("NONE".to_string()),
        parameter_format: None,
        components: json!([
            {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
            {"type": "BODY", "text": "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us."},
            {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"}
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tpl(name: &str, body: &str) -> Template {
        Template {
            id: "1".into(),
            name: name.into(),
            language: "en_US".into(),
            category: "UTILITY".into(),
            status: "PENDING".into(),
            reason: None,
            parameter_format: None,
            components: json!([{"type":"BODY","text":body}]),
        }
    }

    #[test]
    fn placeholders() {
        assert_eq!(count_placeholders("Hi {{1}}, code {{2}} {{1}}"), 2);
        assert_eq!(count_placeholders("Hi {{name}} {{"), 1);
        assert_eq!(count_placeholders("none"), 0);
        assert_eq!(tpl("a", "{{1}} {{2}}").placeholder_counts(), (2, 0));
    }

    #[test]
    fn review_rule() {
        let banned = vec!["Casino".to_string()];
        assert_eq!(review(&tpl("ok", "hello"), &banned), ("APPROVED", "NONE"));
        assert_eq!(
            review(&tpl("please_reject", "hello"), &banned).0,
            "REJECTED"
        );
        assert_eq!(
            review(&tpl("ok", "win at the casino"), &banned),
            ("REJECTED", "ABUSIVE_CONTENT")
        );
    }

    #[test]
    fn create_rules() {
        assert!(parse_create(
            &json!({"name":"a_1","language":"en_US","category":"utility","components":[]})
        )
        .is_ok());
        assert!(parse_create(
            &json!({"name":"A","language":"en_US","category":"UTILITY","components":[]})
        )
        .is_err());
        assert!(parse_create(
            &json!({"name":"a","language":"en_US","category":"OTHER","components":[]})
        )
        .is_err());
        assert!(
            parse_create(&json!({"name":"a","language":"en_US","category":"UTILITY"})).is_err()
        );
        assert!(parse_create(&json!([])).is_err());
    }

    #[test]
    fn store_ops() {
        let mut s = TemplateStore::default();
        assert!(s.add("w", hello_world("9".into())).is_ok());
        assert!(s.add("w", hello_world("10".into())).is_err());
        assert_eq!(s.list("w", Some("hello_world")).len(), 1);
        assert!(s.find("w", "hello_world", "en_US").is_some());
        assert_eq!(s.by_id("9").map(|(w, _)| w), Some("w".to_string()));
        assert!(s.set_status("9", "PAUSED", "NONE").is_some());
        assert_eq!(s.delete("w", "hello_world", Some("8")), 0);
        assert_eq!(s.delete("w", "hello_world", None), 1);
    }
}
