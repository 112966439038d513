//! Secrets at rest over the real server: channel credentials and webhook signing secrets
//! given to the API are not in a dump of the database; the key file is created owner-only
//! at first start; `secrets rotate` seals everything under a new key, after which the old
//! key can be removed and the channels still work; a wrong, missing or garbled key stops
//! the start with a message naming what to fix and no secret.

use serde_json::json;
use switchboard::secrets::{self, SecretsError};

use crate::common::*;

on_both_backends! {
    #[tokio::test]
    a_fresh_key_file_is_owner_only => key_file_is_owner_only;
    by_value:
    secrets_are_sealed_at_rest_and_survive_a_rotation => sealed_and_rotated,
}

/// Values given to the API that no dump may show.
const ACCESS_TOKEN: &str = "EAAG-test-access-token";
const APP_SECRET: &str = "test-app-secret-123";

/// Panics when `dump` holds one of `secrets` in clear.
fn assert_not_in(dump: &[u8], secrets: &[&str], what: &str) {
    let holds = |text: &str| dump.windows(text.len()).any(|w| w == text.as_bytes());
    assert!(holds("enc:v1:"), "{what}: the dump holds sealed values");
    for secret in secrets {
        assert!(!holds(secret), "{what} holds `{secret}` in clear");
    }
}

/// A sandbox Telegram bot of a new account: the user `user` writes to it, then it answers;
/// the answer must reach `sent` (the dispatcher read the bot's token).
async fn bot_answers(server: &TestServer, ctx: &Ctx, user: i64) {
    let written = inject(
        server,
        ctx,
        &json!({"from": user, "text": "hello", "first_name": "Ana"}),
    )
    .await;
    wait_stored(server, ctx, &written, 20).await;
    let id = send_ok(server, ctx, &text_message(&user.to_string(), "Welcome!")).await;
    let sent = wait_status(server, &ctx.key, &id, &["sent", "failed"]).await;
    assert_eq!(sent["status"], "sent", "{sent}");
}

async fn sealed_and_rotated(mut server: TestServer) -> TestServer {
    let (_, key) = create_account(&server, "vault").await;
    let cloud = create_cloud_channel(&server, &key, "106540352242922").await;
    let created = server
        .post_json(
            "/v1/channels",
            &key,
            json!({"name": "bot", "kind": "telegram", "sandbox": true}),
        )
        .await
        .status(201);
    let bot = Ctx {
        key: key.clone(),
        channel: string(&created["id"]),
    };
    let subscription = subscribe(&server, &key, json!({"url": "https://example.com/hooks"})).await;
    let signing_secret = string(&subscription["secret"]);
    bot_answers(&server, &bot, 5_550_001).await;
    let secrets_given = [ACCESS_TOKEN, APP_SECRET, signing_secret.as_str()];

    server.pause().await;
    let url = server.config.database_url.clone();
    assert_not_in(
        &switchboard_store::testing::dump(&url).await,
        &secrets_given,
        "the database",
    );

    let key_file = secrets::key_file(&server.config);
    let before = std::fs::read_to_string(&key_file).unwrap();
    let rotation = secrets::rotate(&server.config, None).await.unwrap();
    assert_ne!(rotation.old_key, rotation.new_key);
    assert_eq!(rotation.key_file, key_file);
    assert_ne!(std::fs::read_to_string(&key_file).unwrap(), before);
    let retired = rotation.retired.expect("the old key kept beside the file");
    assert_eq!(std::fs::read_to_string(&retired).unwrap(), before);
    std::fs::remove_file(&retired).unwrap();
    assert_not_in(
        &switchboard_store::testing::dump(&url).await,
        &secrets_given,
        "the rotated database",
    );

    // Another key (a fresh key file) does not open what the current key sealed.
    let mut other = server.config.clone();
    other.secrets.key_file = server
        .config
        .data_dir
        .join("other.key")
        .display()
        .to_string();
    let Err(error) = switchboard::Server::prepare(other).await else {
        panic!("the server started without the key of its secrets");
    };
    let message = error.to_string();
    assert!(message.contains(&rotation.new_key), "{message}");
    assert!(message.contains("secrets.old_key_files"), "{message}");

    let server = server.restart(no_change).await;
    let channel = server
        .get(&format!("/v1/channels/{cloud}"), &key)
        .await
        .status(200);
    assert_eq!(channel["id"], cloud.as_str(), "{channel}");
    bot_answers(&server, &bot, 5_550_002).await;
    let listed = server.get("/v1/subscriptions", &key).await.status(200);
    assert_eq!(data(&listed).len(), 1, "{listed}");
    server
}

async fn key_file_is_owner_only(server: &TestServer) {
    let key_file = secrets::key_file(&server.config);
    assert_eq!(key_file, server.config.data_dir.join("secret.key"));
    let text = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(text.trim().len(), 44, "base64 of 32 bytes");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
}

#[tokio::test]
async fn a_garbled_key_stops_the_start_naming_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("switchboard.db").display());
    let config = test_config(dir.path(), url);
    let garbled = "c2VjcmV0LWJ1dC10b28tc2hvcnQ=";
    let error = secrets::load_keys(&config, Some(garbled)).unwrap_err();
    assert!(matches!(error, SecretsError::Env(_)));
    let message = error.to_string();
    assert!(message.contains("SWITCHBOARD_SECRET_KEY"), "{message}");
    assert!(message.contains("64 hex digits or as base64"), "{message}");
    assert!(!message.contains(garbled), "{message}");

    let key_file = dir.path().join("secret.key");
    std::fs::write(&key_file, "not-a-key-at-all\n").unwrap();
    let Err(error) = switchboard::Server::prepare(config.clone()).await else {
        panic!("the server started with a garbled key file");
    };
    let message = error.to_string();
    assert!(
        message.contains(&key_file.display().to_string()),
        "{message}"
    );
    assert!(!message.contains("not-a-key-at-all"), "{message}");

    let mut missing = config;
    missing.secrets.old_key_files = vec![dir.path().join("gone.key")];
    std::fs::remove_file(&key_file).unwrap();
    let Err(error) = switchboard::Server::prepare(missing).await else {
        panic!("the server started without an old key file");
    };
    assert!(error.to_string().contains("gone.key"), "{error}");
}

/// A log line sink shared with the test.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_start_log_names_the_key_file_and_never_the_key() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("switchboard.db").display());
    let config = test_config(dir.path(), url);
    let server = switchboard::Server::prepare(config.clone()).await.unwrap();
    server.store().close().await;
    drop(server);
    let server = switchboard::Server::prepare(config.clone()).await.unwrap();
    server.store().close().await;

    let key_file = secrets::key_file(&config);
    let key = std::fs::read_to_string(&key_file).unwrap();
    let id = secrets::read_key_file(&key_file).unwrap().id().to_string();
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("created a new secret key file"), "{log}");
    assert!(log.contains(&key_file.display().to_string()), "{log}");
    assert!(log.contains(&id), "{log}");
    assert!(!log.contains(key.trim()), "the key is in the log: {log}");
}
