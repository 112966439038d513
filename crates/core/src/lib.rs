//! Switchboard's pure domain layer: no I/O, no async.
//!
//! Everything here is deterministic and unit-tested: typed identifiers, phone numbers and
//! chat ids, the canonical message model (Meta's Cloud API message object) and its
//! validation against WhatsApp's limits, accounts, keys and channels.

pub mod account;
pub mod address;
pub mod automation;
pub mod broadcast;
pub mod business_profile;
pub mod channel;
pub mod cloud_webhook;
pub mod contact_import;
pub mod event;
pub mod id;
mod json_reader;
pub mod key;
pub mod media;
pub mod message;
pub mod multiwhats;
pub mod onemsg_send;
pub mod onemsg_view;
pub mod ratelimit;
pub mod recipient;
pub mod record;
pub mod retry;
pub mod schedule;
pub mod secret;
pub mod sendbuttons;
pub mod standard_webhooks;
pub mod stats;
pub mod status;
pub mod subscription;
pub mod template_def;
pub mod template_record;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod wabot;
pub mod whautomate;
pub mod window;
