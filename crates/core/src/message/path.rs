//! JSON paths and a small reader over `serde_json::Value` that reports the first violation
//! with Meta's code and the path of the offending field.

use std::fmt;

use serde_json::{Map, Value};

use super::error::{MessageError, INVALID_PARAMETER};

/// Result of a validation step.
pub(crate) type Check<T> = Result<T, MessageError>;

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

/// `100` "must be {expected}, got {actual}".
pub(crate) fn wrong_type(path: &Path, expected: &str, got: &Value) -> MessageError {
    MessageError::invalid(path, format!("must be {expected}, got {}", describe(got)))
}

/// Checks that `s` is non-empty and at most `max` characters.
pub(crate) fn check_len(path: &Path, s: &str, max: usize) -> Check<()> {
    if s.is_empty() {
        return Err(MessageError::invalid(path, "must not be empty"));
    }
    let n = chars(s);
    if n > max {
        return Err(MessageError::invalid(
            path,
            format!("must be at most {max} characters, got {n}; shorten it"),
        ));
    }
    Ok(())
}

/// Refuses a value outside `allowed` with 131009.
pub(crate) fn check_enum<'v>(path: &Path, value: &'v str, allowed: &[&str]) -> Check<&'v str> {
    if allowed.contains(&value) {
        Ok(value)
    } else {
        Err(MessageError::bad_value(
            path,
            format!("must be one of {}; got `{value}`", allowed.join(", ")),
        ))
    }
}

/// Whether `s` looks like an absolute `http://` or `https://` URL with a host.
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

/// Checks that `s` is an http(s) URL (131009 otherwise).
pub(crate) fn check_url(path: &Path, s: &str) -> Check<()> {
    if is_http_url(s) {
        Ok(())
    } else {
        Err(MessageError::bad_value(
            path,
            format!("must be an absolute http:// or https:// URL, got `{s}`"),
        ))
    }
}

/// A JSON object being validated, with its path.
#[derive(Clone)]
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: Path,
}

impl<'a> Obj<'a> {
    /// Views `value` as an object (100 otherwise).
    pub(crate) fn at(value: &'a Value, path: Path) -> Check<Self> {
        match value {
            Value::Object(map) => Ok(Self { map, path }),
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

    /// Refuses any key outside `allowed` (100).
    pub(crate) fn only(&self, allowed: &[&str]) -> Check<()> {
        match self.map.keys().find(|k| !allowed.contains(&k.as_str())) {
            None => Ok(()),
            Some(k) => Err(MessageError::invalid(
                self.path.key(k),
                format!(
                    "is not a known parameter here; remove it (allowed: {})",
                    allowed.join(", ")
                ),
            )),
        }
    }

    /// Refuses `key` when present (100), explaining `why`.
    pub(crate) fn forbid(&self, key: &str, why: &str) -> Check<()> {
        if self.has(key) {
            Err(MessageError::invalid(self.path.key(key), why.to_string()))
        } else {
            Ok(())
        }
    }

    /// 131008 for `key`.
    pub(crate) fn missing(&self, key: &str, hint: &str) -> MessageError {
        let p = self.path.key(key);
        MessageError::missing(&p, format!("{p} is required; {hint}"))
    }

    /// The string at `key`, which may be absent (100 on a wrong type).
    pub(crate) fn opt_str(&self, key: &str) -> Check<Option<&'a str>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(&self.path.key(key), "a string", other)),
        }
    }

    /// The string at `key` (131008 when absent, 100 on a wrong type). May be empty.
    pub(crate) fn str(&self, key: &str, hint: &str) -> Check<&'a str> {
        self.opt_str(key)?.ok_or_else(|| self.missing(key, hint))
    }

    /// A required non-empty string of at most `max` characters.
    pub(crate) fn text(&self, key: &str, max: usize, hint: &str) -> Check<String> {
        let s = self.str(key, hint)?;
        check_len(&self.path.key(key), s, max)?;
        Ok(s.to_string())
    }

    /// An optional non-empty string of at most `max` characters.
    pub(crate) fn opt_text(&self, key: &str, max: usize) -> Check<Option<String>> {
        match self.opt_str(key)? {
            None => Ok(None),
            Some(s) => {
                check_len(&self.path.key(key), s, max)?;
                Ok(Some(s.to_string()))
            }
        }
    }

    /// An optional string of at most `max` characters; empty is allowed.
    pub(crate) fn opt_limited(&self, key: &str, max: usize) -> Check<Option<String>> {
        match self.opt_str(key)? {
            Some(s) if !s.is_empty() => {
                check_len(&self.path.key(key), s, max)?;
                Ok(Some(s.to_string()))
            }
            other => Ok(other.map(str::to_string)),
        }
    }

    /// An optional string, any length (empty allowed), owned.
    pub(crate) fn opt_string(&self, key: &str) -> Check<Option<String>> {
        Ok(self.opt_str(key)?.map(str::to_string))
    }

    /// A required string that must be one of `allowed` (131009 otherwise).
    pub(crate) fn one_of(&self, key: &str, allowed: &[&str]) -> Check<&'a str> {
        let hint = format!("set it to one of {}", allowed.join(", "));
        let v = self.str(key, &hint)?;
        check_enum(&self.path.key(key), v, allowed)
    }

    /// The integer at `key`, which may be absent (100 on a non-integer).
    pub(crate) fn opt_int(&self, key: &str) -> Check<Option<i64>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Ok(Some(i)),
                None => Err(MessageError::invalid(
                    self.path.key(key),
                    format!("must be an integer, got {n}"),
                )),
            },
            Some(other) => Err(wrong_type(&self.path.key(key), "an integer", other)),
        }
    }

    /// The integer at `key` (131008 when absent).
    pub(crate) fn int(&self, key: &str, hint: &str) -> Check<i64> {
        self.opt_int(key)?.ok_or_else(|| self.missing(key, hint))
    }

    /// A non-negative index given as a number or a numeric string (Meta's examples use
    /// both), at most `max`; 131008 when absent.
    pub(crate) fn index(&self, key: &str, max: u32, hint: &str) -> Check<u32> {
        let path = self.path.key(key);
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
            _ => Err(MessageError::bad_value(
                &path,
                format!("must be an integer from 0 to {max}"),
            )),
        }
    }

    /// The boolean at `key`, which may be absent.
    pub(crate) fn opt_bool(&self, key: &str) -> Check<Option<bool>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(wrong_type(&self.path.key(key), "a boolean", other)),
        }
    }

    /// The object at `key`, which may be absent.
    pub(crate) fn opt_obj(&self, key: &str) -> Check<Option<Obj<'a>>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(v) => Obj::at(v, self.path.key(key)).map(Some),
        }
    }

    /// The object at `key` (131008 when absent).
    pub(crate) fn obj(&self, key: &str, hint: &str) -> Check<Obj<'a>> {
        self.opt_obj(key)?.ok_or_else(|| self.missing(key, hint))
    }

    /// The array at `key`, which may be absent.
    pub(crate) fn opt_arr(&self, key: &str) -> Check<Option<Arr<'a>>> {
        let path = self.path.key(key);
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(Arr { items, path })),
            Some(other) => Err(wrong_type(&path, "an array", other)),
        }
    }

    /// The array at `key` (131008 when absent).
    pub(crate) fn arr(&self, key: &str, hint: &str) -> Check<Arr<'a>> {
        self.opt_arr(key)?.ok_or_else(|| self.missing(key, hint))
    }
}

/// A JSON array being validated, with its path.
pub(crate) struct Arr<'a> {
    items: &'a [Value],
    path: Path,
}

impl<'a> Arr<'a> {
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

    /// Checks `min ..= max` items (100); too many points at the first extra item.
    pub(crate) fn count(&self, min: usize, max: usize, noun: &str) -> Check<()> {
        let n = self.items.len();
        if n > max {
            return Err(MessageError::exact(
                INVALID_PARAMETER,
                self.path.index(max),
                format!(
                    "{}: at most {max} {noun} are allowed, got {n}; remove {} and any after it",
                    self.path,
                    self.path.index(max)
                ),
            ));
        }
        if n < min {
            return Err(MessageError::invalid(
                &self.path,
                format!("{}: at least {min} {noun} required, got {n}", self.path),
            ));
        }
        Ok(())
    }

    /// Items viewed as objects (100 for an item that is not one), in order.
    pub(crate) fn objects(&self) -> impl Iterator<Item = Check<Obj<'a>>> + '_ {
        self.iter().map(|(p, v)| Obj::at(v, p))
    }

    /// Items with their paths.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Path, &'a Value)> + '_ {
        self.items
            .iter()
            .enumerate()
            .map(|(i, v)| (self.path.index(i), v))
    }
}

/// Tracks values that must be unique within an array (131009 on a repeat).
#[derive(Default)]
pub(crate) struct Unique {
    seen: std::collections::HashMap<String, Path>,
}

impl Unique {
    /// Records `value` at `path`; refuses it when an earlier item had the same value.
    pub(crate) fn check(&mut self, path: &Path, value: &str, what: &str) -> Check<()> {
        if let Some(first) = self.seen.get(value) {
            return Err(MessageError::bad_value(
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
        assert!(check_len(&p, "ééé", 3).is_ok());
        assert!(check_len(&p, "éééé", 3).is_err());
        assert!(check_len(&p, "", 3).is_err());
    }
}
