//! Statistics in the channel's time zone, on SQLite and PostgreSQL: inbound messages just
//! before and after local midnight (around a DST change in New York) land on the right local
//! days and months; `?tz=` overrides the channel's zone; bad zones are refused.

use crate::common::*;
use serde_json::{json, Value};
use switchboard_core::time::parse_rfc3339;

fn received_by_day(daily: &Value) -> Vec<(String, u64)> {
    daily["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["received"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn days_follow_the_channel_zone(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    let channel = server
        .patch_json(
            &format!("/v1/channels/{}", ctx.channel),
            &ctx.key,
            &json!({"timezone": "America/New_York"}),
        )
        .await
        .status(200);
    assert_eq!(channel["timezone"], "America/New_York");
    // 2026-03-08 is 23 hours long in New York (EST → EDT at 02:00).
    let times = [
        "2026-03-07T23:59:30-05:00", // local 03-07, UTC 03-08
        "2026-03-08T00:00:30-05:00", // local 03-08
        "2026-03-08T23:59:30-04:00", // local 03-08, UTC 03-09
        "2026-03-09T00:00:30-04:00", // local 03-09
        "2026-03-31T23:30:00-04:00", // local March, UTC April
    ];
    for (i, t) in times.iter().enumerate() {
        let secs = parse_rfc3339(t).unwrap() / 1000;
        inject(
            server,
            &ctx,
            &json!({"from": format!("1555123900{i}"), "type": "text",
                              "text": {"body": "hi"}, "timestamp": secs}),
        )
        .await;
    }
    let base = format!("/v1/channels/{}/stats", ctx.channel);
    let mut month = Value::Null;
    for _ in 0..600 {
        month = server
            .get(&format!("{base}?month=03.2026"), &ctx.key)
            .await
            .status(200);
        if month["received"] == 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(month["received"], 5, "{month}");
    assert_eq!(month["time_zone"], "America/New_York");
    assert_eq!(month["from"], "2026-03-01T05:00:00Z");
    assert_eq!(month["to"], "2026-04-01T04:00:00Z");

    let daily = server
        .get(
            &format!("{base}/daily?from=2026-03-07&to=2026-03-09"),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(
        received_by_day(&daily),
        vec![
            ("2026-03-07".into(), 1),
            ("2026-03-08".into(), 2),
            ("2026-03-09".into(), 1)
        ]
    );
    let utc = server
        .get(
            &format!("{base}/daily?from=2026-03-07&to=2026-03-09&tz=UTC"),
            &ctx.key,
        )
        .await
        .status(200);
    assert_eq!(utc["time_zone"], "UTC");
    assert_eq!(
        received_by_day(&utc),
        vec![
            ("2026-03-07".into(), 0),
            ("2026-03-08".into(), 2),
            ("2026-03-09".into(), 2)
        ]
    );
    let utc_month = server
        .get(&format!("{base}?month=03.2026&tz=UTC"), &ctx.key)
        .await
        .status(200);
    assert_eq!(utc_month["received"], 4);
    let april = server
        .get(&format!("{base}?month=04.2026&tz=UTC"), &ctx.key)
        .await
        .status(200);
    assert_eq!(april["received"], 1);
    let month_days = server
        .get(&format!("{base}/daily?month=03.2026"), &ctx.key)
        .await
        .status(200);
    assert_eq!(month_days["days"].as_array().unwrap().len(), 31);

    // Bad zones are refused, on the channel and in the query.
    let r = server
        .patch_json(
            &format!("/v1/channels/{}", ctx.channel),
            &ctx.key,
            &json!({"timezone": "Mars/Olympus"}),
        )
        .await;
    assert_eq!(r.error(400), "invalid_parameter");
    let r = server
        .get(&format!("{base}?tz=Nowhere/Land"), &ctx.key)
        .await;
    assert_eq!(r.error(400), "invalid_parameter");
    let created = server
        .post_json(
            "/v1/channels",
            &ctx.key,
            &json!({"name": "second", "kind": "sandbox", "timezone": "Asia/Kathmandu"}),
        )
        .await
        .status(201);
    assert_eq!(created["timezone"], "Asia/Kathmandu");
}

on_both_backends!(stats_days_follow_the_channel_zone => super::days_follow_the_channel_zone);
