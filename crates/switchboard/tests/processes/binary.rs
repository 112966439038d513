//! The real `switchboard` binary as a newcomer runs it: no configuration, first-start output,
//! `/healthz` within 2 s of the spawn, graceful exit on SIGTERM, no second bootstrap on
//! restart, the README's curl walkthrough on the bootstrapped sandbox channel, and an
//! in-flight request finishing with 200 across SIGTERM and SIGINT.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A running `switchboard serve`: the child, the port it reported, and its stdout lines.
struct Serve {
    child: Child,
    port: u16,
    stdout: Receiver<String>,
}

/// Forwards every line of `from` to the returned channel until the end of the stream. The
/// pipe is read to its end even when nobody listens any more: a closed pipe would make the
/// server's next `println!` fail and the server die.
fn lines_of(from: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

/// Spawns `switchboard serve` in `dir` on a port the server picks itself, and waits (at most
/// 30 s) for the line it logs once it listens; that line names the port.
fn start(dir: &std::path::Path) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir)
        .env_remove("SWITCHBOARD_ADMIN_KEY")
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_DATA_DIR")
        .env("RUST_LOG", "warn,switchboard=info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start switchboard");
    let stdout = lines_of(child.stdout.take().expect("stdout"));
    let stderr = lines_of(child.stderr.take().expect("stderr"));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut log = Vec::new();
    loop {
        let wait = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = stderr.recv_timeout(wait) else {
            let _ = child.kill();
            panic!(
                "switchboard did not log that it listens within 30 s ({:?}):\n{}",
                child.try_wait(),
                log.join("\n")
            );
        };
        if let Some(port) = listening_port(&line) {
            // Keep draining stderr so that the server never blocks on a full pipe.
            std::thread::spawn(move || stderr.into_iter().for_each(drop));
            return Serve {
                child,
                port,
                stdout,
            };
        }
        log.push(line);
    }
}

/// The port of the server's "Switchboard is listening address=127.0.0.1:PORT" log line.
fn listening_port(line: &str) -> Option<u16> {
    let (_, after) = line.split_once("Switchboard is listening")?;
    let (_, address) = after.split_once("address=127.0.0.1:")?;
    let digits: String = address.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Polls `/healthz` every 10 ms until it answers 200 (at most 30 s).
fn wait_healthy(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("/healthz did not answer 200 within 30 s");
}

/// The bound between spawning `serve` and its first `/healthz` 200.
const HEALTHY_WITHIN: Duration = Duration::from_secs(2);

/// Waits for `/healthz`, prints how long after `spawned` it answered, and asserts the bound.
fn assert_healthy_in_time(port: u16, spawned: Instant, what: &str) {
    wait_healthy(port);
    let took = spawned.elapsed();
    eprintln!(
        "{what}: /healthz answered 200 {} ms after spawning the binary",
        took.as_millis()
    );
    assert!(
        took < HEALTHY_WITHIN,
        "{what}: /healthz took {took:?}, more than {HEALTHY_WITHIN:?}"
    );
}

fn send_signal(child: &Child, signal: &str) {
    let pid = child.id().to_string();
    let status = Command::new("kill")
        .args([signal, &pid])
        .status()
        .expect("kill");
    assert!(status.success(), "kill {signal} {pid}");
}

fn terminate(child: Child) -> std::process::ExitStatus {
    send_signal(&child, "-TERM");
    wait_exit(child, "SIGTERM")
}

/// Waits (at most 20 s) for the process to exit after `signal`.
fn wait_exit(mut child: Child, signal: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("switchboard did not exit within 20 s of {signal}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn first_start_prints_keys_and_a_curl_line_then_exits_cleanly() {
    let _others = crate::beside_others().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let spawned = Instant::now();
    let server = start(dir.path());
    assert_healthy_in_time(server.port, spawned, "first start");
    assert!(dir.path().join("data/switchboard.db").exists());
    assert!(dir.path().join("data/media").is_dir());
    let status = terminate(server.child);
    assert!(status.success(), "exit status {status}");
    let out = server.stdout.iter().collect::<Vec<_>>().join("\n");
    assert!(out.contains("Admin key"), "{out}");
    assert!(out.contains("sba_"), "{out}");
    assert!(out.contains("API key (shown once): sb_"), "{out}");
    assert!(out.contains("Sandbox channel: ch_"), "{out}");
    assert!(out.contains("curl -s http://127.0.0.1:"), "{out}");

    // A second start reuses everything and prints no secrets.
    let spawned = Instant::now();
    let server = start(dir.path());
    assert_healthy_in_time(server.port, spawned, "second start");
    assert!(terminate(server.child).success());
    let out = server.stdout.iter().collect::<Vec<_>>().join("\n");
    assert!(!out.contains("sba_") && !out.contains("sb_"), "{out}");
}

#[tokio::test]
async fn an_invalid_setting_fails_at_start_naming_its_key() {
    let _others = crate::beside_others().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve"])
        .current_dir(dir.path())
        .env("SWITCHBOARD_HTTP__BODY_LIMIT_BYTES", "lots")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.to_lowercase().contains("body_limit_bytes"), "{err}");
}

#[tokio::test]
async fn migrate_and_admin_helpers_work_offline() {
    let _others = crate::beside_others().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(args)
            .current_dir(dir.path())
            .env("RUST_LOG", "warn")
            .output()
            .expect("run");
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let first = run(&["migrate"]);
    let applied: u32 = first
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(applied >= 1, "{first}");
    assert!(
        run(&["migrate"]).starts_with("0 migration(s) applied"),
        "a second run applies nothing"
    );
    let out = run(&["account", "create", "--name", "ops"]);
    let account = out
        .lines()
        .find_map(|l| l.strip_prefix("account: "))
        .expect("account line")
        .to_string();
    assert!(out.contains("api_key (shown once): sb_"));
    let out = run(&[
        "key",
        "create",
        "--account",
        &account,
        "--permission",
        "read",
    ]);
    assert!(out.contains("secret (shown once): sb_"), "{out}");
}

/// Reads the first-start output until the API key and the sandbox channel are printed;
/// returns them (at most 30 s).
fn first_start_credentials(stdout: &Receiver<String>) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let (mut key, mut channel) = (None, None);
    while key.is_none() || channel.is_none() {
        let line = stdout
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the first-start output names an API key and a sandbox channel");
        if let Some(k) = line.strip_prefix("API key (shown once): ") {
            key = Some(k.trim().to_string());
        }
        if let Some(c) = line.strip_prefix("Sandbox channel: ") {
            channel = Some(c.trim().to_string());
        }
    }
    (key.expect("key"), channel.expect("channel"))
}

/// Sends `request`, returns (status, JSON body).
async fn call(request: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = request.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Polls `check` every 50 ms until it returns `Some` (at most 30 s).
async fn poll<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..600 {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out after 30 s waiting for {what}");
}

/// The README's "Two-minute walkthrough", with the key and channel the first start printed:
/// a simulated customer writes, the answer (and the other sample sends) are accepted, the
/// answer reaches `read`, and the customer's reply shows up in the message list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_walkthrough_works_on_the_bootstrapped_sandbox_channel() {
    let _others = crate::beside_others().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let Serve {
        child,
        port,
        stdout,
    } = start(dir.path());
    let (key, ch) = first_start_credentials(&stdout);
    wait_healthy(port);
    let sb = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let post = |path: String, body: Value| {
        http.post(format!("{sb}{path}"))
            .bearer_auth(&key)
            .json(&body)
    };
    let get = |path: String| http.get(format!("{sb}{path}")).bearer_auth(&key);
    let listed = |list: &Value, direction: &str, text: &str| {
        list["data"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|m| m["direction"] == direction && m["content"]["text"]["body"] == text)
    };

    let (status, body) = call(post(
        format!("/v1/channels/{ch}/sandbox/inbound"),
        json!({"from":"15551230000","type":"text","text":{"body":"Hi, is my order ready?"},"profile":{"name":"Ana"}}),
    ))
    .await;
    assert_eq!(status, 202, "{body}");
    poll("the customer's message in the list", || async {
        let (_, list) = call(get(format!("/v1/channels/{ch}/messages?limit=10"))).await;
        listed(&list, "inbound", "Hi, is my order ready?").then_some(())
    })
    .await;

    let (status, answer) = call(post(
        format!("/v1/channels/{ch}/messages"),
        json!({"messaging_product":"whatsapp","to":"+1 555 123 0000","type":"text","text":{"body":"Yes! Pick it up today."}}),
    ))
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["messaging_product"], "whatsapp", "{answer}");
    assert_eq!(answer["contacts"][0]["wa_id"], "15551230000", "{answer}");
    assert!(answer["window_expires_at"].is_string(), "{answer}");
    let reply_id = answer["messages"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();

    let (status, body) = call(post(
        format!("/v1/channels/{ch}/messages"),
        json!({"messaging_product":"whatsapp","to":"15551230000","type":"interactive","interactive":{"type":"button","body":{"text":"Rate us"},
          "action":{"buttons":[{"type":"reply","reply":{"id":"good","title":"Good"}},{"type":"reply","reply":{"id":"bad","title":"Bad"}}]}}}),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let template = json!({"messaging_product":"whatsapp","to":"15551239999","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}});
    let (status, first) = call(
        post(format!("/v1/channels/{ch}/messages"), template.clone())
            .header("Idempotency-Key", "welcome-42"),
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = call(
        post(format!("/v1/channels/{ch}/messages"), template)
            .header("Idempotency-Key", "welcome-42"),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["messages"][0]["id"], first["messages"][0]["id"]);

    let read = poll("the answer to reach read", || async {
        let (status, m) = call(get(format!("/v1/messages/{reply_id}"))).await;
        (status == 200 && m["status"] == "read").then_some(m)
    })
    .await;
    let history: Vec<&str> = read["status_history"]
        .as_array()
        .expect("status_history")
        .iter()
        .filter_map(|h| h["status"].as_str())
        .collect();
    for s in ["sent", "delivered", "read"] {
        assert!(history.contains(&s), "{s} missing from {history:?}");
    }

    // The customer answers; the reply shows up in the message list with both directions.
    let (status, body) = call(post(
        format!("/v1/channels/{ch}/sandbox/inbound"),
        json!({"from":"15551230000","type":"text","text":{"body":"Great, on my way!"}}),
    ))
    .await;
    assert_eq!(status, 202, "{body}");
    let list = poll("the customer's reply in the list", || async {
        let (_, list) = call(get(format!("/v1/channels/{ch}/messages?limit=10"))).await;
        listed(&list, "inbound", "Great, on my way!").then_some(list)
    })
    .await;
    assert!(
        listed(&list, "outbound", "Yes! Pick it up today."),
        "{list}"
    );

    for path in ["/healthz", "/readyz", "/metrics"] {
        let resp = http
            .get(format!("{sb}{path}"))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status().as_u16(), 200, "{path}");
    }
    assert!(terminate(child).success());
}

/// With a 3 s latency fault on the mounted sandbox, a request in flight when `signal`
/// arrives completes with 200, and the process then exits 0.
async fn an_in_flight_request_finishes_on(signal: &str) {
    let _others = crate::beside_others().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let Serve { child, port, .. } = start(dir.path());
    wait_healthy(port);
    let base = format!("http://127.0.0.1:{port}/sandbox");
    let http = reqwest::Client::new();
    let (status, body) = call(
        http.post(format!("{base}/emulator/phone_numbers"))
            .json(&json!({
                "phone_number_id": "100200300400", "waba_id": "200300400500",
                "display_phone_number": "15550001234", "access_token": "slow-token",
                "app_secret": "slow-secret", "verified_name": "Slow line"
            })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(
        http.post(format!("{base}/emulator/faults"))
            .json(&json!({"latency_ms": 3000})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let slow = tokio::spawn(call(
        http.post(format!("{base}/v23.0/100200300400/messages"))
            .bearer_auth("slow-token")
            .json(&json!({"messaging_product":"whatsapp","to":"15551239999","type":"text","text":{"body":"slow"}})),
    ));
    // The request reaches the server long before its 3 s latency is over.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    send_signal(&child, signal);
    let (status, body) = slow.await.expect("request task");
    assert_eq!(status, 200, "in flight at {signal}: {body}");
    assert!(
        body["messages"][0]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("wamid.")),
        "{body}"
    );
    let exit = tokio::task::spawn_blocking({
        let signal = signal.to_string();
        move || wait_exit(child, &signal)
    })
    .await
    .expect("wait");
    assert!(exit.success(), "exit status {exit} after {signal}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_an_in_flight_request_finish_then_exits_0() {
    an_in_flight_request_finishes_on("-TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_lets_an_in_flight_request_finish_then_exits_0() {
    an_in_flight_request_finishes_on("-INT").await;
}

/// `switchboard secrets rotate` on the first start's data: every secret is sealed under a
/// new key in the key file, the old key kept beside it can be deleted, and the restarted
/// server still sends on the bootstrapped sandbox channel (it reads the channel's token).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_rotate_then_the_old_key_can_go() {
    let _others = crate::beside_others().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let server = start(dir.path());
    let (key, ch) = first_start_credentials(&server.stdout);
    wait_healthy(server.port);
    assert!(terminate(server.child).success());
    let key_file = dir.path().join("data/secret.key");
    let before = std::fs::read_to_string(&key_file).expect("key file");

    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["secrets", "rotate"])
        .current_dir(dir.path())
        .env_remove("SWITCHBOARD_SECRET_KEY")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{out} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        out.contains("every stored secret is now encrypted with key"),
        "{out}"
    );
    assert_ne!(std::fs::read_to_string(&key_file).expect("new key"), before);
    let retired: Vec<_> = std::fs::read_dir(dir.path().join("data"))
        .expect("data")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".old"))
        .collect();
    assert_eq!(retired.len(), 1, "{retired:?}");
    let name = retired[0]
        .file_name()
        .expect("name")
        .to_string_lossy()
        .to_string();
    assert!(out.contains(&name), "{out}");
    std::fs::remove_file(&retired[0]).expect("remove the old key");

    let server = start(dir.path());
    wait_healthy(server.port);
    let sb = format!("http://127.0.0.1:{}", server.port);
    let http = reqwest::Client::new();
    let (status, _) = call(
        http.post(format!("{sb}/v1/channels/{ch}/sandbox/inbound"))
            .bearer_auth(&key)
            .json(&json!({"from":"15551230000","type":"text","text":{"body":"Hi"}})),
    )
    .await;
    assert_eq!(status, 202);
    let (status, answer) = call(
        http.post(format!("{sb}/v1/channels/{ch}/messages"))
            .bearer_auth(&key)
            .json(&json!({"messaging_product":"whatsapp","to":"15551230000","type":"text","text":{"body":"Hello"}})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["messages"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    poll("the answer to leave for the upstream", || async {
        let (_, m) = call(http.get(format!("{sb}/v1/messages/{id}")).bearer_auth(&key)).await;
        (!matches!(m["status"].as_str(), Some("accepted" | "queued"))).then_some(m)
    })
    .await;
    let (_, m) = call(http.get(format!("{sb}/v1/messages/{id}")).bearer_auth(&key)).await;
    assert_ne!(m["status"], "failed", "{m}");
    assert!(terminate(server.child).success());
}
