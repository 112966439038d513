//! Request parameters from the query string and a JSON, form-urlencoded or multipart body, as
//! the Telegram Bot API and the Messenger Send API both accept them.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, HeaderMap};
use bytes::Bytes;
use serde_json::{Map, Value};

/// One uploaded file part.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    /// The part's file name, if any.
    pub file_name: Option<String>,
    /// The part's content type, if any.
    pub content_type: Option<String>,
    /// The bytes.
    pub bytes: Bytes,
}

/// Parameters by name: plain values (strings from the query, form and multipart; any JSON from
/// a JSON body) and file parts.
#[derive(Debug, Default)]
pub(crate) struct Params {
    /// Non-file parameters.
    pub fields: Map<String, Value>,
    /// Multipart parts that carry a file name.
    pub files: HashMap<String, Upload>,
}

impl Params {
    /// Reads the query, then the body by its content type; a body value wins over a query one.
    pub async fn parse(
        query: Option<&str>,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Self, String> {
        let mut p = Params::default();
        if let Some(q) = query {
            p.add_form(q.as_bytes())?;
        }
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(p);
        }
        if content_type.starts_with("multipart/form-data") {
            p.add_multipart(headers, body).await?;
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            p.add_form(&body)?;
        } else {
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(m)) => p.fields.extend(m),
                Ok(_) => return Err("the JSON body must be an object".to_string()),
                Err(e) => return Err(format!("can't parse JSON body: {e}")),
            }
        }
        Ok(p)
    }

    fn add_form(&mut self, raw: &[u8]) -> Result<(), String> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded_pairs(raw).map_err(|e| format!("can't parse form: {e}"))?;
        for (k, v) in pairs {
            self.fields.insert(k, Value::String(v));
        }
        Ok(())
    }

    async fn add_multipart(&mut self, headers: &HeaderMap, body: Bytes) -> Result<(), String> {
        let mut req = Request::new(Body::from(body));
        *req.headers_mut() = headers.clone();
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| format!("can't parse multipart body: {e}"))?;
        // Bounded by the body size limit: each part consumes part of the body.
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| format!("malformed multipart body: {e}"))?
        {
            let name = field.name().unwrap_or("").to_string();
            let file_name = field.file_name().map(str::to_string);
            let content_type = field.content_type().map(str::to_string);
            let bytes = field
                .bytes()
                .await
                .map_err(|e| format!("malformed multipart part {name}: {e}"))?;
            if file_name.is_some() {
                self.files.insert(
                    name,
                    Upload {
                        file_name,
                        content_type,
                        bytes,
                    },
                );
            } else {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                self.fields.insert(name, Value::String(text));
            }
        }
        Ok(())
    }

    /// A parameter as a string (numbers and booleans rendered).
    pub fn str(&self, name: &str) -> Option<String> {
        match self.fields.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            v @ (Value::Number(_) | Value::Bool(_)) => Some(v.to_string()),
            _ => None,
        }
    }

    /// A parameter as an integer, from a JSON number or a decimal string.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.fields.get(name)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A parameter as a float, from a JSON number or a decimal string.
    pub fn float(&self, name: &str) -> Option<f64> {
        match self.fields.get(name)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|f| f.is_finite())
    }

    /// A parameter as a boolean (`true`/`false`, `1`/`0`).
    pub fn bool(&self, name: &str) -> bool {
        match self.fields.get(name) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => matches!(s.trim(), "true" | "True" | "1"),
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            _ => false,
        }
    }

    /// An object or array parameter: as given in a JSON body, or JSON-serialized in a string.
    pub fn json(&self, name: &str) -> Result<Option<Value>, String> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|_| format!("can't parse {name} JSON object")),
            Some(v) => Ok(Some(v.clone())),
        }
    }
}

/// `application/x-www-form-urlencoded` pairs, decoded.
fn serde_urlencoded_pairs(raw: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for pair in raw.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let mut it = pair.splitn(2, |b| *b == b'=');
        let k = decode(it.next().unwrap_or_default())?;
        let v = decode(it.next().unwrap_or_default())?;
        out.push((k, v));
    }
    Ok(out)
}

/// Percent-decodes one form component (`+` is a space).
fn decode(raw: &[u8]) -> Result<String, String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = raw
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| "bad percent-encoding".to_string())?;
                out.push(hex);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "form value is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        let pairs = serde_urlencoded_pairs(b"a=1&text=hi+there%21&e=&x").expect("pairs");
        assert_eq!(
            pairs,
            vec![
                ("a".into(), "1".into()),
                ("text".into(), "hi there!".into()),
                ("e".into(), "".into()),
                ("x".into(), "".into()),
            ]
        );
        assert!(decode(b"%zz").is_err());
        assert_eq!(decode("%F0%9F%91%8D".as_bytes()).expect("utf8"), "👍");
    }

    #[tokio::test]
    async fn json_strings_in_forms() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().expect("ct"),
        );
        let p = Params::parse(
            Some("chat_id=5"),
            &h,
            Bytes::from_static(b"reply_markup=%7B%22a%22%3A1%7D&n=7"),
        )
        .await
        .expect("parse");
        assert_eq!(p.int("chat_id"), Some(5));
        assert_eq!(p.int("n"), Some(7));
        assert_eq!(
            p.json("reply_markup").expect("json"),
            Some(serde_json::json!({"a":1}))
        );
    }
}
