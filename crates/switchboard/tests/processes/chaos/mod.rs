//! Shared harness of the process-level chaos tests (`crash_small`, `faults_small`):
//! real `switchboard serve` and `switchboard emulate` processes on free ports, and the
//! HTTP calls the tests make against them.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

pub const ADMIN_KEY: &str = "sba_chaos_admin_key_0123456789abcdef";

pub fn epoch_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Chat `i`'s customer: a valid US number that does not end with 0000.
pub fn recipient(i: usize) -> String {
    format!("1202555{:04}", 1 + i)
}

fn read_from(path: &Path, offset: u64) -> String {
    let mut s = String::new();
    if let Ok(mut f) = File::open(path) {
        let _ = f.seek(SeekFrom::Start(offset));
        let _ = f.read_to_string(&mut s);
    }
    s
}

/// A child process, SIGKILLed when dropped.
pub struct Proc {
    child: Option<Child>,
    pub addr: SocketAddr,
    log: PathBuf,
}

impl Proc {
    /// Starts the switchboard binary with `args`, output appended to `log`, and waits for
    /// `address=…` on a line containing `marker`.
    fn spawn(args: &[String], envs: &[(String, String)], log: &Path, marker: &str) -> Proc {
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let offset = out.metadata().expect("metadata").len();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out);
        cmd.env_remove("RUST_LOG").env("NO_COLOR", "1");
        for (k, _) in std::env::vars() {
            if k.starts_with("SWITCHBOARD_") {
                cmd.env_remove(k);
            }
        }
        cmd.envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut child = cmd.spawn().expect("start switchboard");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = read_from(log, offset);
            let found = text.lines().filter(|l| l.contains(marker)).find_map(|l| {
                let rest = l.split("address=").nth(1)?;
                rest.split(|c: char| c.is_whitespace() || c == '"')
                    .next()?
                    .parse()
                    .ok()
            });
            if let Some(addr) = found {
                return Proc {
                    child: Some(child),
                    addr,
                    log: log.to_path_buf(),
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{args:?} exited with {status}:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "{args:?} did not listen within 30 s:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `switchboard emulate` on port 0 with `config` (an EmulatorConfig object).
    pub fn emulator(dir: &Path, config: Value) -> Proc {
        let setup = dir.join("emulator.json");
        std::fs::write(&setup, json!({"config": config}).to_string()).expect("setup file");
        let args = [
            "emulate",
            "--listen",
            "127.0.0.1:0",
            "--setup",
            &setup.display().to_string(),
        ]
        .map(String::from);
        Proc::spawn(
            &args,
            &[("RUST_LOG".into(), "warn,switchboard=info".into())],
            &dir.join("emulator.log"),
            "emulator listening",
        )
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM; true when it exits within 20 s.
    pub fn stop(&mut self) -> bool {
        let Some(mut c) = self.child.take() else {
            return true;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = c.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = c.kill();
        let _ = c.wait();
        false
    }

    /// The whole log this process (and any earlier one on the same log file) wrote.
    pub fn log_text(&self) -> String {
        read_from(&self.log, 0)
    }

    pub fn log_tail(&self) -> String {
        let text = read_from(&self.log, 0);
        text[text.len().saturating_sub(4000)..].to_string()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// How the server is (re)started: same data folder and database every time.
#[derive(Clone)]
pub struct ServerSpec {
    data_dir: PathBuf,
    database_url: String,
    env: Vec<(String, String)>,
}

/// The key that seals the secrets of a database several test nodes share (nodes on one
/// database need the same key).
pub const SHARED_SECRET_KEY: &str =
    "5b1e0c9a7d3f42e68c0b19d2a4f7e3c15b1e0c9a7d3f42e68c0b19d2a4f7e3c1";

/// A node of a cluster on the PostgreSQL database `database_url`: its own folder `name`
/// under `dir`, the shared secret key, and `extra` settings.
pub fn cluster_node(
    dir: &Path,
    name: &str,
    database_url: &str,
    extra: &[(&str, &str)],
) -> ServerSpec {
    let home = dir.join(name);
    std::fs::create_dir_all(&home).expect("node folder");
    let mut env = vec![("SECRET_KEY", SHARED_SECRET_KEY)];
    env.extend_from_slice(extra);
    ServerSpec::new(&home, Some(database_url.to_string()), 16, &env)
}

impl ServerSpec {
    /// Fast retries, a 1 s upstream timeout, Meta's highest channel rate, no pair
    /// limit or per-key request rate in the way, plus `extra` (`SWITCHBOARD_` names without the prefix).
    pub fn new(
        dir: &Path,
        database_url: Option<String>,
        concurrency: usize,
        extra: &[(&str, &str)],
    ) -> Self {
        let data_dir = dir.join("data");
        std::fs::create_dir_all(&data_dir).expect("data dir");
        let database_url = database_url
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("switchboard.db").display()));
        let mut env: Vec<(String, String)> = [
            ("ADMIN_KEY", ADMIN_KEY.to_string()),
            ("BOOTSTRAP", "false".into()),
            ("SANDBOX__ENABLED", "false".into()),
            ("LOG__LEVEL", "warn,switchboard=info".into()),
            ("DISPATCH__CHANNEL_MPS", "1000".into()),
            ("DISPATCH__PAIR_BURST", "1000000".into()),
            ("DISPATCH__RETRY_BASE_MS", "50".into()),
            ("DISPATCH__RETRY_MAX_MS", "1000".into()),
            ("DISPATCH__CONCURRENCY", concurrency.to_string()),
            ("UPSTREAM__REQUEST_TIMEOUT_MS", "1000".into()),
            ("HTTP__KEY_REQUESTS_PER_SECOND", "0".into()),
        ]
        .into_iter()
        .map(|(k, v)| (format!("SWITCHBOARD_{k}"), v))
        .collect();
        env.extend(
            extra
                .iter()
                .map(|(k, v)| (format!("SWITCHBOARD_{k}"), v.to_string())),
        );
        ServerSpec {
            data_dir,
            database_url,
            env,
        }
    }

    pub fn start(&self, listen: &str) -> Proc {
        let args = [
            "serve",
            "--listen",
            listen,
            "--data-dir",
            &self.data_dir.display().to_string(),
            "--database-url",
            &self.database_url,
        ]
        .map(String::from);
        Proc::spawn(
            &args,
            &self.env,
            &self.data_dir.join("server.log"),
            "is listening",
        )
    }

    /// Starts again on `addr`, once the killed process's port is free again.
    pub fn restart(&self, addr: SocketAddr) -> Proc {
        for _ in 0..100 {
            if std::net::TcpListener::bind(addr).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.start(&addr.to_string())
    }
}

/// One account, one Cloud channel pointed at the emulator, `chats` customers' windows open.
#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub server: String,
    pub emulator: String,
    pub key: String,
    pub channel_id: String,
}

async fn ok_json(r: reqwest::Response) -> Value {
    let status = r.status();
    let text = r.text().await.expect("body");
    assert!(status.is_success(), "HTTP {status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

impl Api {
    pub async fn setup(server: &Proc, emulator: &Proc, chats: usize) -> Api {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        let (server, emulator) = (server.url(), emulator.url());
        let account = ok_json(
            client
                .post(format!("{server}/v1/accounts"))
                .bearer_auth(ADMIN_KEY)
                .json(&json!({"name": "chaos"}))
                .send()
                .await
                .expect("account"),
        )
        .await;
        let key = account["api_key"].as_str().expect("api_key").to_string();
        let (phone, waba, token, secret) = (
            "106540352242922",
            "102290129340398",
            "EAAG-chaos-token",
            "chaos-app-secret",
        );
        let channel = ok_json(
            client
                .post(format!("{server}/v1/channels"))
                .bearer_auth(&key)
                .json(&json!({"name": "chaos", "kind": "cloud", "base_url": emulator, "phone_number_id": phone,
                              "waba_id": waba, "access_token": token, "app_secret": secret}))
                .send()
                .await
                .expect("channel"),
        )
        .await;
        let channel_id = channel["id"].as_str().expect("channel id").to_string();
        ok_json(
            client
                .post(format!("{emulator}/emulator/phone_numbers"))
                .json(&json!({"phone_number_id": phone, "waba_id": waba, "display_phone_number": "15550783881",
                              "access_token": token, "app_secret": secret, "verified_name": "Chaos",
                              "webhook_url": format!("{server}/webhooks/cloud/{channel_id}")}))
                .send()
                .await
                .expect("phone number"),
        )
        .await;
        let api = Api {
            client,
            server,
            emulator,
            key,
            channel_id,
        };
        // Warm the emulator up: its first send loads the phone-number tables, which can
        // take longer than the server's upstream timeout in a debug build, and a send that
        // is accepted after the server gave up is retried, i.e. sent twice.
        ok_json(
            api.client
                .post(format!("{}/v23.0/{phone}/messages", api.emulator))
                .bearer_auth(token)
                .json(
                    &json!({"messaging_product": "whatsapp", "to": recipient(0), "type": "template",
                              "template": {"name": "hello_world", "language": {"code": "en_US"}}}),
                )
                .send()
                .await
                .expect("warm-up send"),
        )
        .await;
        for chat in 0..chats {
            ok_json(
                api.client
                    .post(format!(
                        "{}/emulator/customers/{}/messages",
                        api.emulator,
                        recipient(chat)
                    ))
                    .json(&json!({"type": "text", "text": {"body": "hello"}}))
                    .send()
                    .await
                    .expect("inbound"),
            )
            .await;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while api.list("direction=inbound").await.len() < chats {
            assert!(
                Instant::now() < deadline,
                "the customers' messages did not reach the server"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        api
    }

    pub async fn list(&self, filter: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = String::new();
        loop {
            let url = format!(
                "{}/v1/channels/{}/messages?limit=500&after={after}&{filter}",
                self.server, self.channel_id
            );
            let page = ok_json(
                self.client
                    .get(url)
                    .bearer_auth(&self.key)
                    .send()
                    .await
                    .expect("list"),
            )
            .await;
            out.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["next"].as_str() {
                Some(n) if !n.is_empty() => after = n.to_string(),
                _ => return out,
            }
        }
    }

    pub async fn outbound_by_status(&self) -> BTreeMap<String, usize> {
        let mut by = BTreeMap::new();
        for m in self.list("direction=outbound").await {
            *by.entry(m["status"].as_str().unwrap_or("?").to_string())
                .or_insert(0) += 1;
        }
        by
    }

    /// Waits until no outbound message is `accepted` or `sent`; false at the deadline.
    pub async fn wait_all_final(&self, deadline: Instant) -> bool {
        loop {
            let by = self.outbound_by_status().await;
            if !by.contains_key("accepted") && !by.contains_key("sent") {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The sends the emulator answered 200 (accepted), in arrival order, each with its
    /// arrival time: a request the killed server had already written is still read and
    /// answered afterwards (late, if the emulator is busy).
    pub async fn emulator_sends(&self) -> Vec<Value> {
        let v = ok_json(
            self.client
                .get(format!("{}/emulator/requests", self.emulator))
                .send()
                .await
                .expect("record"),
        )
        .await;
        let mut sends: Vec<Value> = v
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|r| {
                r["method"] == "POST"
                    && r["status"] == 200
                    && r["path"].as_str().is_some_and(|p| p.ends_with("/messages"))
            })
            .collect();
        sends.sort_by_key(|r| r["seq"].as_u64());
        sends
    }

    pub async fn set_faults(&self, faults: Value) {
        ok_json(
            self.client
                .post(format!("{}/emulator/faults", self.emulator))
                .json(&faults)
                .send()
                .await
                .expect("faults"),
        )
        .await;
    }
}

/// What the senders got.
#[derive(Debug, Default)]
pub struct Sent {
    pub accepted: HashSet<(usize, usize)>,
    pub problems: Vec<String>,
}

/// One sequential sender per chat; each message has an Idempotency-Key and is retried
/// (the server may be down) until it is answered 2xx or `deadline` passes.
pub async fn send_chats(
    api: &Api,
    tag: &str,
    chats: usize,
    per_chat: usize,
    accepted: Arc<AtomicU64>,
    deadline: Instant,
) -> Sent {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let mut tasks = tokio::task::JoinSet::new();
    for chat in 0..chats {
        let (client, api, tag, accepted) = (
            client.clone(),
            api.clone(),
            tag.to_string(),
            accepted.clone(),
        );
        tasks.spawn(async move {
            let mut sent = Sent::default();
            let url = format!("{}/v1/channels/{}/messages", api.server, api.channel_id);
            for seq in 0..per_chat {
                let body = json!({"messaging_product": "whatsapp", "to": recipient(chat), "type": "text",
                                  "text": {"body": format!("{tag} chat {chat} seq {seq}")}});
                loop {
                    if Instant::now() > deadline {
                        sent.problems.push(format!("chat {chat} seq {seq}: no 2xx before the deadline"));
                        return sent;
                    }
                    match client.post(&url).bearer_auth(&api.key).header("Idempotency-Key", format!("{tag}-{chat}-{seq}")).json(&body).send().await {
                        Ok(r) if r.status().is_success() => {
                            sent.accepted.insert((chat, seq));
                            accepted.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        Ok(r) if r.status().is_client_error() => {
                            let status = r.status();
                            sent.problems.push(format!("chat {chat} seq {seq}: HTTP {status}: {}", r.text().await.unwrap_or_default()));
                            break;
                        }
                        _ => tokio::time::sleep(Duration::from_millis(20)).await,
                    }
                }
            }
            sent
        });
    }
    let mut all = Sent::default();
    while let Some(s) = tasks.join_next().await {
        let s = s.expect("sender");
        all.accepted.extend(s.accepted);
        all.problems.extend(s.problems);
    }
    all
}

/// The emulator's record of run `tag`.
#[derive(Debug, Default)]
pub struct Analysis {
    pub arrived: usize,
    pub lost: Vec<(usize, usize)>,
    pub duplicates: usize,
    /// Messages that arrived more than once: the times (ms) of every copy.
    pub duplicated: BTreeMap<(usize, usize), Vec<i64>>,
    pub order_violations: Vec<String>,
}

pub fn analyze(records: &[Value], tag: &str, accepted: &HashSet<(usize, usize)>) -> Analysis {
    let mut a = Analysis::default();
    let mut copies: HashMap<(usize, usize), Vec<i64>> = HashMap::new();
    let mut highest: HashMap<usize, usize> = HashMap::new();
    for r in records {
        let Some(text) = r.pointer("/body/text/body").and_then(Value::as_str) else {
            continue;
        };
        let w: Vec<&str> = text.split_whitespace().collect();
        let (Some(&t), Some(chat), Some(seq)) = (
            w.first(),
            w.get(2).and_then(|x| x.parse().ok()),
            w.get(4).and_then(|x| x.parse().ok()),
        ) else {
            continue;
        };
        if t != tag {
            continue;
        }
        let first = !copies.contains_key(&(chat, seq));
        copies
            .entry((chat, seq))
            .or_default()
            .push(r["time_ms"].as_i64().unwrap_or(0));
        let high = highest.get(&chat).copied();
        if first && high.is_some_and(|h| seq < h) {
            a.order_violations.push(format!(
                "chat {chat}: seq {seq} first arrived after seq {high:?}"
            ));
        }
        if high.is_none_or(|h| seq > h) {
            highest.insert(chat, seq);
        }
    }
    a.arrived = copies.len();
    a.lost = accepted
        .iter()
        .filter(|k| !copies.contains_key(k))
        .copied()
        .collect();
    a.lost.sort();
    for (key, times) in copies {
        if times.len() > 1 {
            a.duplicates += times.len() - 1;
            a.duplicated.insert(key, times);
        }
    }
    a
}

/// Generates `sqlite::<case>` and `postgres::<case>` tests running `run(database_url)`: `None`
/// for SQLite, a fresh PostgreSQL database (dropped afterwards) for PostgreSQL, which is
/// skipped, the reason printed, when PostgreSQL is unreachable and not required.
macro_rules! on_both_databases {
    ($case:ident => $run:path) => {
        mod sqlite {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $run(None).await;
            }
        }

        mod postgres {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(db) = switchboard_store::testing::postgres_db().await else {
                    return;
                };
                $run(Some(db.url.clone())).await;
                db.cleanup().await;
            }
        }
    };
}
