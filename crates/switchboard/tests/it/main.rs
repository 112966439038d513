#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Switchboard over real HTTP in one test binary: every module starts in-process servers on
//! SQLite and PostgreSQL through the shared harness in `common`, so the server is linked once.

#[macro_use]
mod common;

mod abuse_limits;
mod architecture;
mod bot;
mod broadcasts;
mod channel_kinds;
mod channel_status;
mod console;
mod console_accounts;
mod console_bot;
mod console_broadcasts;
mod console_contacts;
mod console_inbox;
mod console_stats;
mod console_templates;
mod console_webhooks;
mod contacts;
mod credits;
mod foundation;
mod inbound;
mod isolation_matrix;
mod media;
mod multiwhats;
mod onemsg_account;
mod onemsg_history;
mod onemsg_send;
mod pages;
mod sandbox;
mod scheduled;
mod secrets;
mod sendbuttons;
mod sending;
mod statement_budget;
mod stats;
mod stats_timezone;
mod subscriptions;
mod telegram;
mod templates;
mod wabot;
mod web_sessions;
mod webhooks;
mod whautomate;
