//! The inbound durability hook: each batch the library decrypted goes to Switchboard as
//! [`SessionEvent::Inbound`]; the library acknowledges it to the server only once
//! Switchboard answered that it is stored.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use switchboard_web_driver::{InboundBatch, InboundMessage, Jid, SessionEvent};
use tokio::sync::{mpsc, oneshot};
use whatsapp_rust::anyhow;
use whatsapp_rust::wacore::store::traits::ProtocolStore;
use whatsapp_rust::{Client, InboundDurabilityHook};

use crate::backend::KeysBackend;
use crate::convert::inbound;

/// How long the hook waits for Switchboard's answer before letting the server redeliver.
const STORE_TIMEOUT: Duration = Duration::from_secs(60);

/// Converts a library message; `None` for addresses Switchboard does not keep
/// (newsletters, broadcasts, hosted accounts). A LID sender's phone JID comes from the
/// stanza's alternate address, else from the backend's LID mapping.
pub async fn convert(
    backend: &KeysBackend,
    message: &whatsapp_rust::wacore::types::events::InboundMessage,
) -> Option<InboundMessage> {
    let info = &message.info;
    let chat = Jid::parse(&info.source.chat.to_non_ad().to_string()).ok()?;
    let sender = Jid::parse(&info.source.sender.to_non_ad().to_string()).ok()?;
    let sender_phone = if sender.is_lid() {
        phone_of(backend, &sender, info.source.sender_alt.as_ref()).await
    } else {
        None
    };
    Some(InboundMessage {
        id: info.id.clone(),
        chat,
        sender,
        sender_phone,
        from_me: info.source.is_from_me,
        timestamp: info.timestamp.timestamp(),
        push_name: (!info.push_name.is_empty()).then(|| info.push_name.clone()),
        content: inbound::content(&message.message),
        quoted_id: inbound::quoted_id(&message.message),
    })
}

/// The phone JID of a LID sender: the stanza's alternate address when it is a phone
/// JID, else the backend's LID mapping.
async fn phone_of(
    backend: &KeysBackend,
    lid: &Jid,
    alt: Option<&whatsapp_rust::Jid>,
) -> Option<Jid> {
    if let Some(alt) = alt.and_then(|a| Jid::parse(&a.to_non_ad().to_string()).ok()) {
        if alt.phone_number().is_some() {
            return Some(alt);
        }
    }
    let entry = backend.get_lid_mapping(lid.user()).await.ok()??;
    Jid::from_phone(&entry.phone_number).ok()
}

/// Sends one batch to Switchboard as [`SessionEvent::Inbound`] and waits for its answer:
/// `Ok` only once Switchboard answered `Ok`; an `Err` answer, a dropped batch or no answer
/// within a minute is an `Err` (the library then leaves the batch unacknowledged and the
/// server delivers it again).
pub async fn deliver(
    events: &mpsc::Sender<SessionEvent>,
    messages: Vec<InboundMessage>,
) -> Result<(), String> {
    if messages.is_empty() {
        return Ok(());
    }
    let (stored, answer) = oneshot::channel();
    events
        .send(SessionEvent::Inbound(InboundBatch { messages, stored }))
        .await
        .map_err(|_| "the session's event receiver is gone".to_string())?;
    match tokio::time::timeout(STORE_TIMEOUT, answer).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err("the inbound batch was dropped unanswered".to_string()),
        Err(_) => Err("no answer for the inbound batch in time".to_string()),
    }
}

/// The hook registered with the library.
pub(crate) struct Hook {
    pub(crate) backend: KeysBackend,
    pub(crate) events: mpsc::Sender<SessionEvent>,
}

#[async_trait]
impl InboundDurabilityHook for Hook {
    async fn on_messages(
        &self,
        _client: Arc<Client>,
        batch: &[whatsapp_rust::wacore::types::events::InboundMessage],
    ) -> anyhow::Result<()> {
        let mut messages = Vec::with_capacity(batch.len());
        for message in batch {
            if let Some(converted) = convert(&self.backend, message).await {
                messages.push(converted);
            }
        }
        deliver(&self.events, messages)
            .await
            .map_err(|why| anyhow::anyhow!("inbound batch not stored: {why}"))
    }
}
