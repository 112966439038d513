//! PostgreSQL: the contacts API's store (see `sqlite/contacts.rs` for the same rules). An
//! update or import batch locks the rows it changes (`FOR UPDATE`) in its transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::PgConnection;
use switchboard_core::id::{AccountId, ChannelId, ContactImportId};
use switchboard_core::time::Millis;

use super::events::append_event;
use super::query::{fetch_opt_on, page_of};
use super::PgStore;
use crate::bot::ContactRecord;
use crate::columns::parse;
use crate::contacts::IMPORTS;
use crate::contacts::RUNNING_IMPORTS;
use crate::contacts::{
    plan_batch, BatchOutcome, ContactFilter, ContactKey, ContactPatch, ContactStore, ImportJob,
    ImportMode, ImportRow,
};
use crate::decode::{self, CONTACT_COLS, IMPORT_COLS};
use crate::shared_methods::{get_owned, select_method};
use crate::{Page, PageRequest, StoreResult};

/// The account's contact `key` names, locked (`FOR UPDATE`) when `lock`.
pub(crate) async fn load_contact(
    c: &mut PgConnection,
    account: &str,
    key: &ContactKey,
    lock: bool,
) -> StoreResult<Option<ContactRecord>> {
    let (col, value) = key.clause();
    let sql = format!(
        "SELECT {CONTACT_COLS} FROM contacts WHERE account_id = $1 AND {col} = $2{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let query = sqlx::query(&sql).bind(account).bind(value);
    fetch_opt_on(&mut *c, query, decode::contact).await
}

/// Inserts a contact (unless its WhatsApp id is taken) or updates its name, opt-out, tags,
/// fields and time; both bind its columns as `$1…$9`. The number of rows written.
async fn write_contact(c: &mut PgConnection, r: &ContactRecord, insert: bool) -> StoreResult<u64> {
    let sql = if insert {
        "INSERT INTO contacts (id, account_id, wa_id, name, opted_out_at, tags, custom_fields, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (account_id, wa_id) DO NOTHING"
    } else {
        "UPDATE contacts SET name = $4, opted_out_at = $5, tags = $6, custom_fields = $7, updated_at = $9
         WHERE account_id = $2 AND wa_id = $3"
    };
    Ok(sqlx::query(sql)
        .bind(r.id.to_string())
        .bind(r.account_id.to_string())
        .bind(&r.wa_id)
        .bind(&r.name)
        .bind(r.opted_out_at)
        .bind(serde_json::to_string(&r.tags)?)
        .bind(serde_json::to_string(&r.custom_fields)?)
        .bind(r.created_at)
        .bind(r.updated_at)
        .execute(&mut *c)
        .await?
        .rows_affected())
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Inserts an import job, or updates its progress (status, counters, errors, reason, times);
/// both bind the job's columns as `$1…$16`, in `IMPORT_COLS` order.
async fn write_import(c: &mut PgConnection, job: &ImportJob, insert: bool) -> StoreResult<()> {
    let sql = if insert {
        format!("INSERT INTO contact_imports ({IMPORT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
    } else {
        "UPDATE contact_imports SET status = $4, total = $6, processed = $7, created = $8, updated = $9, skipped = $10,
           failed = $11, errors = $12, reason = $13, updated_at = $15, finished_at = $16
         WHERE id = $1"
            .to_string()
    };
    sqlx::query(&sql)
        .bind(job.id.to_string())
        .bind(job.account_id.to_string())
        .bind(job.mode.as_str())
        .bind(job.status.as_str())
        .bind(&job.file_path)
        .bind(as_i64(job.total))
        .bind(as_i64(job.processed))
        .bind(as_i64(job.created))
        .bind(as_i64(job.updated))
        .bind(as_i64(job.skipped))
        .bind(as_i64(job.failed))
        .bind(serde_json::to_string(&job.errors)?)
        .bind(&job.reason)
        .bind(job.created_at)
        .bind(job.updated_at)
        .bind(job.finished_at)
        .execute(&mut *c)
        .await?;
    Ok(())
}

#[async_trait]
impl ContactStore for PgStore {
    async fn create_contact(&self, contact: &ContactRecord) -> StoreResult<bool> {
        let mut conn = self.pool.acquire().await?;
        Ok(write_contact(&mut conn, contact, true).await? == 1)
    }

    async fn find_contact(
        &self,
        account: AccountId,
        key: &ContactKey,
    ) -> StoreResult<Option<ContactRecord>> {
        let mut conn = self.pool.acquire().await?;
        load_contact(&mut conn, &account.to_string(), key, false).await
    }

    async fn update_contact(
        &self,
        account: AccountId,
        key: &ContactKey,
        patch: &ContactPatch,
        now: Millis,
    ) -> StoreResult<Option<ContactRecord>> {
        let mut tx = self.pool.begin().await?;
        let Some(mut contact) = load_contact(&mut tx, &account.to_string(), key, true).await?
        else {
            return Ok(None);
        };
        if patch.apply(&mut contact, now) {
            write_contact(&mut tx, &contact, false).await?;
        }
        tx.commit().await?;
        Ok(Some(contact))
    }

    async fn delete_contact(&self, account: AccountId, key: &ContactKey) -> StoreResult<bool> {
        let (col, value) = key.clause();
        let sql = format!("DELETE FROM contacts WHERE account_id = $1 AND {col} = $2");
        let n = sqlx::query(&sql)
            .bind(account.to_string())
            .bind(value)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn list_contacts(
        &self,
        account: AccountId,
        filter: &ContactFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<ContactRecord>> {
        let mut sql =
            format!("SELECT {CONTACT_COLS} FROM contacts WHERE account_id = $1 AND id > $2");
        let mut n = 2;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let name = filter.name_pattern();
        let prefix = filter.phone_prefix().map(|d| format!("{d}%"));
        if name.is_some() {
            let p = next();
            match &prefix {
                Some(_) => {
                    let q = next();
                    sql.push_str(&format!(
                        " AND (wa_id LIKE {q} OR LOWER(name) LIKE {p} ESCAPE '\\')"
                    ));
                }
                None => sql.push_str(&format!(" AND LOWER(name) LIKE {p} ESCAPE '\\'")),
            }
        }
        if !filter.tags.is_empty() {
            let p = next();
            sql.push_str(&format!(" AND contacts.tags::jsonb ?| {p}::text[]"));
        }
        match filter.opted_out {
            Some(true) => sql.push_str(" AND opted_out_at IS NOT NULL"),
            Some(false) => sql.push_str(" AND opted_out_at IS NULL"),
            None => {}
        }
        let p = next();
        sql.push_str(&format!(" ORDER BY id LIMIT {p}"));
        let mut query = sqlx::query(&sql)
            .bind(account.to_string())
            .bind(page.after_key());
        if let Some(name) = name {
            query = query.bind(name);
            if let Some(prefix) = prefix {
                query = query.bind(prefix);
            }
        }
        if !filter.tags.is_empty() {
            query = query.bind(filter.tags.clone());
        }
        let rows = query.bind(page.fetch()).fetch_all(&self.pool).await?;
        page_of(&rows, page, decode::contact, |c| c.id.to_string())
    }

    async fn last_inbound_by_contact(
        &self,
        account: AccountId,
        wa_ids: &[String],
    ) -> StoreResult<Vec<(String, ChannelId, Millis)>> {
        if wa_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT cv.chat, cv.channel_id, cv.last_inbound_at FROM conversations cv
             JOIN channels ch ON ch.id = cv.channel_id
             WHERE ch.account_id = $1 AND cv.chat = ANY($2) ORDER BY cv.chat, cv.channel_id",
        )
        .bind(account.to_string())
        .bind(wa_ids.to_vec())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(chat, channel, at)| Ok((chat, parse(&channel, "channel id")?, at)))
            .collect()
    }

    async fn import_contacts(
        &self,
        account: AccountId,
        rows: &[ImportRow],
        mode: ImportMode,
        now: Millis,
    ) -> StoreResult<BatchOutcome> {
        let acc = account.to_string();
        let mut wa_ids: Vec<String> = rows.iter().map(|r| r.wa_id.clone()).collect();
        wa_ids.sort();
        wa_ids.dedup();
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "SELECT {CONTACT_COLS} FROM contacts WHERE account_id = $1 AND wa_id = ANY($2) ORDER BY wa_id FOR UPDATE"
        );
        let found = sqlx::query(&sql)
            .bind(&acc)
            .bind(&wa_ids)
            .fetch_all(&mut *tx)
            .await?;
        let mut existing = HashMap::new();
        for row in &found {
            let c = decode::contact(row)?;
            existing.insert(c.wa_id.clone(), c);
        }
        let (writes, outcome) = plan_batch(existing, rows, mode, account, now);
        for (contact, is_new) in &writes {
            write_contact(&mut tx, contact, *is_new).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    async fn create_import(&self, job: &ImportJob) -> StoreResult<()> {
        let mut c = self.pool.acquire().await?;
        write_import(&mut c, job, true).await
    }

    get_owned!(get_import(ContactImportId) -> ImportJob, IMPORTS);

    async fn save_import(&self, job: &ImportJob) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        write_import(&mut tx, job, false).await?;
        append_event(&mut tx, &job.progress_event()).await?;
        tx.commit().await?;
        Ok(())
    }

    select_method!(running_imports() -> Vec<ImportJob> = select_all(RUNNING_IMPORTS, []));
}
