//! A small reader over `serde_json::Value` for template definitions: every accessor knows
//! its JSON path and reports the first violation as a [`TemplateError`].

use serde_json::{Map, Value};

use super::error::TemplateError;

/// Result of a validation step.
pub(crate) type Check<T> = Result<T, TemplateError>;

/// The path of `key` inside the object at `path`.
pub(crate) fn key_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The path of item `i` of the array at `path`.
pub(crate) fn index_path(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
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

/// Checks that `s` is non-empty and at most `max` characters (Unicode scalar values).
pub(crate) fn check_len(path: &str, s: &str, max: usize, what: &str) -> Check<()> {
    if s.trim().is_empty() {
        return Err(TemplateError::new(
            path,
            format!("{what} must not be empty"),
        ));
    }
    let n = s.chars().count();
    if n > max {
        return Err(TemplateError::new(
            path,
            format!("{what} must be at most {max} characters, got {n}; shorten it"),
        ));
    }
    Ok(())
}

/// A JSON object being validated, with its path.
#[derive(Clone)]
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    /// Views `value` as an object.
    pub(crate) fn at(value: &'a Value, path: impl Into<String>) -> Check<Self> {
        let path = path.into();
        match value {
            Value::Object(map) => Ok(Self { map, path }),
            other => Err(TemplateError::new(
                path,
                format!("must be a JSON object, got {}", describe(other)),
            )),
        }
    }

    /// The object's own path.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The path of `key` inside the object.
    pub(crate) fn at_key(&self, key: &str) -> String {
        key_path(&self.path, key)
    }

    /// The raw value at `key`, if present.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// Whether `key` is present.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Refuses any key outside `allowed`, naming `what` the object is.
    pub(crate) fn only(&self, allowed: &[&str], what: &str) -> Check<()> {
        match self.map.keys().find(|k| !allowed.contains(&k.as_str())) {
            None => Ok(()),
            Some(k) => Err(TemplateError::new(
                self.at_key(k),
                format!(
                    "is not a field of {what}; remove it (allowed: {})",
                    allowed.join(", ")
                ),
            )),
        }
    }

    /// Refuses `key` when present, explaining `why`.
    pub(crate) fn forbid(&self, key: &str, why: &str) -> Check<()> {
        if self.has(key) {
            Err(TemplateError::new(self.at_key(key), why))
        } else {
            Ok(())
        }
    }

    /// An error saying `key` is required, with `hint`.
    pub(crate) fn missing(&self, key: &str, hint: &str) -> TemplateError {
        TemplateError::new(self.at_key(key), format!("is required; {hint}"))
    }

    /// The string at `key`, which may be absent.
    pub(crate) fn opt_str(&self, key: &str) -> Check<Option<&'a str>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(TemplateError::new(
                self.at_key(key),
                format!("must be a string, got {}", describe(other)),
            )),
        }
    }

    /// The string at `key`, required.
    pub(crate) fn str(&self, key: &str, hint: &str) -> Check<&'a str> {
        self.opt_str(key)?.ok_or_else(|| self.missing(key, hint))
    }

    /// A required non-empty string of at most `max` characters.
    pub(crate) fn text(&self, key: &str, max: usize, what: &str, hint: &str) -> Check<&'a str> {
        let s = self.str(key, hint)?;
        check_len(&self.at_key(key), s, max, what)?;
        Ok(s)
    }

    /// An optional non-empty string of at most `max` characters.
    pub(crate) fn opt_text(&self, key: &str, max: usize, what: &str) -> Check<Option<&'a str>> {
        match self.opt_str(key)? {
            None => Ok(None),
            Some(s) => {
                check_len(&self.at_key(key), s, max, what)?;
                Ok(Some(s))
            }
        }
    }

    /// The boolean at `key`, which may be absent.
    pub(crate) fn opt_bool(&self, key: &str) -> Check<Option<bool>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(TemplateError::new(
                self.at_key(key),
                format!("must be true or false, got {}", describe(other)),
            )),
        }
    }

    /// The non-negative integer at `key`, which may be absent.
    pub(crate) fn opt_u64(&self, key: &str) -> Check<Option<u64>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| {
                TemplateError::new(
                    self.at_key(key),
                    format!("must be a non-negative integer, got {n}"),
                )
            }),
            Some(other) => Err(TemplateError::new(
                self.at_key(key),
                format!("must be an integer, got {}", describe(other)),
            )),
        }
    }

    /// The object at `key`, which may be absent.
    pub(crate) fn opt_obj(&self, key: &str) -> Check<Option<Obj<'a>>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(v) => Obj::at(v, self.at_key(key)).map(Some),
        }
    }

    /// The object at `key`, required.
    pub(crate) fn obj(&self, key: &str, hint: &str) -> Check<Obj<'a>> {
        self.opt_obj(key)?.ok_or_else(|| self.missing(key, hint))
    }

    /// The array at `key`, which may be absent.
    pub(crate) fn opt_arr(&self, key: &str) -> Check<Option<Arr<'a>>> {
        let path = self.at_key(key);
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(Arr { items, path })),
            Some(other) => Err(TemplateError::new(
                path,
                format!("must be an array, got {}", describe(other)),
            )),
        }
    }

    /// The array at `key`, required.
    pub(crate) fn arr(&self, key: &str, hint: &str) -> Check<Arr<'a>> {
        self.opt_arr(key)?.ok_or_else(|| self.missing(key, hint))
    }
}

/// A JSON array being validated, with its path.
pub(crate) struct Arr<'a> {
    items: &'a [Value],
    path: String,
}

impl<'a> Arr<'a> {
    /// Views `value` as an array; `what` says what it should be.
    pub(crate) fn at(value: &'a Value, path: impl Into<String>, what: &str) -> Check<Self> {
        let path = path.into();
        match value {
            Value::Array(items) => Ok(Self { items, path }),
            other => Err(TemplateError::new(
                path,
                format!("must be {what}, got {}", describe(other)),
            )),
        }
    }

    /// The array's path.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The number of items.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Checks `min ..= max` items of `noun`; too many points at the first extra item.
    pub(crate) fn count(&self, min: usize, max: usize, noun: &str) -> Check<()> {
        let n = self.items.len();
        if n > max {
            return Err(TemplateError::new(
                index_path(&self.path, max),
                format!(
                    "at most {max} {noun} are allowed, got {n}; remove this one and any after it"
                ),
            ));
        }
        if n < min {
            return Err(TemplateError::new(
                &self.path,
                format!("at least {min} {noun} required, got {n}"),
            ));
        }
        Ok(())
    }

    /// Items with their paths.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (String, &'a Value)> + '_ {
        self.items
            .iter()
            .enumerate()
            .map(|(i, v)| (index_path(&self.path, i), v))
    }

    /// Items viewed as objects, in order.
    pub(crate) fn objects(&self) -> impl Iterator<Item = Check<Obj<'a>>> + '_ {
        self.iter().map(|(p, v)| Obj::at(v, p))
    }

    /// Items as non-empty strings of at most `max` characters.
    pub(crate) fn strings(&self, max: usize, what: &str) -> Check<Vec<&'a str>> {
        self.iter()
            .map(|(p, v)| match v {
                Value::String(s) => check_len(&p, s, max, what).map(|()| s.as_str()),
                other => Err(TemplateError::new(
                    p,
                    format!("{what} must be a string, got {}", describe(other)),
                )),
            })
            .collect()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_and_counts() {
        assert_eq!(key_path("", "a"), "a");
        assert_eq!(key_path("a", "b"), "a.b");
        assert_eq!(index_path("a.b", 2), "a.b[2]");
        let v = json!({"xs": [1, 2, 3]});
        let o = Obj::at(&v, "").expect("object");
        let xs = o.arr("xs", "").expect("array");
        assert_eq!(
            xs.count(0, 2, "xs").map_err(|e| e.path),
            Err("xs[2]".to_string())
        );
        assert!(xs.count(4, 9, "xs").is_err());
        assert!(o.only(&["ys"], "a thing").is_err());
        assert!(check_len("p", "  ", 3, "text").is_err());
        assert!(check_len("p", "ééé", 3, "text").is_ok());
    }

    #[test]
    fn urls() {
        assert!(is_http_url("https://example.com/a?b={{1}}"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("ftp://x"));
        assert!(!is_http_url("https://a b"));
        assert!(!is_http_url("é"));
    }
}
