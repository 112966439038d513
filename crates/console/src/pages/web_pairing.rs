//! A WhatsApp Web channel's pairing panel on its detail page: the session's state, the QR
//! code (replaced live as each new code arrives, with "code n of m" and a countdown), a pair
//! code for a phone number, and start / stop / restart / log out. The actions are the same
//! session services the API's `/v1/channels/{id}/session/…` routes call.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use switchboard_api::ApiError;
use switchboard_core::channel::web_session::{SessionState, WebSession};
use switchboard_core::channel::{Channel, ChannelKind};
use switchboard_core::id::{ChannelId, ChannelMarker};
use switchboard_core::key::Permission;
use switchboard_core::time::to_rfc3339;
use switchboard_service::channels;
use switchboard_service::web::control::{self, ControlError};

use crate::csrf::Posted;
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::Signed;
use crate::ConsoleState;

/// The pairing panel (also the live fragment swapped in on each session change).
#[derive(Debug, Clone, Template)]
#[template(path = "pairing.html")]
pub struct PairingPanel {
    /// `ch_…`
    pub channel: String,
    /// The session's state (`stopped`, `starting`, `scan_qr`, `working`, `failed`).
    pub state: String,
    /// Why it failed, if it did.
    pub reason: String,
    /// The last change's detail (the upstream's words: escaped).
    pub detail: String,
    /// Who it is paired as: the push name (customer-chosen: escaped).
    pub paired_name: String,
    /// Who it is paired as: the JID.
    pub paired_jid: String,
    /// The live QR code, if pairing.
    pub qr: Option<QrShown>,
    /// The live pair code, if one was asked for.
    pub pair_code: Option<PairCodeShown>,
    /// Reconnects in a row.
    pub restarts: u32,
    /// The session's CSRF token for the panel's forms; empty hides them (read-only key).
    pub csrf: String,
}

/// A QR code as the panel shows it.
#[derive(Debug, Clone)]
pub struct QrShown {
    /// Which code of the pairing (1-based).
    pub number: u32,
    /// Out of how many.
    pub of: u32,
    /// When it expires (RFC 3339; the countdown counts to it).
    pub expires_at: String,
}

/// A pair code as the panel shows it.
#[derive(Debug, Clone)]
pub struct PairCodeShown {
    /// `ABCD-1234`.
    pub display: String,
    /// The phone number it is for.
    pub phone_number: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
}

impl PairingPanel {
    /// The panel of `session`; `csrf` empty when the viewer may not manage the channel.
    pub fn of(session: &WebSession, csrf: String) -> Self {
        let paired = session.paired_as.as_ref();
        PairingPanel {
            channel: session.channel_id.to_string(),
            state: session.state.as_str().to_string(),
            reason: session
                .reason
                .map(|r| r.as_str().to_string())
                .unwrap_or_default(),
            detail: session.detail.clone().unwrap_or_default(),
            paired_name: paired.and_then(|p| p.push_name.clone()).unwrap_or_default(),
            paired_jid: paired.map(|p| p.jid.clone()).unwrap_or_default(),
            qr: session.qr.as_ref().map(|q| QrShown {
                number: q.number,
                of: q.of,
                expires_at: to_rfc3339(q.expires_at),
            }),
            pair_code: session.pair_code.as_ref().map(|p| PairCodeShown {
                display: display_code(&p.code),
                phone_number: p.phone_number.clone(),
                expires_at: to_rfc3339(p.expires_at),
            }),
            restarts: session.restarts,
            csrf,
        }
    }

    /// Whether the session is pairing (QR codes, pair code).
    pub fn pairing(&self) -> bool {
        self.state == SessionState::ScanQr.as_str()
    }

    /// Whether the session runs or is about to (stop and restart apply).
    pub fn running(&self) -> bool {
        matches!(self.state.as_str(), "starting" | "scan_qr" | "working")
    }

    /// The CSS modifier of the state.
    pub fn tone(&self) -> &'static str {
        match self.state.as_str() {
            "working" => "ok",
            "failed" => "bad",
            _ => "wait",
        }
    }
}

/// `ABCD1234` → `ABCD-1234`, as WhatsApp shows it.
fn display_code(code: &str) -> String {
    if code.len() == 8 && code.is_ascii() {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_string()
    }
}

fn control_error(e: ControlError) -> ConsoleError {
    ApiError::from(e).into()
}

/// The panel of `channel` when it is a web channel.
pub async fn panel(
    state: &ConsoleState,
    channel: &Channel,
    csrf: String,
) -> ConsoleResult<Option<PairingPanel>> {
    if channel.kind != ChannelKind::Web {
        return Ok(None);
    }
    let session = control::session(state.app.store().as_ref(), channel)
        .await
        .map_err(control_error)?;
    Ok(Some(PairingPanel::of(&session, csrf)))
}

async fn web_channel(
    state: &ConsoleState,
    signed: &Signed,
    id: &str,
    needed: Permission,
) -> ConsoleResult<Channel> {
    let key = signed.key()?;
    switchboard_api::auth::Principal::Key(key.clone()).require_key(needed)?;
    let id: ChannelId = switchboard_api::extract::path_id::<ChannelMarker>(id, "channel")?;
    key.require_channel(id)?;
    let channel = channels::get(state.app.store().as_ref(), key.account_id, id).await?;
    if channel.kind != ChannelKind::Web {
        return Err(ConsoleError::Page(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "channel {} is a {} channel; only WhatsApp Web channels pair",
                channel.id,
                channel.kind.as_str()
            ),
        ));
    }
    Ok(channel)
}

fn back_to(channel: &Channel) -> Response {
    Redirect::to(&format!("/console/channels/{}", channel.id)).into_response()
}

/// `POST /console/channels/{id}/session/{action}`: `start`, `stop`, `restart` or `logout`,
/// then back to the channel.
pub async fn act(
    State(state): State<ConsoleState>,
    Path((id, action)): Path<(String, String)>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let channel = web_channel(&state, &posted.signed, &id, Permission::Manage).await?;
    let store = state.app.store();
    let sessions = &state.app.gateway.web;
    let done = match action.as_str() {
        "start" => control::start(store.as_ref(), sessions, &channel).await,
        "stop" => control::stop(store.as_ref(), sessions, &channel).await,
        "restart" => control::restart(store.as_ref(), sessions, &channel).await,
        "logout" => control::logout(store.as_ref(), sessions, &channel).await,
        _ => return Err(ConsoleError::NotFound("no such session action")),
    };
    done.map_err(control_error)?;
    Ok(back_to(&channel))
}

/// `POST /console/channels/{id}/pair`: asks the pairing session for a pair code for the
/// form's `phone_number`, then back to the channel (the panel shows the code).
pub async fn pair(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    let channel = web_channel(&state, &posted.signed, &id, Permission::Manage).await?;
    let phone = posted
        .fields
        .get("phone_number")
        .map(|p| p.trim())
        .unwrap_or_default();
    control::pair(
        state.app.store().as_ref(),
        &state.app.gateway.web,
        &channel,
        phone,
    )
    .await
    .map_err(control_error)?;
    Ok(back_to(&channel))
}

/// `GET /console/channels/{id}/qr.png`: the live QR code as a PNG (never cached; the panel
/// asks again with `?n=` as each new code arrives).
pub async fn qr_png(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
) -> ConsoleResult<Response> {
    let channel = web_channel(&state, &signed, &id, Permission::Read).await?;
    let qr = control::qr(state.app.store().as_ref(), &channel)
        .await
        .map_err(control_error)?;
    let image = switchboard_api::qr_image::png(&qr.code)
        .map_err(|e| ConsoleError::Internal(format!("drawing a QR code: {e}")))?;
    Ok((
        [(CONTENT_TYPE, "image/png"), (CACHE_CONTROL, "no-store")],
        image,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::channel::web_session::{FailReason, PairCode, PairedAs, QrCode};

    fn session(state: SessionState) -> WebSession {
        let mut s = WebSession::stopped(ChannelId::new(), 1_765_000_000_000);
        s.state = state;
        s
    }

    #[test]
    fn a_pairing_session_shows_its_code_number_countdown_and_pair_code() {
        let mut s = session(SessionState::ScanQr);
        s.qr = Some(QrCode {
            code: "2@secret".into(),
            expires_at: 1_765_000_020_000,
            number: 2,
            of: 6,
        });
        s.pair_code = Some(PairCode {
            code: "ABCD1234".into(),
            phone_number: "2349040613521".into(),
            expires_at: 1_765_000_180_000,
        });
        let html = PairingPanel::of(&s, "t".repeat(64)).render().unwrap();
        assert!(html.contains("code 2 of 6"), "{html}");
        assert!(html.contains(&format!("/console/channels/{}/qr.png?n=2", s.channel_id)));
        let expires = format!("data-expires-at=\"{}\"", to_rfc3339(1_765_000_020_000));
        assert!(html.contains(&expires), "{html}");
        assert!(html.contains("ABCD-1234"));
        assert!(
            !html.contains("2@secret"),
            "the code is drawn, never written"
        );
        assert!(
            html.contains("/session/stop"),
            "a pairing session can be stopped"
        );
    }

    #[test]
    fn paired_failed_and_read_only_panels() {
        let mut s = session(SessionState::Working);
        s.paired_as = Some(PairedAs {
            jid: "2349040613521:8@s.whatsapp.net".into(),
            lid: None,
            push_name: Some("<script>alert(1)</script>".into()),
            platform: None,
        });
        let html = PairingPanel::of(&s, String::new()).render().unwrap();
        assert!(html.contains("Paired as"));
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            !html.contains("<form"),
            "no forms without the manage permission"
        );

        let mut s = session(SessionState::Failed);
        s.reason = Some(FailReason::QrTimeout);
        let html = PairingPanel::of(&s, "t".repeat(64)).render().unwrap();
        assert!(html.contains("badge bad") && html.contains("qr_timeout"));
        assert!(
            html.contains("/session/start"),
            "a failed session can start again"
        );
    }
}
