//! `AppSyncStore`: app-state sync keys, hash states (versions) and mutation MACs.

use std::collections::HashMap;

use async_trait::async_trait;
use whatsapp_rust::wacore::appstate::hash::HashState;
use whatsapp_rust::wacore::appstate::processor::AppStateMutationMAC;
use whatsapp_rust::wacore::store::error::{Result, StoreError};
use whatsapp_rust::wacore::store::traits::{AppStateSyncKey, AppSyncStore};

use super::{delete, ns, put, KeysBackend};
use crate::codec::{hex, Reader, Writer};

/// Encodes a sync key: timestamp, key data, fingerprint.
pub(crate) fn encode_sync_key(key: &AppStateSyncKey) -> Vec<u8> {
    Writer::new()
        .i64(key.timestamp)
        .bytes(&key.key_data)
        .bytes(&key.fingerprint)
        .finish()
}

pub(crate) fn decode_sync_key(bytes: &[u8]) -> Result<AppStateSyncKey> {
    let mut r = Reader::new(bytes, "app-state sync key");
    let timestamp = r.i64()?;
    let key_data = r.bytes()?.to_vec();
    let fingerprint = r.bytes()?.to_vec();
    r.end()?;
    Ok(AppStateSyncKey {
        key_data,
        fingerprint,
        timestamp,
    })
}

/// Encodes a hash state: version, the 128-byte hash, the mismatch flag, then the index map
/// as (count, then name and value per entry, in name order so equal states encode alike).
pub(crate) fn encode_hash_state(state: &HashState) -> Vec<u8> {
    let mut entries: Vec<(&String, &Vec<u8>)> = state.index_value_map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut w = Writer::new()
        .u64(state.version)
        .raw(&state.hash)
        .u8(u8::from(state.mac_mismatch_fatal))
        .u32(u32::try_from(entries.len()).unwrap_or(u32::MAX));
    for (index, value) in entries {
        w = w.bytes(index.as_bytes()).bytes(value);
    }
    w.finish()
}

pub(crate) fn decode_hash_state(bytes: &[u8]) -> Result<HashState> {
    let mut r = Reader::new(bytes, "app-state version");
    let version = r.u64()?;
    let hash = r.fixed::<128>()?;
    let mac_mismatch_fatal = r.u8()? != 0;
    let n = r.u32()? as usize;
    let mut index_value_map = HashMap::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        let index = String::from_utf8(r.bytes()?.to_vec())
            .map_err(|e| StoreError::Serialization(Box::new(e)))?;
        let value = r.bytes()?.to_vec();
        index_value_map.insert(index, value);
    }
    r.end()?;
    Ok(HashState {
        version,
        hash,
        index_value_map,
        mac_mismatch_fatal,
    })
}

fn mac_prefix(name: &str) -> String {
    format!("{name}/")
}

fn mac_key(name: &str, index_mac: &[u8]) -> String {
    format!("{name}/{}", hex(index_mac))
}

#[async_trait]
impl AppSyncStore for KeysBackend {
    async fn get_sync_key(&self, key_id: &[u8]) -> Result<Option<AppStateSyncKey>> {
        match self.get(ns::APP_STATE_KEY, &hex(key_id)).await? {
            None => Ok(None),
            Some(bytes) => decode_sync_key(&bytes).map(Some),
        }
    }

    async fn set_sync_key(&self, key_id: &[u8], key: AppStateSyncKey) -> Result<()> {
        self.write(vec![
            put(ns::APP_STATE_KEY, &hex(key_id), encode_sync_key(&key)),
            put(ns::APP_STATE_KEY_LATEST, "", key_id.to_vec()),
        ])
        .await
    }

    async fn get_version(&self, name: &str) -> Result<HashState> {
        match self.get(ns::APP_STATE_VERSION, name).await? {
            None => Ok(HashState::default()),
            Some(bytes) => decode_hash_state(&bytes),
        }
    }

    async fn set_version(&self, name: &str, state: HashState) -> Result<()> {
        self.put(ns::APP_STATE_VERSION, name, encode_hash_state(&state))
            .await
    }

    async fn put_mutation_macs(
        &self,
        name: &str,
        _version: u64,
        mutations: &[AppStateMutationMAC],
    ) -> Result<()> {
        let changes = mutations
            .iter()
            .map(|m| {
                put(
                    ns::MUTATION_MAC,
                    &mac_key(name, &m.index_mac),
                    m.value_mac.clone(),
                )
            })
            .collect();
        self.write(changes).await
    }

    async fn get_mutation_mac(&self, name: &str, index_mac: &[u8]) -> Result<Option<Vec<u8>>> {
        self.get(ns::MUTATION_MAC, &mac_key(name, index_mac)).await
    }

    async fn delete_mutation_macs(&self, name: &str, index_macs: &[Vec<u8>]) -> Result<()> {
        let changes = index_macs
            .iter()
            .map(|index_mac| delete(ns::MUTATION_MAC, &mac_key(name, index_mac)))
            .collect();
        self.write(changes).await
    }

    async fn clear_mutation_macs(&self, name: &str) -> Result<()> {
        let changes = self
            .list(ns::MUTATION_MAC, &mac_prefix(name))
            .await?
            .into_iter()
            .map(|(key, _)| delete(ns::MUTATION_MAC, &key))
            .collect();
        self.write(changes).await
    }

    async fn get_latest_sync_key_id(&self) -> Result<Option<Vec<u8>>> {
        self.get(ns::APP_STATE_KEY_LATEST, "").await
    }
}
