//! Conformance tests for WhatsApp Web session records and key stores, run on every backend:
//! each state change is written with its `channel.status` event, writes under a lease are
//! refused (whole) once it was taken over, key writes are all or none, and both go with
//! their channel.

use std::sync::Arc;

use serde_json::json;
use switchboard_core::channel::web_session::{
    FailReason, PairCode, PairedAs, QrCode, SessionState, WebSession,
};
use switchboard_core::channel::{Channel, ChannelKind};
use switchboard_core::event::{Event, CHANNEL_STATUS};
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::time::to_rfc3339;
use switchboard_web_driver::KeyChange;

use crate::events::EventFilter;
use crate::leases::{Fence, Lease};
use crate::{Store, StoreError};

use super::{account, channel_of_kind, create_with_key};

/// A new account with one WhatsApp Web channel.
async fn web_channel(store: &Arc<dyn Store>, n: u32) -> Channel {
    let owner = account("web");
    let c = channel_of_kind(owner.id, ChannelKind::Web, n);
    create_with_key(store, &owner, std::slice::from_ref(&c)).await;
    c
}

/// A put of `value` at `(ns, key)`.
fn put(ns: &str, key: &str, value: &[u8]) -> KeyChange {
    KeyChange::Put {
        namespace: ns.into(),
        key: key.into(),
        value: value.to_vec(),
    }
}

/// Takes the channel's `web:` lease for `node` at `now` (500 ms).
async fn lease(store: &Arc<dyn Store>, channel: ChannelId, node: &str, now: i64) -> Lease {
    store
        .try_acquire(&format!("web:{channel}"), node, now, 500)
        .await
        .unwrap()
        .expect("the lease is free")
}

/// The `channel.status` events of `channel` (of `account`) carrying a session, in order.
async fn session_events(
    store: &Arc<dyn Store>,
    account: AccountId,
    channel: ChannelId,
) -> Vec<Event> {
    let filter = EventFilter {
        channel_id: Some(channel),
        types: vec![CHANNEL_STATUS.into()],
        ..Default::default()
    };
    store
        .list_events(account, &filter, None, 100)
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.data.get("session").is_some())
        .collect()
}

/// A session of `channel` in `state` at `at`.
fn session(channel: ChannelId, state: SessionState, at: i64) -> WebSession {
    WebSession {
        state,
        ..WebSession::stopped(channel, at)
    }
}

/// Each session write replaces the record and appends its `channel.status` event in the same
/// transaction; every field round-trips; another account's channel is refused.
pub async fn web_sessions_round_trip_with_their_events(store: Arc<dyn Store>) {
    let c = web_channel(&store, 1).await;
    assert_eq!(store.web_session(c.id).await.unwrap(), None);
    let starting = session(c.id, SessionState::Starting, 1_000);
    assert!(store
        .set_web_session(c.account_id, &starting, None, None)
        .await
        .unwrap());
    assert_eq!(store.web_session(c.id).await.unwrap(), Some(starting));
    let scan = WebSession {
        qr: Some(QrCode {
            code: "2@qr-code,abc==".into(),
            expires_at: 21_000,
            number: 2,
            of: 5,
        }),
        pair_code: Some(PairCode {
            code: "ABCD1234".into(),
            phone_number: "16505551234".into(),
            expires_at: 181_000,
        }),
        detail: Some("waiting".into()),
        restarts: 3,
        ..session(c.id, SessionState::ScanQr, 2_000)
    };
    assert!(store
        .set_web_session(c.account_id, &scan, Some(SessionState::Starting), None)
        .await
        .unwrap());
    assert_eq!(store.web_session(c.id).await.unwrap(), Some(scan.clone()));
    let failed = WebSession {
        reason: Some(FailReason::LoggedOut),
        detail: Some("unlinked from the phone".into()),
        paired_as: Some(PairedAs {
            jid: "16505551234:8@s.whatsapp.net".into(),
            lid: Some("123@lid".into()),
            push_name: Some("Shop".into()),
            platform: None,
        }),
        ..session(c.id, SessionState::Failed, 3_000)
    };
    assert!(store
        .set_web_session(c.account_id, &failed, Some(SessionState::ScanQr), None)
        .await
        .unwrap());
    assert_eq!(store.web_session(c.id).await.unwrap(), Some(failed.clone()));

    let other = account("other");
    create_with_key(&store, &other, &[]).await;
    let stolen = session(c.id, SessionState::Working, 4_000);
    assert!(
        !store
            .set_web_session(other.id, &stolen, None, None)
            .await
            .unwrap(),
        "another account's channel is refused"
    );
    let unknown = session(ChannelId::new(), SessionState::Working, 4_000);
    assert!(!store
        .set_web_session(c.account_id, &unknown, None, None)
        .await
        .unwrap());
    assert_eq!(store.web_session(c.id).await.unwrap(), Some(failed));
    assert_eq!(store.web_session(unknown.channel_id).await.unwrap(), None);

    let events = session_events(&store, c.account_id, c.id).await;
    let states: Vec<_> = events
        .iter()
        .map(|e| {
            (
                e.data["session"]["state"].clone(),
                e.data["previous_state"].clone(),
                e.created_at,
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            (json!("starting"), json!(null), 1_000),
            (json!("scan_qr"), json!("starting"), 2_000),
            (json!("failed"), json!("scan_qr"), 3_000),
        ],
        "one event per write, none for the refused ones"
    );
    assert_eq!(
        events[1].data["session"],
        json!({
            "state": "scan_qr",
            "reason": null,
            "detail": "waiting",
            "paired_as": null,
            "qr": {"code": "2@qr-code,abc==", "expires_at": to_rfc3339(21_000), "number": 2, "of": 5},
            "pair_code": {"code": "ABCD1234", "phone_number": "16505551234", "expires_at": to_rfc3339(181_000)},
            "restarts": 3,
        })
    );
    assert_eq!(events[2].data["session"]["reason"], "logged_out");
    assert_eq!(
        events[2].data["session"]["paired_as"],
        json!({"jid": "16505551234:8@s.whatsapp.net", "lid": "123@lid", "push_name": "Shop", "platform": null})
    );
    assert_eq!(events[2].data["session"]["qr"], json!(null));
}

/// Once another node took the lease over, the old owner's key write, session write and
/// wipe are refused whole (nothing of them lands, no event); the new owner's pass.
pub async fn web_sessions_refuse_stale_fences(store: Arc<dyn Store>) {
    let c = web_channel(&store, 2).await;
    let a = lease(&store, c.id, "node-a", 1_000).await;
    store
        .web_keys_write(c.id, &a.fence(), &[put("device", "", b"identity-a")])
        .await
        .unwrap();
    let working = session(c.id, SessionState::Working, 1_100);
    assert!(store
        .set_web_session(c.account_id, &working, None, Some(&a.fence()))
        .await
        .unwrap());

    let b = store
        .try_acquire(&a.name, "node-b", 1_600, 500)
        .await
        .unwrap()
        .expect("an expired lease is taken over");
    let refused = store
        .web_keys_write(
            c.id,
            &a.fence(),
            &[
                put("device", "", b"identity-stale"),
                put("session", "x.1", b"stale"),
            ],
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, StoreError::Fenced(_)), "{refused}");
    let failed = WebSession {
        reason: Some(FailReason::Replaced),
        ..session(c.id, SessionState::Failed, 1_700)
    };
    let refused = store
        .set_web_session(
            c.account_id,
            &failed,
            Some(SessionState::Working),
            Some(&a.fence()),
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, StoreError::Fenced(_)), "{refused}");
    let refused = store
        .web_keys_wipe(c.id, Some(&a.fence()))
        .await
        .unwrap_err();
    assert!(matches!(refused, StoreError::Fenced(_)), "{refused}");
    let unknown = Fence {
        name: format!("web:{}", ChannelId::new()),
        token: 1,
    };
    assert!(matches!(
        store
            .web_keys_write(c.id, &unknown, &[put("session", "y", b"y")])
            .await,
        Err(StoreError::Fenced(_))
    ));

    assert_eq!(
        store.web_keys_get(c.id, "device", "").await.unwrap(),
        Some(b"identity-a".to_vec())
    );
    assert!(store
        .web_keys_list(c.id, "session", "")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.web_session(c.id).await.unwrap(), Some(working));
    assert_eq!(
        session_events(&store, c.account_id, c.id).await.len(),
        1,
        "no event of the refused write"
    );

    store
        .web_keys_write(c.id, &b.fence(), &[put("device", "", b"identity-b")])
        .await
        .unwrap();
    assert!(store
        .set_web_session(
            c.account_id,
            &failed,
            Some(SessionState::Working),
            Some(&b.fence())
        )
        .await
        .unwrap());
    assert_eq!(
        store.web_keys_get(c.id, "device", "").await.unwrap(),
        Some(b"identity-b".to_vec())
    );
    assert_eq!(store.web_session(c.id).await.unwrap(), Some(failed));
    assert_eq!(
        store.web_keys_wipe(c.id, Some(&b.fence())).await.unwrap(),
        1
    );
}

/// A key write applies its changes in order, all or none: one failing change (an unnamed
/// namespace) leaves the store as it was.
pub async fn web_sessions_key_writes_are_all_or_none(store: Arc<dyn Store>) {
    let c = web_channel(&store, 3).await;
    let fence = lease(&store, c.id, "node-a", 1_000).await.fence();
    assert!(store.web_keys_is_empty(c.id).await.unwrap());
    store
        .web_keys_write(
            c.id,
            &fence,
            &[
                put("session", "a", b"1"),
                put("session", "b", b"2"),
                put("prekey", "1", b"p1"),
                put("session", "a", b"1bis"),
                KeyChange::Delete {
                    namespace: "session".into(),
                    key: "b".into(),
                },
                KeyChange::Delete {
                    namespace: "session".into(),
                    key: "absent".into(),
                },
            ],
        )
        .await
        .unwrap();
    assert!(!store.web_keys_is_empty(c.id).await.unwrap());
    let before = store.web_keys_list(c.id, "session", "").await.unwrap();
    assert_eq!(before, vec![("a".to_string(), b"1bis".to_vec())]);

    let failed = store
        .web_keys_write(
            c.id,
            &fence,
            &[
                put("session", "c", b"3"),
                KeyChange::ClearNamespace {
                    namespace: "prekey".into(),
                },
                KeyChange::Delete {
                    namespace: "session".into(),
                    key: "a".into(),
                },
                put("", "bad", b"no namespace"),
            ],
        )
        .await;
    assert!(
        failed.is_err(),
        "a change without a namespace fails the write"
    );
    assert_eq!(
        store.web_keys_list(c.id, "session", "").await.unwrap(),
        before
    );
    assert_eq!(
        store.web_keys_get(c.id, "prekey", "1").await.unwrap(),
        Some(b"p1".to_vec()),
        "nothing of the failed write landed"
    );

    store
        .web_keys_write(
            c.id,
            &fence,
            &[
                put("prekey", "2", b"p2"),
                KeyChange::ClearNamespace {
                    namespace: "prekey".into(),
                },
                put("prekey", "3", b"p3"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        store.web_keys_list(c.id, "prekey", "").await.unwrap(),
        vec![("3".to_string(), b"p3".to_vec())],
        "changes apply in order"
    );
    store.web_keys_write(c.id, &fence, &[]).await.unwrap();

    let many: Vec<_> = (0..300)
        .map(|n| put("prekey", &format!("{n:04}"), format!("p{n}").as_bytes()))
        .collect();
    store.web_keys_write(c.id, &fence, &many).await.unwrap();
    let listed = store.web_keys_list(c.id, "prekey", "").await.unwrap();
    assert_eq!(listed.len(), 301);
    assert_eq!(listed[0], ("0000".to_string(), b"p0".to_vec()));
    assert_eq!(listed[299], ("0299".to_string(), b"p299".to_vec()));
    assert_eq!(listed[300], ("3".to_string(), b"p3".to_vec()));
}

/// Keys are listed by prefix in bytewise key order, one namespace and one channel at a time;
/// any bytes round-trip.
pub async fn web_sessions_list_keys_by_prefix_in_order(store: Arc<dyn Store>) {
    let c = web_channel(&store, 4).await;
    let other = web_channel(&store, 5).await;
    let fence = lease(&store, c.id, "node-a", 1_000).await.fence();
    let other_fence = lease(&store, other.id, "node-a", 1_000).await.fence();
    let binary: Vec<u8> = (0..=255).collect();
    let keys = ["a.2", "a.10", "b.1", "a.1", "A.1", "a", "é.1", "a.1.0"];
    let changes: Vec<_> = keys
        .iter()
        .map(|k| put("session", k, k.as_bytes()))
        .chain([put("device", "a.9", &binary), put("sessionx", "a.5", b"x")])
        .collect();
    store.web_keys_write(c.id, &fence, &changes).await.unwrap();
    store
        .web_keys_write(other.id, &other_fence, &[put("session", "a.3", b"other")])
        .await
        .unwrap();

    let listed = |ns: &'static str, prefix: &'static str| {
        let store = store.clone();
        async move {
            store
                .web_keys_list(c.id, ns, prefix)
                .await
                .unwrap()
                .into_iter()
                .map(|(k, v)| {
                    assert_eq!(v, k.as_bytes(), "the value of {k}");
                    k
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        listed("session", "a.").await,
        vec!["a.1", "a.1.0", "a.10", "a.2"]
    );
    assert_eq!(
        listed("session", "").await,
        vec!["A.1", "a", "a.1", "a.1.0", "a.10", "a.2", "b.1", "é.1"]
    );
    assert_eq!(listed("session", "é").await, vec!["é.1"]);
    assert!(listed("session", "c").await.is_empty());
    assert_eq!(
        store.web_keys_get(c.id, "device", "a.9").await.unwrap(),
        Some(binary)
    );
    assert_eq!(
        store.web_keys_get(c.id, "session", "a.9").await.unwrap(),
        None
    );
    assert_eq!(store.web_keys_get(c.id, "device", "a").await.unwrap(), None);
    assert_eq!(
        store.web_keys_list(other.id, "session", "").await.unwrap(),
        vec![("a.3".to_string(), b"other".to_vec())]
    );
}

/// A wipe removes every key of its channel (and only those); without a fence it needs no
/// lease.
pub async fn web_sessions_wipe_the_keys_of_one_channel(store: Arc<dyn Store>) {
    let c = web_channel(&store, 6).await;
    let other = web_channel(&store, 7).await;
    let fence = lease(&store, c.id, "node-a", 1_000).await.fence();
    let other_fence = lease(&store, other.id, "node-a", 1_000).await.fence();
    let changes = [
        put("device", "", b"d"),
        put("session", "a", b"s"),
        put("app-state", "critical", b"c"),
    ];
    store.web_keys_write(c.id, &fence, &changes).await.unwrap();
    store
        .web_keys_write(other.id, &other_fence, &changes)
        .await
        .unwrap();
    assert_eq!(store.web_keys_wipe(c.id, Some(&fence)).await.unwrap(), 3);
    assert!(store.web_keys_is_empty(c.id).await.unwrap());
    assert_eq!(store.web_keys_get(c.id, "device", "").await.unwrap(), None);
    assert!(!store.web_keys_is_empty(other.id).await.unwrap());
    assert_eq!(store.web_keys_wipe(other.id, None).await.unwrap(), 3);
    assert_eq!(store.web_keys_wipe(other.id, None).await.unwrap(), 0);
    assert!(store.web_keys_is_empty(other.id).await.unwrap());
}

/// The sessions in given states are listed across accounts with their account, in channel
/// order; no state lists nothing.
pub async fn web_sessions_are_listed_by_state(store: Arc<dyn Store>) {
    let mut all = Vec::new();
    for (n, state) in [
        SessionState::Working,
        SessionState::Starting,
        SessionState::Stopped,
        SessionState::Failed,
        SessionState::ScanQr,
        SessionState::Working,
    ]
    .into_iter()
    .enumerate()
    {
        let c = web_channel(&store, 10 + n as u32).await;
        let s = session(c.id, state, 1_000 + n as i64);
        assert!(store
            .set_web_session(c.account_id, &s, None, None)
            .await
            .unwrap());
        all.push((c.account_id, s));
    }
    let mut running: Vec<_> = all
        .iter()
        .filter(|(_, s)| s.state.resumes())
        .cloned()
        .collect();
    running.sort_by_key(|(_, s)| s.channel_id.to_string());
    assert_eq!(running.len(), 3);
    assert_eq!(
        store
            .web_sessions_in(&[SessionState::Working, SessionState::Starting])
            .await
            .unwrap(),
        running
    );
    let failed = store
        .web_sessions_in(&[SessionState::Failed])
        .await
        .unwrap();
    assert_eq!(failed, vec![all[3].clone()]);
    assert!(store.web_sessions_in(&[]).await.unwrap().is_empty());
}

/// Deleting a channel deletes its session and keys.
pub async fn web_sessions_go_with_their_channel(store: Arc<dyn Store>) {
    let c = web_channel(&store, 20).await;
    let kept = web_channel(&store, 21).await;
    for ch in [&c, &kept] {
        let fence = lease(&store, ch.id, "node-a", 1_000).await.fence();
        store
            .web_keys_write(
                ch.id,
                &fence,
                &[put("device", "", b"d"), put("session", "a", b"s")],
            )
            .await
            .unwrap();
        let working = session(ch.id, SessionState::Working, 1_000);
        assert!(store
            .set_web_session(ch.account_id, &working, None, Some(&fence))
            .await
            .unwrap());
    }
    assert!(store
        .delete_channel(c.account_id, c.id, 2_000)
        .await
        .unwrap());
    assert_eq!(store.web_session(c.id).await.unwrap(), None);
    assert!(store.web_keys_is_empty(c.id).await.unwrap());
    assert!(store
        .web_keys_list(c.id, "session", "")
        .await
        .unwrap()
        .is_empty());
    let running = store
        .web_sessions_in(&[SessionState::Working])
        .await
        .unwrap();
    assert_eq!(
        running
            .iter()
            .map(|(_, s)| s.channel_id)
            .collect::<Vec<_>>(),
        vec![kept.id]
    );
    assert!(!store.web_keys_is_empty(kept.id).await.unwrap());
}
