//! Secrets at rest, on both backends: channel credentials, webhook signing secrets and bot
//! platform instance tokens are not in a dump of the database; a store opened with a new key
//! and the old one seals them again under the new key, after which the old key is not
//! needed; a store without the key that sealed them refuses to open, naming the key.

use std::sync::Arc;

use switchboard_core::channel::ChannelKind;
use switchboard_core::id::SubscriptionId;
use switchboard_core::subscription::{PayloadFormat, Subscription};
use switchboard_store::conformance::{account, channel_of_kind, create_with_key};
use switchboard_store::testing::{self, test_keys};
use switchboard_store::wabot_instances::WabotInstance;
use switchboard_store::{Keyring, SecretKey, Store, StoreError};

/// The secret values the test stores, which no dump may show.
const SECRETS: &[&str] = &[
    "700001:AAH-token-secret",
    "webhook-secret",
    "page-token-secret",
    "ig-token-secret",
    "app-secret",
    "whsec_known-signing-secret",
    "whsec_previous-signing-secret",
    WABOT_TOKEN,
];

/// A bot platform instance's token (stored for the web channel).
const WABOT_TOKEN: &str = "wabot-instance-token-secret";

/// Stores channels of every kind with credentials and a subscription with two signing
/// secrets; returns what was stored.
async fn fill(store: &Arc<dyn Store>) -> (Vec<switchboard_core::channel::Channel>, Subscription) {
    let owner = account("secrets");
    let kinds = [
        ChannelKind::Telegram,
        ChannelKind::Messenger,
        ChannelKind::Instagram,
        ChannelKind::Cloud,
        ChannelKind::Web,
    ];
    let channels: Vec<_> = kinds
        .iter()
        .map(|k| channel_of_kind(owner.id, *k, 1))
        .collect();
    create_with_key(store, &owner, &channels[..1]).await;
    for c in &channels[1..] {
        store.create_channel(c).await.unwrap();
    }
    let s = Subscription {
        id: SubscriptionId::new(),
        account_id: owner.id,
        channel_id: None,
        url: "https://example.com/hooks".into(),
        events: vec!["message.*".into()],
        format: PayloadFormat::Switchboard,
        secret: "whsec_known-signing-secret".into(),
        previous_secret: Some("whsec_previous-signing-secret".into()),
        previous_expires_at: Some(9_000),
        enabled: true,
        description: None,
        failing_since: None,
        disabled_reason: None,
        created_at: 1_000,
        updated_at: 1_000,
    };
    store.create_subscription(&s).await.unwrap();
    let web = channels.last().unwrap();
    store
        .create_wabot_instance(&WabotInstance {
            channel_id: web.id,
            account_id: owner.id,
            access_token: WABOT_TOKEN.into(),
            created_at: 1_000,
        })
        .await
        .unwrap();
    (channels, s)
}

/// Checks that `store` reads back what [`fill`] stored.
async fn reads_back(
    store: &Arc<dyn Store>,
    channels: &[switchboard_core::channel::Channel],
    s: &Subscription,
) {
    for c in channels {
        assert_eq!(store.find_channel(c.id).await.unwrap().as_ref(), Some(c));
        assert_eq!(
            store
                .get_channel(c.account_id, c.id)
                .await
                .unwrap()
                .as_ref(),
            Some(c)
        );
    }
    let all = store.all_channels().await.unwrap();
    assert!(channels.iter().all(|c| all.contains(c)));
    let listed = store
        .list_channels(s.account_id, None, &Default::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), channels.len());
    assert!(channels.iter().all(|c| listed.items.contains(c)));
    assert_eq!(
        store
            .get_subscription(s.account_id, s.id)
            .await
            .unwrap()
            .as_ref(),
        Some(s)
    );
    assert_eq!(
        store.enabled_subscriptions().await.unwrap(),
        vec![s.clone()]
    );
    let web = channels.last().unwrap();
    let instance = store
        .wabot_instance(s.account_id, web.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(instance.access_token, WABOT_TOKEN);
}

/// Panics if `dump` holds any of [`SECRETS`].
fn assert_no_secret(dump: &[u8], what: &str) {
    for secret in SECRETS {
        let found = dump.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(!found, "{what} holds the secret `{secret}` in clear");
    }
}

/// A keyring of a new key, still opening what `old` sealed.
fn rotated(old: &Keyring) -> Keyring {
    Keyring::new(SecretKey::generate(), vec![old.current().clone()])
}

#[tokio::test]
async fn sqlite_secrets_are_sealed_at_rest_and_rotate() {
    let db = testing::sqlite().await;
    let (channels, s) = fill(&db.store).await;
    reads_back(&db.store, &channels, &s).await;
    db.store.close().await;
    assert_no_secret(&testing::dump(&db.url).await, "the SQLite database");
    let path = db.dir.path().join("switchboard.db").display().to_string();
    let open = |keys| {
        let path = path.clone();
        async move { switchboard_store::sqlite::SqliteStore::open(&path, keys).await }
    };
    let new = rotated(&test_keys());
    let store: Arc<dyn Store> = Arc::new(open(new.clone()).await.unwrap());
    reads_back(&store, &channels, &s).await;
    assert_eq!(
        store.reseal_secrets().await.unwrap(),
        0,
        "sealed again at open"
    );
    store.close().await;
    let only_new = Keyring::new(new.current().clone(), Vec::new());
    let store: Arc<dyn Store> = Arc::new(open(only_new).await.unwrap());
    reads_back(&store, &channels, &s).await;
    store.close().await;
    assert_no_secret(&testing::dump(&db.url).await, "the rotated SQLite database");
    let Err(error) = open(test_keys()).await else {
        panic!("a store opened without its key");
    };
    assert!(matches!(error, StoreError::Secret(_)), "{error}");
    assert!(error.to_string().contains(new.current().id()), "{error}");
}

#[tokio::test]
async fn postgres_secrets_are_sealed_at_rest_and_rotate() {
    let Some(db) = testing::postgres_db().await else {
        return;
    };
    let store = db.open().await.unwrap();
    let (channels, s) = fill(&store).await;
    reads_back(&store, &channels, &s).await;
    store.close().await;
    assert_no_secret(&testing::dump(&db.url).await, "the PostgreSQL database");
    let new = rotated(&test_keys());
    let store = switchboard_store::open(&db.url, new.clone()).await.unwrap();
    reads_back(&store, &channels, &s).await;
    assert_eq!(
        store.reseal_secrets().await.unwrap(),
        0,
        "sealed again at open"
    );
    store.close().await;
    let only_new = Keyring::new(new.current().clone(), Vec::new());
    let store = switchboard_store::open(&db.url, only_new).await.unwrap();
    reads_back(&store, &channels, &s).await;
    store.close().await;
    assert_no_secret(
        &testing::dump(&db.url).await,
        "the rotated PostgreSQL database",
    );
    let Err(error) = switchboard_store::open(&db.url, test_keys()).await else {
        panic!("a store opened without its key");
    };
    assert!(matches!(error, StoreError::Secret(_)), "{error}");
    assert!(error.to_string().contains(new.current().id()), "{error}");
    db.cleanup().await;
}
