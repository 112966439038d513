//! One running session's event loop: what the session reports becomes the stored state
//! (with its `channel.status` event), inbound messages, and statuses of our messages.
//!
//! | event | stored session |
//! |---|---|
//! | `Qr` | `scan_qr`, `qr` = the code, its expiry and its number of `max_qr_codes` |
//! | `PairCode` | `pair_code` = the code, its number and expiry |
//! | `QrExhausted` | `failed` / `qr_timeout` (the session ends) |
//! | `Paired` | `paired_as` = who (still `starting` until connected) |
//! | `Connected` | `working`; codes cleared; `restarts` = 0 |
//! | `Disconnected` | `starting` (reconnecting, `restarts` + 1); `failed` / `restart_limit` past `max_restarts` |
//! | `LoggedOut` | keys wiped, `paired_as` cleared, `failed` / `logged_out` |
//! | `Replaced`, `Banned`, `Outdated` | `failed` / `replaced`, `banned`, `outdated_client` |
//!
//! A failed state ends the session; so does a stopped or failed state written by someone
//! else (the API on another node) — noticed before the next write — and a fenced write (the
//! lease was lost).

use serde_json::json;
use switchboard_core::channel::web_session::{
    FailReason, PairCode, PairedAs, QrCode, SessionState, WebSession,
};
use switchboard_core::channel::{Channel, ChannelSettings};
use switchboard_core::record::StatusReport;
use switchboard_core::status::MessageStatus;
use switchboard_core::time::now_millis;
use switchboard_store::StoreError;
use switchboard_web_driver::{InboundBatch, ReceiptKind, SessionEvent};
use tokio::sync::mpsc;

use super::{Live, WebSessions};
use crate::media::inbound::InboundParts;

/// What a session's loop works with.
pub struct SessionRun {
    /// Store, upstreams, media.
    pub parts: InboundParts,
    /// This node's sessions.
    pub sessions: WebSessions,
    /// The channel.
    pub channel: Channel,
    /// The running session.
    pub live: Live,
    /// Its state as last written.
    pub record: WebSession,
    /// What it reports.
    pub events: mpsc::Receiver<SessionEvent>,
}

/// Whether the loop goes on after an event.
enum Next {
    Continue,
    End,
}

impl SessionRun {
    /// Writes the state `change` makes, unless the stored state says the session was
    /// stopped meanwhile; `End` when the session must end.
    async fn transition(&mut self, change: impl FnOnce(&mut WebSession)) -> Next {
        let store = self.parts.store.clone();
        match store.web_session(self.channel.id).await {
            Ok(Some(stored))
                if matches!(stored.state, SessionState::Stopped | SessionState::Failed)
                    && !matches!(
                        self.record.state,
                        SessionState::Stopped | SessionState::Failed
                    ) =>
            {
                tracing::info!(channel_id = %self.channel.id, state = stored.state.as_str(), "the session was stopped elsewhere; ending it");
                return Next::End;
            }
            Ok(None) => return Next::End,
            Ok(Some(_)) => {}
            Err(e) => {
                tracing::warn!(channel_id = %self.channel.id, error = %e, "reading the session state failed");
            }
        }
        let previous = self.record.state;
        change(&mut self.record);
        self.record.updated_at = now_millis();
        match store
            .set_web_session(
                self.live.account,
                &self.record,
                Some(previous),
                Some(&self.live.fence),
            )
            .await
        {
            Ok(true) => {}
            Ok(false) => return Next::End,
            Err(StoreError::Fenced(why)) => {
                tracing::warn!(channel_id = %self.channel.id, reason = %why, "the session's lease was lost; ending it");
                return Next::End;
            }
            Err(e) => {
                tracing::error!(channel_id = %self.channel.id, error = %e, "recording the session state failed");
            }
        }
        if self.record.state == SessionState::Failed {
            Next::End
        } else {
            Next::Continue
        }
    }

    fn fail(record: &mut WebSession, reason: FailReason, detail: String) {
        record.state = SessionState::Failed;
        record.reason = Some(reason);
        record.detail = Some(detail);
        record.qr = None;
        record.pair_code = None;
    }

    async fn handle(&mut self, event: SessionEvent) -> Next {
        let max_qr = self.sessions.settings().max_qr_codes;
        let max_restarts = self.sessions.settings().max_restarts;
        match event {
            SessionEvent::Qr { code, valid_ms } => {
                let number = self.record.qr.as_ref().map_or(0, |q| q.number) + 1;
                let first = number == 1;
                let next = self
                    .transition(|r| {
                        r.state = SessionState::ScanQr;
                        r.reason = None;
                        r.detail = None;
                        r.qr = Some(QrCode {
                            code,
                            expires_at: now_millis() + valid_ms as i64,
                            number,
                            of: max_qr,
                        });
                    })
                    .await;
                if first {
                    self.auto_pair_code().await;
                }
                next
            }
            SessionEvent::PairCode { code, valid_ms } => {
                let phone = self
                    .live
                    .pair_phone()
                    .or_else(|| self.pairing_phone())
                    .unwrap_or_default();
                self.transition(|r| {
                    r.pair_code = Some(PairCode {
                        code,
                        phone_number: phone,
                        expires_at: now_millis() + valid_ms as i64,
                    });
                })
                .await
            }
            SessionEvent::QrExhausted => {
                self.transition(|r| {
                    Self::fail(
                        r,
                        FailReason::QrTimeout,
                        "no QR code was scanned before the last one expired: start the session again for new codes".into(),
                    )
                })
                .await
            }
            SessionEvent::Paired {
                jid,
                lid,
                push_name,
                platform,
            } => {
                self.transition(|r| {
                    r.state = SessionState::Starting;
                    r.detail = Some("paired; connecting".into());
                    r.qr = None;
                    r.pair_code = None;
                    r.paired_as = Some(PairedAs {
                        jid: jid.to_string(),
                        lid: lid.map(|l| l.to_string()),
                        push_name,
                        platform,
                    });
                })
                .await
            }
            SessionEvent::Connected { jid, push_name } => {
                self.transition(|r| {
                    r.state = SessionState::Working;
                    r.reason = None;
                    r.detail = None;
                    r.qr = None;
                    r.pair_code = None;
                    r.restarts = 0;
                    let me = r.paired_as.get_or_insert_with(PairedAs::default);
                    me.jid = jid.to_string();
                    if push_name.is_some() {
                        me.push_name = push_name;
                    }
                })
                .await
            }
            SessionEvent::Disconnected { clean, detail } => {
                self.transition(|r| {
                    r.restarts += 1;
                    if r.restarts > max_restarts {
                        Self::fail(
                            r,
                            FailReason::RestartLimit,
                            format!("the connection dropped and {max_restarts} reconnects in a row failed (last: {detail}); restart the session"),
                        );
                    } else {
                        r.state = SessionState::Starting;
                        r.detail = Some(format!(
                            "reconnecting ({}): {detail}",
                            if clean { "closed by the server" } else { "connection lost" }
                        ));
                    }
                })
                .await
            }
            SessionEvent::LoggedOut { reason } => {
                if let Err(e) = self
                    .parts
                    .store
                    .web_keys_wipe(self.channel.id, Some(&self.live.fence))
                    .await
                {
                    tracing::warn!(channel_id = %self.channel.id, error = %e, "wiping the keys of a logged-out session failed");
                }
                self.transition(|r| {
                    r.paired_as = None;
                    Self::fail(
                        r,
                        FailReason::LoggedOut,
                        format!("WhatsApp ended the session ({reason}): pair it again"),
                    );
                })
                .await
            }
            SessionEvent::Replaced => {
                self.transition(|r| {
                    Self::fail(
                        r,
                        FailReason::Replaced,
                        "another client took this session over; restart it to take it back".into(),
                    )
                })
                .await
            }
            SessionEvent::Banned {
                code,
                expires_in_ms,
            } => {
                let detail = match expires_in_ms {
                    Some(ms) => format!(
                        "WhatsApp banned the number temporarily (code {}) for {} s",
                        code.unwrap_or_default(),
                        ms / 1000
                    ),
                    None => format!(
                        "WhatsApp banned the number (code {})",
                        code.unwrap_or_default()
                    ),
                };
                self.transition(|r| Self::fail(r, FailReason::Banned, detail))
                    .await
            }
            SessionEvent::Outdated => {
                self.transition(|r| {
                    Self::fail(
                        r,
                        FailReason::OutdatedClient,
                        "WhatsApp refused this client's version: update Switchboard".into(),
                    )
                })
                .await
            }
            SessionEvent::Inbound(batch) => {
                self.inbound(batch).await;
                Next::Continue
            }
            SessionEvent::Receipt {
                ids, kind, at_ms, ..
            } => {
                let status = match kind {
                    ReceiptKind::Delivered => MessageStatus::Delivered,
                    ReceiptKind::Read => MessageStatus::Read,
                    ReceiptKind::Played => MessageStatus::Played,
                };
                for id in ids {
                    self.status(id, status, at_ms, None).await;
                }
                Next::Continue
            }
            SessionEvent::SendFailed { id, code, detail } => {
                let error = json!([{
                    "code": code.unwrap_or_default(),
                    "title": "WhatsApp refused the message",
                    "message": detail,
                }]);
                self.status(id, MessageStatus::Failed, now_millis(), Some(error))
                    .await;
                Next::Continue
            }
        }
    }

    fn pairing_phone(&self) -> Option<String> {
        match &self.channel.settings {
            ChannelSettings::Web(w) => w.pairing_phone_number.clone(),
            _ => None,
        }
    }

    /// A channel set to pair by phone number asks for its pair code with the first QR code.
    async fn auto_pair_code(&mut self) {
        let Some(phone) = self.pairing_phone() else {
            return;
        };
        self.live.set_pair_phone(&phone);
        if let Err(e) = self.live.session.request_pair_code(&phone).await {
            tracing::warn!(channel_id = %self.channel.id, error = %e, "asking for a pair code failed");
        }
    }

    async fn status(
        &self,
        upstream_id: String,
        status: MessageStatus,
        at: i64,
        error: Option<serde_json::Value>,
    ) {
        let report = StatusReport {
            channel_id: self.channel.id,
            upstream_id,
            status,
            at,
            error,
            upstream: None,
        };
        if let Err(e) = self.parts.store.apply_status(&report, now_millis()).await {
            tracing::warn!(channel_id = %self.channel.id, error = %e, "recording a WhatsApp Web receipt failed");
        }
    }

    async fn inbound(&self, batch: InboundBatch) {
        let display = self
            .record
            .paired_as
            .as_ref()
            .map(|p| p.phone_number().to_string())
            .unwrap_or_default();
        let outcome = super::inbound::record(
            &self.parts,
            &self.channel,
            self.live.session.as_ref(),
            &display,
            &batch.messages,
            now_millis(),
        )
        .await;
        let answer = match outcome {
            Ok(summary) => {
                tracing::debug!(channel_id = %self.channel.id, new = summary.messages, duplicates = summary.duplicates, "WhatsApp Web messages stored");
                Ok(())
            }
            Err(e) => {
                tracing::error!(channel_id = %self.channel.id, error = %e, "storing WhatsApp Web messages failed; WhatsApp will deliver them again");
                Err(e.to_string())
            }
        };
        // The driver may have given up waiting; it then redelivers, which is de-duplicated.
        let _ = batch.stored.send(answer);
    }
}

/// Runs the session until it ends (a terminal event, a stop, a lost lease), then stops it,
/// forgets it and gives its lease up.
pub async fn run(mut run: SessionRun) {
    let stop = run.live.stop.clone();
    loop {
        let event = tokio::select! {
            _ = stop.cancelled() => break,
            event = run.events.recv() => event,
        };
        let Some(event) = event else {
            tracing::info!(channel_id = %run.channel.id, "the session's driver ended");
            break;
        };
        if let Next::End = run.handle(event).await {
            break;
        }
    }
    run.live.session.stop().await;
    run.sessions.remove_if(run.channel.id, &run.live.fence);
    if let Err(e) = run
        .parts
        .store
        .release(&[run.live.fence.name.clone()], run.sessions.owner())
        .await
    {
        tracing::warn!(channel_id = %run.channel.id, error = %e, "giving up a session lease failed; it will expire");
    }
    run.live.done.cancel();
}
