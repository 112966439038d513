//! `DeviceStore`: the device identity, one JSON value (the library's own serde form).

use async_trait::async_trait;
use whatsapp_rust::wacore::store::error::Result;
use whatsapp_rust::wacore::store::traits::DeviceStore;
use whatsapp_rust::wacore::store::Device;

use super::{from_json, ns, to_json, KeysBackend};

/// The key of the device value in [`ns::DEVICE`].
const DEVICE_KEY: &str = "";

#[async_trait]
impl DeviceStore for KeysBackend {
    async fn save(&self, device: &Device) -> Result<()> {
        self.put(ns::DEVICE, DEVICE_KEY, to_json(device)?).await
    }

    async fn load(&self) -> Result<Option<Device>> {
        match self.get(ns::DEVICE, DEVICE_KEY).await? {
            None => Ok(None),
            Some(bytes) => from_json(&bytes).map(Some),
        }
    }

    async fn exists(&self) -> Result<bool> {
        Ok(self.get(ns::DEVICE, DEVICE_KEY).await?.is_some())
    }

    /// One store holds one device: its id is always 1. Nothing is written here, so a store
    /// stays empty until the library saves the device (pairing); the library keeps a fresh
    /// device in memory until then.
    async fn create(&self) -> Result<i32> {
        Ok(1)
    }
}
