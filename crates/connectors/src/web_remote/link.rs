//! The socket task of a remote session: writes the session's requests, matches the bridge's
//! answers to them, hands events to the session's receiver in order (an inbound batch with an
//! acknowledgement that travels back as `inbound_stored`), and runs the bridge's key requests
//! on the session's key store, one at a time in arrival order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use switchboard_web_driver::wire::{
    AnswerValue, ClientFrame, KeysValue, Outcome, ServerFrame, WireInboundMessage, WireKeyError,
    WireWebError,
};
use switchboard_web_driver::{InboundBatch, SessionEvent, WebKeys};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Where a request's answer goes.
pub(super) type Reply = oneshot::Sender<Outcome<AnswerValue, WireWebError>>;

/// What the session asks of its socket task.
pub(super) enum Command {
    /// Sends `frame` (request `id`) and hands its answer to `reply`.
    Request {
        /// The request id in `frame`.
        id: u64,
        /// The request (boxed: a send carries a whole message).
        frame: Box<ClientFrame>,
        /// Where its answer goes.
        reply: Reply,
    },
    /// Closes the socket cleanly and ends, emitting nothing.
    Close,
}

/// What the event forwarder hands on, in arrival order.
enum Delivery {
    Event(SessionEvent),
    Inbound {
        batch: u64,
        messages: Vec<WireInboundMessage>,
    },
}

/// A remote session's socket and the ends it serves.
pub(super) struct Link {
    /// The socket to the bridge.
    pub(super) socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The session's requests.
    pub(super) commands: mpsc::Receiver<Command>,
    /// The session's events receiver.
    pub(super) events: mpsc::Sender<SessionEvent>,
    /// The session's key store.
    pub(super) keys: Arc<dyn WebKeys>,
    /// Set once the session stops: nothing is emitted after.
    pub(super) stopped: Arc<AtomicBool>,
}

impl Link {
    /// Serves the socket until it closes or the session closes it.
    pub(super) async fn run(self) {
        let Link {
            mut socket,
            mut commands,
            events,
            keys,
            stopped,
        } = self;
        // Frames the helpers queue for the socket (key answers, inbound acks).
        let (outgoing, mut queued) = mpsc::unbounded_channel::<ClientFrame>();
        // Unbounded, so a receiver that drains slowly never stops the socket from reading the
        // answer it may be waiting for.
        let (deliver, deliveries) = mpsc::unbounded_channel::<Delivery>();
        let forwarder = tokio::spawn(forward(
            deliveries,
            events,
            outgoing.clone(),
            stopped.clone(),
        ));
        let (key_requests, key_queue) = mpsc::unbounded_channel::<ServerFrame>();
        let key_worker = tokio::spawn(run_keys(key_queue, keys, outgoing.clone()));
        let mut pending: HashMap<u64, Reply> = HashMap::new();
        let failure: Option<String> = loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Request { id, frame, reply }) => {
                        pending.retain(|_, reply| !reply.is_closed());
                        pending.insert(id, reply);
                        if let Err(e) = socket.send(Message::text(frame.to_json())).await {
                            break Some(format!("writing to the bridge failed: {e}"));
                        }
                    }
                    Some(Command::Close) | None => {
                        let _ = socket.close(None).await;
                        break None;
                    }
                },
                Some(frame) = queued.recv() => {
                    if let Err(e) = socket.send(Message::text(frame.to_json())).await {
                        break Some(format!("writing to the bridge failed: {e}"));
                    }
                }
                message = socket.next() => {
                    let text = match message {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Close(frame))) => {
                            let why = frame.map(|f| format!(" ({} {})", u16::from(f.code), f.reason)).unwrap_or_default();
                            break Some(format!("the bridge closed the connection{why}"));
                        }
                        Some(Ok(Message::Binary(_))) => {
                            protocol_error(&mut socket).await;
                            break Some("the bridge sent a binary frame".to_string());
                        }
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => break Some(format!("the bridge connection failed: {e}")),
                        None => break Some("the bridge connection ended".to_string()),
                    };
                    let frame = match ServerFrame::parse(text.as_str()) {
                        Ok(frame) => frame,
                        Err(e) => {
                            protocol_error(&mut socket).await;
                            break Some(format!("the bridge sent a frame that is not the protocol's: {e}"));
                        }
                    };
                    match frame {
                        ServerFrame::Answer { id, result } => {
                            if let Some(reply) = pending.remove(&id) {
                                let _ = reply.send(result);
                            }
                        }
                        ServerFrame::Event { event } => {
                            let _ = deliver.send(Delivery::Event(event.into()));
                        }
                        ServerFrame::Inbound { batch, messages } => {
                            let _ = deliver.send(Delivery::Inbound { batch, messages });
                        }
                        key_request => {
                            let _ = key_requests.send(key_request);
                        }
                    }
                }
            }
        };
        // Waiting requests fail as not connected; key operations in flight are abandoned
        // (their answer has nowhere to go).
        drop(pending);
        key_worker.abort();
        if let Some(detail) = failure {
            if !stopped.load(Ordering::SeqCst) {
                let _ = deliver.send(Delivery::Event(SessionEvent::Disconnected {
                    clean: false,
                    detail,
                }));
            }
        }
        drop(deliver);
        let _ = forwarder.await;
    }
}

async fn protocol_error(socket: &mut WebSocketStream<MaybeTlsStream<TcpStream>>) {
    let frame = CloseFrame {
        code: CloseCode::Protocol,
        reason: "not a frame of the bridge protocol".into(),
    };
    let _ = socket.close(Some(frame)).await;
}

/// Hands deliveries to the session's receiver in order; an inbound batch's acknowledgement is
/// awaited aside and answered as `inbound_stored`.
async fn forward(
    mut deliveries: mpsc::UnboundedReceiver<Delivery>,
    events: mpsc::Sender<SessionEvent>,
    outgoing: mpsc::UnboundedSender<ClientFrame>,
    stopped: Arc<AtomicBool>,
) {
    while let Some(delivery) = deliveries.recv().await {
        if stopped.load(Ordering::SeqCst) {
            continue;
        }
        let event = match delivery {
            Delivery::Event(event) => event,
            Delivery::Inbound { batch, messages } => {
                let (stored, ack) = oneshot::channel();
                let outgoing = outgoing.clone();
                tokio::spawn(async move {
                    let result = ack
                        .await
                        .unwrap_or_else(|_| Err("the batch was dropped unanswered".to_string()));
                    let _ = outgoing.send(ClientFrame::InboundStored {
                        batch,
                        result: result.into(),
                    });
                });
                SessionEvent::Inbound(InboundBatch {
                    messages: messages.into_iter().map(Into::into).collect(),
                    stored,
                })
            }
        };
        if events.send(event).await.is_err() {
            // Nobody listens any more; keep draining so the socket task never blocks.
            continue;
        }
    }
}

/// Runs the bridge's key requests on `keys`, one at a time, and queues their answers.
async fn run_keys(
    mut requests: mpsc::UnboundedReceiver<ServerFrame>,
    keys: Arc<dyn WebKeys>,
    outgoing: mpsc::UnboundedSender<ClientFrame>,
) {
    while let Some(request) = requests.recv().await {
        let (id, result) = match request {
            ServerFrame::KeysGet { id, namespace, key } => (
                id,
                keys.get(&namespace, &key)
                    .await
                    .map(|value| KeysValue::Value(value.map(Into::into))),
            ),
            ServerFrame::KeysList {
                id,
                namespace,
                prefix,
            } => (
                id,
                keys.list(&namespace, &prefix).await.map(|entries| {
                    KeysValue::Entries(
                        entries
                            .into_iter()
                            .map(|(key, value)| (key, value.into()))
                            .collect(),
                    )
                }),
            ),
            ServerFrame::KeysWrite { id, changes } => (
                id,
                keys.write(changes.into_iter().map(Into::into).collect())
                    .await
                    .map(|()| KeysValue::Written),
            ),
            ServerFrame::KeysIsEmpty { id } => (id, keys.is_empty().await.map(KeysValue::Empty)),
            ServerFrame::Answer { .. }
            | ServerFrame::Event { .. }
            | ServerFrame::Inbound { .. } => continue,
        };
        let result = result.map_err(WireKeyError::from).into();
        if outgoing
            .send(ClientFrame::KeysAnswer { id, result })
            .is_err()
        {
            break;
        }
    }
}
