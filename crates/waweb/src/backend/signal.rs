//! `SignalStore`: identities, sessions, prekeys, signed prekeys and sender keys, stored as
//! the library's record bytes.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use whatsapp_rust::wacore::store::error::{Result, StoreError};
use whatsapp_rust::wacore::store::traits::SignalStore;

use super::{ns, put, KeysBackend};
use crate::codec::id_key;

/// A prekey value: one flag byte (`1`: uploaded) then the record.
fn prekey_value(record: &[u8], uploaded: bool) -> Vec<u8> {
    let mut value = Vec::with_capacity(record.len() + 1);
    value.push(u8::from(uploaded));
    value.extend_from_slice(record);
    value
}

fn prekey_record(value: &[u8]) -> Result<Bytes> {
    match value.split_first() {
        Some((_, record)) => Ok(Bytes::copy_from_slice(record)),
        None => Err(StoreError::Validation("stored prekey is empty".to_string())),
    }
}

fn parse_id(key: &str) -> Result<u32> {
    key.parse::<u32>()
        .map_err(|_| StoreError::Validation(format!("stored key id `{key}` is not a number")))
}

/// Whether a Signal address (`user@server`, `user:device@server`, `user.0:1@…`) belongs to
/// `user`.
fn address_of_user(address: &str, user: &str) -> bool {
    address
        .strip_prefix(user)
        .is_some_and(|rest| rest.starts_with('@') || rest.starts_with(':') || rest.starts_with('.'))
}

#[async_trait]
impl SignalStore for KeysBackend {
    async fn put_identity(&self, address: &str, key: [u8; 32]) -> Result<()> {
        self.put(ns::IDENTITY, address, key.to_vec()).await
    }

    async fn put_identities_batch(&self, identities: &[(Arc<str>, [u8; 32])]) -> Result<()> {
        let changes = identities
            .iter()
            .map(|(address, key)| put(ns::IDENTITY, address, key.to_vec()))
            .collect();
        self.write(changes).await
    }

    async fn load_identity(&self, address: &str) -> Result<Option<[u8; 32]>> {
        match self.get(ns::IDENTITY, address).await? {
            None => Ok(None),
            Some(bytes) => <[u8; 32]>::try_from(bytes.as_slice())
                .map(Some)
                .map_err(|_| StoreError::Validation("stored identity key is not 32 bytes".into())),
        }
    }

    async fn delete_identity(&self, address: &str) -> Result<()> {
        self.delete(ns::IDENTITY, address).await
    }

    async fn get_session(&self, address: &str) -> Result<Option<Bytes>> {
        Ok(self.get(ns::SESSION, address).await?.map(Bytes::from))
    }

    async fn put_session(&self, address: &str, session: &[u8]) -> Result<()> {
        self.put(ns::SESSION, address, session.to_vec()).await
    }

    async fn put_sessions_batch(&self, sessions: &[(Arc<str>, Bytes)]) -> Result<()> {
        let changes = sessions
            .iter()
            .map(|(address, record)| put(ns::SESSION, address, record.to_vec()))
            .collect();
        self.write(changes).await
    }

    async fn delete_session(&self, address: &str) -> Result<()> {
        self.delete(ns::SESSION, address).await
    }

    async fn has_session(&self, address: &str) -> Result<bool> {
        Ok(self.get(ns::SESSION, address).await?.is_some())
    }

    async fn has_signal_state_for_user(&self, user: &str) -> Result<bool> {
        for namespace in [ns::SESSION, ns::IDENTITY] {
            let rows = self.list(namespace, user).await?;
            if rows
                .iter()
                .any(|(address, _)| address_of_user(address, user))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn store_prekey(&self, id: u32, record: &[u8], uploaded: bool) -> Result<()> {
        self.put(ns::PREKEY, &id_key(id), prekey_value(record, uploaded))
            .await
    }

    async fn store_prekeys_batch(&self, keys: &[(u32, Bytes)], uploaded: bool) -> Result<()> {
        let changes = keys
            .iter()
            .map(|(id, record)| put(ns::PREKEY, &id_key(*id), prekey_value(record, uploaded)))
            .collect();
        self.write(changes).await
    }

    async fn load_prekey(&self, id: u32) -> Result<Option<Bytes>> {
        match self.get(ns::PREKEY, &id_key(id)).await? {
            None => Ok(None),
            Some(value) => prekey_record(&value).map(Some),
        }
    }

    async fn mark_prekeys_uploaded(&self, ids: &[u32]) -> Result<()> {
        // UPDATE semantics: only keys still stored are marked; a consumed key stays gone.
        // One listing instead of a read per key (an upload marks hundreds).
        let wanted: std::collections::HashSet<String> = ids.iter().map(|id| id_key(*id)).collect();
        let changes = self
            .list(ns::PREKEY, "")
            .await?
            .into_iter()
            .filter(|(key, value)| wanted.contains(key) && value.first() == Some(&0))
            .map(|(key, mut value)| {
                if let Some(flag) = value.first_mut() {
                    *flag = 1;
                }
                put(ns::PREKEY, &key, value)
            })
            .collect();
        self.write(changes).await
    }

    async fn load_prekeys_batch(&self, ids: &[u32]) -> Result<Vec<(u32, Bytes)>> {
        if ids.len() <= 4 {
            let mut found = Vec::with_capacity(ids.len());
            for &id in ids {
                if let Some(record) = self.load_prekey(id).await? {
                    found.push((id, record));
                }
            }
            return Ok(found);
        }
        // Many ids: one listing.
        let stored: std::collections::HashMap<String, Vec<u8>> =
            self.list(ns::PREKEY, "").await?.into_iter().collect();
        let mut found = Vec::with_capacity(ids.len());
        for &id in ids {
            if let Some(value) = stored.get(&id_key(id)) {
                found.push((id, prekey_record(value)?));
            }
        }
        Ok(found)
    }

    async fn remove_prekey(&self, id: u32) -> Result<()> {
        self.delete(ns::PREKEY, &id_key(id)).await
    }

    async fn get_max_prekey_id(&self) -> Result<u32> {
        // Keys are zero-padded, so the last one in key order is the highest.
        match self.list(ns::PREKEY, "").await?.last() {
            Some((key, _)) => parse_id(key),
            None => Ok(0),
        }
    }

    async fn store_signed_prekey(&self, id: u32, record: &[u8]) -> Result<()> {
        self.put(ns::SIGNED_PREKEY, &id_key(id), record.to_vec())
            .await
    }

    async fn load_signed_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
        self.get(ns::SIGNED_PREKEY, &id_key(id)).await
    }

    async fn load_all_signed_prekeys(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        self.list(ns::SIGNED_PREKEY, "")
            .await?
            .into_iter()
            .map(|(key, record)| Ok((parse_id(&key)?, record)))
            .collect()
    }

    async fn remove_signed_prekey(&self, id: u32) -> Result<()> {
        self.delete(ns::SIGNED_PREKEY, &id_key(id)).await
    }

    async fn put_sender_key(&self, address: &str, record: &[u8]) -> Result<()> {
        self.put(ns::SENDER_KEY, address, record.to_vec()).await
    }

    async fn put_sender_keys_batch(&self, sender_keys: &[(Arc<str>, Bytes)]) -> Result<()> {
        let changes = sender_keys
            .iter()
            .map(|(address, record)| put(ns::SENDER_KEY, address, record.to_vec()))
            .collect();
        self.write(changes).await
    }

    async fn get_sender_key(&self, address: &str) -> Result<Option<Vec<u8>>> {
        self.get(ns::SENDER_KEY, address).await
    }

    async fn delete_sender_key(&self, address: &str) -> Result<()> {
        self.delete(ns::SENDER_KEY, address).await
    }
}

#[cfg(test)]
mod tests {
    use super::address_of_user;

    #[test]
    fn addresses_match_their_user_only() {
        assert!(address_of_user("1555@s.whatsapp.net", "1555"));
        assert!(address_of_user("1555:3@s.whatsapp.net", "1555"));
        assert!(address_of_user("1555.0:3", "1555"));
        assert!(!address_of_user("15551@s.whatsapp.net", "1555"));
    }
}
