//! Harness: an emulator on 127.0.0.1:0 with one phone number, tiny axum servers, a connector.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use bytes::Bytes;
use serde_json::{json, Value};
use switchboard_connectors::cloud::{CloudClient, CloudConnector};
use switchboard_connectors::{
    CloudTarget, Connector, ConnectorConfig, ConnectorError, MediaInfo, SendReceipt,
};
use switchboard_emulator::{Emulator, EmulatorConfig, PhoneNumberConfig};

pub const PHONE_ID: &str = "106540352242922";
pub const WABA_ID: &str = "419561257915477";
pub const TOKEN: &str = "EAAG-test-token-5f1d2c9a7b";
pub const CUSTOMER: &str = "16505551234";

/// The shared Cloud client with short timeouts; each call builds the connector of the
/// channel at the target it is given, as the gateway's factory does per channel.
pub struct Conn(CloudClient);

impl Conn {
    /// The connector of the channel at `t`.
    pub fn on(&self, t: &CloudTarget) -> CloudConnector {
        self.0.connector(t.clone())
    }

    pub async fn send(&self, t: &CloudTarget, body: &Value) -> Result<SendReceipt, ConnectorError> {
        self.on(t).send(body).await
    }

    pub async fn mark_read(
        &self,
        t: &CloudTarget,
        id: &str,
        typing: bool,
    ) -> Result<(), ConnectorError> {
        self.on(t).mark_read("", id, typing).await
    }

    pub async fn upload_media(
        &self,
        t: &CloudTarget,
        bytes: Bytes,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, ConnectorError> {
        self.on(t).upload_media(bytes, mime_type, filename).await
    }

    pub async fn media_info(&self, t: &CloudTarget, id: &str) -> Result<MediaInfo, ConnectorError> {
        self.on(t).media_info(id).await
    }

    pub async fn download_media(
        &self,
        t: &CloudTarget,
        url: &str,
    ) -> Result<reqwest::Response, ConnectorError> {
        self.on(t).download_media(url).await
    }

    pub async fn list_templates(
        &self,
        t: &CloudTarget,
        name: Option<&str>,
    ) -> Result<Vec<Value>, ConnectorError> {
        self.on(t).list_templates(name).await
    }

    pub async fn create_template(
        &self,
        t: &CloudTarget,
        template: &Value,
    ) -> Result<Value, ConnectorError> {
        self.on(t).create_template(template).await
    }

    pub async fn delete_template(&self, t: &CloudTarget, name: &str) -> Result<(), ConnectorError> {
        self.on(t).delete_template(name).await
    }
}

/// A connector with short timeouts, for tests.
pub fn connector() -> Conn {
    connector_with(|_| {})
}

pub fn connector_with(f: impl FnOnce(&mut ConnectorConfig)) -> Conn {
    let mut c = ConnectorConfig {
        request_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        media_timeout: Duration::from_secs(5),
        ..ConnectorConfig::default()
    };
    f(&mut c);
    Conn(CloudClient::new(c).expect("connector"))
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
    pub conn: Conn,
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
