#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! The service crate's integration tests.

mod bot_optout;
mod channel_leases;
mod delivery_slots;
mod faults;
mod faulty_store;
mod store_errors;
mod support;
