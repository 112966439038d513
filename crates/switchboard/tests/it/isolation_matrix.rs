//! The isolation matrix, generated from the committed `openapi.json`: every operation of the
//! native API is called with every kind of wrong credential, on SQLite and PostgreSQL.
//!
//! Which operations are in the matrix (the rule a new route falls under without anyone
//! writing a test):
//!
//! - an operation that declares the `bearer` security scheme is in the matrix, unless its path
//!   is under one of [`OWN_AUTH`]'s prefixes (routes that authenticate their own way);
//! - an operation without a security requirement must be one of [`PUBLIC`] (probes);
//! - anything else fails the test, asking for a decision.
//!
//! For an operation in the matrix: no key → 401; a read key on a write (POST/PUT/PATCH/DELETE)
//! → 403; an account key on an admin operation (tag `accounts`) → 403. For an operation with a
//! path id: another account's key → 404 with the same code and message as a missing id; a key
//! of the owner's account limited to another channel → 404 for a channel's resources and 403
//! for account-wide ones; the owner's own key (the admin key for admin operations) reads
//! with 2xx, which proves the ids the matrix fills in are real. Each path parameter is filled
//! by [`Kind::of`]: a parameter it does not know fails the test, so a new kind of id is taught
//! here rather than skipped. Streams (SSE, WebSocket upgrades) are opened and only their
//! status is read.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};
use switchboard::config::Config;

/// Path prefixes whose routes authenticate their own way, each with the reason.
const OWN_AUTH: &[(&str, &str)] = &[
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
const PUBLIC: &[&str] = &["/healthz", "/readyz"];

/// The document the server was built from.
const DOCUMENT: &str = include_str!("../../../../openapi.json");

/// What a path parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
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
    fn of(before: &str, param: &str) -> Option<Kind> {
        Some(match (before, param) {
            (_, "version") => Kind::Version,
            (_, "channel_id") | ("channels", "id") => Kind::Channel,
            ("accounts", "id") => Kind::Account,
            ("contacts", "wa_id") => Kind::WaId,
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
    fn missing(self) -> &'static str {
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
    fn of_a_channel(self) -> bool {
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
struct Operation {
    method: Method,
    path: String,
    admin: bool,
}

impl Operation {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn is_write(&self) -> bool {
        self.method != Method::GET
    }

    /// The path's parameters with their kinds, in order; panics on one the matrix does not
    /// know.
    fn params(&self) -> Vec<(String, Kind)> {
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
                     of `Fixtures::create` (crates/switchboard/tests/it/isolation_matrix.rs)",
                    self.name()
                )
            });
            params.push((name.to_string(), kind));
        }
        params
    }

    /// The path with each parameter filled by `value`.
    fn fill(&self, value: impl Fn(Kind) -> String) -> String {
        let mut path = self.path.clone();
        for (name, kind) in self.params() {
            path = path.replace(&format!("{{{name}}}"), &value(kind));
        }
        path
    }
}

/// The operations of the matrix, after checking every operation of the document falls under
/// the rule of the module documentation.
fn operations() -> Vec<Operation> {
    let document: Value = serde_json::from_str(DOCUMENT).expect("openapi.json is JSON");
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
            found.push(Operation {
                method,
                path: path.clone(),
                admin,
            });
        }
    }
    assert!(
        undecided.is_empty(),
        "operations without the bearer scheme, neither public probes nor under a prefix with its \
         own authentication ({OWN_AUTH:?}): {undecided:?}; add them to PUBLIC or OWN_AUTH with a reason"
    );
    assert!(found.len() > 40, "the document lists the native API");
    found
}

/// What a call answered; streams are not read past their headers.
#[derive(Debug)]
struct Answer {
    code: u16,
    error_code: String,
    message: String,
}

impl Answer {
    fn describe(&self) -> String {
        format!("{} {} {}", self.code, self.error_code, self.message)
    }
}

/// Calls `operation` at `path` with `key`: writes carry an empty JSON object, WebSocket routes
/// the upgrade headers of a real handshake.
async fn call(server: &TestServer, operation: &Operation, path: &str, key: Option<&str>) -> Answer {
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
struct Fixtures {
    ids: BTreeMap<Kind, String>,
    owner: String,
    other: String,
    reader: String,
    other_channel_key: String,
}

impl Fixtures {
    async fn create(server: &TestServer) -> Fixtures {
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

    fn id(&self, kind: Kind) -> String {
        self.ids
            .get(&kind)
            .unwrap_or_else(|| panic!("no fixture for {kind:?}: create one in Fixtures::create"))
            .clone()
    }
}

fn matrix_config(c: &mut Config) {
    c.allow_private_targets = true;
    c.webhooks.poll_ms = 10;
}

async fn every_operation_refuses_the_wrong_caller(server: &TestServer) {
    let operations = operations();
    let fixtures = Fixtures::create(server).await;
    let mut failures = Vec::new();
    let expect = |operation: &Operation, who: &str, answer: &Answer, wanted: &[u16]| {
        if !wanted.contains(&answer.code) {
            Some(format!(
                "{} with {who}: wanted {wanted:?}, got {}",
                operation.name(),
                answer.describe()
            ))
        } else {
            None
        }
    };
    for operation in &operations {
        let params = operation.params();
        let owned = operation.fill(|kind| fixtures.id(kind));
        let answer = call(server, operation, &owned, None).await;
        failures.extend(expect(operation, "no key", &answer, &[401]));
        if operation.is_write() {
            let answer = call(server, operation, &owned, Some(&fixtures.reader)).await;
            failures.extend(expect(operation, "a read key", &answer, &[403]));
        }
        if params.is_empty() {
            continue;
        }
        let foreign = call(server, operation, &owned, Some(&fixtures.other)).await;
        let missing_path = operation.fill(|kind| kind.missing().to_string());
        let missing = call(server, operation, &missing_path, Some(&fixtures.other)).await;
        // An admin operation may refuse every account key (403) instead.
        let wanted: &[u16] = if operation.admin { &[403, 404] } else { &[404] };
        failures.extend(expect(operation, "another account's key", &foreign, wanted));
        // An answer may name the id it was asked about; it must not differ otherwise.
        let mut named = foreign.message.clone();
        for (_, kind) in &params {
            named = named.replace(&fixtures.id(*kind), kind.missing());
        }
        if (foreign.code, &foreign.error_code, &named)
            != (missing.code, &missing.error_code, &missing.message)
        {
            failures.push(format!(
                "{}: another account's id answers `{}`, a missing id `{}`",
                operation.name(),
                foreign.describe(),
                missing.describe()
            ));
        }
        if operation.admin {
            if !operation.is_write() {
                let answer = call(server, operation, &owned, Some(ADMIN_KEY)).await;
                failures.extend(expect(operation, "the admin key", &answer, &[200]));
            }
            continue;
        }
        let of_a_channel = params.iter().any(|(_, kind)| kind.of_a_channel());
        let answer = call(server, operation, &owned, Some(&fixtures.other_channel_key)).await;
        let wanted = if of_a_channel { 404 } else { 403 };
        failures.extend(expect(
            operation,
            "a key limited to another channel",
            &answer,
            &[wanted],
        ));
        if !operation.is_write() {
            let answer = call(server, operation, &owned, Some(&fixtures.owner)).await;
            failures.extend(expect(operation, "the owner's key", &answer, &[200, 101]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} isolation failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

on_both_backends!(
    matrix => every_operation_refuses_the_wrong_caller where matrix_config,
);
