//! The load generator: `connections` HTTP/1.1 keep-alive connections (hyper, one request in
//! flight per connection) posting prepared JSON bodies, either as fast as answers come
//! (closed loop, for a duration or a message count) or at a fixed rate (open loop, latency
//! measured from each request's scheduled time so a slow server cannot hide its queueing).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// What to post.
#[derive(Clone)]
pub struct Target {
    /// Server address.
    pub addr: SocketAddr,
    /// Request path, e.g. `/v1/channels/ch_…/messages`.
    pub paths: Arc<Vec<String>>,
    /// `Authorization` header value, if any.
    pub authorization: Option<String>,
    /// Request bodies, used round-robin.
    pub bodies: Arc<Vec<Bytes>>,
}

/// How long or how much.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// As fast as possible; requests completing inside `[warmup, warmup + duration)` count.
    Closed {
        /// Not measured.
        warmup: Duration,
        /// Measured.
        duration: Duration,
    },
    /// `rate` requests per second in total, spread over the connections.
    Rate {
        /// Requests per second.
        rate: f64,
        /// Not measured.
        warmup: Duration,
        /// Measured.
        duration: Duration,
    },
    /// Exactly `total` requests as fast as possible (all counted), bounded by `limit`.
    Count {
        /// Requests to send.
        total: u64,
        /// Give up after this long.
        limit: Duration,
    },
}

/// What happened.
#[derive(Debug, Default, Clone)]
pub struct LoadResult {
    /// 2xx answers counted.
    pub ok: u64,
    /// Other answers counted.
    pub non_2xx: u64,
    /// Transport errors.
    pub errors: u64,
    /// Measured time.
    pub elapsed: Duration,
    /// Latency of each counted 2xx answer, in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// The first non-2xx answer or error, for diagnosis.
    pub first_problem: Option<String>,
}

impl LoadResult {
    /// 2xx answers per second.
    pub fn rps(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Latency percentile `p` (0–100) in milliseconds.
    pub fn pct_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.latencies_us.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.latencies_us.len()) - 1;
        f64::from(self.latencies_us[i]) / 1000.0
    }
}

#[derive(Default)]
struct Shared {
    ok: AtomicU64,
    non_2xx: AtomicU64,
    errors: AtomicU64,
    next_body: AtomicU64,
    issued: AtomicU64,
    latencies: Mutex<Vec<u32>>,
    first_problem: Mutex<Option<String>>,
}

impl Shared {
    fn problem(&self, p: String) {
        if let Ok(mut f) = self.first_problem.lock() {
            if f.is_none() {
                *f = Some(p);
            }
        }
    }
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// One request; returns the HTTP status or an error text.
async fn one(
    sender: &mut SendRequest<Full<Bytes>>,
    target: &Target,
    shared: &Shared,
) -> Result<u16, String> {
    let i = shared.next_body.fetch_add(1, Ordering::Relaxed) as usize;
    let body = target.bodies[i % target.bodies.len()].clone();
    let path = &target.paths[i % target.paths.len()];
    let mut req = hyper::Request::post(path.as_str())
        .header(hyper::header::HOST, target.addr.to_string())
        .header(hyper::header::CONTENT_TYPE, "application/json");
    if let Some(a) = &target.authorization {
        req = req.header(hyper::header::AUTHORIZATION, a.as_str());
    }
    let req = req.body(Full::new(body)).map_err(|e| e.to_string())?;
    sender.ready().await.map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    if !(200..300).contains(&status) {
        shared.problem(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ));
    }
    Ok(status)
}

/// Runs the load and returns the counted results.
pub async fn run(target: Target, connections: usize, mode: Mode) -> Result<LoadResult> {
    let connections = connections.max(1);
    let shared = Arc::new(Shared::default());
    let start = Instant::now();
    let (window_start, window_end) = match mode {
        Mode::Closed { warmup, duration }
        | Mode::Rate {
            warmup, duration, ..
        } => (start + warmup, start + warmup + duration),
        Mode::Count { limit, .. } => (start, start + limit),
    };
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..connections {
        let target = target.clone();
        let shared = shared.clone();
        tasks.spawn(async move {
            let mut sender = match connect(target.addr).await {
                Ok(s) => s,
                Err(e) => {
                    shared.errors.fetch_add(1, Ordering::Relaxed);
                    shared.problem(format!("{e:#}"));
                    return;
                }
            };
            let mut local: Vec<u32> = Vec::new();
            let mut i: u64 = 0;
            loop {
                let scheduled = match mode {
                    Mode::Rate { rate, .. } => {
                        let interval = connections as f64 / rate;
                        let at = start
                            + Duration::from_secs_f64(
                                interval * (i as f64 + c as f64 / connections as f64),
                            );
                        tokio::time::sleep_until(at).await;
                        at
                    }
                    Mode::Count { total, .. } => {
                        if shared.issued.fetch_add(1, Ordering::Relaxed) >= total {
                            break;
                        }
                        Instant::now()
                    }
                    Mode::Closed { .. } => Instant::now(),
                };
                if scheduled >= window_end {
                    break;
                }
                i += 1;
                let result = one(&mut sender, &target, &shared).await;
                let done = Instant::now();
                let counted = scheduled >= window_start && done <= window_end
                    || matches!(mode, Mode::Count { .. });
                match result {
                    Ok(status) if (200..300).contains(&status) => {
                        if counted {
                            shared.ok.fetch_add(1, Ordering::Relaxed);
                            let us = done
                                .duration_since(scheduled)
                                .as_micros()
                                .min(u32::MAX as u128);
                            local.push(us as u32);
                        }
                    }
                    Ok(_) => {
                        if counted {
                            shared.non_2xx.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(e) => {
                        shared.errors.fetch_add(1, Ordering::Relaxed);
                        shared.problem(e);
                        // Reconnect after a transport error.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        match connect(target.addr).await {
                            Ok(s) => sender = s,
                            Err(_) => break,
                        }
                    }
                }
                if Instant::now() >= window_end {
                    break;
                }
            }
            if let Ok(mut l) = shared.latencies.lock() {
                l.extend(local);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let end = Instant::now();
    let elapsed = match mode {
        Mode::Count { .. } => end.duration_since(start),
        Mode::Closed { duration, .. } | Mode::Rate { duration, .. } => duration,
    };
    let mut latencies = std::mem::take(&mut *shared.latencies.lock().expect("latencies"));
    latencies.sort_unstable();
    Ok(LoadResult {
        ok: shared.ok.load(Ordering::Relaxed),
        non_2xx: shared.non_2xx.load(Ordering::Relaxed),
        errors: shared.errors.load(Ordering::Relaxed),
        elapsed,
        latencies_us: latencies,
        first_problem: shared.first_problem.lock().ok().and_then(|f| f.clone()),
    })
}
