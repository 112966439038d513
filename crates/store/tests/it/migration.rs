//! Migration 0011 (settings tagged with their kind): a database made by the schema before it,
//! holding a cloud and a sandbox channel in the old settings form, opens after the migration
//! and reads back the same channels, on both backends; their secrets, written in clear, are
//! sealed when the store opens.

use std::path::Path;

use sqlx::Connection;
use switchboard_core::channel::{
    reason, Channel, ChannelKind, ChannelSettings, ChannelState, ChannelStatus, CloudSettings,
};
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_store::testing;

/// The migrations before the kind tag, by name and text (the same files the stores apply).
const SQLITE_BEFORE: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_messages.sql"),
    include_str!("../../migrations/sqlite/0003_webhooks.sql"),
    include_str!("../../migrations/sqlite/0004_templates.sql"),
    include_str!("../../migrations/sqlite/0005_media.sql"),
    include_str!("../../migrations/sqlite/0006_bot.sql"),
    include_str!("../../migrations/sqlite/0007_schedule_stats.sql"),
    include_str!("../../migrations/sqlite/0008_credits.sql"),
    include_str!("../../migrations/sqlite/0009_contacts.sql"),
    include_str!("../../migrations/sqlite/0010_broadcasts.sql"),
];

fn old_channel(account: AccountId, kind: ChannelKind, phone: &str) -> Channel {
    Channel {
        id: ChannelId::new(),
        account_id: account,
        name: format!("{} line", kind.as_str()),
        kind,
        settings: ChannelSettings::Cloud(CloudSettings {
            display_phone_number: None,
            phone_number_id: phone.into(),
            waba_id: "419561257915477".into(),
            access_token: "EAAG-old-token-value".into(),
            app_secret: "old-app-secret".into(),
            verify_token: "old-verify-token".into(),
            base_url: (kind == ChannelKind::Cloud).then(|| "http://127.0.0.1:9".to_string()),
            api_version: "v23.0".into(),
        }),
        timezone: "Europe/Berlin".into(),
        state: ChannelState::new(ChannelStatus::Active, reason::CREATED, 1_700_000_000_000),
        created_at: 1_700_000_000_000,
        updated_at: 1_700_000_000_001,
    }
}

/// The settings column exactly as the schema before the kind tag wrote it: the Cloud fields
/// flat, the state beside them.
fn old_settings_json(c: &Channel) -> String {
    let mut v = serde_json::to_value(c.settings.cloud().expect("cloud")).expect("json");
    v["state"] = serde_json::to_value(&c.state).expect("state");
    v.to_string()
}

fn two_old_channels() -> (AccountId, Vec<Channel>) {
    let account = AccountId::new();
    let channels = vec![
        old_channel(account, ChannelKind::Cloud, "106540352242922"),
        old_channel(account, ChannelKind::Sandbox, "155500000000001"),
    ];
    (account, channels)
}

#[tokio::test]
async fn sqlite_channels_of_the_old_schema_read_back_identical() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("old.db");
    let (account, channels) = two_old_channels();
    {
        let mut c = rusqlite::Connection::open(&path).expect("open");
        for sql in SQLITE_BEFORE {
            let tx = c.transaction().expect("tx");
            tx.execute_batch(sql).expect("old migration");
            tx.commit().expect("commit");
        }
        c.pragma_update(None, "user_version", SQLITE_BEFORE.len() as i64)
            .expect("version");
        c.execute(
            "INSERT INTO accounts (id, name, created_at) VALUES (?1, 'old', 1)",
            [account.to_string()],
        )
        .expect("account");
        for ch in &channels {
            c.execute(
                "INSERT INTO channels (id, account_id, name, kind, settings, created_at, updated_at, timezone)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    ch.id.to_string(),
                    account.to_string(),
                    ch.name,
                    ch.kind.as_str(),
                    old_settings_json(ch),
                    ch.created_at,
                    ch.updated_at,
                    ch.timezone
                ],
            )
            .expect("old channel");
        }
    }
    let store = switchboard_store::open(
        &format!("sqlite://{}", path.display()),
        testing::test_keys(),
    )
    .await
    .expect("migrated open");
    for ch in &channels {
        assert_eq!(
            store.get_channel(account, ch.id).await.unwrap(),
            Some(ch.clone())
        );
    }
    store.close().await;
    let c = rusqlite::Connection::open(&path).expect("reopen");
    let tagged: i64 = c
        .query_row(
            "SELECT count(*) FROM channels WHERE json_extract(settings, '$.kind') = 'cloud'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(tagged, 2, "the migration tagged the stored settings");
    let settings: String = c
        .query_row("SELECT group_concat(settings) FROM channels", [], |r| {
            r.get(0)
        })
        .expect("settings");
    assert_clear_secrets_sealed(&settings);
    let dump = testing::dump(&format!("sqlite://{}", path.display())).await;
    assert_clear_secrets_sealed(&String::from_utf8_lossy(&dump));
}

/// The old rows' secrets, written in clear, were sealed when the store opened.
fn assert_clear_secrets_sealed(settings: &str) {
    for secret in ["EAAG-old-token-value", "old-app-secret", "old-verify-token"] {
        assert!(
            !settings.contains(secret),
            "{secret} is still in clear: {settings}"
        );
    }
    assert!(settings.contains("enc:v1:"), "{settings}");
}

/// Copies the PostgreSQL migrations before the kind tag into `dir`, for a migrator that
/// stops there.
fn postgres_before(dir: &Path) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut names: Vec<_> = std::fs::read_dir(&source)
        .expect("migrations")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n.to_string_lossy().as_ref() < "0011")
        .collect();
    names.sort();
    assert_eq!(names.len(), 10);
    for name in names {
        std::fs::copy(source.join(&name), dir.join(&name)).expect("copy");
    }
}

#[tokio::test]
async fn postgres_channels_of_the_old_schema_read_back_identical() {
    let Some(db) = testing::postgres_db().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    postgres_before(dir.path());
    let (account, channels) = two_old_channels();
    {
        let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
        let before = sqlx::migrate::Migrator::new(dir.path())
            .await
            .expect("old migrator");
        before.run(&mut c).await.expect("old migrations");
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, 'old', 1)")
            .bind(account.to_string())
            .execute(&mut c)
            .await
            .expect("account");
        for ch in &channels {
            sqlx::query(
                "INSERT INTO channels (id, account_id, name, kind, settings, created_at, updated_at, timezone)
                 VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)",
            )
            .bind(ch.id.to_string())
            .bind(account.to_string())
            .bind(&ch.name)
            .bind(ch.kind.as_str())
            .bind(old_settings_json(ch))
            .bind(ch.created_at)
            .bind(ch.updated_at)
            .bind(&ch.timezone)
            .execute(&mut c)
            .await
            .expect("old channel");
        }
        c.close().await.expect("close");
    }
    let store = db.open().await.expect("migrated open");
    for ch in &channels {
        assert_eq!(
            store.get_channel(account, ch.id).await.unwrap(),
            Some(ch.clone())
        );
    }
    store.close().await;
    let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    let tagged: i64 =
        sqlx::query_scalar("SELECT count(*) FROM channels WHERE settings->>'kind' = 'cloud'")
            .fetch_one(&mut c)
            .await
            .expect("count");
    assert_eq!(tagged, 2, "the migration tagged the stored settings");
    let settings: String =
        sqlx::query_scalar("SELECT string_agg(settings::text, ' ') FROM channels")
            .fetch_one(&mut c)
            .await
            .expect("settings");
    assert_clear_secrets_sealed(&settings);
    c.close().await.expect("close");
    db.cleanup().await;
}
