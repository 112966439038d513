//! A fresh PostgreSQL database per benchmark run, dropped afterwards.

use anyhow::{Context, Result};
use sqlx::{Connection, Executor, PgConnection};

/// A database created for one run.
pub struct PgDb {
    /// Its URL.
    pub url: String,
    server: String,
    name: String,
}

fn with_database(server: &str, db: &str) -> String {
    match server.rfind('/') {
        Some(i) if i > "postgres://".len() => format!("{}/{db}", &server[..i]),
        _ => format!("{}/{db}", server.trim_end_matches('/')),
    }
}

/// Creates `sb_bench_<random>` on the server at `server` (a URL of an existing database).
pub async fn create(server: &str) -> Result<PgDb> {
    let mut admin = PgConnection::connect(server)
        .await
        .with_context(|| format!("connecting to PostgreSQL at {server}"))?;
    let name = format!("sb_bench_{:016x}", rand::random::<u64>());
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .with_context(|| format!("creating database {name}"))?;
    let _ = admin.close().await;
    Ok(PgDb {
        url: with_database(server, &name),
        server: server.to_string(),
        name,
    })
}

impl PgDb {
    /// Drops the database (its server must be stopped, or the drop is forced).
    pub async fn drop_db(self) {
        if let Ok(mut admin) = PgConnection::connect(&self.server).await {
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
                .await;
            let _ = admin.close().await;
        }
    }
}
