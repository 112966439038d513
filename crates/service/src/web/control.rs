//! What the API asks of a session: read it, start, stop, restart, log out, ask for a pair
//! code, show the QR code. Start and stop are written to the store (with their
//! `channel.status` event) and carried out by the node that runs or takes the session (its
//! [manager](super::manager)); a logout and a pair code need the live session, so they are
//! done by the node running it.

use std::time::Duration;

use switchboard_core::channel::web_session::{
    FailReason, PairCode, QrCode, SessionState, WebSession,
};
use switchboard_core::channel::{Channel, ChannelKind};
use switchboard_core::time::now_millis;
use switchboard_store::{Store, StoreError};
use switchboard_web_driver::{Jid, WebError};

use super::{lease_name, WebSessions};

/// How long a stop waits for the session's loop to end.
const STOP_WAIT: Duration = Duration::from_secs(10);

/// How long WhatsApp keeps a pair code valid.
const PAIR_CODE_VALID_MS: i64 = 180_000;

/// Why a session request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The channel is not a WhatsApp Web channel.
    #[error("channel {0} is a {1} channel; sessions exist only on web channels")]
    NotWeb(String, &'static str),
    /// The session is not in a state that allows the request.
    #[error("{0}")]
    WrongState(String),
    /// The session runs on another node, which must handle the request.
    #[error(
        "the session runs on node {0}; send the request to that node, or stop the session first"
    )]
    OtherNode(String),
    /// The phone number is not one.
    #[error("phone_number: {0}")]
    InvalidPhone(String),
    /// The session refused.
    #[error("the session refused: {0}")]
    Session(#[from] WebError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn web_only(channel: &Channel) -> Result<(), ControlError> {
    if channel.kind == ChannelKind::Web {
        Ok(())
    } else {
        Err(ControlError::NotWeb(
            channel.id.to_string(),
            channel.kind.as_str(),
        ))
    }
}

/// The session of `channel` (a never-started one reads as `stopped`).
pub async fn session(store: &dyn Store, channel: &Channel) -> Result<WebSession, ControlError> {
    web_only(channel)?;
    Ok(store
        .web_session(channel.id)
        .await?
        .unwrap_or_else(|| WebSession::stopped(channel.id, channel.created_at)))
}

async fn write(
    store: &dyn Store,
    channel: &Channel,
    previous: SessionState,
    record: &mut WebSession,
) -> Result<(), ControlError> {
    record.updated_at = now_millis();
    store
        .set_web_session(channel.account_id, record, Some(previous), None)
        .await?;
    Ok(())
}

/// Starts the session (idempotent while it runs): `starting`, then the node that takes it
/// connects with its keys or shows QR codes.
pub async fn start(
    store: &dyn Store,
    sessions: &WebSessions,
    channel: &Channel,
) -> Result<WebSession, ControlError> {
    let mut record = session(store, channel).await?;
    if matches!(
        record.state,
        SessionState::Starting | SessionState::ScanQr | SessionState::Working
    ) {
        return Ok(record);
    }
    let previous = record.state;
    record.state = SessionState::Starting;
    record.reason = None;
    record.detail = Some("start requested".into());
    record.qr = None;
    record.pair_code = None;
    record.restarts = 0;
    write(store, channel, previous, &mut record).await?;
    sessions.wake();
    Ok(record)
}

/// Ends the session's loop on this node, if it runs here, and waits until it stopped.
async fn stop_here(sessions: &WebSessions, channel: &Channel) {
    if let Some(live) = sessions.live(channel.id) {
        live.stop.cancel();
        if tokio::time::timeout(STOP_WAIT, live.done.cancelled())
            .await
            .is_err()
        {
            tracing::warn!(channel_id = %channel.id, "the session did not stop in time");
        }
    }
}

/// Stops the session, keeping its keys (a start resumes without a QR code).
pub async fn stop(
    store: &dyn Store,
    sessions: &WebSessions,
    channel: &Channel,
) -> Result<WebSession, ControlError> {
    let mut record = session(store, channel).await?;
    stop_here(sessions, channel).await;
    if record.state == SessionState::Stopped {
        return Ok(record);
    }
    let previous = record.state;
    record.state = SessionState::Stopped;
    record.reason = None;
    record.detail = Some("stopped".into());
    record.qr = None;
    record.pair_code = None;
    write(store, channel, previous, &mut record).await?;
    sessions.wake();
    Ok(record)
}

/// Stops the session, then starts it again.
pub async fn restart(
    store: &dyn Store,
    sessions: &WebSessions,
    channel: &Channel,
) -> Result<WebSession, ControlError> {
    stop(store, sessions, channel).await?;
    start(store, sessions, channel).await
}

/// The node holding the session's lease now, when it is another.
async fn other_owner(
    store: &dyn Store,
    sessions: &WebSessions,
    channel: &Channel,
) -> Result<Option<String>, ControlError> {
    let name = lease_name(channel.id);
    let now = now_millis();
    Ok(store
        .list_leases(&name)
        .await?
        .into_iter()
        .find(|l| l.name == name && l.live_at(now) && l.owner != sessions.owner())
        .map(|l| l.owner))
}

/// Logs the session out: unlinks the device from the phone (when it is connected), wipes
/// its keys and leaves it `failed` with reason `logged_out`, unpaired. The next start shows
/// QR codes.
pub async fn logout(
    store: &dyn Store,
    sessions: &WebSessions,
    channel: &Channel,
) -> Result<WebSession, ControlError> {
    let mut record = session(store, channel).await?;
    if sessions.live(channel.id).is_none() {
        if let Some(owner) = other_owner(store, sessions, channel).await? {
            return Err(ControlError::OtherNode(owner));
        }
    }
    if let Some(live) = sessions.live(channel.id) {
        match tokio::time::timeout(STOP_WAIT, live.session.logout()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(channel_id = %channel.id, error = %e, "unlinking the device failed; wiping its keys anyway")
            }
            Err(_) => {
                tracing::warn!(channel_id = %channel.id, "unlinking the device timed out; wiping its keys anyway")
            }
        }
    }
    stop_here(sessions, channel).await;
    store.web_keys_wipe(channel.id, None).await?;
    let previous = record.state;
    record.state = SessionState::Failed;
    record.reason = Some(FailReason::LoggedOut);
    record.detail =
        Some("logged out on request: its keys are deleted; start it to pair again".into());
    record.paired_as = None;
    record.qr = None;
    record.pair_code = None;
    write(store, channel, previous, &mut record).await?;
    sessions.wake();
    Ok(record)
}

/// The live QR code of a pairing session.
pub async fn qr(store: &dyn Store, channel: &Channel) -> Result<QrCode, ControlError> {
    let record = session(store, channel).await?;
    match (&record.state, record.qr) {
        (SessionState::ScanQr, Some(qr)) if qr.expires_at > now_millis() => Ok(qr),
        (SessionState::ScanQr, _) => Err(ControlError::WrongState(
            "the QR code expired and the next one is not there yet: ask again in a moment".into(),
        )),
        (state, _) => Err(ControlError::WrongState(format!(
            "the session is {}: there is a QR code only while it is scan_qr ({})",
            state.as_str(),
            match state {
                SessionState::Working => "it is paired already",
                SessionState::Starting => "it is connecting; ask again in a moment",
                _ => "start it first: POST /v1/channels/{id}/start",
            }
        ))),
    }
}

/// Asks the pairing session for a pair code for `phone_number`, to type on that phone under
/// "Link with phone number instead".
pub async fn pair(
    store: &dyn Store,
    sessions: &WebSessions,
    channel: &Channel,
    phone_number: &str,
) -> Result<PairCode, ControlError> {
    let record = session(store, channel).await?;
    let jid =
        Jid::from_phone(phone_number).map_err(|e| ControlError::InvalidPhone(e.to_string()))?;
    let number = jid.user().to_string();
    if record.state != SessionState::ScanQr {
        return Err(ControlError::WrongState(format!(
            "the session is {}: a pair code can be asked for only while it is scan_qr (start it first)",
            record.state.as_str()
        )));
    }
    let Some(live) = sessions.live(channel.id) else {
        return Err(match other_owner(store, sessions, channel).await? {
            Some(owner) => ControlError::OtherNode(owner),
            None => ControlError::WrongState(
                "the session is not running on any node; start it again".into(),
            ),
        });
    };
    live.set_pair_phone(&number);
    let code = live.session.request_pair_code(&number).await?;
    Ok(PairCode {
        code,
        phone_number: number,
        expires_at: now_millis() + PAIR_CODE_VALID_MS,
    })
}
