//! Child processes: the real `switchboard serve`, `switchboard emulate` and the no-op
//! baseline, started on 127.0.0.1 port 0 with their log in a file, found by the address they
//! log, killed with SIGKILL or stopped with SIGTERM, and measured through `/proc`.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

/// The admin key every benchmark server uses.
pub const ADMIN_KEY: &str = "sba_bench_admin_key_0123456789abcdef";

/// Linux's `USER_HZ` (the unit of utime/stime in `/proc/PID/stat`), fixed at 100.
const TICKS_PER_SECOND: f64 = 100.0;

/// Where the `switchboard` binary is: `--bin`, `$SWITCHBOARD_BIN`, or next to this binary.
pub fn switchboard_bin(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    if let Ok(p) = std::env::var("SWITCHBOARD_BIN") {
        return Ok(PathBuf::from(p));
    }
    let me = std::env::current_exe().context("locating this binary")?;
    let sibling = me.with_file_name("switchboard");
    if sibling.exists() {
        return Ok(sibling);
    }
    bail!(
        "no switchboard binary next to {}: build it (cargo build --release -p switchboard) or pass --bin",
        me.display()
    )
}

/// A child process that is SIGKILLed when dropped (so a failing run leaves nothing behind).
pub struct Proc {
    /// What it is, for messages.
    pub name: String,
    child: Option<Child>,
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its stdout+stderr.
    pub log: PathBuf,
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Finds `address=IP:PORT` on a log line containing `marker` written after `offset`.
fn find_address(log: &Path, offset: u64, marker: &str) -> Option<SocketAddr> {
    let mut f = File::open(log).ok()?;
    f.seek(SeekFrom::Start(offset)).ok()?;
    let mut text = String::new();
    f.read_to_string(&mut text).ok()?;
    for line in strip_ansi(&text).lines() {
        if !line.contains(marker) {
            continue;
        }
        if let Some(rest) = line.split("address=").nth(1) {
            let token: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '"')
                .collect();
            if let Ok(addr) = token.parse() {
                return Some(addr);
            }
        }
    }
    None
}

impl Proc {
    /// Starts `bin args…` with `envs`, output appended to `log`, and waits (≤ 30 s) for a log
    /// line containing `marker` and `address=…`.
    pub fn spawn(
        name: &str,
        bin: &Path,
        args: &[String],
        envs: &[(String, String)],
        log: &Path,
        marker: &str,
    ) -> Result<Proc> {
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening {}", log.display()))?;
        let offset = out.metadata()?.len();
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        for (k, _) in std::env::vars() {
            if k.starts_with("SWITCHBOARD_") && k != "SWITCHBOARD_BIN" {
                cmd.env_remove(k);
            }
        }
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut proc = Proc {
            name: name.to_string(),
            child: Some(child),
            addr: "127.0.0.1:0".parse().expect("address"),
            log: log.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(addr) = find_address(log, offset, marker) {
                proc.addr = addr;
                return Ok(proc);
            }
            if let Some(status) = proc
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                proc.child = None;
                bail!(
                    "{name} exited with {status} before listening; its log:\n{}",
                    tail(log, 3000)
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "{name} did not log its address within 30 s; its log:\n{}",
                    tail(log, 3000)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A stand-in for a process that is not running.
    pub fn placeholder() -> Proc {
        Proc {
            name: "nothing".into(),
            child: None,
            addr: "127.0.0.1:0".parse().expect("address"),
            log: PathBuf::new(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL, and reap.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, wait up to `grace`, then SIGKILL. Returns whether it exited by itself.
    pub fn stop(&mut self, grace: Duration) -> bool {
        let Some(mut c) = self.child.take() else {
            return true;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let deadline = Instant::now() + grace;
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

    /// User+system CPU seconds used so far (all threads).
    pub fn cpu_seconds(&self) -> Option<f64> {
        cpu_seconds(self.pid())
    }

    /// Peak resident set size (VmHWM) in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        status_kib(self.pid(), "VmHWM:")
    }

    /// Current resident set size (VmRSS) in KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        status_kib(self.pid(), "VmRSS:")
    }

    /// The last lines of its log.
    pub fn log_tail(&self) -> String {
        format!(
            "{} log ({}):\n{}",
            self.name,
            self.log.display(),
            tail(&self.log, 2000)
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The last `max` bytes of a file.
pub fn tail(path: &Path, max: u64) -> String {
    let Ok(mut f) = File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(max)));
    let mut s = String::new();
    let _ = f.read_to_string(&mut s);
    strip_ansi(&s)
}

/// utime+stime of `pid` in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) start at field 3 (state).
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// CPU seconds used so far by every process named `postgres` on this machine (the
/// database's share of a run, when PostgreSQL runs here); 0 when there is none.
pub fn postgres_cpu_seconds() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .filter_map(cpu_seconds)
        .sum()
}

/// This process's CPU seconds.
pub fn self_cpu_seconds() -> f64 {
    cpu_seconds(std::process::id()).unwrap_or(0.0)
}

fn status_kib(pid: u32, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// How a `switchboard serve` is started (and restarted on the same port and database).
#[derive(Clone)]
pub struct ServerSpec {
    /// The `switchboard` binary.
    pub bin: PathBuf,
    /// Its data folder.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Extra `SWITCHBOARD_*` settings.
    pub env: Vec<(String, String)>,
}

impl ServerSpec {
    /// A server on `database_url` with a fixed admin key, no bootstrap, no sandbox, no
    /// per-key request rate and `extra` settings (name without the `SWITCHBOARD_` prefix, e.g. `DISPATCH__CHANNEL_MPS`).
    pub fn new(bin: &Path, data_dir: &Path, database_url: &str, extra: &[(&str, String)]) -> Self {
        let mut env = vec![
            ("SWITCHBOARD_ADMIN_KEY".to_string(), ADMIN_KEY.to_string()),
            ("SWITCHBOARD_BOOTSTRAP".to_string(), "false".to_string()),
            (
                "SWITCHBOARD_SANDBOX__ENABLED".to_string(),
                "false".to_string(),
            ),
            (
                "SWITCHBOARD_LOG__LEVEL".to_string(),
                "warn,switchboard=info".to_string(),
            ),
            // The benchmarks measure throughput, which the per-key request rate would cap.
            (
                "SWITCHBOARD_HTTP__KEY_REQUESTS_PER_SECOND".to_string(),
                "0".to_string(),
            ),
        ];
        for (k, v) in extra {
            env.push((format!("SWITCHBOARD_{k}"), v.clone()));
        }
        ServerSpec {
            bin: bin.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
            database_url: database_url.to_string(),
            env,
        }
    }

    /// Starts it on `listen` (e.g. `127.0.0.1:0`, or the previous address to restart).
    pub fn start(&self, listen: &str) -> Result<Proc> {
        let args = vec![
            "serve".to_string(),
            "--listen".to_string(),
            listen.to_string(),
            "--data-dir".to_string(),
            self.data_dir.display().to_string(),
            "--database-url".to_string(),
            self.database_url.clone(),
        ];
        Proc::spawn(
            "switchboard serve",
            &self.bin,
            &args,
            &self.env,
            &self.data_dir.join("server.log"),
            "is listening",
        )
    }

    /// Restarts on the same address, retrying a few times while the port is released.
    pub fn restart(&self, addr: SocketAddr) -> Result<Proc> {
        let mut last = None;
        for _ in 0..20 {
            match self.start(&addr.to_string()) {
                Ok(p) => return Ok(p),
                Err(e) => {
                    last = Some(e);
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        Err(last.unwrap_or_else(|| anyhow!("restart failed")))
    }
}

/// Starts `switchboard emulate` on 127.0.0.1 port 0 with a setup file written into `dir`.
pub fn start_emulator(bin: &Path, dir: &Path, setup: &serde_json::Value) -> Result<Proc> {
    let file = dir.join("emulator-setup.json");
    std::fs::write(&file, serde_json::to_vec_pretty(setup)?)?;
    let args = vec![
        "emulate".to_string(),
        "--listen".to_string(),
        "127.0.0.1:0".to_string(),
        "--setup".to_string(),
        file.display().to_string(),
    ];
    Proc::spawn(
        "switchboard emulate",
        bin,
        &args,
        &[("RUST_LOG".to_string(), "warn,switchboard=info".to_string())],
        &dir.join("emulator.log"),
        "emulator listening",
    )
}

/// Starts this binary's no-op `baseline` server on 127.0.0.1 port 0.
pub fn start_baseline(dir: &Path) -> Result<Proc> {
    let me = std::env::current_exe()?;
    Proc::spawn(
        "baseline",
        &me,
        &[
            "baseline".to_string(),
            "--listen".to_string(),
            "127.0.0.1:0".to_string(),
        ],
        &[],
        &dir.join("baseline.log"),
        "baseline listening",
    )
}

/// Waits until `GET {url}/healthz` answers 200 (≤ 30 s).
pub async fn wait_healthy(client: &reqwest::Client, url: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.get(format!("{url}/healthz")).send().await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            bail!("{url}/healthz did not answer 200 within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
