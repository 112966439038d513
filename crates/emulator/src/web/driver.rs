//! [`FakeWebDriver`]: the emulator's WhatsApp Web driver.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};
use switchboard_web_driver::{SessionStart, WebDriver, WebError, WebSession};

use super::channel::WebShared;
use super::control::{self, WebControlError};
use super::pairing::{keys_error, DeviceRecord};
use super::session::FakeSession;
use super::WebSettings;
use crate::config::EmulatorConfig;

/// The fake WhatsApp Web phone, as a [`WebDriver`] (`name()` is `"emulator"`). Cheap to
/// clone; clones share the sessions, which the emulator's `/emulator/web/{channel_id}/…` control routes
/// reach by [`SessionStart::channel_id`].
#[derive(Clone)]
pub struct FakeWebDriver {
    shared: Arc<WebShared>,
}

impl std::fmt::Debug for FakeWebDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeWebDriver")
            .field("seed", &self.shared.settings.seed)
            .finish_non_exhaustive()
    }
}

impl FakeWebDriver {
    /// A fake phone with `config`'s seed, `web_*` times and groups, undeliverable numbers and
    /// status delays (the delivered and read offsets of the receipts).
    pub fn new(config: &EmulatorConfig) -> Self {
        Self {
            shared: Arc::new(WebShared::new(WebSettings::from_config(config))),
        }
    }

    /// What `GET /emulator/web/{channel_id}/state` answers: `{channel_id, state, jid, lid, push_name,
    /// qr_number, qr_code, pair_code, pair_code_phone, pending_inbound, sent[{id, to, kind,
    /// text, quoted_id, media_size, at_ms}], read[ids], fail_reconnects, sessions_started}`;
    /// `None` for a channel the fake never saw.
    pub async fn state(&self, channel_id: &str) -> Option<Value> {
        let (live, mut out) = self.shared.existing_channel(channel_id, |c| {
            let out = json!({
                "channel_id": channel_id,
                "state": "stopped",
                "pending_inbound": c.pending.len(),
                "sent": c.sent,
                "read": c.read,
                "fail_reconnects": c.fail_reconnects,
                "sessions_started": c.sessions_started,
            });
            (c.live.clone(), out)
        })?;
        if let (Some(live), Some(obj)) = (live, out.as_object_mut()) {
            if let Value::Object(session) = live.describe().await {
                obj.extend(session);
            }
        }
        Some(out)
    }

    /// Runs the control action `action` on `channel_id` with the JSON `body`, as `POST
    /// /emulator/web/{channel_id}/{action}` does; returns the HTTP status and JSON answer of success.
    pub async fn control(
        &self,
        channel_id: &str,
        action: &str,
        body: Value,
    ) -> Result<(u16, Value), WebControlError> {
        control::run(&self.shared, channel_id, action, body).await
    }
}

#[async_trait]
impl WebDriver for FakeWebDriver {
    fn name(&self) -> &'static str {
        "emulator"
    }

    async fn start(&self, start: SessionStart) -> Result<Arc<dyn WebSession>, WebError> {
        let keys = start.keys;
        let paired = !keys.is_empty().await.map_err(keys_error)?;
        // Keys without the fake's device record are an unknown device: `begin` logs it out.
        let device = if paired {
            DeviceRecord::read(keys.as_ref()).await?
        } else {
            None
        };
        let session = FakeSession::new(
            self.shared.clone(),
            start.channel_id.clone(),
            keys,
            start.events,
            start.max_qr_codes,
            device,
        );
        let previous = self.shared.with_channel(&start.channel_id, |c| {
            c.sessions_started += 1;
            c.live.replace(session.clone())
        });
        if let Some(previous) = previous {
            previous.superseded().await;
        }
        session.begin(paired);
        Ok(session)
    }
}
