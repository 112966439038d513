//! The typed HTTP client of the test server: one call per request, answered as a [`Reply`]
//! whose assertions (`ok`, `status`, `error`) replace the send/await/status/parse boilerplate.

use reqwest::{Method, RequestBuilder, Response};
use serde::Serialize;
use serde_json::Value;

use super::TestServer;

/// No Bearer token: the request is anonymous.
pub const NO_KEY: Option<&str> = None;

/// What can authenticate a request: a key, or [`NO_KEY`].
pub trait Auth {
    /// The Bearer token, if any.
    fn token(&self) -> Option<&str>;
}

impl Auth for str {
    fn token(&self) -> Option<&str> {
        Some(self)
    }
}

impl Auth for String {
    fn token(&self) -> Option<&str> {
        Some(self)
    }
}

impl<T: Auth> Auth for Option<T> {
    fn token(&self) -> Option<&str> {
        self.as_ref().and_then(Auth::token)
    }
}

impl<T: Auth + ?Sized> Auth for &T {
    fn token(&self) -> Option<&str> {
        (**self).token()
    }
}

/// A received answer: its status, headers and body.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status code.
    pub code: u16,
    /// The response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The raw body.
    pub bytes: Vec<u8>,
    /// The body as text (invalid UTF-8 replaced).
    pub text: String,
}

impl Reply {
    /// Reads `response` to the end.
    pub async fn read(response: Response) -> Reply {
        let code = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body").to_vec();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Reply {
            code,
            headers,
            bytes,
            text,
        }
    }

    /// The body as JSON (`null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    /// The body parsed as `T` (which it must be).
    #[track_caller]
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("unexpected body ({e}): {}", self.text))
    }

    /// Asserts a 2xx status; returns the JSON body.
    #[track_caller]
    pub fn ok(self) -> Value {
        assert!(
            (200..300).contains(&self.code),
            "unexpected status {}: {}",
            self.code,
            self.text
        );
        self.json()
    }

    /// Asserts the status is `status`; returns the JSON body.
    #[track_caller]
    pub fn status(self, status: u16) -> Value {
        assert_eq!(
            self.code, status,
            "unexpected status {}: {}",
            self.code, self.text
        );
        self.json()
    }

    /// Asserts status `status` with the native error shape (a message and a request id);
    /// returns the error's stable code.
    #[track_caller]
    pub fn error(self, status: u16) -> String {
        let body = self.status(status);
        let error = &body["error"];
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        assert!(
            error["request_id"]
                .as_str()
                .is_some_and(|r| r.starts_with("req_")),
            "{body}"
        );
        error["code"].as_str().expect("code").to_string()
    }
}

impl TestServer {
    /// A request to `path` with `key` as Bearer token, for what the typed calls do not cover
    /// (headers, queries, multipart bodies); send it with [`TestServer::call`].
    pub fn req(&self, method: Method, path: &str, key: impl Auth) -> RequestBuilder {
        let builder = self
            .client
            .request(method, format!("{}{}", self.base, path));
        match key.token() {
            Some(k) => builder.bearer_auth(k),
            None => builder,
        }
    }

    /// Sends `request` and reads its answer.
    pub async fn call(&self, request: RequestBuilder) -> Reply {
        Reply::read(request.send().await.expect("request")).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str, key: impl Auth) -> Reply {
        self.call(self.req(Method::GET, path, key)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str, key: impl Auth) -> Reply {
        self.call(self.req(Method::DELETE, path, key)).await
    }

    /// `POST path` without a body.
    pub async fn post(&self, path: &str, key: impl Auth) -> Reply {
        self.call(self.req(Method::POST, path, key)).await
    }

    /// `PUT path` without a body.
    pub async fn put(&self, path: &str, key: impl Auth) -> Reply {
        self.call(self.req(Method::PUT, path, key)).await
    }

    /// `PATCH path` without a body.
    pub async fn patch(&self, path: &str, key: impl Auth) -> Reply {
        self.call(self.req(Method::PATCH, path, key)).await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, key: impl Auth, body: impl Serialize) -> Reply {
        self.call(self.req(Method::POST, path, key).json(&body))
            .await
    }

    /// `PUT path` with a JSON body.
    pub async fn put_json(&self, path: &str, key: impl Auth, body: impl Serialize) -> Reply {
        self.call(self.req(Method::PUT, path, key).json(&body))
            .await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch_json(&self, path: &str, key: impl Auth, body: impl Serialize) -> Reply {
        self.call(self.req(Method::PATCH, path, key).json(&body))
            .await
    }
}

/// Reads a JSON body, asserting the status first.
pub async fn json(response: Response, status: u16) -> Value {
    Reply::read(response).await.status(status)
}

/// Asserts the native error shape and returns its code.
pub async fn error_code(response: Response, status: u16) -> String {
    Reply::read(response).await.error(status)
}
