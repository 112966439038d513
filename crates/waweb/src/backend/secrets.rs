//! `MsgSecretStore`: per-message secrets (poll votes, reactions, edits), each stored with
//! its expiry; an expired secret reads as absent even before the sweep removes it.

use async_trait::async_trait;
use whatsapp_rust::wacore::reporting_token::MESSAGE_SECRET_SIZE;
use whatsapp_rust::wacore::store::error::Result;
use whatsapp_rust::wacore::store::traits::{
    merge_msg_secret_expiry, merge_msg_secret_message_ts, MessageSecret, MsgSecretEntry,
    MsgSecretStore,
};

use super::{composite, ns, put, KeysBackend};
use crate::codec::{Reader, Writer};

/// A stored secret: `expires_at` (0: never), the parent message's time, the secret.
struct Row {
    expires_at: i64,
    message_ts: i64,
    secret: MessageSecret,
}

impl Row {
    fn encode(&self) -> Vec<u8> {
        Writer::new()
            .i64(self.expires_at)
            .i64(self.message_ts)
            .raw(&self.secret)
            .finish()
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, "message secret");
        let expires_at = r.i64()?;
        let message_ts = r.i64()?;
        let secret = r.fixed::<MESSAGE_SECRET_SIZE>()?;
        r.end()?;
        Ok(Self {
            expires_at,
            message_ts,
            secret,
        })
    }

    fn expired(&self, now: i64) -> bool {
        self.expires_at != 0 && self.expires_at <= now
    }
}

#[async_trait]
impl MsgSecretStore for KeysBackend {
    async fn put_msg_secrets(&self, entries: Vec<MsgSecretEntry>) -> Result<usize> {
        let stored = entries.len();
        let mut changes = Vec::with_capacity(stored);
        // Later entries of the same key merge over earlier ones, as on a conflict.
        let mut batch: std::collections::HashMap<String, Row> = std::collections::HashMap::new();
        for entry in entries {
            let key = composite(&[&entry.chat, &entry.sender, &entry.msg_id]);
            let existing = match batch.remove(&key) {
                Some(row) => Some(row),
                None => match self.get(ns::MSG_SECRET, &key).await? {
                    Some(bytes) => Some(Row::decode(&bytes)?),
                    None => None,
                },
            };
            let row = match existing {
                Some(old) => Row {
                    expires_at: merge_msg_secret_expiry(old.expires_at, entry.expires_at),
                    message_ts: merge_msg_secret_message_ts(old.message_ts, entry.message_ts),
                    secret: entry.secret,
                },
                None => Row {
                    expires_at: entry.expires_at,
                    message_ts: entry.message_ts,
                    secret: entry.secret,
                },
            };
            batch.insert(key, row);
        }
        for (key, row) in batch {
            changes.push(put(ns::MSG_SECRET, &key, row.encode()));
        }
        self.write(changes).await?;
        Ok(stored)
    }

    async fn get_msg_secret(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> Result<Option<Vec<u8>>> {
        Ok(self
            .get_msg_secret_with_ts(chat, sender, msg_id)
            .await?
            .map(|(secret, _)| secret))
    }

    async fn get_msg_secret_with_ts(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> Result<Option<(Vec<u8>, i64)>> {
        let Some(bytes) = self
            .get(ns::MSG_SECRET, &composite(&[chat, sender, msg_id]))
            .await?
        else {
            return Ok(None);
        };
        let row = Row::decode(&bytes)?;
        if row.expired(self.now()) {
            return Ok(None);
        }
        Ok(Some((row.secret.to_vec(), row.message_ts)))
    }

    async fn delete_expired_msg_secrets(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.sweep(ns::MSG_SECRET, |bytes| {
            Ok(Row::decode(bytes)?.expired(cutoff_timestamp))
        })
        .await
    }
}
