#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The adapter's offline tests: the key store backend over `MemoryKeys` (each of the five
//! storage traits), the message conversions both ways and the event translation. Nothing
//! here connects anywhere.

mod backend_appsync;
mod backend_device_secrets;
mod backend_protocol;
mod backend_signal;
mod convert_inbound;
mod convert_outbound;
mod events;
mod hook;
mod support;
