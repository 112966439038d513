//! Test databases: a SQLite file in a temporary folder, and a fresh PostgreSQL database.
//!
//! PostgreSQL tests need a server: `SWITCHBOARD_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Without one they are skipped with a printed
//! reason, unless `CI=true` or `SWITCHBOARD_REQUIRE_POSTGRES=1`, which make them mandatory.

use std::sync::Arc;

use sqlx::Connection;

use crate::sqlite::SqliteStore;
use crate::{Keyring, SecretKey, Store, StoreError};

/// Default server for PostgreSQL tests.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The keyring of test stores: one fixed key, so that stores a test reopens read its secrets.
pub fn test_keys() -> Keyring {
    let key = SecretKey::parse(&"5b".repeat(32)).expect("a 32-byte hex key");
    Keyring::new(key, Vec::new())
}

/// A SQLite store in a temporary folder; the folder lives as long as this value.
pub struct SqliteTestDb {
    /// The store.
    pub store: Arc<dyn Store>,
    /// `sqlite://…` URL of the database file.
    pub url: String,
    /// The folder holding the file.
    pub dir: tempfile::TempDir,
}

/// Opens a new SQLite store in a temporary folder.
pub async fn sqlite() -> SqliteTestDb {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("switchboard.db");
    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::open(&path.display().to_string(), test_keys())
        .await
        .expect("open SQLite");
    SqliteTestDb {
        store: Arc::new(store),
        url,
        dir,
    }
}

/// Whether PostgreSQL tests must run (CI) instead of being skipped.
pub fn postgres_required() -> bool {
    let set = |name: &str| {
        std::env::var(name)
            .map(|v| matches!(v.as_str(), "1" | "true" | "TRUE" | "yes"))
            .unwrap_or(false)
    };
    set("CI") || set("SWITCHBOARD_REQUIRE_POSTGRES")
}

/// URL of the PostgreSQL server used by tests.
pub fn postgres_server_url() -> String {
    std::env::var("SWITCHBOARD_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_string())
}

/// A fresh PostgreSQL database for one test; dropped by [`PgTestDb::cleanup`].
pub struct PgTestDb {
    /// URL of the fresh database.
    pub url: String,
    name: String,
}

/// Creates a fresh, empty database on the test server, or returns `None` (after printing why)
/// when the server is unreachable and PostgreSQL is not required.
///
/// # Panics
/// When the server is unreachable and [`postgres_required`] is true.
pub async fn postgres_db() -> Option<PgTestDb> {
    let server = postgres_server_url();
    let mut admin = match sqlx::PgConnection::connect(&server).await {
        Ok(conn) => conn,
        Err(e) => {
            let reason = format!(
                "PostgreSQL at {} is unreachable ({e})",
                crate::redact_url(&server)
            );
            if postgres_required() {
                panic!("{reason}; PostgreSQL tests are mandatory here (CI=true or SWITCHBOARD_REQUIRE_POSTGRES=1)");
            }
            print_skip_once(&reason);
            return None;
        }
    };
    let stamp = switchboard_core::time::now_millis();
    let name = format!(
        "sb_test_{stamp}_{}",
        switchboard_core::secret::random_hex(4)
    );
    drop_stale(&mut admin, stamp).await;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let _ = admin.close().await;
    let url = match server.rsplit_once('/') {
        Some((base, _)) if base.contains("://") && base.len() > "postgres://".len() => {
            format!("{base}/{name}")
        }
        _ => format!("{server}/{name}"),
    };
    Some(PgTestDb { url, name })
}

/// Prints why PostgreSQL tests are skipped, once per test binary, past the test harness's
/// output capture so it shows in a normal `cargo test` run.
fn print_skip_once(reason: &str) {
    use std::io::Write;
    static PRINTED: std::sync::Once = std::sync::Once::new();
    PRINTED.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: the PostgreSQL suite is skipped: {reason}. Start PostgreSQL or set SWITCHBOARD_TEST_DATABASE_URL to run it."
        );
    });
}

/// Drops test databases left behind more than an hour ago by crashed test runs.
async fn drop_stale(admin: &mut sqlx::PgConnection, now: i64) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'sb_test_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let stamp = name
            .trim_start_matches("sb_test_")
            .split('_')
            .next()
            .and_then(|s| s.parse::<i64>().ok());
        if matches!(stamp, Some(t) if now - t > 3_600_000) {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut *admin)
                .await;
        }
    }
}

impl PgTestDb {
    /// Opens the store on this database (migrating it).
    pub async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        crate::open(&self.url, test_keys()).await
    }

    /// Drops the database.
    pub async fn cleanup(self) {
        if let Ok(mut admin) = sqlx::PgConnection::connect(&postgres_server_url()).await {
            let _ = sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin)
            .await;
            let _ = admin.close().await;
        }
    }
}

/// What a dump of the database at `url` shows: for SQLite, the bytes of its files (the
/// database, its WAL and shared memory) and the text of every column of every table; for
/// PostgreSQL, every text, JSON and byte column of every table of the schema, as text. Tests
/// search it for values that must not be stored in clear.
pub async fn dump(url: &str) -> Vec<u8> {
    match url.strip_prefix("sqlite://") {
        Some(path) => sqlite_dump(std::path::Path::new(path)),
        None => postgres_dump(url).await,
    }
}

fn sqlite_dump(path: &std::path::Path) -> Vec<u8> {
    let mut dump = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        dump.extend(std::fs::read(file).unwrap_or_default());
    }
    let c = rusqlite::Connection::open(path).expect("open the SQLite file");
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in tables {
        let mut stmt = c.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                let value: rusqlite::types::Value = row.get(i).unwrap();
                dump.extend(format!("{value:?}\n").into_bytes());
            }
        }
    }
    dump
}

async fn postgres_dump(url: &str) -> Vec<u8> {
    use sqlx::Row;
    let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
    let columns = sqlx::query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = 'public'
           AND data_type IN ('text', 'jsonb', 'json', 'character varying', 'bytea')",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert!(columns.len() > 20, "the schema's text columns are listed");
    let mut dump = Vec::new();
    for row in columns {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        let values: Vec<Option<String>> =
            sqlx::query_scalar(&format!("SELECT \"{column}\"::text FROM \"{table}\""))
                .fetch_all(&mut c)
                .await
                .unwrap();
        for value in values.into_iter().flatten() {
            dump.extend(value.into_bytes());
            dump.push(b'\n');
        }
    }
    let _ = c.close().await;
    dump
}
