//! Injected faults: 5xx, timeouts, latency, throughput (130429), pair rate (131056).

use std::time::Instant;

use serde_json::json;
use switchboard_emulator::{Faults, PairRate};

use crate::common::*;

fn config_with(faults: Faults, seed: u64) -> switchboard_emulator::EmulatorConfig {
    let mut c = fast_config();
    c.seed = seed;
    c.enforce_window = false;
    c.faults = faults;
    c
}

async fn outcomes(h: &Harness, n: usize) -> Vec<(u16, Option<u64>)> {
    let mut out = Vec::new();
    for i in 0..n {
        let (status, body) = h.send_text(&format!("1650555{i:04}"), "x").await;
        out.push((status, body["error"]["code"].as_u64()));
    }
    out
}

#[tokio::test]
async fn five_xx_is_deterministic_under_the_seed() {
    let faults = Faults {
        error_5xx_rate: 0.5,
        ..Faults::default()
    };
    let a = Harness::start(config_with(faults.clone(), 42)).await;
    let b = Harness::start(config_with(faults.clone(), 42)).await;
    let c = Harness::start(config_with(faults, 7)).await;
    let (oa, ob, oc) = (
        outcomes(&a, 24).await,
        outcomes(&b, 24).await,
        outcomes(&c, 24).await,
    );
    assert_eq!(oa, ob);
    assert_ne!(oa, oc, "another seed draws another sequence");
    assert!(oa.iter().any(|o| o.0 == 200));
    assert!(oa.contains(&(500, Some(2))));
    let (status, body) = {
        // Find a failing request's body for the envelope check.
        let d = Harness::start(config_with(
            Faults {
                error_5xx_rate: 1.0,
                ..Faults::default()
            },
            1,
        ))
        .await;
        d.send_text(CUSTOMER, "x").await
    };
    assert_eq!(status, 500);
    assert_eq!(body["error"]["is_transient"], true);
    assert_eq!(body["error"]["code"], 2);
    // Failed requests are recorded with their outcome and never accepted.
    let statuses: Vec<u16> = a.emu.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, oa.iter().map(|o| o.0).collect::<Vec<_>>());
    assert_eq!(
        a.emu.sent_messages().len(),
        oa.iter().filter(|o| o.0 == 200).count()
    );
}

/// At 1 message per second, a send within a second of an admitted one is refused with
/// 130429. Sends go out one after another until one is refused (bounded): no machine is so
/// slow that 200 sends each take a second. Whatever the speed, admitted sends are at least a
/// second apart, so no more than `elapsed seconds + 1` are admitted.
#[tokio::test]
async fn throughput_limit_gives_130429() {
    let faults = Faults {
        throughput_limit_mps: Some(1),
        ..Faults::default()
    };
    let h = Harness::start(config_with(faults, 1)).await;
    let start = Instant::now();
    let mut admitted = 0u64;
    let mut refused = None;
    for i in 0..200 {
        let (status, body) = h.send_text(&format!("1650555{i:04}"), "x").await;
        if status == 200 {
            admitted += 1;
        } else {
            refused = Some((status, body));
            break;
        }
    }
    let elapsed = start.elapsed();
    let (status, body) = refused.expect("one of 200 sends is refused at 1 message per second");
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], 130429, "{body}");
    assert_eq!(
        body["error"]["message"], "(#130429) Rate limit hit",
        "{body}"
    );
    assert!(
        body["error"]["error_data"]["details"]
            .as_str()
            .is_some_and(|d| d.contains("(1 messages per second)")),
        "{body}"
    );
    assert!(admitted >= 1, "the first send is admitted");
    assert!(
        admitted <= elapsed.as_secs() + 1,
        "{admitted} admitted in {elapsed:?}"
    );
    assert_eq!(
        h.emu.sent_messages().len() as u64,
        admitted,
        "the refused send is not recorded as sent"
    );
}

#[tokio::test]
async fn pair_rate_gives_131056() {
    let h = Harness::start(config_with(
        Faults {
            pair_rate_limit: Some(PairRate {
                burst: 2,
                interval_ms: 60_000,
            }),
            ..Faults::default()
        },
        1,
    ))
    .await;
    assert_eq!(h.send_text(CUSTOMER, "1").await.0, 200);
    assert_eq!(h.send_text(CUSTOMER, "2").await.0, 200);
    let (status, body) = h.send_text(CUSTOMER, "3").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 131056);
    assert_eq!(
        body["error"]["message"],
        "(#131056) (Business Account, Consumer Account) pair rate limit hit"
    );
    assert_eq!(h.send_text("16505554321", "other").await.0, 200);
}

#[tokio::test]
async fn timeout_and_latency() {
    let h = Harness::start(config_with(
        Faults {
            timeout_rate: 1.0,
            timeout_ms: 60,
            ..Faults::default()
        },
        1,
    ))
    .await;
    let start = Instant::now();
    let (status, _) = h.send_text(CUSTOMER, "x").await;
    assert_eq!(status, 504);
    assert!(start.elapsed().as_millis() >= 60);

    h.emu.set_faults(Faults {
        latency_ms: 80,
        ..Faults::default()
    });
    let start = Instant::now();
    let (status, _) = h.send_text(CUSTOMER, "x").await;
    assert_eq!(status, 200);
    assert!(start.elapsed().as_millis() >= 80);
}

#[tokio::test]
async fn faults_set_through_the_control_api() {
    let h = Harness::start(config_with(Faults::default(), 1)).await;
    let resp = h
        .http
        .post(h.url("/emulator/faults"))
        .json(&json!({"error_5xx_rate": 1.0}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(h.send_text(CUSTOMER, "x").await.0, 500);
    let faults: Faults = h
        .http
        .get(h.url("/emulator/faults"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(faults.error_5xx_rate, 1.0);
    let resp = h
        .http
        .post(h.url("/emulator/faults"))
        .body("nope")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 400);
}
