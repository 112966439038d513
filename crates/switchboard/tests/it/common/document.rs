//! The operations of the committed `openapi.json`, and one of each thing their paths name,
//! for the tests generated from the document (the isolation matrix, the body limits).
//!
//! Which operations a generated test walks (the rule a new route falls under without anyone
//! writing a test):
//!
//! - an operation that declares the `bearer` security scheme, unless its path is under one of
//!   [`OWN_AUTH`]'s prefixes (routes that authenticate their own way);
//! - an operation without a security requirement must be one of [`PUBLIC`] (probes);
//! - anything else fails the test, asking for a decision.
//!
//! Each path parameter is filled by [`Kind::of`]: a parameter it does not know fails the
//! test, so a new kind of id is taught here rather than skipped.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use super::*;

/// Path prefixes whose routes authenticate their own way, each with the reason.
pub const OWN_AUTH: &[(&str, &str)] = &[
    (
        "/webhooks/",
        "called by upstreams (Meta, Telegram), authenticated by their signature or secret token",
    ),
    (
        "/compat/",
        "compat dialects: each takes its key where its seed API puts it (query, body), tested by its own suite",
    ),
    (
        "/sandbox/",
        "the emulator of the upstreams, which plays Meta's and Telegram's APIs with their own tokens",
    ),
];

/// Operations answered without a key.
pub const PUBLIC: &[&str] = &["/healthz", "/readyz"];

/// The document the server was built from.
pub const DOCUMENT: &str = include_str!("../../../../../openapi.json");

/// What a path parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Account,
    Channel,
    Version,
    WaId,
    Rule,
    Template,
    Contact,
    Import,
    Delivery,
    Key,
    Media,
    Message,
    Subscription,
    Broadcast,
}

impl Kind {
    /// The kind of `param`, read from the literal segment before it; `None` for one the
    /// matrix does not know.
    pub fn of(before: &str, param: &str) -> Option<Kind> {
        Some(match (before, param) {
            (_, "version") => Kind::Version,
            (_, "channel_id") | ("channels", "id") => Kind::Channel,
            ("accounts", "id") => Kind::Account,
            ("contacts", "wa_id") => Kind::WaId,
            (_, "chat") => Kind::WaId,
            ("rules", "rule_id") => Kind::Rule,
            ("templates", "template_id") => Kind::Template,
            ("contacts", "id") => Kind::Contact,
            ("imports", "id") => Kind::Import,
            ("deliveries", "id") => Kind::Delivery,
            ("keys", "id") => Kind::Key,
            ("media", "id") => Kind::Media,
            ("messages", "id") => Kind::Message,
            ("subscriptions", "id") => Kind::Subscription,
            ("broadcasts", "id") => Kind::Broadcast,
            _ => return None,
        })
    }

    /// A well-formed value naming nothing.
    pub fn missing(self) -> &'static str {
        match self {
            Kind::Account => "acc_00000000000000000000000000",
            Kind::Channel => "ch_00000000000000000000000000",
            Kind::Version => "v21.0",
            Kind::WaId => "15550009999",
            Kind::Rule => "rule_00000000000000000000000000",
            Kind::Template => "tpl_00000000000000000000000000",
            Kind::Contact => "ct_00000000000000000000000000",
            Kind::Import => "imp_00000000000000000000000000",
            Kind::Delivery => "dlv_00000000000000000000000000",
            Kind::Key => "key_00000000000000000000000000",
            Kind::Media => "med_00000000000000000000000000",
            Kind::Message => "msg_00000000000000000000000000",
            Kind::Subscription => "sub_00000000000000000000000000",
            Kind::Broadcast => "bc_00000000000000000000000000",
        }
    }

    /// Whether the thing belongs to one channel (so a key limited to another channel does
    /// not find it) rather than to the whole account (where such a key is refused, 403).
    pub fn of_a_channel(self) -> bool {
        matches!(
            self,
            Kind::Channel
                | Kind::WaId
                | Kind::Rule
                | Kind::Template
                | Kind::Media
                | Kind::Message
                | Kind::Broadcast
        )
    }
}

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The HTTP method.
    pub method: Method,
    /// The path template, `{…}` parameters included.
    pub path: String,
    /// Whether it is an admin operation (tag `accounts`).
    pub admin: bool,
    /// The content types of its request body, as documented (empty without one).
    pub body_types: Vec<String>,
}

impl Operation {
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    pub fn is_write(&self) -> bool {
        self.method != Method::GET
    }

    /// The path's parameters with their kinds, in order; panics on one the matrix does not
    /// know.
    pub fn params(&self) -> Vec<(String, Kind)> {
        let segments: Vec<&str> = self.path.split('/').collect();
        let mut params = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                continue;
            };
            let before = if i > 0 { segments[i - 1] } else { "" };
            let kind = Kind::of(before, name).unwrap_or_else(|| {
                panic!(
                    "{}: the isolation matrix does not know the path parameter `{{{name}}}` \
                     after `{before}`: teach it in `Kind::of`, `Kind::missing` and the fixtures \
                     of `Fixtures::create` (crates/switchboard/tests/it/common/document.rs)",
                    self.name()
                )
            });
            params.push((name.to_string(), kind));
        }
        params
    }

    /// The path with each parameter filled by `value`.
    pub fn fill(&self, value: impl Fn(Kind) -> String) -> String {
        let mut path = self.path.clone();
        for (name, kind) in self.params() {
            path = path.replace(&format!("{{{name}}}"), &value(kind));
        }
        path
    }
}

/// The operations of the matrix, after checking every operation of the document falls under
/// the rule of the module documentation.
pub fn operations() -> Vec<Operation> {
    let found = operations_of(DOCUMENT);
    assert!(found.len() > 40, "the document lists the native API");
    found
}

/// The operations of `document` that a generated test walks (see the module documentation);
/// panics on one that falls under no rule.
pub fn operations_of(document: &str) -> Vec<Operation> {
    let document: Value = serde_json::from_str(document).expect("an OpenAPI document in JSON");
    let paths = document["paths"].as_object().expect("paths");
    let mut found = Vec::new();
    let mut undecided = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if !matches!(
                method,
                Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE
            ) {
                continue;
            }
            if OWN_AUTH.iter().any(|(prefix, _)| path.starts_with(prefix)) {
                continue;
            }
            let bearer = operation["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if !bearer {
                if !PUBLIC.contains(&path.as_str()) {
                    undecided.push(format!("{method} {path}"));
                }
                continue;
            }
            let admin = operation["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "accounts"));
            let body_types = operation["requestBody"]["content"]
                .as_object()
                .map(|c| c.keys().cloned().collect())
                .unwrap_or_default();
            found.push(Operation {
                method,
                path: path.clone(),
                admin,
                body_types,
            });
        }
    }
    assert!(
        undecided.is_empty(),
        "operations without the bearer scheme, neither public probes nor under a prefix with its \
         own authentication ({OWN_AUTH:?}): {undecided:?}; add them to PUBLIC or OWN_AUTH with a reason"
    );
    found
}

/// What a call answered; streams are not read past their headers.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub code: u16,
    /// `error.code` of the body, if any.
    pub error_code: String,
    /// `error.message` of the body, if any.
    pub message: String,
}

impl Answer {
    pub fn describe(&self) -> String {
        format!("{} {} {}", self.code, self.error_code, self.message)
    }
}

/// Calls `operation` at `path` with `key`: writes carry an empty JSON object, WebSocket routes
/// the upgrade headers of a real handshake.
pub async fn call_operation(
    server: &TestServer,
    operation: &Operation,
    path: &str,
    key: Option<&str>,
) -> Answer {
    let mut request = server
        .req(operation.method.clone(), path, key)
        .timeout(Duration::from_secs(20));
    if operation.is_write() {
        request = request.json(&json!({}));
    }
    if path.ends_with("/ws") {
        request = request
            .header("connection", "upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
    }
    let response = request.send().await.expect("request");
    let code = response.status().as_u16();
    let streaming = code == 101
        || response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("text/event-stream"));
    if streaming {
        return Answer {
            code,
            error_code: String::new(),
            message: String::new(),
        };
    }
    let body: Value = tokio::time::timeout(Duration::from_secs(20), response.json())
        .await
        .expect("a body in time")
        .unwrap_or(Value::Null);
    Answer {
        code,
        error_code: body["error"]["code"].as_str().unwrap_or("").to_string(),
        message: body["error"]["message"].as_str().unwrap_or("").to_string(),
    }
}

/// The owner's account (A) with one of each thing, another account (B), and the keys.
pub struct Fixtures {
    ids: BTreeMap<Kind, String>,
    /// The owner's manage key.
    pub owner: String,
    /// The other account's manage key.
    pub other: String,
    /// A read key of the owner's account.
    pub reader: String,
    /// A manage key of the owner's account limited to its second channel.
    pub other_channel_key: String,
}

impl Fixtures {
    /// Creates the fixtures; the server needs `allow_private_targets` (a webhook receiver
    /// on 127.0.0.1).
    pub async fn create(server: &TestServer) -> Fixtures {
        let (account, owner) = create_account(server, "owner").await;
        server
            .post_json(
                &format!("/v1/accounts/{account}/credits"),
                ADMIN_KEY,
                &json!({"amount": 1000}),
            )
            .await
            .status(200);
        let ctx = Ctx {
            key: owner.clone(),
            channel: create_sandbox_channel(server, &owner, "main").await,
        };
        let second = create_sandbox_channel(server, &owner, "second").await;
        let (key_id, reader) = create_key(server, &owner, json!({"permission": "read"})).await;
        let (_, other_channel_key) = create_key(
            server,
            &owner,
            json!({"permission": "manage", "channel_id": second}),
        )
        .await;
        let (_, other) = create_account(server, "other").await;

        let receiver = Receiver::start(0).await;
        let subscription = subscribe(
            server,
            &owner,
            json!({"url": receiver.url, "events": ["message.*"]}),
        )
        .await;
        let subscription = string(&subscription["id"]);
        let message = send_template(server, &ctx, "15551250001").await;
        let wa_id = "15551250001".to_string();
        // The customer writes back, so a conversation exists (`/v1/conversations/…/{chat}`).
        let answer = say(server, &ctx, &wa_id, "thanks").await;
        wait_stored(server, &ctx, &answer, 30).await;
        let delivery = eventually(30, "a webhook delivery", || async {
            let list = server
                .get(
                    &format!("/v1/subscriptions/{subscription}/deliveries"),
                    &owner,
                )
                .await
                .status(200);
            list["data"][0]["id"].as_str().map(str::to_string)
        })
        .await;
        let contact = server
            .post_json(
                "/v1/contacts",
                &owner,
                &json!({"phone": "15551250002", "name": "Ana"}),
            )
            .await
            .status(201);
        let import = server
            .call(
                server
                    .req(Method::POST, "/v1/contacts/import", &owner)
                    .header("content-type", "text/csv")
                    .body("phone,name\n15551250003,Bo\n"),
            )
            .await
            .status(202);
        let template = server
            .post_json(
                &format!("/v1/channels/{}/templates", ctx.channel),
                &owner,
                &json!({"name": "matrix_note", "language": "en_US", "category": "UTILITY",
                    "components": [{"type": "BODY", "text": "A note"}]}),
            )
            .await
            .status(201);
        let rule = server
            .post_json(
                &format!("/v1/channels/{}/bot/rules", ctx.channel),
                &owner,
                &json!({"pattern": "hours", "reply": {"type": "text", "text": {"body": "9 to 5"}}}),
            )
            .await
            .status(201);
        let media = server
            .post_json(
                "/v1/media",
                &owner,
                &json!({"channel_id": ctx.channel, "type": "text/plain",
                    "data": "data:text/plain;base64,aGVsbG8gd29ybGQ="}),
            )
            .await
            .ok();
        let broadcast = server
            .post_json(
                "/v1/broadcasts",
                &owner,
                &json!({"channel_id": ctx.channel, "message": {"type": "template",
                    "template": {"name": "hello_world", "language": {"code": "en_US"}}},
                    "audience": {"numbers": ["15551250004"]}}),
            )
            .await
            .ok();
        let ids = BTreeMap::from([
            (Kind::Account, account),
            (Kind::Channel, ctx.channel.clone()),
            (Kind::Version, "v21.0".to_string()),
            (Kind::WaId, wa_id),
            (Kind::Rule, string(&rule["id"])),
            (Kind::Template, string(&template["id"])),
            (Kind::Contact, string(&contact["id"])),
            (Kind::Import, string(&import["id"])),
            (Kind::Delivery, delivery),
            (Kind::Key, key_id),
            (Kind::Media, string(&media["id"])),
            (Kind::Message, message),
            (Kind::Subscription, subscription),
            (Kind::Broadcast, string(&broadcast["id"])),
        ]);
        Fixtures {
            ids,
            owner,
            other,
            reader,
            other_channel_key,
        }
    }

    /// The id of the owner's thing of `kind`.
    pub fn id(&self, kind: Kind) -> String {
        self.ids
            .get(&kind)
            .unwrap_or_else(|| panic!("no fixture for {kind:?}: create one in Fixtures::create"))
            .clone()
    }
}
