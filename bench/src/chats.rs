//! Numbered conversations for the crash and fault runs: each chat's messages are sent one
//! after the other (so the order the server accepted them is their sequence number), each
//! with an `Idempotency-Key` and retried until the server answers 2xx (it may be down); then
//! the emulator's record is checked: every accepted message arrived, duplicates counted,
//! per-chat order kept.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::Value;

use crate::api::{recipient, Api, Line};
use crate::stack;

/// What the senders got.
#[derive(Debug, Default)]
pub struct Sent {
    /// (chat, seq) answered 2xx.
    pub accepted: HashSet<(usize, usize)>,
    /// Refused for good (4xx), with the answer.
    pub refused: Vec<String>,
    /// Gave up at the deadline without a 2xx.
    pub unconfirmed: Vec<(usize, usize)>,
    /// Requests that failed (transport error or 5xx) and were retried.
    pub retried: u64,
}

/// The text of message `seq` of chat `chat` in run `tag`.
pub fn marker(tag: &str, chat: usize, seq: usize) -> String {
    format!("{tag} chat {chat} seq {seq}")
}

fn parse_marker(tag: &str, text: &str) -> Option<(usize, usize)> {
    let mut it = text.split_whitespace();
    if it.next()? != tag || it.next()? != "chat" {
        return None;
    }
    let chat = it.next()?.parse().ok()?;
    if it.next()? != "seq" {
        return None;
    }
    Some((chat, it.next()?.parse().ok()?))
}

/// Sends `per_chat` messages to each of `chats` recipients (one sequential sender per chat),
/// counting 2xx answers in `accepted_count`, at most `rate` messages per second in total
/// (unpaced when `None`). Gives up on a message at `deadline`.
#[allow(clippy::too_many_arguments)]
pub async fn send_chats(
    api: &Api,
    line: &Line,
    tag: &str,
    chats: usize,
    per_chat: usize,
    rate: Option<f64>,
    accepted_count: Arc<AtomicU64>,
    deadline: Instant,
) -> Result<Sent> {
    let start = tokio::time::Instant::now();
    let interval = rate.filter(|r| *r > 0.0).map(|r| chats as f64 / r);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let mut tasks = tokio::task::JoinSet::new();
    for chat in 0..chats {
        let client = client.clone();
        let url = format!("{}/v1/channels/{}/messages", api.server, line.channel_id);
        let key = api.key.clone();
        let tag = tag.to_string();
        let accepted_count = accepted_count.clone();
        tasks.spawn(async move {
            let mut sent = Sent::default();
            let to = recipient(chat);
            for seq in 0..per_chat {
                if let Some(interval) = interval {
                    let offset = interval * (seq as f64 + chat as f64 / chats as f64);
                    tokio::time::sleep_until(start + Duration::from_secs_f64(offset)).await;
                }
                let body = stack::text(&to, &marker(&tag, chat, seq));
                let idem = format!("{tag}-{chat}-{seq}");
                loop {
                    if Instant::now() > deadline {
                        sent.unconfirmed.push((chat, seq));
                        break;
                    }
                    let r = client
                        .post(&url)
                        .bearer_auth(&key)
                        .header("Idempotency-Key", &idem)
                        .json(&body)
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().is_success() => {
                            sent.accepted.insert((chat, seq));
                            accepted_count.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        Ok(r) if r.status().is_server_error() => {
                            sent.retried += 1;
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        Ok(r) => {
                            let status = r.status();
                            let text = r.text().await.unwrap_or_default();
                            sent.refused
                                .push(format!("chat {chat} seq {seq}: HTTP {status}: {text}"));
                            break;
                        }
                        Err(_) => {
                            sent.retried += 1;
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                }
            }
            sent
        });
    }
    let mut all = Sent::default();
    while let Some(r) = tasks.join_next().await {
        let s = r?;
        all.accepted.extend(s.accepted);
        all.refused.extend(s.refused);
        all.unconfirmed.extend(s.unconfirmed);
        all.retried += s.retried;
    }
    Ok(all)
}

/// What the emulator's record says.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Distinct (chat, seq) that arrived upstream.
    pub arrived: usize,
    /// Accepted by the server but never arrived upstream.
    pub lost: Vec<(usize, usize)>,
    /// Extra copies (arrivals beyond the first).
    pub duplicates: usize,
    /// Messages that arrived more than once, with the times of every copy.
    pub duplicated: BTreeMap<(usize, usize), Vec<i64>>,
    /// Arrived upstream although never answered 2xx (a request in flight when the server died).
    pub unconfirmed_arrived: usize,
    /// Per-chat order violations: a first arrival after a later message of the same chat.
    pub order_violations: Vec<String>,
    /// Copies of an earlier message that arrived after a later one (re-sends out of order).
    pub late_copies: usize,
}

/// Checks the emulator's record (`GET /emulator/messages`, in acceptance order) for run `tag`.
pub fn analyze(records: &[Value], tag: &str, accepted: &HashSet<(usize, usize)>) -> Analysis {
    let mut a = Analysis::default();
    let mut copies: HashMap<(usize, usize), Vec<i64>> = HashMap::new();
    let mut highest: HashMap<usize, usize> = HashMap::new();
    for r in records {
        let Some(text) = r.pointer("/body/text/body").and_then(Value::as_str) else {
            continue;
        };
        let Some((chat, seq)) = parse_marker(tag, text) else {
            continue;
        };
        let time = r["time_ms"].as_i64().unwrap_or(0);
        let first = !copies.contains_key(&(chat, seq));
        copies.entry((chat, seq)).or_default().push(time);
        let high = highest.get(&chat).copied();
        match (first, high) {
            (true, Some(h)) if seq < h => a.order_violations.push(format!(
                "chat {chat}: seq {seq} first arrived after seq {h}"
            )),
            (false, Some(h)) if seq < h => a.late_copies += 1,
            _ => {}
        }
        if high.is_none_or(|h| seq > h) {
            highest.insert(chat, seq);
        }
    }
    a.arrived = copies.len();
    for key in accepted {
        if !copies.contains_key(key) {
            a.lost.push(*key);
        }
    }
    a.lost.sort();
    for (key, times) in copies {
        if times.len() > 1 {
            a.duplicates += times.len() - 1;
            a.duplicated.insert(key, times);
        }
        if !accepted.contains(&key) {
            a.unconfirmed_arrived += 1;
        }
    }
    a
}

/// Counts the emulator's recorded Graph answers by outcome: (2xx, 500, 504, 130429, other).
pub async fn fault_counts(api: &Api) -> Result<BTreeMap<String, usize>> {
    let v: Value = api
        .client
        .get(format!("{}/emulator/requests", api.emulator))
        .send()
        .await?
        .json()
        .await?;
    let mut by = BTreeMap::new();
    for r in v.as_array().into_iter().flatten() {
        if !r["path"].as_str().is_some_and(|p| p.ends_with("/messages")) || r["method"] != "POST" {
            continue;
        }
        let key = match r["status"].as_u64().unwrap_or(0) {
            200..=299 => "2xx",
            500 => "500",
            504 => "504 timeout",
            400 | 429 => "4xx (throttled)",
            _ => "other",
        };
        *by.entry(key.to_string()).or_insert(0) += 1;
    }
    Ok(by)
}
