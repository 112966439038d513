//! One fake session: its lifecycle (pairing by QR codes, connecting, reconnecting, ending),
//! the ordered emission of its events, and the [`WebSession`] implementation.
//!
//! Every state change and the event reporting it happen under the session's one async lock,
//! so events arrive in the order of the changes. Events go through an unbounded queue to a
//! forwarder task that awaits the caller's channel, so a slow receiver never blocks the lock
//! (a receiver calling the session while its channel is full cannot deadlock); a stopped
//! session emits nothing.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use switchboard_web_driver::{
    InboundBatch, InboundMedia, Jid, OutboundMessage, Sent, SessionEvent, WebError, WebErrorKind,
    WebKeys, WebSession,
};
use tokio::sync::{mpsc, oneshot, MutexGuard};
use tokio::task::AbortHandle;

use super::channel::WebShared;
use super::pairing::{pair_code, DeviceRecord, PairingKeys, MAX_QR_REFS};
use super::phone::{PairCodeState, Phone, PhoneState};
use crate::state::lock;

/// A session of the fake phone.
pub(crate) struct FakeSession {
    pub shared: Arc<WebShared>,
    pub channel_id: String,
    pub keys: Arc<dyn WebKeys>,
    queue: mpsc::UnboundedSender<SessionEvent>,
    /// `true` once stopped; the forwarder holds it while it hands an event over.
    gate: Arc<tokio::sync::Mutex<bool>>,
    forwarder: AbortHandle,
    max_qr: u32,
    phone: tokio::sync::Mutex<Phone>,
    tasks: Mutex<Vec<AbortHandle>>,
    me: Weak<FakeSession>,
}

impl FakeSession {
    /// A session in `state`, not yet running anything.
    pub fn new(
        shared: Arc<WebShared>,
        channel_id: String,
        keys: Arc<dyn WebKeys>,
        events: mpsc::Sender<SessionEvent>,
        max_qr_codes: u32,
        device: Option<DeviceRecord>,
    ) -> Arc<Self> {
        let (queue, mut queued) = mpsc::unbounded_channel::<SessionEvent>();
        let gate = Arc::new(tokio::sync::Mutex::new(false));
        let forwarder = {
            let gate = gate.clone();
            tokio::spawn(async move {
                while let Some(event) = queued.recv().await {
                    let stopped = gate.lock().await;
                    if *stopped || events.send(event).await.is_err() {
                        return;
                    }
                }
            })
            .abort_handle()
        };
        Arc::new_cyclic(|me| Self {
            shared,
            channel_id,
            keys,
            queue,
            gate,
            forwarder,
            max_qr: max_qr_codes.clamp(1, MAX_QR_REFS),
            phone: tokio::sync::Mutex::new(Phone::new(device)),
            tasks: Mutex::new(Vec::new()),
            me: me.clone(),
        })
    }

    /// The phone's state, locked.
    pub async fn phone(&self) -> MutexGuard<'_, Phone> {
        self.phone.lock().await
    }

    /// Reports `event`, unless the session was stopped. Call with the phone locked.
    pub fn emit(&self, phone: &Phone, event: SessionEvent) {
        if phone.stopped {
            return;
        }
        // A closed queue only means nobody listens any more.
        let _ = self.queue.send(event);
    }

    /// Runs `f` on a background task that `stop` ends.
    pub fn spawn<F, Fut>(&self, f: F)
    where
        F: FnOnce(Arc<FakeSession>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let Some(me) = self.me.upgrade() else {
            return;
        };
        let handle = tokio::spawn(f(me)).abort_handle();
        let mut tasks = lock(&self.tasks);
        tasks.retain(|t| !t.is_finished());
        tasks.push(handle);
    }

    fn abort_tasks(&self) {
        for task in lock(&self.tasks).drain(..) {
            task.abort();
        }
    }

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    /// Begins: shows QR codes when unpaired, else connects — or is logged out when the keys
    /// hold no device record of the fake's or the phone unlinked the device.
    pub fn begin(&self, paired: bool) {
        self.spawn(move |s| async move {
            let mut phone = s.phone().await;
            if !paired {
                let keys = s
                    .shared
                    .with_channel(&s.channel_id, |c| PairingKeys::generate(&mut c.rng));
                phone.pairing_keys = Some(keys);
                phone.state = PhoneState::Pairing;
                drop(phone);
                s.show_qr_codes().await;
                return;
            }
            let device_jid = phone.device.as_ref().and_then(|d| d.jid().ok());
            let usable = device_jid.is_some_and(|jid| {
                s.shared
                    .with_channel(&s.channel_id, |c| !c.unlinked.contains(&jid.to_string()))
            });
            if usable {
                s.connected(&mut phone).await;
            } else {
                s.end(&mut phone, PhoneState::LoggedOut);
                let reason = "401".to_string();
                s.emit(&phone, SessionEvent::LoggedOut { reason });
            }
        });
    }

    /// The QR rotation: up to `max_qr` codes, then (once an outstanding pair code expired)
    /// `QrExhausted`.
    async fn show_qr_codes(&self) {
        let settings = &self.shared.settings;
        for i in 0..self.max_qr {
            let valid_ms = if i == 0 {
                settings.qr_first_ms
            } else {
                settings.qr_next_ms
            };
            {
                let mut phone = self.phone().await;
                if phone.state != PhoneState::Pairing {
                    return;
                }
                let Some(keys) = phone.pairing_keys.clone() else {
                    return;
                };
                let code = self
                    .shared
                    .with_channel(&self.channel_id, |c| keys.qr_code(&mut c.rng));
                phone.qr_number = i + 1;
                phone.qr_code = Some(code.clone());
                self.emit(&phone, SessionEvent::Qr { code, valid_ms });
            }
            tokio::time::sleep(Self::ms(valid_ms)).await;
        }
        loop {
            let mut phone = self.phone().await;
            if phone.state != PhoneState::Pairing {
                return;
            }
            phone.qr_code = None;
            let now = tokio::time::Instant::now();
            match phone.pair_code.as_ref().map(|p| p.expires) {
                Some(expires) if expires > now => {
                    drop(phone);
                    tokio::time::sleep_until(expires).await;
                }
                _ => {
                    self.end(&mut phone, PhoneState::QrExhausted);
                    self.emit(&phone, SessionEvent::QrExhausted);
                    return;
                }
            }
        }
    }

    /// A pair code for `number`, while pairing.
    pub async fn new_pair_code(&self, number: &str) -> Result<String, WebError> {
        let jid = Jid::from_phone(number)
            .map_err(|e| WebError::new(WebErrorKind::Rejected, e.to_string()))?;
        let mut phone = self.phone().await;
        if phone.state != PhoneState::Pairing {
            return Err(WebError::new(
                WebErrorKind::Rejected,
                format!(
                    "a pair code can only be requested while pairing (the session is {})",
                    phone.state.as_str()
                ),
            ));
        }
        let code = self
            .shared
            .with_channel(&self.channel_id, |c| pair_code(&mut c.rng));
        let valid_ms = self.shared.settings.pair_code_ms;
        phone.pair_code = Some(PairCodeState {
            code: code.clone(),
            phone: jid,
            expires: tokio::time::Instant::now() + Self::ms(valid_ms),
        });
        let event = SessionEvent::PairCode {
            code: code.clone(),
            valid_ms,
        };
        self.emit(&phone, event);
        Ok(code)
    }

    /// Marks the session connected, reports it, then hands over held receipts and the
    /// inbound messages not acknowledged yet. Call with the phone locked and a device set.
    pub async fn connected(&self, phone: &mut Phone) {
        let Some(device) = phone.device.clone() else {
            return;
        };
        let Ok(jid) = device.jid() else {
            return;
        };
        phone.state = PhoneState::Connected;
        phone.qr_code = None;
        phone.pair_code = None;
        let push_name = device.push_name.clone();
        self.emit(phone, SessionEvent::Connected { jid, push_name });
        for receipt in std::mem::take(&mut phone.held_receipts) {
            self.emit(phone, receipt);
        }
        let pending = self
            .shared
            .with_channel(&self.channel_id, |c| c.pending.clone());
        if !pending.is_empty() {
            let ids: Vec<String> = pending.iter().map(|m| m.id.clone()).collect();
            let answer = self.deliver(phone, pending).await;
            self.spawn(|s| async move {
                if answer.await.is_ok() {
                    s.acknowledged(&ids);
                }
            });
        }
    }

    /// Emits an inbound batch; the returned future says whether the receiver stored it in
    /// time (`Err`: why not). Call with the phone locked.
    pub async fn deliver(
        &self,
        phone: &Phone,
        messages: Vec<switchboard_web_driver::InboundMessage>,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send + 'static {
        let (stored, answer) = oneshot::channel();
        let batch = InboundBatch { messages, stored };
        self.emit(phone, SessionEvent::Inbound(batch));
        let wait_ms = self.shared.settings.ack_timeout_ms;
        async move {
            match tokio::time::timeout(Self::ms(wait_ms), answer).await {
                Ok(Ok(answer)) => answer.map_err(|e| format!("the receiver answered: {e}")),
                Ok(Err(_)) => Err("the receiver dropped the batch unanswered".to_string()),
                Err(_) => Err(format!("no answer within {wait_ms} ms")),
            }
        }
    }

    /// Forgets acknowledged inbound messages.
    pub fn acknowledged(&self, ids: &[String]) {
        self.shared.with_channel(&self.channel_id, |c| {
            c.pending.retain(|m| !ids.contains(&m.id));
        });
    }

    /// The connection dropped: reports it and reconnects after the configured wait, failing
    /// as many attempts as `fail-reconnects` asked. Call with the phone locked.
    pub async fn disconnected(&self, phone: &mut Phone, clean: bool, detail: String) {
        phone.state = PhoneState::Reconnecting;
        self.emit(phone, SessionEvent::Disconnected { clean, detail });
        self.spawn(|s| async move {
            loop {
                tokio::time::sleep(Self::ms(s.shared.settings.reconnect_ms)).await;
                let mut phone = s.phone().await;
                if phone.state != PhoneState::Reconnecting {
                    return;
                }
                let fail = s.shared.with_channel(&s.channel_id, |c| {
                    let fail = c.fail_reconnects > 0;
                    c.fail_reconnects = c.fail_reconnects.saturating_sub(1);
                    fail
                });
                if !fail {
                    s.connected(&mut phone).await;
                    return;
                }
                let detail = "emulator: the reconnect attempt failed".to_string();
                let event = SessionEvent::Disconnected {
                    clean: false,
                    detail,
                };
                s.emit(&phone, event);
            }
        });
    }

    /// Ends the session in a terminal `state` (the event is the caller's). Call with the
    /// phone locked.
    pub fn end(&self, phone: &mut Phone, state: PhoneState) {
        phone.state = state;
        phone.qr_code = None;
        phone.pair_code = None;
        phone.held_receipts.clear();
    }

    /// Stops without an event; nothing is emitted afterwards.
    async fn halt(&self, state: PhoneState) {
        self.abort_tasks();
        let mut phone = self.phone().await;
        phone.stopped = true;
        self.end(&mut phone, state);
        drop(phone);
        self.abort_tasks();
        // An event being handed over completes first; none follows.
        self.forwarder.abort();
        *self.gate.lock().await = true;
    }

    /// Another session of the same channel started: a connected one is replaced (as when a
    /// second client logs in with the same keys), any other just ends.
    pub async fn superseded(&self) {
        self.abort_tasks();
        let mut phone = self.phone().await;
        if phone.state.is_online() {
            self.end(&mut phone, PhoneState::Replaced);
            self.emit(&phone, SessionEvent::Replaced);
        }
        phone.stopped = true;
        drop(phone);
        self.abort_tasks();
    }

    /// The error of an operation that needs a connection.
    fn not_connected(state: PhoneState) -> WebError {
        WebError::new(
            WebErrorKind::NotConnected,
            format!("the session is not connected (it is {})", state.as_str()),
        )
    }

    /// The connected phone, or `NotConnected`.
    pub async fn connected_phone(&self) -> Result<MutexGuard<'_, Phone>, WebError> {
        let phone = self.phone().await;
        if phone.state != PhoneState::Connected || phone.stopped {
            return Err(Self::not_connected(phone.state));
        }
        Ok(phone)
    }
}

#[async_trait]
impl WebSession for FakeSession {
    async fn request_pair_code(&self, phone_number: &str) -> Result<String, WebError> {
        self.new_pair_code(phone_number).await
    }

    async fn send(
        &self,
        to: &Jid,
        message: OutboundMessage,
        message_id: &str,
    ) -> Result<Sent, WebError> {
        self.send_message(to, message, message_id).await
    }

    async fn download(&self, media: &InboundMedia) -> Result<Bytes, WebError> {
        self.shared.media(&media.handle).ok_or_else(|| {
            WebError::new(
                WebErrorKind::Rejected,
                "the media is unknown to the emulator (not injected, or from another emulator)",
            )
        })
    }

    async fn mark_read(
        &self,
        _chat: &Jid,
        _sender: Option<&Jid>,
        ids: &[String],
    ) -> Result<(), WebError> {
        let _phone = self.connected_phone().await?;
        self.shared
            .with_channel(&self.channel_id, |c| c.read.extend(ids.iter().cloned()));
        Ok(())
    }

    async fn logout(&self) -> Result<(), WebError> {
        let device = self.phone().await.device.clone();
        if let Some(jid) = device.and_then(|d| d.jid().ok()) {
            self.shared.with_channel(&self.channel_id, |c| {
                c.unlinked.insert(jid.to_string());
            });
        }
        self.halt(PhoneState::LoggedOut).await;
        self.phone().await.device = None;
        self.shared.drop_live(&self.channel_id, self);
        Ok(())
    }

    async fn stop(&self) {
        self.halt(PhoneState::Stopped).await;
        self.shared.drop_live(&self.channel_id, self);
    }
}
