//! The WhatsApp Web bridge: serves any [`WebDriver`] (the fake phone, in practice) to
//! Switchboard nodes in other processes, one WebSocket per session, speaking the
//! [`wire`](switchboard_web_driver::wire) protocol. The node's `RemoteWebDriver` is the other
//! end: it sends `start` and the session's requests, and answers the key requests the
//! driver makes through its proxied [`WebKeys`](switchboard_web_driver::WebKeys) (so the
//! keys live in the node's fenced store, not here).

mod connection;
mod counts;
mod keys;

use std::sync::Arc;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use switchboard_web_driver::wire::MAX_FRAME_BYTES;
use switchboard_web_driver::WebDriver;

pub use counts::ConnectionCounts;

use counts::Counts;

/// What the bridge's handlers share.
struct Bridge {
    driver: Arc<dyn WebDriver>,
    counts: Counts,
}

/// The bridge's routes, serving sessions of `driver`:
///
/// - `GET /emulator/web/{channel_id}/connect`: the WebSocket of one session;
/// - `GET /emulator/web/{channel_id}/connections`: [`ConnectionCounts`] of the channel.
pub fn web_bridge_router(driver: Arc<dyn WebDriver>) -> Router {
    let bridge = Arc::new(Bridge {
        driver,
        counts: Counts::default(),
    });
    Router::new()
        .route("/emulator/web/{channel_id}/connect", get(connect))
        .route("/emulator/web/{channel_id}/connections", get(connections))
        .with_state(bridge)
}

async fn connect(
    State(bridge): State<Arc<Bridge>>,
    Path(channel_id): Path<String>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => {
            return crate::control::error(
                rejection.status(),
                format!("a WebSocket upgrade is required: {}", rejection.body_text()),
            )
        }
    };
    upgrade
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| async move {
            let _live = bridge.counts.open(&channel_id);
            connection::serve(bridge.driver.clone(), channel_id, socket).await;
        })
}

async fn connections(
    State(bridge): State<Arc<Bridge>>,
    Path(channel_id): Path<String>,
) -> impl IntoResponse {
    Json(bridge.counts.of(&channel_id))
}
