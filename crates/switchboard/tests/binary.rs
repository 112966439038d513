//! The real `switchboard` binary as a newcomer runs it: no configuration, first-start output,
//! `/healthz`, graceful exit on SIGTERM, and no second bootstrap on restart.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn start(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .env_remove("SWITCHBOARD_ADMIN_KEY")
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_DATA_DIR")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start switchboard")
}

fn wait_healthy(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("/healthz did not answer 200 within 30 s");
}

fn terminate(mut child: Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("switchboard did not exit within 20 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn first_start_prints_keys_and_a_curl_line_then_exits_cleanly() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let port = free_port();
    let mut child = start(dir.path(), port);
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    wait_healthy(port);
    assert!(dir.path().join("data/switchboard.db").exists());
    assert!(dir.path().join("data/media").is_dir());
    let status = terminate(child);
    assert!(status.success(), "exit status {status}");
    let out = reader.join().expect("stdout").join("\n");
    assert!(out.contains("Admin key"), "{out}");
    assert!(out.contains("sba_"), "{out}");
    assert!(out.contains("API key (shown once): sb_"), "{out}");
    assert!(out.contains("Sandbox channel: ch_"), "{out}");
    assert!(out.contains("curl -s http://127.0.0.1:"), "{out}");

    // A second start reuses everything and prints no secrets.
    let port = free_port();
    let mut child = start(dir.path(), port);
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    wait_healthy(port);
    assert!(terminate(child).success());
    let out = reader.join().expect("stdout").join("\n");
    assert!(!out.contains("sba_") && !out.contains("sb_"), "{out}");
}

#[test]
fn an_invalid_setting_fails_at_start_naming_its_key() {
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

#[test]
fn migrate_and_admin_helpers_work_offline() {
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
