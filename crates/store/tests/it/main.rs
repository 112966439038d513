#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The store's integration tests in one binary: the conformance suite on both backends, and
//! several PostgreSQL nodes working on one database at once.

mod conformance;
mod migration;
mod pg_claim_plans;
mod pg_concurrency;
mod pg_group_commit;
mod pg_leases;
mod secrets;
mod web_sessions;
