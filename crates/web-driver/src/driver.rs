//! The driver and session traits.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use tokio::sync::mpsc;

use crate::{InboundMedia, Jid, OutboundMessage, Sent, SessionEvent, WebError, WebKeys};

/// What a session is started with.
pub struct SessionStart {
    /// The Switchboard channel id (`ch_…`), for logs and the fake phone's addressing.
    pub channel_id: String,
    /// The channel's key store: empty for a session never paired (the driver then pairs:
    /// [`SessionEvent::Qr`] codes), filled for a paired one (the driver connects with it,
    /// without a QR code). Every write the driver makes goes through it.
    pub keys: Arc<dyn WebKeys>,
    /// Where the session reports what happens. The driver must not drop events silently:
    /// it awaits the send (the manager drains the channel promptly).
    pub events: mpsc::Sender<SessionEvent>,
    /// How many QR codes a pairing shows before it gives up with
    /// [`SessionEvent::QrExhausted`] (the library's own limit applies when lower).
    pub max_qr_codes: u32,
}

/// Starts sessions. Implementations: the `whatsapp-rust` adapter and the emulator's fake.
#[async_trait]
pub trait WebDriver: Send + Sync + 'static {
    /// The driver's name for logs and status views (`whatsapp-rust`, `emulator`).
    fn name(&self) -> &'static str;

    /// Starts the session: returns once the connection attempt is under way; what follows
    /// (QR codes, connected, a failure) arrives as events.
    async fn start(&self, start: SessionStart) -> Result<Arc<dyn WebSession>, WebError>;
}

/// One running session.
#[async_trait]
pub trait WebSession: Send + Sync + 'static {
    /// Asks for an 8-character pair code for `phone_number` (digits with the country
    /// code), valid beside the QR codes while pairing; it also arrives as
    /// [`SessionEvent::PairCode`].
    async fn request_pair_code(&self, phone_number: &str) -> Result<String, WebError>;

    /// Sends `message` to `to` under the WhatsApp message id `message_id` (chosen by
    /// Switchboard, so a retry after a crash re-sends the same id and WhatsApp
    /// de-duplicates it). Returns once the server acknowledged it.
    async fn send(
        &self,
        to: &Jid,
        message: OutboundMessage,
        message_id: &str,
    ) -> Result<Sent, WebError>;

    /// Downloads (and decrypts) the media of an inbound message.
    async fn download(&self, media: &InboundMedia) -> Result<Bytes, WebError>;

    /// Marks inbound messages as read (blue ticks for the sender).
    async fn mark_read(
        &self,
        chat: &Jid,
        sender: Option<&Jid>,
        ids: &[String],
    ) -> Result<(), WebError>;

    /// Unlinks the device from the phone and ends the session. The caller wipes the keys.
    async fn logout(&self) -> Result<(), WebError>;

    /// Disconnects, keeping the keys (a later start resumes without a QR code). No event
    /// follows a stop.
    async fn stop(&self);
}
