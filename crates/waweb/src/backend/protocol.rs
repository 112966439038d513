//! `ProtocolStore`: sender-key device status, LID↔phone mappings, retry base keys, device
//! lists, group metadata, trusted-contact tokens, the sent-message cache and the pending
//! inbound buffer of the durability hook.

use async_trait::async_trait;
use switchboard_web_driver::KeyChange;
use whatsapp_rust::wacore::store::error::{Result, StoreError};
use whatsapp_rust::wacore::store::traits::{
    DeviceListRecord, LidPnMappingEntry, PendingInboundKey, PendingInboundRow, ProtocolStore,
    TcTokenEntry,
};

use super::{
    clear, composite, count, delete, from_json, ns, put, to_json, KeysBackend,
    PENDING_INBOUND_TTL_SECS,
};
use crate::codec::{Reader, Writer};

/// A blob stored with the unix second it was stored at.
fn stamped(at: i64, payload: &[u8]) -> Vec<u8> {
    Writer::new().i64(at).raw(payload).finish()
}

fn unstamp<'a>(value: &'a [u8], what: &'static str) -> Result<(i64, &'a [u8])> {
    let mut r = Reader::new(value, what);
    let at = r.i64()?;
    Ok((at, r.rest()))
}

fn lid_of(value: Vec<u8>) -> Result<String> {
    String::from_utf8(value).map_err(|e| StoreError::Serialization(Box::new(e)))
}

impl KeysBackend {
    /// The changes that store `entry`, keeping the phone index consistent (a LID whose
    /// phone changed drops its old index entry).
    async fn lid_mapping_changes(&self, entry: &LidPnMappingEntry) -> Result<Vec<KeyChange>> {
        let mut changes = Vec::with_capacity(3);
        if let Some(old) = self.get(ns::LID_MAPPING, &entry.lid).await? {
            let old: LidPnMappingEntry = from_json(&old)?;
            if old.phone_number != entry.phone_number {
                changes.push(delete(ns::PN_MAPPING, &old.phone_number));
            }
        }
        changes.push(put(ns::LID_MAPPING, &entry.lid, to_json(entry)?));
        changes.push(put(
            ns::PN_MAPPING,
            &entry.phone_number,
            entry.lid.as_bytes().to_vec(),
        ));
        Ok(changes)
    }

    /// Deletes every row of `namespace` for which `expired` says so, in one write.
    pub(super) async fn sweep(
        &self,
        namespace: &str,
        expired: impl Fn(&[u8]) -> Result<bool>,
    ) -> Result<u32> {
        let mut changes = Vec::new();
        for (key, value) in self.list(namespace, "").await? {
            if expired(&value)? {
                changes.push(delete(namespace, &key));
            }
        }
        let n = count(changes.len());
        self.write(changes).await?;
        Ok(n)
    }
}

#[async_trait]
impl ProtocolStore for KeysBackend {
    async fn get_sender_key_devices(&self, group_jid: &str) -> Result<Vec<(String, bool)>> {
        let prefix = composite(&[group_jid, ""]);
        Ok(self
            .list(ns::SENDER_KEY_DEVICE, &prefix)
            .await?
            .into_iter()
            .filter_map(|(key, value)| {
                let device = key.strip_prefix(&prefix)?.to_string();
                Some((device, value.first() == Some(&1)))
            })
            .collect())
    }

    async fn set_sender_key_status(&self, group_jid: &str, entries: &[(&str, bool)]) -> Result<()> {
        let changes = entries
            .iter()
            .map(|(device, has_key)| {
                put(
                    ns::SENDER_KEY_DEVICE,
                    &composite(&[group_jid, device]),
                    vec![u8::from(*has_key)],
                )
            })
            .collect();
        self.write(changes).await
    }

    async fn clear_sender_key_devices(&self, group_jid: &str) -> Result<()> {
        let changes = self
            .list(ns::SENDER_KEY_DEVICE, &composite(&[group_jid, ""]))
            .await?
            .into_iter()
            .map(|(key, _)| delete(ns::SENDER_KEY_DEVICE, &key))
            .collect();
        self.write(changes).await
    }

    async fn delete_sender_key_device_rows(&self, device_jids: &[&str]) -> Result<()> {
        if device_jids.is_empty() {
            return Ok(());
        }
        let changes = self
            .list(ns::SENDER_KEY_DEVICE, "")
            .await?
            .into_iter()
            .filter(|(key, _)| {
                key.split_once('|')
                    .is_some_and(|(_, device)| device_jids.contains(&device))
            })
            .map(|(key, _)| delete(ns::SENDER_KEY_DEVICE, &key))
            .collect();
        self.write(changes).await
    }

    async fn clear_all_sender_key_devices(&self) -> Result<()> {
        self.write(vec![clear(ns::SENDER_KEY_DEVICE)]).await
    }

    async fn get_lid_mapping(&self, lid: &str) -> Result<Option<LidPnMappingEntry>> {
        match self.get(ns::LID_MAPPING, lid).await? {
            None => Ok(None),
            Some(bytes) => from_json(&bytes).map(Some),
        }
    }

    async fn get_pn_mapping(&self, phone: &str) -> Result<Option<LidPnMappingEntry>> {
        match self.get(ns::PN_MAPPING, phone).await? {
            None => Ok(None),
            Some(lid) => self.get_lid_mapping(&lid_of(lid)?).await,
        }
    }

    async fn put_lid_mapping(&self, entry: &LidPnMappingEntry) -> Result<()> {
        let changes = self.lid_mapping_changes(entry).await?;
        self.write(changes).await
    }

    async fn put_lid_mappings(&self, entries: &[LidPnMappingEntry]) -> Result<()> {
        let mut changes = Vec::with_capacity(entries.len() * 2);
        for entry in entries {
            changes.extend(self.lid_mapping_changes(entry).await?);
        }
        self.write(changes).await
    }

    async fn get_all_lid_mappings(&self) -> Result<Vec<LidPnMappingEntry>> {
        self.list(ns::LID_MAPPING, "")
            .await?
            .into_iter()
            .map(|(_, bytes)| from_json(&bytes))
            .collect()
    }

    async fn save_base_key(&self, address: &str, message_id: &str, base_key: &[u8]) -> Result<()> {
        self.put(
            ns::BASE_KEY,
            &composite(&[address, message_id]),
            base_key.to_vec(),
        )
        .await
    }

    async fn has_same_base_key(
        &self,
        address: &str,
        message_id: &str,
        current_base_key: &[u8],
    ) -> Result<bool> {
        Ok(self
            .get(ns::BASE_KEY, &composite(&[address, message_id]))
            .await?
            .is_some_and(|stored| stored == current_base_key))
    }

    async fn delete_base_key(&self, address: &str, message_id: &str) -> Result<()> {
        self.delete(ns::BASE_KEY, &composite(&[address, message_id]))
            .await
    }

    async fn update_device_list(&self, record: DeviceListRecord) -> Result<()> {
        self.put(ns::DEVICE_LIST, &record.user, to_json(&record)?)
            .await
    }

    async fn update_device_lists(&self, records: Vec<DeviceListRecord>) -> Result<()> {
        let changes = records
            .iter()
            .map(|record| Ok(put(ns::DEVICE_LIST, &record.user, to_json(record)?)))
            .collect::<Result<Vec<_>>>()?;
        self.write(changes).await
    }

    async fn get_devices(&self, user: &str) -> Result<Option<DeviceListRecord>> {
        match self.get(ns::DEVICE_LIST, user).await? {
            None => Ok(None),
            Some(bytes) => from_json(&bytes).map(Some),
        }
    }

    async fn delete_devices(&self, user: &str) -> Result<()> {
        self.delete(ns::DEVICE_LIST, user).await
    }

    async fn get_group_metadata(&self, group_jid: &str) -> Result<Option<Vec<u8>>> {
        self.get(ns::GROUP_METADATA, group_jid).await
    }

    async fn put_group_metadata(&self, group_jid: &str, blob: &[u8]) -> Result<()> {
        self.put(ns::GROUP_METADATA, group_jid, blob.to_vec()).await
    }

    async fn delete_group_metadata(&self, group_jid: &str) -> Result<()> {
        self.delete(ns::GROUP_METADATA, group_jid).await
    }

    async fn get_tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>> {
        match self.get(ns::TC_TOKEN, jid).await? {
            None => Ok(None),
            Some(bytes) => from_json(&bytes).map(Some),
        }
    }

    async fn put_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()> {
        self.put(ns::TC_TOKEN, jid, to_json(entry)?).await
    }

    async fn delete_tc_token(&self, jid: &str) -> Result<()> {
        self.delete(ns::TC_TOKEN, jid).await
    }

    async fn get_all_tc_token_jids(&self) -> Result<Vec<String>> {
        Ok(self
            .list(ns::TC_TOKEN, "")
            .await?
            .into_iter()
            .map(|(jid, _)| jid)
            .collect())
    }

    async fn delete_expired_tc_tokens(&self, token_cutoff: i64, sender_cutoff: i64) -> Result<u32> {
        self.sweep(ns::TC_TOKEN, |bytes| {
            let entry: TcTokenEntry = from_json(bytes)?;
            let token_live = !entry.token.is_empty() && entry.token_timestamp >= token_cutoff;
            let sender_live = entry.sender_timestamp.is_some_and(|ts| ts >= sender_cutoff);
            Ok(!(token_live || sender_live))
        })
        .await
    }

    async fn store_sent_message(
        &self,
        chat_jid: &str,
        message_id: &str,
        payload: &[u8],
    ) -> Result<()> {
        self.put(
            ns::SENT_MESSAGE,
            &composite(&[chat_jid, message_id]),
            stamped(self.now(), payload),
        )
        .await
    }

    async fn take_sent_message(&self, chat_jid: &str, message_id: &str) -> Result<Option<Vec<u8>>> {
        let key = composite(&[chat_jid, message_id]);
        let Some(value) = self.get(ns::SENT_MESSAGE, &key).await? else {
            return Ok(None);
        };
        self.delete(ns::SENT_MESSAGE, &key).await?;
        let (stored_at, payload) = unstamp(&value, "sent message")?;
        // Past its retention the message is gone, as if the sweep had run already.
        if stored_at + self.sent_message_ttl_secs < self.now() {
            return Ok(None);
        }
        Ok(Some(payload.to_vec()))
    }

    async fn delete_expired_sent_messages(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.sweep(ns::SENT_MESSAGE, |value| {
            Ok(unstamp(value, "sent message")?.0 < cutoff_timestamp)
        })
        .await
    }

    async fn store_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
        message: &[u8],
    ) -> Result<()> {
        self.put(
            ns::PENDING_INBOUND,
            &composite(&[chat, sender, id]),
            stamped(self.now(), message),
        )
        .await
    }

    async fn get_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>> {
        let Some(value) = self
            .get(ns::PENDING_INBOUND, &composite(&[chat, sender, id]))
            .await?
        else {
            return Ok(None);
        };
        let (stored_at, message) = unstamp(&value, "pending inbound message")?;
        if stored_at + PENDING_INBOUND_TTL_SECS < self.now() {
            return Ok(None);
        }
        Ok(Some(message.to_vec()))
    }

    async fn delete_pending_inbound(&self, chat: &str, sender: &str, id: &str) -> Result<()> {
        self.delete(ns::PENDING_INBOUND, &composite(&[chat, sender, id]))
            .await
    }

    async fn delete_expired_pending_inbound(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.sweep(ns::PENDING_INBOUND, |value| {
            Ok(unstamp(value, "pending inbound message")?.0 < cutoff_timestamp)
        })
        .await
    }

    async fn store_pending_inbound_batch(&self, rows: &[PendingInboundRow<'_>]) -> Result<()> {
        let now = self.now();
        let changes = rows
            .iter()
            .map(|row| {
                put(
                    ns::PENDING_INBOUND,
                    &composite(&[row.chat, row.sender, row.id]),
                    stamped(now, row.message),
                )
            })
            .collect();
        self.write(changes).await
    }

    async fn delete_pending_inbound_batch(&self, keys: &[PendingInboundKey<'_>]) -> Result<()> {
        let changes = keys
            .iter()
            .map(|k| delete(ns::PENDING_INBOUND, &composite(&[k.chat, k.sender, k.id])))
            .collect();
        self.write(changes).await
    }
}
