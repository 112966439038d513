//! Switchboard's domain services: each takes parsed input, applies the rules, and calls the
//! store. They know nothing of HTTP; the API layer maps their errors to responses.

pub mod accounts;
pub mod bot;
pub mod broadcasts;
pub mod channel_leases;
pub mod channels;
pub mod contacts;
pub mod conversations;
pub mod credits;
pub mod dispatch;
mod error;
pub mod events;
pub mod gateway;
pub mod inbound;
pub mod keys;
pub mod limits;
pub mod media;
pub mod messages;
pub mod messenger;
pub mod multiwhats;
pub mod onemsg_history;
pub mod onemsg_send;
pub mod outbox;
pub mod read;
pub mod send;
pub mod sendbuttons;
pub mod stats;
pub mod telegram;
pub mod templates;
pub mod upstream;
pub mod wabot;
pub mod web;
pub mod webhooks;
pub mod whautomate;

pub use error::ServiceError;

/// Result type of service calls.
pub type ServiceResult<T> = Result<T, ServiceError>;
