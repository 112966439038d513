//! Harness: an emulator on 127.0.0.1:0 with one phone number, tiny axum servers, a connector.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use serde_json::{json, Value};
use switchboard_connectors::cloud::CloudConnector;
use switchboard_connectors::{CloudTarget, ConnectorConfig};
use switchboard_emulator::{Emulator, EmulatorConfig, PhoneNumberConfig};

pub const PHONE_ID: &str = "106540352242922";
pub const WABA_ID: &str = "419561257915477";
pub const TOKEN: &str = "EAAG-test-token-5f1d2c9a7b";
pub const CUSTOMER: &str = "16505551234";

/// A connector with short timeouts, for tests.
pub fn connector() -> CloudConnector {
    connector_with(|_| {})
}

pub fn connector_with(f: impl FnOnce(&mut ConnectorConfig)) -> CloudConnector {
    let mut c = ConnectorConfig {
        request_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        media_timeout: Duration::from_secs(5),
        ..ConnectorConfig::default()
    };
    f(&mut c);
    CloudConnector::new(c).expect("connector")
}

/// A target on `base` with the test ids and token.
pub fn target(base: &str) -> CloudTarget {
    CloudTarget {
        base_url: base.to_string(),
        api_version: "v23.0".to_string(),
        phone_number_id: PHONE_ID.to_string(),
        waba_id: WABA_ID.to_string(),
        access_token: TOKEN.to_string(),
    }
}

/// Serves `app` on 127.0.0.1:0 (with the peer address available to handlers) and returns
/// its base URL.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .into_future(),
    );
    format!("http://{addr}")
}

/// A running emulator with one registered number (no webhooks).
pub struct Emu {
    pub emu: Emulator,
    pub base: String,
    pub target: CloudTarget,
    pub conn: CloudConnector,
}

/// Small delays, no window enforcement (sends to anyone are accepted).
pub fn emulator_config() -> EmulatorConfig {
    let mut c = EmulatorConfig::default();
    c.status_delays.sent_ms = 1;
    c.status_delays.delivered_ms = 2;
    c.status_delays.read_ms = 3;
    c.review_delay_ms = 20;
    c.enforce_window = false;
    c
}

impl Emu {
    pub async fn start() -> Self {
        Self::start_with(emulator_config()).await
    }

    pub async fn start_with(mut config: EmulatorConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        config.public_base_url = Some(base.clone());
        let emu = Emulator::new(config);
        emu.add_phone_number(PhoneNumberConfig {
            phone_number_id: PHONE_ID.into(),
            waba_id: WABA_ID.into(),
            display_phone_number: "15550783881".into(),
            access_token: TOKEN.into(),
            app_secret: "app-secret".into(),
            webhook_url: None,
            verified_name: "Switchboard Test".into(),
        });
        tokio::spawn(axum::serve(listener, emu.router()).into_future());
        Self {
            emu,
            target: target(&base),
            base,
            conn: connector(),
        }
    }

    /// The customer writes; returns the inbound wamid.
    pub async fn customer_writes(&self, text: &str) -> String {
        self.emu
            .inject_inbound(
                PHONE_ID,
                json!({"from": CUSTOMER, "type": "text", "text": {"body": text}}),
            )
            .await
            .expect("inject")
    }
}

/// A text message to the test customer.
pub fn text(body: &str) -> Value {
    json!({"messaging_product":"whatsapp","recipient_type":"individual","to":CUSTOMER,
           "type":"text","text":{"body":body}})
}
