//! WhatsApp Web key values at rest, on both backends: each row holds its value sealed (not
//! the bytes, nor their base64), a value moved to another key does not open, and a store
//! opened with a new key and the old one seals the values again under the new key.

use std::sync::Arc;

use base64::Engine as _;
use sqlx::Connection as _;
use switchboard_core::channel::ChannelKind;
use switchboard_core::id::ChannelId;
use switchboard_store::conformance::{account, channel_of_kind, create_with_key};
use switchboard_store::testing::{self, test_keys};
use switchboard_store::{Keyring, SecretKey, Store, StoreError};
use switchboard_web_driver::KeyChange;

/// The identity key the test stores, which no row may show.
const IDENTITY: &[u8] = b"signal-identity-private-key-0001";
/// A session record the test stores, which no row may show either.
const RECORD: &[u8] = b"signal-session-record-for-peer-1";

/// A stored key: `(namespace, key, value)` as the row holds them.
type Raw = Vec<(String, String, String)>;

/// Stores a web channel with two keys under its lease; returns the channel.
async fn fill(store: &Arc<dyn Store>) -> ChannelId {
    let owner = account("web-secrets");
    let c = channel_of_kind(owner.id, ChannelKind::Web, 1);
    create_with_key(store, &owner, std::slice::from_ref(&c)).await;
    let lease = store
        .try_acquire(&format!("web:{}", c.id), "node-a", 1_000, 60_000)
        .await
        .unwrap()
        .unwrap();
    let changes = [
        KeyChange::Put {
            namespace: "device".into(),
            key: "identity".into(),
            value: IDENTITY.to_vec(),
        },
        KeyChange::Put {
            namespace: "session".into(),
            key: "peer.1".into(),
            value: RECORD.to_vec(),
        },
    ];
    store
        .web_keys_write(c.id, &lease.fence(), &changes)
        .await
        .unwrap();
    c.id
}

/// Checks that `store` reads back what [`fill`] stored.
async fn reads_back(store: &Arc<dyn Store>, channel: ChannelId) {
    assert_eq!(
        store
            .web_keys_get(channel, "device", "identity")
            .await
            .unwrap(),
        Some(IDENTITY.to_vec())
    );
    assert_eq!(
        store.web_keys_list(channel, "session", "").await.unwrap(),
        vec![("peer.1".to_string(), RECORD.to_vec())]
    );
}

/// Panics unless every raw value is sealed under `keys`' current key and holds neither a
/// stored value nor its base64.
fn assert_sealed(raw: &Raw, keys: &Keyring) {
    assert_eq!(raw.len(), 2, "{raw:?}");
    let prefix = format!("enc:v1:{}:", keys.current().id());
    for (ns, key, value) in raw {
        assert!(
            value.starts_with(&prefix),
            "{ns}/{key} is not sealed: {value}"
        );
        for plain in [IDENTITY, RECORD] {
            let text = String::from_utf8_lossy(plain);
            let b64 = base64::engine::general_purpose::STANDARD.encode(plain);
            assert!(
                !value.contains(text.as_ref()),
                "{ns}/{key} holds a value in clear"
            );
            assert!(!value.contains(&b64), "{ns}/{key} holds a value's base64");
        }
    }
}

/// Panics if `dump` holds a stored value.
fn assert_not_in(dump: &[u8], what: &str) {
    for plain in [IDENTITY, RECORD] {
        let b64 = base64::engine::general_purpose::STANDARD.encode(plain);
        for needle in [plain, b64.as_bytes()] {
            let found = dump.windows(needle.len()).any(|w| w == needle);
            assert!(!found, "{what} holds a web key value in clear");
        }
    }
}

/// Puts the session record's sealed value in the identity's row.
const MOVE: &str = "UPDATE web_keys SET value = (SELECT value FROM web_keys WHERE key = 'peer.1') WHERE key = 'identity'";

const RAW: &str = "SELECT namespace, key, value FROM web_keys ORDER BY namespace, key";

fn sqlite_raw(path: &str) -> Raw {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut stmt = c.prepare(RAW).unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

async fn pg_raw(url: &str) -> Raw {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let raw = sqlx::query_as(RAW).fetch_all(&mut c).await.unwrap();
    c.close().await.unwrap();
    raw
}

/// A keyring of a new key, still opening what `old` sealed.
fn rotated(old: &Keyring) -> Keyring {
    Keyring::new(SecretKey::generate(), vec![old.current().clone()])
}

/// Reading the identity fails as a moved secret.
async fn identity_does_not_open(store: &Arc<dyn Store>, channel: ChannelId) {
    let error = store
        .web_keys_get(channel, "device", "identity")
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Secret(_)), "{error}");
    assert!(!error.to_string().contains("signal-"), "{error}");
}

#[tokio::test]
async fn sqlite_web_sessions_keys_are_sealed_at_rest() {
    let db = testing::sqlite().await;
    let channel = fill(&db.store).await;
    reads_back(&db.store, channel).await;
    db.store.close().await;
    let path = db.dir.path().join("switchboard.db").display().to_string();
    assert_sealed(&sqlite_raw(&path), &test_keys());
    assert_not_in(&testing::dump(&db.url).await, "the SQLite database");

    let open = |keys| {
        let path = path.clone();
        async move {
            let store = switchboard_store::sqlite::SqliteStore::open(&path, keys).await;
            Arc::new(store.unwrap()) as Arc<dyn Store>
        }
    };
    let new = rotated(&test_keys());
    let store = open(new.clone()).await;
    reads_back(&store, channel).await;
    store.close().await;
    assert_sealed(&sqlite_raw(&path), &new);
    let store = open(Keyring::new(new.current().clone(), Vec::new())).await;
    reads_back(&store, channel).await;
    store.close().await;

    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(MOVE, [])
        .unwrap();
    let store = open(new).await;
    identity_does_not_open(&store, channel).await;
    store.close().await;
}

#[tokio::test]
async fn postgres_web_sessions_keys_are_sealed_at_rest() {
    let Some(db) = testing::postgres_db().await else {
        return;
    };
    let store = db.open().await.unwrap();
    let channel = fill(&store).await;
    reads_back(&store, channel).await;
    store.close().await;
    assert_sealed(&pg_raw(&db.url).await, &test_keys());
    assert_not_in(&testing::dump(&db.url).await, "the PostgreSQL database");

    let new = rotated(&test_keys());
    let store = switchboard_store::open(&db.url, new.clone()).await.unwrap();
    reads_back(&store, channel).await;
    store.close().await;
    assert_sealed(&pg_raw(&db.url).await, &new);
    let only_new = Keyring::new(new.current().clone(), Vec::new());
    let store = switchboard_store::open(&db.url, only_new).await.unwrap();
    reads_back(&store, channel).await;
    store.close().await;

    let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query(MOVE).execute(&mut c).await.unwrap();
    c.close().await.unwrap();
    let store = switchboard_store::open(&db.url, new).await.unwrap();
    identity_does_not_open(&store, channel).await;
    store.close().await;
    db.cleanup().await;
}
