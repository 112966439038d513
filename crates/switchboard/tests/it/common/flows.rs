//! The flows many tests share: an account with a sandbox channel, sends, injected inbound
//! messages, reading a message, waiting for a status, subscriptions, and polling.

use reqwest::Method;
use serde_json::{json, Value};

use super::{Auth, TestServer, ADMIN_KEY, NO_KEY};

/// Creates an account with the admin key; returns (account id, its manage key).
pub async fn create_account(server: &TestServer, name: &str) -> (String, String) {
    let body = server
        .post_json("/v1/accounts", ADMIN_KEY, json!({ "name": name }))
        .await
        .status(201);
    (string(&body["id"]), string(&body["api_key"]))
}

/// Creates a cloud channel; returns its id.
pub async fn create_cloud_channel(server: &TestServer, key: &str, phone_number_id: &str) -> String {
    let body = server
        .post_json(
            "/v1/channels",
            key,
            json!({
                "name": format!("line {phone_number_id}"),
                "kind": "cloud",
                "phone_number_id": phone_number_id,
                "waba_id": "102290129340398",
                "access_token": "EAAG-test-access-token",
                "app_secret": "test-app-secret-123",
            }),
        )
        .await
        .status(201);
    string(&body["id"])
}

/// Creates a key of `account_key`'s account; returns (key id, its secret).
pub async fn create_key(server: &TestServer, account_key: &str, body: Value) -> (String, String) {
    let body = server
        .post_json("/v1/keys", account_key, body)
        .await
        .status(201);
    (string(&body["id"]), string(&body["secret"]))
}

/// An account with a sandbox channel.
pub struct Ctx {
    /// The account's manage key.
    pub key: String,
    /// The sandbox channel's id.
    pub channel: String,
}

/// Creates an account with a sandbox channel.
pub async fn setup_sandbox(server: &TestServer) -> Ctx {
    let (_, key) = create_account(server, "acme").await;
    let channel = create_sandbox_channel(server, &key, "sandbox").await;
    Ctx { key, channel }
}

/// Creates a sandbox channel named `name`; returns its id.
pub async fn create_sandbox_channel(server: &TestServer, key: &str, name: &str) -> String {
    let body = server
        .post_json(
            "/v1/channels",
            key,
            json!({"name": name, "kind": "sandbox"}),
        )
        .await
        .status(201);
    string(&body["id"])
}

/// The string at `value`, which must be one.
#[track_caller]
pub fn string(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
        .to_string()
}

/// The sandbox's pre-approved `hello_world` template to `to`, as a send body.
pub fn hello_world(to: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}}})
}

/// A text message to `to`, as a send body.
pub fn text_message(to: &str, body: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}})
}

/// Posts `body` to the channel's Cloud API send route.
pub async fn send(server: &TestServer, ctx: &Ctx, body: &Value) -> super::Reply {
    server
        .post_json(
            &format!("/v1/channels/{}/messages", ctx.channel),
            &ctx.key,
            body,
        )
        .await
}

/// Sends `body`, which must be accepted (200); returns the message id.
pub async fn send_ok(server: &TestServer, ctx: &Ctx, body: &Value) -> String {
    let answer = send(server, ctx, body).await.status(200);
    string(&answer["messages"][0]["id"])
}

/// Sends the sandbox's pre-approved `hello_world` template to `to`; returns the message id.
pub async fn send_template(server: &TestServer, ctx: &Ctx, to: &str) -> String {
    send_ok(server, ctx, &hello_world(to)).await
}

/// A simulated customer message through the sandbox (202); returns its upstream id.
pub async fn inject(server: &TestServer, ctx: &Ctx, message: &Value) -> String {
    let answer = server
        .post_json(
            &format!("/v1/channels/{}/sandbox/inbound", ctx.channel),
            &ctx.key,
            message,
        )
        .await
        .status(202);
    string(&answer["upstream_id"])
}

/// A text from `from` (profile name Ana) through the sandbox; returns its upstream id.
pub async fn say(server: &TestServer, ctx: &Ctx, from: &str, body: &str) -> String {
    let message =
        json!({"from": from, "type": "text", "text": {"body": body}, "profile": {"name": "Ana"}});
    inject(server, ctx, &message).await
}

/// `GET /v1/messages/{id}` (200).
pub async fn message(server: &TestServer, key: impl Auth, id: &str) -> Value {
    server
        .get(&format!("/v1/messages/{id}"), key)
        .await
        .status(200)
}

/// Polls message `id` until its status is one of `wanted` (at most 20 s); returns it.
pub async fn wait_status(server: &TestServer, key: &str, id: &str, wanted: &[&str]) -> Value {
    wait_status_at(server, key, &format!("/v1/messages/{id}"), wanted, 20).await
}

/// Polls `GET path` (200) until the resource's status is one of `wanted` (at most `seconds`);
/// returns it.
pub async fn wait_status_at(
    server: &TestServer,
    key: &str,
    path: &str,
    wanted: &[&str],
    seconds: u64,
) -> Value {
    eventually(seconds, &format!("{path} to reach {wanted:?}"), || async {
        let got = server.get(path, key).await.status(200);
        wanted
            .contains(&got["status"].as_str().unwrap_or(""))
            .then_some(got)
    })
    .await
}

/// Polls the channel's message list until the message with upstream id `upstream_id` is
/// stored (at most `seconds`); returns it.
pub async fn wait_stored(server: &TestServer, ctx: &Ctx, upstream_id: &str, seconds: u64) -> Value {
    let path = format!("/v1/channels/{}/messages", ctx.channel);
    eventually(seconds, &format!("{upstream_id} to be stored"), || async {
        let request = server.req(Method::GET, &path, &ctx.key);
        let list = server
            .call(request.query(&[("message_id", upstream_id)]))
            .await
            .status(200);
        list["data"].as_array().and_then(|d| d.first().cloned())
    })
    .await
}

/// Creates a webhook subscription (201); returns it.
pub async fn subscribe(server: &TestServer, key: &str, body: Value) -> Value {
    server
        .post_json("/v1/subscriptions", key, body)
        .await
        .status(201)
}

/// The `data` array of a list answer.
#[track_caller]
pub fn data(list: &Value) -> Vec<Value> {
    list["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data array in {list}"))
        .clone()
}

/// Polls `check` every 20 ms until it returns `Some`, for at most `seconds`.
pub async fn eventually<T, F, Fut>(seconds: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if std::time::Instant::now() > deadline {
            panic!("timed out after {seconds} s waiting for {what}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Sets the mounted emulator's faults (`POST /sandbox/emulator/faults`, 200).
pub async fn emulator_faults(server: &TestServer, faults: Value) {
    server
        .post_json("/sandbox/emulator/faults", NO_KEY, faults)
        .await
        .status(200);
}

/// Every request the mounted emulator received, oldest first.
pub async fn emulator_requests(server: &TestServer) -> Vec<Value> {
    let list = server
        .get("/sandbox/emulator/requests", NO_KEY)
        .await
        .status(200);
    list.as_array().cloned().unwrap_or_else(|| data(&list))
}

/// The channel's inbound messages (first page).
pub async fn inbound_messages(server: &TestServer, ctx: &Ctx) -> Vec<Value> {
    let list = server
        .get(
            &format!("/v1/channels/{}/messages?direction=inbound", ctx.channel),
            &ctx.key,
        )
        .await
        .status(200);
    data(&list)
}

/// Gives `account` `amount` credits (admin key, 200).
pub async fn add_credits(server: &TestServer, account: &str, amount: i64) {
    server
        .post_json(
            &format!("/v1/accounts/{account}/credits"),
            ADMIN_KEY,
            &json!({ "amount": amount }),
        )
        .await
        .status(200);
}
