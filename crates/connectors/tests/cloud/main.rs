#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The Cloud API connector over real HTTP: against the emulator, and against tiny local
//! servers for answers the emulator never gives; and the WhatsApp Web bridge (`web_bridge`).

mod common;
mod errors;
mod media;
mod messages;
mod messenger;
mod redaction;
mod telegram;
mod templates;
mod web_bridge;
