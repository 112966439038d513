//! The WhatsApp Web session driver on the `whatsapp-rust` library (0.7, pinned exactly).
//!
//! [`driver`] returns the [`WebDriver`] Switchboard's session manager starts sessions
//! with. Each session keeps all of the library's state in the channel's fenced key store
//! through [`KeysBackend`] (the library's storage trait over
//! [`WebKeys`](switchboard_web_driver::WebKeys)), reports the library's events as
//! [`SessionEvent`](switchboard_web_driver::SessionEvent)s, and hands inbound messages to
//! Switchboard before the library acknowledges them (its inbound durability hook). The
//! conversions between the library's protobuf messages and the boundary's live in
//! [`convert`] and [`events`], pure and tested without a connection.

mod backend;
mod codec;
pub mod convert;
mod driver;
pub mod events;
pub mod hook;
mod session;

use std::sync::Arc;

use switchboard_web_driver::WebDriver;

pub use backend::{ns, KeysBackend, DEFAULT_SENT_MESSAGE_TTL_SECS, PENDING_INBOUND_TTL_SECS};
pub use driver::{WaWebConfig, WhatsAppRustDriver};

/// The `whatsapp-rust` driver with the default configuration (the WhatsApp Web version
/// fetched at start, history sync skipped).
pub fn driver() -> Arc<dyn WebDriver> {
    Arc::new(WhatsAppRustDriver::default())
}

/// The `whatsapp-rust` driver with `config`.
pub fn driver_with(config: WaWebConfig) -> Arc<dyn WebDriver> {
    Arc::new(WhatsAppRustDriver::new(config))
}
