//! Running the emulator as its own server (`switchboard emulate --listen ADDR`).

use std::future::Future;

use crate::config::{EmulatorConfig, PhoneNumberConfig};
use crate::emulator::Emulator;

/// Serves an emulator with `phone_numbers` on `listener` until `shutdown` completes; Telegram
/// bots and Messenger/Instagram pages come from `config.bots` and `config.pages`.
///
/// Without `public_base_url` in `config`, media URLs point at `http://{listener address}`.
pub async fn serve(
    config: EmulatorConfig,
    phone_numbers: Vec<PhoneNumberConfig>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut config = config;
    if config.public_base_url.is_none() {
        config.public_base_url = Some(format!("http://{}", listener.local_addr()?));
    }
    let emulator = Emulator::new(config);
    for p in phone_numbers {
        emulator.add_phone_number(p);
    }
    axum::serve(listener, emulator.router())
        .with_graceful_shutdown(shutdown)
        .await
}
