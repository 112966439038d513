//! A 100 MB document upload streams end to end: the client generates the body as it sends
//! it, the server streams it to disk, and the process's resident memory (client and server
//! share this test process) grows by less than 20 MB. It runs alone in its process
//! (`crate::alone`). Linux only (reads `/proc/self/status`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::common::*;
use bytes::Bytes;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use sha2::Digest;

const MB: u64 = 1024 * 1024;
const SIZE: u64 = 100 * MB;
const CHUNK: usize = 64 * 1024;

/// Resident set size in bytes, or `None` where `/proc` is not available.
fn rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Chunk `i` of the generated document: a PDF header, then a repeating pattern.
fn chunk(i: u64) -> Bytes {
    let mut b = vec![0u8; CHUNK];
    for (j, byte) in b.iter_mut().enumerate() {
        *byte = b'a' + ((i as usize * 7 + j) % 26) as u8;
    }
    if i == 0 {
        b[..9].copy_from_slice(b"%PDF-1.4\n");
    }
    Bytes::from(b)
}

fn body() -> reqwest::Body {
    let chunks = SIZE / CHUNK as u64;
    reqwest::Body::wrap_stream(futures::stream::iter(
        (0..chunks).map(|i| Ok::<Bytes, std::io::Error>(chunk(i))),
    ))
}

fn expected_sha256() -> String {
    let mut h = sha2::Sha256::new();
    for i in 0..SIZE / CHUNK as u64 {
        h.update(chunk(i));
    }
    hex::encode(h.finalize())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mb_upload_streams_in_constant_memory() {
    if rss().is_none() {
        eprintln!("skipped: /proc/self/status is not available on this platform");
        return;
    }
    let _alone = crate::alone().await;
    let server = TestServer::start(Backend::Sqlite).await.expect("sqlite");
    let ctx = setup_sandbox(&server).await;
    // Warm up the upload path (allocator pools, connections) with a small document.
    let warm = Form::new().part(
        "file",
        Part::bytes(b"%PDF-1.4\nwarm up".to_vec())
            .file_name("warm.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    server
        .call(
            server
                .req(Method::POST, "/v1/media", &ctx.key)
                .multipart(warm),
        )
        .await
        .status(201);

    let baseline = rss().unwrap();
    let peak = Arc::new(AtomicU64::new(baseline));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            // Bounded: at most 10 minutes of 5 ms samples.
            for _ in 0..120_000 {
                if done.load(Ordering::Relaxed) {
                    break;
                }
                if let Some(now) = rss() {
                    peak.fetch_max(now, Ordering::Relaxed);
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
    };
    let form = Form::new().text("type", "document").part(
        "file",
        Part::stream_with_length(body(), SIZE)
            .file_name("big.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let meta = server
        .call(
            server
                .req(Method::POST, "/v1/media", &ctx.key)
                .multipart(form),
        )
        .await
        .status(201);
    done.store(true, Ordering::Relaxed);
    sampler.await.unwrap();
    if let Some(now) = rss() {
        peak.fetch_max(now, Ordering::Relaxed);
    }
    let growth = peak.load(Ordering::Relaxed).saturating_sub(baseline);
    eprintln!(
        "peak resident memory growth during the 100 MB upload: {:.1} MB",
        growth as f64 / MB as f64
    );
    assert_eq!(meta["size"], SIZE);
    assert_eq!(meta["kind"], "document");
    assert_eq!(meta["sha256"], expected_sha256());
    assert!(
        growth < 20 * MB,
        "resident memory grew by {:.1} MB during a 100 MB upload",
        growth as f64 / MB as f64
    );
    let stored = server
        .config
        .data_dir
        .join("media")
        .join("objects")
        .join(meta["id"].as_str().unwrap());
    assert_eq!(std::fs::metadata(stored).unwrap().len(), SIZE);
    server.stop().await;
}
