//! Conformance checks for channel statistics aggregated from the message table.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use switchboard_core::record::StatusReport;
use switchboard_core::stats::{Counts, DAY_MS};
use switchboard_core::status::MessageStatus;

use crate::conformance::messages::{inbound, new_outbound, outbound, setup};
use crate::messages::{DispatchOutcome, FinishDispatch, OutboxClaim};
use crate::Store;

const OWNER: &str = "node-a";
const HOUR: i64 = 60 * 60 * 1000;

/// Counts per UTC day: statuses (current), received, conversations opened (24-hour windows)
/// and sent templates per category; other channels and days outside the range do not count.
pub async fn stats_count_the_message_table(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let (acc2, ch2) = setup(&store).await;
    let day = 20_000_i64;
    let d0 = day * DAY_MS;
    // Inbound: X opens at 1h (and 2h is inside that window), Y opens at 5h, Z wrote 23h
    // before the range so its 1h message opens nothing; X opens again on the next day.
    let inbound_at = [
        ("15550000010", d0 + HOUR),
        ("15550000010", d0 + 2 * HOUR),
        ("15550000011", d0 + 5 * HOUR),
        ("15550000012", d0 - HOUR),
        ("15550000012", d0 + HOUR),
        ("15550000010", d0 + DAY_MS + 3 * HOUR),
    ];
    for (i, (chat, at)) in inbound_at.iter().enumerate() {
        store
            .insert_inbound(&inbound(acc, ch, chat, &format!("wamid.in{i}"), *at), *at)
            .await
            .unwrap();
    }
    store
        .insert_inbound(
            &inbound(acc2, ch2, "15550000010", "wamid.other", d0 + HOUR),
            d0,
        )
        .await
        .unwrap();
    // Outbound, each to its own chat, ending in the given status.
    let plan: Vec<(&str, Option<&str>, Option<MessageStatus>)> = vec![
        ("text", None, Some(MessageStatus::Sent)),
        ("text", None, Some(MessageStatus::Delivered)),
        ("text", None, Some(MessageStatus::Read)),
        ("text", None, Some(MessageStatus::Failed)),
        ("text", None, None), // stays accepted
        (
            "template",
            Some("marketing"),
            Some(MessageStatus::Delivered),
        ),
        ("template", Some("MARKETING"), Some(MessageStatus::Read)),
        ("template", None, Some(MessageStatus::Sent)),
        ("template", Some("UTILITY"), Some(MessageStatus::Failed)),
    ];
    let mut ids = Vec::new();
    for (i, (kind, category, _)) in plan.iter().enumerate() {
        let mut m = outbound(
            acc,
            ch,
            &format!("1555000010{i}"),
            "x",
            d0 + 6 * HOUR + i as i64,
        );
        m.kind = kind.to_string();
        if *kind == "template" {
            m.body =
                json!({"type": "template", "template": {"name": "t", "language": {"code": "en"}}});
        }
        let mut new = new_outbound(m.clone());
        new.template_category = category.map(str::to_string);
        store.insert_outbound(&new).await.unwrap();
        ids.push(m.id);
    }
    // One scheduled (on day 1) and one outside the range (day 3).
    let mut s = outbound(acc, ch, "15550000200", "later", d0 + DAY_MS + HOUR);
    s.status = MessageStatus::Scheduled;
    let mut new = new_outbound(s);
    new.not_before = d0 + 10 * DAY_MS;
    store.insert_outbound(&new).await.unwrap();
    let outside = outbound(acc, ch, "15550000201", "x", d0 + 3 * DAY_MS);
    store.insert_outbound(&new_outbound(outside)).await.unwrap();

    let claimed = store
        .claim_outbox(&OutboxClaim {
            owner: OWNER,
            now: d0 + 2 * DAY_MS,
            lease_ms: 60_000,
            limit: 100,
            channels: None,
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), plan.len());
    for (i, (kind, _, end)) in plan.iter().enumerate() {
        let Some(end) = end else { continue };
        let id = ids[i];
        if *end == MessageStatus::Failed {
            store
                .finish_dispatch(FinishDispatch {
                    id,
                    owner: OWNER,
                    outcome: DispatchOutcome::Failed {
                        error: if *kind == "template" {
                            json!({"code": 131047, "title": "Re-engagement message"})
                        } else {
                            json!({"code": 131026})
                        },
                    },
                    now: d0 + 7 * HOUR,
                })
                .await
                .unwrap()
                .unwrap();
            continue;
        }
        let upstream = format!("wamid.out{i}");
        store
            .finish_dispatch(FinishDispatch {
                id,
                owner: OWNER,
                outcome: DispatchOutcome::Sent {
                    upstream_id: upstream.clone(),
                },
                now: d0 + 7 * HOUR,
            })
            .await
            .unwrap()
            .unwrap();
        for status in [MessageStatus::Delivered, MessageStatus::Read] {
            if status.rank() <= end.rank() {
                store
                    .apply_status(
                        &StatusReport {
                            channel_id: ch,
                            upstream_id: upstream.clone(),
                            status,
                            at: d0 + 8 * HOUR,
                            error: None,
                            upstream: None,
                        },
                        d0 + 8 * HOUR,
                    )
                    .await
                    .unwrap();
            }
        }
    }

    let got = store.daily_counts(ch, d0, d0 + 3 * DAY_MS).await.unwrap();
    let mut want_d0 = Counts {
        sent: 6,
        delivered: 4,
        read: 2,
        failed: 2,
        pending: 1,
        received: 4,
        conversations_opened: 2,
        ..Counts::default()
    };
    want_d0.templates = BTreeMap::from([("MARKETING".to_string(), 2), ("UNKNOWN".to_string(), 1)]);
    let want_d1 = Counts {
        scheduled: 1,
        received: 1,
        conversations_opened: 1,
        ..Counts::default()
    };
    assert_eq!(got, BTreeMap::from([(day, want_d0), (day + 1, want_d1)]));
    // The other channel and an empty range.
    let other = store.daily_counts(ch2, d0, d0 + DAY_MS).await.unwrap();
    assert_eq!(other.get(&day).map(|c| c.received), Some(1));
    assert!(store
        .daily_counts(ch, d0 + 5 * DAY_MS, d0 + 6 * DAY_MS)
        .await
        .unwrap()
        .is_empty());
    // Failures per stored error, most frequent first (ties by the error's text), in range.
    let failures = store.failure_counts(ch, d0, d0 + 3 * DAY_MS).await.unwrap();
    assert_eq!(
        failures,
        vec![
            (Some(json!({"code": 131026})), 1),
            (
                Some(json!({"code": 131047, "title": "Re-engagement message"})),
                1
            ),
        ]
    );
    assert!(store
        .failure_counts(ch, d0 + DAY_MS, d0 + 3 * DAY_MS)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .failure_counts(ch2, d0, d0 + 3 * DAY_MS)
        .await
        .unwrap()
        .is_empty());
}
