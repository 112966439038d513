#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Switchboard tests that need a process of their own, apart from the `it` binary's many
//! parallel in-process servers: `binary` and the chaos tests (`crash_small`, `faults_small`)
//! spawn the built `switchboard` binary and signal or SIGKILL it, and `media_large` measures
//! the resident memory of this very process, which no other test may share while it runs.

/// The in-process server harness of the `it` binary, shared rather than copied
/// (`media_large` uses it; the rest of it serves the `it` binary).
#[allow(unused_imports)]
#[path = "../it/common/mod.rs"]
mod common;

mod binary;
#[macro_use]
mod chaos;
mod cluster_limit_small;
mod crash_small;
mod failover_small;
mod faults_small;
mod media_large;
mod web_takeover_small;

use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Lets a test run alone: `media_large` while it measures this process's memory, and each
/// chaos run, which needs the whole machine, hold the write side; the `binary` tests hold the
/// read side and run beside each other.
static ALONE: RwLock<()> = RwLock::const_new(());

/// Held by a test that may run beside the others (not beside `media_large`).
pub async fn beside_others() -> RwLockReadGuard<'static, ()> {
    ALONE.read().await
}

/// Held by a test that runs alone in this process.
pub async fn alone() -> RwLockWriteGuard<'static, ()> {
    ALONE.write().await
}
