//! PostgreSQL: sealing every stored secret again under the current key (see
//! [`crate::secrets`]), in one transaction that locks the rows it reads; a first read
//! without locks lets the usual start (everything sealed already) lock nothing.

use super::PgStore;
use crate::channel_json::settings_text;
use crate::decode::{self, PG_CHANNEL_COLS, SUBSCRIPTION_COLS};
use crate::wabot_instances;
use crate::web_sessions;
use crate::StoreResult;

impl PgStore {
    /// See [`crate::Store::reseal_secrets`].
    pub(crate) async fn reseal(&self) -> StoreResult<u64> {
        if !self.anything_to_reseal().await? {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        let mut changed = 0;
        let sql = format!("SELECT {PG_CHANNEL_COLS} FROM channels ORDER BY id FOR UPDATE");
        for row in sqlx::query(&sql).fetch_all(&mut *tx).await? {
            if let Some(channel) = self.keys.resealed(decode::channel(&row)?)? {
                sqlx::query("UPDATE channels SET settings = $2::jsonb WHERE id = $1")
                    .bind(channel.id.to_string())
                    .bind(settings_text(&channel)?)
                    .execute(&mut *tx)
                    .await?;
                changed += 1;
            }
        }
        let sql = format!("SELECT {SUBSCRIPTION_COLS} FROM subscriptions ORDER BY id FOR UPDATE");
        for row in sqlx::query(&sql).fetch_all(&mut *tx).await? {
            if let Some(s) = self.keys.resealed(decode::subscription(&row)?)? {
                sqlx::query(
                    "UPDATE subscriptions SET secret = $2, previous_secret = $3 WHERE id = $1",
                )
                .bind(s.id.to_string())
                .bind(&s.secret)
                .bind(&s.previous_secret)
                .execute(&mut *tx)
                .await?;
                changed += 1;
            }
        }
        let sql = format!(
            "{} ORDER BY channel_id, namespace, key FOR UPDATE",
            web_sessions::ALL_KEYS
        );
        for row in sqlx::query(&sql).fetch_all(&mut *tx).await? {
            if let Some(row) = self.keys.resealed(web_sessions::web_key_row(&row)?)? {
                sqlx::query(web_sessions::RESEAL_KEY)
                    .bind(&row.channel_id)
                    .bind(&row.namespace)
                    .bind(&row.key)
                    .bind(&row.value)
                    .execute(&mut *tx)
                    .await?;
                changed += 1;
            }
        }
        let sql = format!(
            "{} ORDER BY channel_id FOR UPDATE",
            wabot_instances::all_sql()
        );
        for row in sqlx::query(&sql).fetch_all(&mut *tx).await? {
            if let Some(row) = self.keys.resealed(wabot_instances::instance(&row)?)? {
                sqlx::query(wabot_instances::RESEAL)
                    .bind(row.channel_id.to_string())
                    .bind(&row.access_token)
                    .execute(&mut *tx)
                    .await?;
                changed += 1;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Whether a secret is not sealed under the current key.
    async fn anything_to_reseal(&self) -> StoreResult<bool> {
        let sql = format!("SELECT {PG_CHANNEL_COLS} FROM channels");
        for row in sqlx::query(&sql).fetch_all(&self.pool).await? {
            if self.keys.resealed(decode::channel(&row)?)?.is_some() {
                return Ok(true);
            }
        }
        let sql = format!("SELECT {SUBSCRIPTION_COLS} FROM subscriptions");
        for row in sqlx::query(&sql).fetch_all(&self.pool).await? {
            if self.keys.resealed(decode::subscription(&row)?)?.is_some() {
                return Ok(true);
            }
        }
        for row in sqlx::query(web_sessions::ALL_KEYS)
            .fetch_all(&self.pool)
            .await?
        {
            if self
                .keys
                .resealed(web_sessions::web_key_row(&row)?)?
                .is_some()
            {
                return Ok(true);
            }
        }
        for row in sqlx::query(&wabot_instances::all_sql())
            .fetch_all(&self.pool)
            .await?
        {
            if self
                .keys
                .resealed(wabot_instances::instance(&row)?)?
                .is_some()
            {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
