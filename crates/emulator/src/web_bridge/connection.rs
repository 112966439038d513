//! One bridged session: the socket loop. It reads the client's frames (starting the session,
//! running its requests in tasks of their own, handing key answers and inbound acks to whoever
//! waits for them) and writes what the session's tasks queue (answers, events, inbound
//! batches, key requests). When the socket closes, the session stops.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use switchboard_web_driver::wire::{
    AnswerValue, ClientFrame, Outcome, ServerFrame, WireEvent, WireWebError,
};
use switchboard_web_driver::{
    Jid, SessionEvent, SessionStart, WebDriver, WebError, WebErrorKind, WebSession,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use super::keys::{PendingKeys, ProxyKeys};

/// How many frames may wait for the socket.
const FRAME_QUEUE: usize = 64;
/// How many events the driver may queue before its send waits.
const EVENT_QUEUE: usize = 64;
/// How long the session's `stop` may take once the socket closed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// The close code of a frame that is not the protocol's.
const PROTOCOL_ERROR: u16 = 1002;

type Session = Arc<dyn WebSession>;

/// Where an inbound batch's acknowledgement goes.
type Stored = oneshot::Sender<Result<(), String>>;

/// The inbound batches waiting for the client's `inbound_stored`, by batch number.
#[derive(Clone, Default)]
struct PendingBatches(Arc<Mutex<HashMap<u64, Stored>>>);

impl PendingBatches {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Stored>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The session once started (shared with the task that starts it).
#[derive(Clone, Default)]
struct Started(Arc<Mutex<Option<Session>>>);

impl Started {
    fn get(&self) -> Option<Session> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, session: Session) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(session);
    }
}

/// Serves the session of `channel_id` on `socket` until either side closes it.
pub(super) async fn serve(driver: Arc<dyn WebDriver>, channel_id: String, mut socket: WebSocket) {
    let (frames, mut queued) = mpsc::channel::<ServerFrame>(FRAME_QUEUE);
    let keys = PendingKeys::default();
    let batches = PendingBatches::default();
    let started = Started::default();
    let mut start_sent = false;
    let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            Some(frame) = queued.recv() => {
                if socket.send(Message::Text(frame.to_json().into())).await.is_err() {
                    break;
                }
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            message = socket.recv() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(Message::Binary(_))) => {
                        close(&mut socket, PROTOCOL_ERROR, "frames are JSON text").await;
                        break;
                    }
                };
                let frame = match ClientFrame::parse(text.as_str()) {
                    Ok(frame) => frame,
                    Err(e) => {
                        tracing::warn!(channel_id, error = e, "web bridge: a frame that is not the protocol's");
                        close(&mut socket, PROTOCOL_ERROR, "not a frame of the bridge protocol").await;
                        break;
                    }
                };
                match frame {
                    ClientFrame::KeysAnswer { id, result } => keys.answer(id, result),
                    ClientFrame::InboundStored { batch, result } => {
                        if let Some(stored) = batches.lock().remove(&batch) {
                            let _ = stored.send(result.into());
                        }
                    }
                    ClientFrame::Start { id, channel_id: asked, max_qr_codes } => {
                        let refusal = if start_sent {
                            Some("the session is started already")
                        } else if asked != channel_id {
                            Some("the start frame names another channel than the URL")
                        } else {
                            None
                        };
                        if let Some(refusal) = refusal {
                            let error = WebError::new(WebErrorKind::Rejected, refusal);
                            if answer_now(&mut socket, id, error).await.is_err() {
                                break;
                            }
                            continue;
                        }
                        start_sent = true;
                        let (events, receiver) = mpsc::channel(EVENT_QUEUE);
                        tasks.spawn(forward_events(receiver, frames.clone(), batches.clone()));
                        let start = SessionStart {
                            channel_id: channel_id.clone(),
                            keys: Arc::new(ProxyKeys::new(frames.clone(), keys.clone())),
                            events,
                            max_qr_codes,
                        };
                        let (driver, started, frames) = (driver.clone(), started.clone(), frames.clone());
                        tasks.spawn(async move {
                            let result = match driver.start(start).await {
                                Ok(session) => {
                                    started.set(session);
                                    Ok(AnswerValue::Unit)
                                }
                                Err(e) => Err(e),
                            };
                            answer(&frames, id, result).await;
                        });
                    }
                    request => {
                        let Some(session) = started.get() else {
                            let error = WebError::new(WebErrorKind::NotConnected, "the session is not started");
                            if answer_now(&mut socket, request_id(&request), error).await.is_err() {
                                break;
                            }
                            continue;
                        };
                        let (frames, stopped) = (frames.clone(), stopped.clone());
                        tasks.spawn(async move {
                            let id = request_id(&request);
                            let is_stop = matches!(request, ClientFrame::Stop { .. });
                            let result = run(&session, request).await;
                            if is_stop {
                                stopped.store(true, std::sync::atomic::Ordering::SeqCst);
                            }
                            answer(&frames, id, result).await;
                        });
                    }
                }
            }
        }
    }
    // The socket is gone: nothing more reaches the client. Close the queue first, so the
    // event forwarder ends and the driver's event sends fail instead of waiting; key
    // requests fail as unavailable; inbound batches stay unacknowledged (redelivered).
    drop(queued);
    keys.clear();
    batches.lock().clear();
    if let Some(session) = started.get() {
        if !stopped.load(std::sync::atomic::Ordering::SeqCst)
            && tokio::time::timeout(STOP_TIMEOUT, session.stop())
                .await
                .is_err()
        {
            tracing::warn!(channel_id, "web bridge: the session did not stop in time");
        }
    }
    tasks.shutdown().await;
}

/// Runs one session request (not `start`, not an answer).
async fn run(session: &Session, request: ClientFrame) -> Result<AnswerValue, WebError> {
    match request {
        ClientFrame::RequestPairCode { phone_number, .. } => session
            .request_pair_code(&phone_number)
            .await
            .map(AnswerValue::PairCode),
        ClientFrame::Send {
            to,
            message,
            message_id,
            ..
        } => session
            .send(&to, message.into(), &message_id)
            .await
            .map(|sent| AnswerValue::Sent(sent.into())),
        ClientFrame::Download { media, .. } => session
            .download(&media.into())
            .await
            .map(|bytes| AnswerValue::Media(bytes.into())),
        ClientFrame::MarkRead {
            chat, sender, ids, ..
        } => {
            let sender: Option<&Jid> = sender.as_ref();
            session
                .mark_read(&chat, sender, &ids)
                .await
                .map(|()| AnswerValue::Unit)
        }
        ClientFrame::Logout { .. } => session.logout().await.map(|()| AnswerValue::Unit),
        ClientFrame::Stop { .. } => {
            session.stop().await;
            Ok(AnswerValue::Unit)
        }
        ClientFrame::Start { .. }
        | ClientFrame::KeysAnswer { .. }
        | ClientFrame::InboundStored { .. } => Err(WebError::new(
            WebErrorKind::Rejected,
            "not a session request",
        )),
    }
}

/// The request id of a client frame (0 for the frames that are answers).
fn request_id(frame: &ClientFrame) -> u64 {
    match frame {
        ClientFrame::Start { id, .. }
        | ClientFrame::RequestPairCode { id, .. }
        | ClientFrame::Send { id, .. }
        | ClientFrame::Download { id, .. }
        | ClientFrame::MarkRead { id, .. }
        | ClientFrame::Logout { id }
        | ClientFrame::Stop { id }
        | ClientFrame::KeysAnswer { id, .. } => *id,
        ClientFrame::InboundStored { .. } => 0,
    }
}

/// Queues the answer to request `id`.
async fn answer(
    frames: &mpsc::Sender<ServerFrame>,
    id: u64,
    result: Result<AnswerValue, WebError>,
) {
    let result = result.map_err(WireWebError::from).into();
    let _ = frames.send(ServerFrame::Answer { id, result }).await;
}

/// Writes an error answer from the socket loop itself (which must not wait on its own queue).
async fn answer_now(socket: &mut WebSocket, id: u64, error: WebError) -> Result<(), axum::Error> {
    let frame = ServerFrame::Answer {
        id,
        result: Outcome::Err(error.into()),
    };
    socket.send(Message::Text(frame.to_json().into())).await
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// Forwards the driver's events to the client, in order: inbound batches as `inbound` frames
/// whose acknowledgement is kept until the client's `inbound_stored`.
async fn forward_events(
    mut events: mpsc::Receiver<SessionEvent>,
    frames: mpsc::Sender<ServerFrame>,
    batches: PendingBatches,
) {
    let mut next_batch = 1u64;
    while let Some(event) = events.recv().await {
        let frame = match WireEvent::from_event(event) {
            Ok(event) => ServerFrame::Event { event },
            Err(inbound) => {
                let batch = next_batch;
                next_batch += 1;
                batches.lock().insert(batch, inbound.stored);
                ServerFrame::Inbound {
                    batch,
                    messages: inbound.messages.into_iter().map(Into::into).collect(),
                }
            }
        };
        if frames.send(frame).await.is_err() {
            break;
        }
    }
}
