//! One benchmark stack: a temporary folder, an emulator process, a server process on SQLite
//! or a fresh PostgreSQL database, and an account to drive them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Result};
use serde_json::{json, Value};

use crate::api::Api;
use crate::pg::{self, PgDb};
use crate::procs::{self, Proc, ServerSpec};

/// Which database the server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// SQLite file in the temporary data folder.
    Sqlite,
    /// A fresh database on the PostgreSQL server of `--pg-url`.
    Postgres,
}

impl Backend {
    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where things are.
#[derive(Debug, Clone)]
pub struct Env {
    /// The `switchboard` binary.
    pub bin: PathBuf,
    /// PostgreSQL server URL (an existing database to connect to for CREATE DATABASE).
    pub pg_url: String,
    /// Keep the temporary folders (logs, SQLite files) and PostgreSQL databases for inspection.
    pub keep: bool,
}

/// A running emulator + server + account.
pub struct Stack {
    /// Temporary folder (data dir, logs, emulator setup).
    pub dir: tempfile::TempDir,
    /// The emulator process.
    pub emulator: Proc,
    /// The server process.
    pub server: Proc,
    /// How to restart the server.
    pub spec: ServerSpec,
    /// Client of both.
    pub api: Api,
    pg: Option<PgDb>,
    keep: bool,
}

/// A webhook retry policy that rides out server restarts (about 30 s of downtime).
pub fn patient_webhooks() -> Value {
    json!({"max_attempts": 60, "initial_backoff_ms": 50, "max_backoff_ms": 500, "request_timeout_ms": 5000})
}

impl Stack {
    /// Starts the emulator with `emulator_config` (an `EmulatorConfig` JSON object), then the
    /// server on `backend` with `server_env` (names without `SWITCHBOARD_`), then an account.
    pub async fn start(
        env: &Env,
        backend: Backend,
        emulator_config: Value,
        server_env: &[(&str, String)],
    ) -> Result<Stack> {
        let dir = tempfile::Builder::new().prefix("sb-bench-").tempdir()?;
        // Every benchmark recipient is on WhatsApp: no "not on WhatsApp" number suffix.
        let mut emulator_config = emulator_config;
        if let Some(c) = emulator_config.as_object_mut() {
            c.entry("undeliverable_suffix").or_insert(Value::Null);
        }
        let emulator = procs::start_emulator(
            &env.bin,
            dir.path(),
            &json!({"config": emulator_config, "phone_numbers": []}),
        )?;
        let (url, pg) = match backend {
            Backend::Sqlite => (
                format!(
                    "sqlite://{}",
                    dir.path().join("data/switchboard.db").display()
                ),
                None,
            ),
            Backend::Postgres => {
                let db = pg::create(&env.pg_url).await?;
                (db.url.clone(), Some(db))
            }
        };
        let spec = ServerSpec::new(&env.bin, &dir.path().join("data"), &url, server_env);
        std::fs::create_dir_all(&spec.data_dir)?;
        let server = match spec.start("127.0.0.1:0") {
            Ok(s) => s,
            Err(e) => {
                if let Some(db) = pg {
                    db.drop_db().await;
                }
                return Err(e);
            }
        };
        let client = reqwest::Client::new();
        procs::wait_healthy(&client, &server.url()).await?;
        let api = Api::new_account(&server.url(), &emulator.url()).await?;
        Ok(Stack {
            dir,
            emulator,
            server,
            spec,
            api,
            pg,
            keep: env.keep,
        })
    }

    /// Keeps the temporary folder (logs, database) after [`Stack::finish`].
    pub fn keep_files(&mut self) {
        self.keep = true;
    }

    /// The PostgreSQL database's URL (`None` on SQLite).
    pub fn database_url(&self) -> Option<String> {
        self.pg.as_ref().map(|db| db.url.clone())
    }

    /// The folder with the logs.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Stops everything and drops the PostgreSQL database. Fails when the server does not
    /// exit within 20 s of SIGTERM.
    pub async fn finish(mut self) -> Result<()> {
        let clean = self.server.stop(Duration::from_secs(20));
        self.emulator.kill9();
        if let Some(db) = self.pg.take() {
            if self.keep {
                eprintln!("kept PostgreSQL database {}", db.url);
            } else {
                db.drop_db().await;
            }
        }
        if self.keep {
            let kept = self.dir.keep();
            eprintln!("kept {}", kept.display());
        }
        if !clean {
            bail!("the server did not exit within 20 s of SIGTERM");
        }
        Ok(())
    }
}

/// A Cloud API text message.
pub fn text(to: &str, body: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}})
}

/// The pre-approved `hello_world` template (needs no open window).
pub fn template(to: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "template",
           "template": {"name": "hello_world", "language": {"code": "en_US"}}})
}

/// The median of `v` (mean of the middle two for an even count); NaN when empty.
pub fn median(v: &[f64]) -> f64 {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return f64::NAN;
    }
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// `uptime`'s 1-minute load average.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// Prints a line about the machine (for the record).
pub fn print_machine() {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|x| x.parse::<u64>().ok())
                })
        })
        .unwrap_or(0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1).map(|x| x.trim().to_string()))
        })
        .unwrap_or_default();
    println!(
        "machine: {cores} cores ({cpu}), {:.1} GiB memory, load average {:.2}",
        mem_kib as f64 / 1024.0 / 1024.0,
        load_average()
    );
}
