//! The boundary between Switchboard and a WhatsApp Web (multi-device) protocol library.
//!
//! Switchboard's session manager starts a session through a [`WebDriver`], hands it a
//! [`WebKeys`] store (the channel's Noise/Signal state, kept in Switchboard's database and
//! fenced by the channel's lease) and a sender for its [`SessionEvent`]s, and drives it
//! through the returned [`WebSession`]. Two drivers exist: the `whatsapp-rust` adapter
//! (crate `switchboard-waweb`, behind the `whatsapp-web` feature) and the emulator's fake
//! phone, which tests and sandbox channels use. Everything here is library-agnostic, so a
//! swap of the protocol library touches one crate.

mod driver;
mod error;
mod event;
mod jid;
mod keys;
mod message;
pub mod wire;

pub use driver::{SessionStart, WebDriver, WebSession};
pub use error::{WebError, WebErrorKind};
pub use event::{InboundBatch, ReceiptKind, SessionEvent};
pub use jid::{Jid, JidError};
pub use keys::{KeyChange, KeyStoreError, MemoryKeys, WebKeys};
pub use message::{
    ContactCard, InboundContent, InboundMedia, InboundMessage, MediaKind, OutboundContent,
    OutboundMedia, OutboundMessage, Quoted, Sent,
};
