//! A small reader over `serde_json::Value` that knows the JSON path of every value it reads
//! and reports the first violation.
//!
//! Both validators of core read JSON with it: the message parser ([`crate::message`],
//! reporting a [`MessageError`](crate::message::MessageError) with Meta's code) and the
//! template definition check ([`crate::template_def`], reporting a
//! [`TemplateError`](crate::template_def::TemplateError)). The reader is generic over that
//! error: each side implements [`Report`] with the sentences that differ between them, and
//! every other sentence is written here once.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use serde_json::{Map, Value};

/// A JSON path such as `interactive.action.sections[0].rows[2].title`; empty at the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(String);

impl Path {
    /// The path of the whole body.
    pub(crate) fn root() -> Self {
        Self(String::new())
    }

    /// The path of `key` inside this object.
    pub(crate) fn key(&self, key: &str) -> Self {
        if self.0.is_empty() {
            Self(key.to_string())
        } else {
            Self(format!("{}.{key}", self.0))
        }
    }

    /// The path of item `i` of this array.
    pub(crate) fn index(&self, i: usize) -> Self {
        Self(format!("{}[{i}]", self.0))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&Path> for String {
    fn from(p: &Path) -> Self {
        p.0.clone()
    }
}

impl From<Path> for String {
    fn from(p: Path) -> Self {
        p.0
    }
}

/// The error one side reports, with the sentences that differ between the message parser
/// and the template definition check.
pub(crate) trait Report: Sized {
    /// Whether a text of only whitespace counts as empty.
    const REFUSES_BLANK: bool;
    /// How the boolean type reads in "must be …, got …".
    const BOOLEAN: &'static str;

    /// A value that is present but not acceptable (Meta's 100 for messages).
    fn invalid(path: &Path, details: String) -> Self;

    /// A value outside the allowed ones (Meta's 131009 for messages).
    fn bad_value(path: &Path, details: String) -> Self;

    /// A required field that is absent; `hint` says what to give.
    fn missing(path: &Path, hint: &str) -> Self;

    /// An array of `n` items where at most `max` `noun` are allowed; points at the first
    /// extra item.
    fn too_many(array: &Path, max: usize, n: usize, noun: &str) -> Self;
}

/// How a JSON value's type reads in an error sentence.
pub(crate) fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The number of Unicode scalar values in `s` (how WhatsApp counts characters).
pub(crate) fn chars(s: &str) -> usize {
    s.chars().count()
}

/// "must be {expected}, got {actual}" at `path`.
pub(crate) fn wrong_type<E: Report>(path: &Path, expected: &str, got: &Value) -> E {
    E::invalid(path, format!("must be {expected}, got {}", describe(got)))
}

/// Whether `s` is an absolute `http://` or `https://` URL with a host and no whitespace.
pub(crate) fn is_http_url(s: &str) -> bool {
    let lower = s.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    let rest = if lower.starts_with("https://") {
        s.get(8..)
    } else if lower.starts_with("http://") {
        s.get(7..)
    } else {
        None
    };
    let Some(rest) = rest else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !host.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A value the compatibility dialects read as text: a string, or a number written as one
/// (their clients send numbers such as phone numbers either way).
pub(crate) fn loose_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Drops every object member whose value is `null`, at any depth. Clients of Meta's API send
/// `null` for the optional fields they were not given, and Meta reads that as absent; a
/// required field sent as `null` is then reported missing.
pub(crate) fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Decodes the members of `map` named in `fields` (`(key, "an object" | "an array")`) that
/// are JSON-encoded strings, as the Graph API accepts for its object and array parameters
/// (`"contacts": "[{…}]"`). A string that does not parse is refused, saying what to send; one
/// that parses to another type is left to the type check of its reader.
pub(crate) fn decode_encoded<E: Report>(
    map: &mut Map<String, Value>,
    path: &Path,
    fields: &[(&str, &str)],
) -> Result<(), E> {
    for (key, expected) in fields {
        let Some(Value::String(s)) = map.get(*key) else {
            continue;
        };
        match serde_json::from_str::<Value>(s) {
            Ok(decoded @ (Value::Object(_) | Value::Array(_))) => {
                map.insert((*key).to_string(), decoded);
            }
            Ok(_) => {}
            Err(e) => {
                return Err(E::invalid(
                    &path.key(key),
                    format!(
                        "must be {expected}, or a string holding {expected} as JSON; got a string that is not valid JSON ({e})"
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// Checks that `s` is non-empty and at most `max` characters; `what`, when given, names the
/// text at the start of the sentence.
fn check_len<E: Report>(path: &Path, s: &str, max: usize, what: Option<&str>) -> Result<(), E> {
    let subject = what.map(|w| format!("{w} ")).unwrap_or_default();
    let empty = if E::REFUSES_BLANK {
        s.trim().is_empty()
    } else {
        s.is_empty()
    };
    if empty {
        return Err(E::invalid(path, format!("{subject}must not be empty")));
    }
    let n = chars(s);
    if n > max {
        return Err(E::invalid(
            path,
            format!("{subject}must be at most {max} characters, got {n}; shorten it"),
        ));
    }
    Ok(())
}

/// A JSON object being validated, with its path.
pub(crate) struct Obj<'a, E> {
    map: &'a Map<String, Value>,
    path: Path,
    error: PhantomData<fn() -> E>,
}

impl<E> Clone for Obj<'_, E> {
    fn clone(&self) -> Self {
        Self {
            map: self.map,
            path: self.path.clone(),
            error: PhantomData,
        }
    }
}

impl<'a, E: Report> Obj<'a, E> {
    /// Views `value` as an object.
    pub(crate) fn at(value: &'a Value, path: Path) -> Result<Self, E> {
        match value {
            Value::Object(map) => Ok(Self {
                map,
                path,
                error: PhantomData,
            }),
            other => Err(wrong_type(&path, "a JSON object", other)),
        }
    }

    /// The object's own path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The path of `key` inside the object.
    pub(crate) fn at_key(&self, key: &str) -> Path {
        self.path.key(key)
    }

    /// The raw map.
    pub(crate) fn map(&self) -> &'a Map<String, Value> {
        self.map
    }

    /// The raw value of `key`, if present.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// Whether `key` is present.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Refuses any key outside `allowed`.
    pub(crate) fn only(&self, allowed: &[&str]) -> Result<(), E> {
        self.only_keys(allowed, None)
    }

    /// Refuses any key outside `allowed`, naming `what` the object is.
    pub(crate) fn only_as(&self, allowed: &[&str], what: &str) -> Result<(), E> {
        self.only_keys(allowed, Some(what))
    }

    fn only_keys(&self, allowed: &[&str], what: Option<&str>) -> Result<(), E> {
        let Some(k) = self.map.keys().find(|k| !allowed.contains(&k.as_str())) else {
            return Ok(());
        };
        let not = match what {
            None => "is not a known parameter here".to_string(),
            Some(what) => format!("is not a field of {what}"),
        };
        Err(E::invalid(
            &self.at_key(k),
            format!("{not}; remove it (allowed: {})", allowed.join(", ")),
        ))
    }

    /// Refuses `key` when present, explaining `why`.
    pub(crate) fn forbid(&self, key: &str, why: &str) -> Result<(), E> {
        if self.has(key) {
            Err(E::invalid(&self.at_key(key), why.to_string()))
        } else {
            Ok(())
        }
    }

    /// The error saying `key` is required, with `hint`.
    pub(crate) fn missing(&self, key: &str, hint: &str) -> E {
        E::missing(&self.at_key(key), hint)
    }

    /// The string at `key`, which may be absent.
    pub(crate) fn opt_str(&self, key: &str) -> Result<Option<&'a str>, E> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(&self.at_key(key), "a string", other)),
        }
    }

    /// The string at `key`, required. May be empty.
    pub(crate) fn str(&self, key: &str, hint: &str) -> Result<&'a str, E> {
        self.opt_str(key)?.ok_or_else(|| self.missing(key, hint))
    }

    /// Checks that `s`, read at `key`, is non-empty and at most `max` characters.
    pub(crate) fn check_len(&self, key: &str, s: &str, max: usize) -> Result<(), E> {
        check_len(&self.at_key(key), s, max, None)
    }

    /// [`check_len`](Self::check_len), naming the text `what` in the sentence.
    pub(crate) fn check_len_as(&self, key: &str, s: &str, max: usize, what: &str) -> Result<(), E> {
        check_len(&self.at_key(key), s, max, Some(what))
    }

    /// A required non-empty string of at most `max` characters.
    pub(crate) fn text(&self, key: &str, max: usize, hint: &str) -> Result<String, E> {
        self.text_of(key, max, None, hint)
    }

    /// [`text`](Self::text), naming the text `what` in the length sentences.
    pub(crate) fn text_as(
        &self,
        key: &str,
        max: usize,
        what: &str,
        hint: &str,
    ) -> Result<String, E> {
        self.text_of(key, max, Some(what), hint)
    }

    fn text_of(&self, key: &str, max: usize, what: Option<&str>, hint: &str) -> Result<String, E> {
        let s = self.str(key, hint)?;
        check_len(&self.at_key(key), s, max, what)?;
        Ok(s.to_string())
    }

    /// An optional non-empty string of at most `max` characters.
    pub(crate) fn opt_text(&self, key: &str, max: usize) -> Result<Option<String>, E> {
        self.opt_text_of(key, max, None)
    }

    /// [`opt_text`](Self::opt_text), naming the text `what` in the length sentences.
    pub(crate) fn opt_text_as(
        &self,
        key: &str,
        max: usize,
        what: &str,
    ) -> Result<Option<String>, E> {
        self.opt_text_of(key, max, Some(what))
    }

    fn opt_text_of(&self, key: &str, max: usize, what: Option<&str>) -> Result<Option<String>, E> {
        match self.opt_str(key)? {
            None => Ok(None),
            Some(s) => {
                check_len(&self.at_key(key), s, max, what)?;
                Ok(Some(s.to_string()))
            }
        }
    }

    /// An optional string of at most `max` characters; empty is allowed.
    pub(crate) fn opt_limited(&self, key: &str, max: usize) -> Result<Option<String>, E> {
        match self.opt_str(key)? {
            Some(s) if !s.is_empty() => {
                check_len(&self.at_key(key), s, max, None)?;
                Ok(Some(s.to_string()))
            }
            other => Ok(other.map(str::to_string)),
        }
    }

    /// An optional string, any length (empty allowed), owned.
    pub(crate) fn opt_string(&self, key: &str) -> Result<Option<String>, E> {
        Ok(self.opt_str(key)?.map(str::to_string))
    }

    /// Refuses `value`, read at `key`, when it is outside `allowed`.
    pub(crate) fn check_enum<'v>(
        &self,
        key: &str,
        value: &'v str,
        allowed: &[&str],
    ) -> Result<&'v str, E> {
        if allowed.contains(&value) {
            Ok(value)
        } else {
            Err(E::bad_value(
                &self.at_key(key),
                format!("must be one of {}; got `{value}`", allowed.join(", ")),
            ))
        }
    }

    /// A required string that must be one of `allowed`.
    pub(crate) fn one_of(&self, key: &str, allowed: &[&str]) -> Result<&'a str, E> {
        let hint = format!("set it to one of {}", allowed.join(", "));
        let v = self.str(key, &hint)?;
        self.check_enum(key, v, allowed)
    }

    /// Checks that `s`, read at `key`, is an http(s) URL.
    pub(crate) fn check_url(&self, key: &str, s: &str) -> Result<(), E> {
        if is_http_url(s) {
            Ok(())
        } else {
            Err(E::bad_value(
                &self.at_key(key),
                format!("must be an absolute http:// or https:// URL, got `{s}`"),
            ))
        }
    }

    /// The integer at `key`, which may be absent.
    pub(crate) fn opt_int(&self, key: &str) -> Result<Option<i64>, E> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Ok(Some(i)),
                None => Err(E::invalid(
                    &self.at_key(key),
                    format!("must be an integer, got {n}"),
                )),
            },
            Some(other) => Err(wrong_type(&self.at_key(key), "an integer", other)),
        }
    }

    /// The integer at `key`, required.
    pub(crate) fn int(&self, key: &str, hint: &str) -> Result<i64, E> {
        self.opt_int(key)?.ok_or_else(|| self.missing(key, hint))
    }

    /// The non-negative integer at `key`, which may be absent.
    pub(crate) fn opt_u64(&self, key: &str) -> Result<Option<u64>, E> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| {
                E::invalid(
                    &self.at_key(key),
                    format!("must be a non-negative integer, got {n}"),
                )
            }),
            Some(other) => Err(wrong_type(&self.at_key(key), "an integer", other)),
        }
    }

    /// A non-negative index given as a number or a numeric string (Meta's examples use
    /// both), at most `max`; required.
    pub(crate) fn index(&self, key: &str, max: u32, hint: &str) -> Result<u32, E> {
        let path = self.at_key(key);
        let parsed = match self.map.get(key) {
            None => return Err(self.missing(key, hint)),
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse::<u64>().ok()
            }
            Some(other) => {
                return Err(wrong_type(
                    &path,
                    "a non-negative integer or a numeric string",
                    other,
                ))
            }
        };
        match parsed {
            Some(i) if i <= u64::from(max) => Ok(u32::try_from(i).unwrap_or(max)),
            _ => Err(E::bad_value(
                &path,
                format!("must be an integer from 0 to {max}"),
            )),
        }
    }

    /// The boolean at `key`, which may be absent.
    pub(crate) fn opt_bool(&self, key: &str) -> Result<Option<bool>, E> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(wrong_type(&self.at_key(key), E::BOOLEAN, other)),
        }
    }

    /// The object at `key`, which may be absent.
    pub(crate) fn opt_obj(&self, key: &str) -> Result<Option<Self>, E> {
        match self.map.get(key) {
            None => Ok(None),
            Some(v) => Self::at(v, self.at_key(key)).map(Some),
        }
    }

    /// The object at `key`, required.
    pub(crate) fn obj(&self, key: &str, hint: &str) -> Result<Self, E> {
        self.opt_obj(key)?.ok_or_else(|| self.missing(key, hint))
    }

    /// The array at `key`, which may be absent.
    pub(crate) fn opt_arr(&self, key: &str) -> Result<Option<Arr<'a, E>>, E> {
        match self.map.get(key) {
            None => Ok(None),
            Some(v) => Arr::at(v, self.at_key(key), "an array").map(Some),
        }
    }

    /// The array at `key`, required.
    pub(crate) fn arr(&self, key: &str, hint: &str) -> Result<Arr<'a, E>, E> {
        self.opt_arr(key)?.ok_or_else(|| self.missing(key, hint))
    }
}

/// A JSON array being validated, with its path.
pub(crate) struct Arr<'a, E> {
    items: &'a [Value],
    path: Path,
    error: PhantomData<fn() -> E>,
}

impl<'a, E: Report> Arr<'a, E> {
    /// Views `value` as an array; `what` says what it should be.
    pub(crate) fn at(value: &'a Value, path: Path, what: &str) -> Result<Self, E> {
        match value {
            Value::Array(items) => Ok(Self {
                items,
                path,
                error: PhantomData,
            }),
            other => Err(wrong_type(&path, what, other)),
        }
    }

    /// The array's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The items.
    pub(crate) fn items(&self) -> &'a [Value] {
        self.items
    }

    /// The number of items.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Checks `min ..= max` items of `noun`; too many points at the first extra item.
    pub(crate) fn count(&self, min: usize, max: usize, noun: &str) -> Result<(), E> {
        let n = self.items.len();
        if n > max {
            return Err(E::too_many(&self.path, max, n, noun));
        }
        if n < min {
            return Err(E::invalid(
                &self.path,
                format!("at least {min} {noun} required, got {n}"),
            ));
        }
        Ok(())
    }

    /// Items with their paths.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Path, &'a Value)> + '_ {
        self.items
            .iter()
            .enumerate()
            .map(|(i, v)| (self.path.index(i), v))
    }

    /// Items viewed as objects, in order.
    pub(crate) fn objects(&self) -> impl Iterator<Item = Result<Obj<'a, E>, E>> + '_ {
        self.iter().map(|(p, v)| Obj::at(v, p))
    }

    /// Items as non-empty strings of at most `max` characters, each named `what`.
    pub(crate) fn strings(&self, max: usize, what: &str) -> Result<Vec<&'a str>, E> {
        self.iter()
            .map(|(p, v)| match v {
                Value::String(s) => check_len(&p, s, max, Some(what)).map(|()| s.as_str()),
                other => Err(E::invalid(
                    &p,
                    format!("{what} must be a string, got {}", describe(other)),
                )),
            })
            .collect()
    }
}

/// Tracks values that must be unique within an array (a bad value on a repeat).
pub(crate) struct Unique<E> {
    seen: HashMap<String, Path>,
    error: PhantomData<fn() -> E>,
}

impl<E> Default for Unique<E> {
    fn default() -> Self {
        Self {
            seen: HashMap::new(),
            error: PhantomData,
        }
    }
}

impl<E: Report> Unique<E> {
    /// Records `value` at `path`; refuses it when an earlier item had the same value.
    pub(crate) fn check(&mut self, path: &Path, value: &str, what: &str) -> Result<(), E> {
        if let Some(first) = self.seen.get(value) {
            return Err(E::bad_value(
                path,
                format!("{what} `{value}` is already used by {first}; {what}s must be unique"),
            ));
        }
        self.seen.insert(value.to_string(), path.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MessageError;
    use crate::template_def::TemplateError;
    use serde_json::json;

    #[test]
    fn nulls_are_dropped_at_any_depth() {
        let mut v = json!({"a": null, "b": {"c": null, "d": 1}, "e": [{"f": null}, null]});
        drop_nulls(&mut v);
        assert_eq!(v, json!({"b": {"d": 1}, "e": [{}, null]}));
    }

    #[test]
    fn encoded_strings_are_decoded_or_refused() {
        let fields = [("xs", "an array"), ("o", "an object")];
        let mut v = json!({"xs": "[{\"a\": 1}]", "o": "{\"b\": 2}", "t": "{}"});
        let map = v.as_object_mut().expect("object");
        decode_encoded::<MessageError>(map, &Path::root(), &fields).expect("decoded");
        assert_eq!(v, json!({"xs": [{"a": 1}], "o": {"b": 2}, "t": "{}"}));

        let mut v = json!({"o": "12"});
        let map = v.as_object_mut().expect("object");
        decode_encoded::<MessageError>(map, &Path::root(), &fields).expect("left as is");
        assert_eq!(v, json!({"o": "12"}));

        let mut v = json!({"xs": "[{oops"});
        let map = v.as_object_mut().expect("object");
        let err = decode_encoded::<MessageError>(map, &Path::root(), &fields).expect_err("refused");
        assert_eq!(err.path, "xs");
        assert!(err.details.contains("not valid JSON"), "{}", err.details);
    }

    #[test]
    fn paths_render_like_meta() {
        let p = Path::root()
            .key("interactive")
            .key("action")
            .key("buttons")
            .index(3);
        assert_eq!(p.to_string(), "interactive.action.buttons[3]");
        assert_eq!(Path::root().key("to").to_string(), "to");
    }

    #[test]
    fn urls() {
        assert!(is_http_url("https://example.com/a.png"));
        assert!(is_http_url("https://example.com/a?b={{1}}"));
        assert!(is_http_url("HTTP://example.com"));
        assert!(!is_http_url("ftp://example.com"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("https://exa mple.com"));
        assert!(!is_http_url("example.com"));
        assert!(!is_http_url("é"));
    }

    #[test]
    fn lengths_count_chars() {
        let p = Path::root().key("x");
        let check = |s: &str| check_len::<MessageError>(&p, s, 3, None);
        assert!(check("ééé").is_ok());
        assert!(check("éééé").is_err());
        assert!(check("").is_err());
        assert!(check("  ").is_ok());
    }

    #[test]
    fn template_lengths_refuse_blank_text() {
        let p = Path::root().key("p");
        let check = |s: &str| check_len::<TemplateError>(&p, s, 3, Some("text"));
        assert!(check("  ").is_err());
        assert!(check("ééé").is_ok());
    }

    #[test]
    fn counts_point_at_the_first_extra_item() {
        let v = json!({"xs": [1, 2, 3]});
        let o = Obj::<TemplateError>::at(&v, Path::root()).expect("object");
        let xs = o.arr("xs", "").expect("array");
        assert_eq!(
            xs.count(0, 2, "xs").map_err(|e| e.path),
            Err("xs[2]".to_string())
        );
        assert!(xs.count(4, 9, "xs").is_err());
        assert!(o.only_as(&["ys"], "a thing").is_err());
    }
}
