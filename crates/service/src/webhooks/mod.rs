//! Webhook delivery: the fan-out turns the event log into deliveries for matching
//! subscriptions; the deliverer POSTs them with Standard Webhooks signatures, in order per
//! subscription and chat, retrying on a schedule, recording every attempt.

pub mod deliver;
pub mod fanout;
pub mod guard;
pub mod payload;
pub mod settings;

pub use settings::WebhookSettings;
