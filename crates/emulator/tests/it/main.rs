#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests of the emulator over real HTTP on 127.0.0.1.

mod common;
mod faults;
mod inbound;
mod media;
mod messages;
mod misc;
mod oas_create_examples;
mod oas_examples;
mod page_harness;
mod pages;
mod pages_events;
mod raw_hooks;
mod telegram;
mod telegram_updates;
mod templates;
mod tg_harness;
mod web;
mod web_harness;
mod web_send;
