//! Setting up a benchmark through the public APIs: an account, Cloud channels pointed at the
//! emulator process, the emulator's numbers wired back to the server's webhook endpoint,
//! customers' 24-hour windows, and reading message statuses back.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::procs::ADMIN_KEY;

/// The `i`-th benchmark recipient: a valid US-length number that never ends with `0000`
/// (the emulator's "not on WhatsApp" suffix).
pub fn recipient(i: usize) -> String {
    format!("1{:03}555{:04}", 201 + i / 9999, 1 + i % 9999)
}

/// A Cloud channel and the emulator number it sends from.
#[derive(Debug, Clone)]
pub struct Line {
    /// `ch_…`
    pub channel_id: String,
    /// Meta's phone number id in the emulator.
    pub phone_number_id: String,
    /// The number's token in the emulator.
    pub access_token: String,
}

/// A client of one server (and its emulator).
#[derive(Clone)]
pub struct Api {
    /// HTTP client.
    pub client: reqwest::Client,
    /// `http://ADDR` of the server.
    pub server: String,
    /// `http://ADDR` of the emulator.
    pub emulator: String,
    /// The account's manage key.
    pub key: String,
}

async fn json_ok(r: reqwest::Response, what: &str) -> Result<Value> {
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("{what}: HTTP {status}: {text}");
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

impl Api {
    /// Creates an account with the admin key and returns a client holding its key.
    pub async fn new_account(server: &str, emulator: &str) -> Result<Api> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(64)
            .build()?;
        let body = json_ok(
            client
                .post(format!("{server}/v1/accounts"))
                .bearer_auth(ADMIN_KEY)
                .json(&json!({"name": "bench"}))
                .send()
                .await?,
            "creating the account",
        )
        .await?;
        let key = body["api_key"]
            .as_str()
            .context("no api_key in the account answer")?
            .to_string();
        Ok(Api {
            client,
            server: server.to_string(),
            emulator: emulator.to_string(),
            key,
        })
    }

    /// Creates Cloud channel number `n` against the emulator and registers its number there
    /// with webhooks to this server.
    pub async fn add_line(&self, n: usize) -> Result<Line> {
        let phone_number_id = format!("10{:013}", 7_000_000 + n);
        let waba_id = format!("20{:013}", 7_000_000 + n);
        let token = format!("EAAG-bench-token-{n}");
        let secret = format!("bench-app-secret-{n}");
        let body = json_ok(
            self.client
                .post(format!("{}/v1/channels", self.server))
                .bearer_auth(&self.key)
                .json(&json!({
                    "name": format!("bench line {n}"),
                    "kind": "cloud",
                    "base_url": self.emulator,
                    "phone_number_id": phone_number_id,
                    "waba_id": waba_id,
                    "access_token": token,
                    "app_secret": secret,
                }))
                .send()
                .await?,
            "creating a cloud channel",
        )
        .await?;
        let channel_id = body["id"].as_str().context("no channel id")?.to_string();
        json_ok(
            self.client
                .post(format!("{}/emulator/phone_numbers", self.emulator))
                .json(&json!({
                    "phone_number_id": phone_number_id,
                    "waba_id": waba_id,
                    "display_phone_number": format!("1555{:07}", n),
                    "access_token": token,
                    "app_secret": secret,
                    "webhook_url": format!("{}/webhooks/cloud/{channel_id}", self.server),
                    "verified_name": format!("Bench {n}"),
                }))
                .send()
                .await?,
            "registering the number with the emulator",
        )
        .await?;
        Ok(Line {
            channel_id,
            phone_number_id,
            access_token: token,
        })
    }

    /// Sends one template straight to the emulator: its first send loads the phone-number
    /// tables (slow), and a send the emulator accepts after the server's upstream timeout is
    /// retried, i.e. sent twice. The status webhooks of this send match no server message.
    pub async fn warm_up(&self, line: &Line) -> Result<()> {
        json_ok(
            self.client
                .post(format!(
                    "{}/v23.0/{}/messages",
                    self.emulator, line.phone_number_id
                ))
                .bearer_auth(&line.access_token)
                .json(&crate::stack::template(&recipient(0)))
                .send()
                .await?,
            "warming the emulator up",
        )
        .await?;
        Ok(())
    }

    /// Opens the 24-hour window of `recipients` on `line` (each customer writes once through
    /// the emulator) and waits until the server has recorded all of them.
    pub async fn open_windows(&self, line: &Line, recipients: &[String]) -> Result<()> {
        for to in recipients {
            json_ok(
                self.client
                    .post(format!(
                        "{}/emulator/customers/{to}/messages",
                        self.emulator
                    ))
                    .json(&json!({
                        "phone_number_id": line.phone_number_id,
                        "message": {"type": "text", "text": {"body": "hello"}},
                    }))
                    .send()
                    .await?,
                "injecting an inbound message",
            )
            .await?;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let n = self.count(line, "direction=inbound").await?;
            if n >= recipients.len() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "only {n} of {} inbound messages reached the server within 60 s",
                    recipients.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Pages through `GET /v1/channels/{id}/messages?{filter}` and returns every message.
    pub async fn list(&self, line: &Line, filter: &str) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut url = format!(
                "{}/v1/channels/{}/messages?limit=500&{filter}",
                self.server, line.channel_id
            );
            if let Some(a) = &after {
                url.push_str(&format!("&after={a}"));
            }
            let body = json_ok(
                self.client.get(url).bearer_auth(&self.key).send().await?,
                "listing messages",
            )
            .await?;
            if let Some(data) = body["data"].as_array() {
                out.extend(data.iter().cloned());
            }
            match body["next"].as_str() {
                Some(n) if !n.is_empty() => after = Some(n.to_string()),
                _ => return Ok(out),
            }
        }
    }

    /// How many messages match `filter`.
    pub async fn count(&self, line: &Line, filter: &str) -> Result<usize> {
        Ok(self.list(line, filter).await?.len())
    }

    /// Whether any message matches `filter` (one cheap page of one).
    pub async fn any(&self, line: &Line, filter: &str) -> Result<bool> {
        let body = json_ok(
            self.client
                .get(format!(
                    "{}/v1/channels/{}/messages?limit=1&{filter}",
                    self.server, line.channel_id
                ))
                .bearer_auth(&self.key)
                .send()
                .await?,
            "listing messages",
        )
        .await?;
        Ok(body["data"].as_array().is_some_and(|d| !d.is_empty()))
    }

    /// Outbound messages of `line` by status.
    pub async fn outbound_by_status(&self, line: &Line) -> Result<HashMap<String, usize>> {
        let mut by = HashMap::new();
        for m in self.list(line, "direction=outbound").await? {
            *by.entry(m["status"].as_str().unwrap_or("?").to_string())
                .or_insert(0) += 1;
        }
        Ok(by)
    }

    /// The sends the emulator answered 200 (accepted), in arrival order, each with its
    /// arrival time (`time_ms`): a request a killed server had already written is still read
    /// and answered afterwards, so arrival, not acceptance, dates it.
    pub async fn emulator_sends(&self) -> Result<Vec<Value>> {
        let v = json_ok(
            self.client
                .get(format!("{}/emulator/requests", self.emulator))
                .send()
                .await?,
            "reading the emulator's record",
        )
        .await?;
        let mut sends: Vec<Value> = v
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|r| {
                r["method"] == "POST"
                    && r["status"] == 200
                    && r["path"].as_str().is_some_and(|p| p.ends_with("/messages"))
                    && r.pointer("/body/to").is_some()
            })
            .collect();
        sends.sort_by_key(|r| r["seq"].as_u64());
        Ok(sends)
    }

    /// Replaces the emulator's faults.
    pub async fn set_faults(&self, faults: &Value) -> Result<()> {
        json_ok(
            self.client
                .post(format!("{}/emulator/faults", self.emulator))
                .json(faults)
                .send()
                .await?,
            "setting faults",
        )
        .await?;
        Ok(())
    }
}

/// Waits until no outbound message of `lines` is still `accepted` or `sent` (each line is
/// checked until it is done; statuses never move back). Returns false on timeout.
pub async fn wait_all_final(
    api: &Api,
    lines: &[Line],
    timeout: Duration,
    poll: Duration,
) -> Result<bool> {
    let deadline = Instant::now() + timeout;
    let mut pending: Vec<&Line> = lines.iter().collect();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for line in pending {
            let busy = api.any(line, "direction=outbound&status=accepted").await?
                || api.any(line, "direction=outbound&status=sent").await?;
            if busy {
                still.push(line);
            }
        }
        pending = still;
        if pending.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            return Ok(false);
        }
        tokio::time::sleep(poll).await;
    }
    Ok(true)
}
