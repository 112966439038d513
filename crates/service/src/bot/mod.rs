//! Bot automation: managing a channel's bot (settings, rules, contact state), the worker that
//! answers inbound messages through the outbox, and the marketing opt-out check.
//!
//! The decision itself is pure and lives in `switchboard_core::automation`; this module loads
//! what it needs, records the decision with everything it changes in one transaction, and
//! sends the reply through the normal send path.

pub mod consider;
pub mod manage;
pub mod optout;
pub mod worker;

pub use optout::{check_marketing_allowed, is_opted_out, MarketingRefused};
pub use worker::BotWorkerSettings;
