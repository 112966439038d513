//! SQLite: the contacts API's store (contacts, search, batched imports, import jobs).

use std::collections::HashMap;

use async_trait::async_trait;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection};
use switchboard_core::id::{AccountId, ChannelId, ContactImportId};
use switchboard_core::time::Millis;

use super::events::append_event;
use super::query::{decode_rows, query_one};
use super::SqliteStore;
use crate::bot::ContactRecord;
use crate::contacts::IMPORTS;
use crate::contacts::RUNNING_IMPORTS;
use crate::contacts::{
    plan_batch, wa_key, BatchOutcome, ContactFilter, ContactKey, ContactPatch, ContactStore,
    ImportJob, ImportMode, ImportRow,
};
use crate::decode::{self, CONTACT_COLS, IMPORT_COLS};
use crate::shared_methods::{get_owned, select_method};
use crate::{Page, PageRequest, StoreResult};

/// The account's contact `key` names.
pub(crate) fn load_contact(
    c: &Connection,
    account: &str,
    key: &ContactKey,
) -> StoreResult<Option<ContactRecord>> {
    let (col, value) = key.clause();
    let sql = format!("SELECT {CONTACT_COLS} FROM contacts WHERE account_id = ?1 AND {col} = ?2");
    query_one(c, &sql, params![account, value], decode::contact)
}

/// Inserts a contact (unless its WhatsApp id is taken) or updates its name, opt-out, tags,
/// fields and time; both bind its columns as `?1…?9`. The number of rows written.
fn write_contact(c: &Connection, r: &ContactRecord, insert: bool) -> StoreResult<usize> {
    let sql = if insert {
        "INSERT INTO contacts (id, account_id, wa_id, name, opted_out_at, tags, custom_fields, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (account_id, wa_id) DO NOTHING"
    } else {
        "UPDATE contacts SET name = ?4, opted_out_at = ?5, tags = ?6, custom_fields = ?7, updated_at = ?9
         WHERE account_id = ?2 AND wa_id = ?3"
    };
    Ok(c.prepare_cached(sql)?.execute(params![
        r.id.to_string(),
        r.account_id.to_string(),
        r.wa_id,
        r.name,
        r.opted_out_at,
        serde_json::to_string(&r.tags)?,
        serde_json::to_string(&r.custom_fields)?,
        r.created_at,
        r.updated_at
    ])?)
}

fn list(
    c: &Connection,
    account: &str,
    filter: &ContactFilter,
    page: &PageRequest,
) -> StoreResult<Vec<ContactRecord>> {
    let mut sql = format!("SELECT {CONTACT_COLS} FROM contacts WHERE account_id = ?1 AND id > ?2");
    let mut args: Vec<SqlValue> = vec![
        account.to_string().into(),
        page.after.clone().unwrap_or_default().into(),
    ];
    let next = |args: &mut Vec<SqlValue>, v: SqlValue| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(pattern) = filter.name_pattern() {
        let name = next(&mut args, pattern.into());
        match filter.phone_prefix() {
            Some(digits) => {
                let prefix = next(&mut args, format!("{}%", digits).into());
                sql.push_str(&format!(
                    " AND (wa_id LIKE {prefix} OR LOWER(name) LIKE {name} ESCAPE '\\')"
                ));
            }
            None => sql.push_str(&format!(" AND LOWER(name) LIKE {name} ESCAPE '\\'")),
        }
    }
    if !filter.tags.is_empty() {
        let marks: Vec<String> = filter
            .tags
            .iter()
            .map(|t| next(&mut args, t.clone().into()))
            .collect();
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM json_each(contacts.tags) WHERE json_each.value IN ({}))",
            marks.join(", ")
        ));
    }
    match filter.opted_out {
        Some(true) => sql.push_str(" AND opted_out_at IS NOT NULL"),
        Some(false) => sql.push_str(" AND opted_out_at IS NULL"),
        None => {}
    }
    let limit = next(&mut args, page.fetch().into());
    sql.push_str(&format!(" ORDER BY id LIMIT {limit}"));
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query(params_from_iter(args))?;
    decode_rows(rows, decode::contact)
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Inserts an import job, or updates its progress (status, counters, errors, reason, times);
/// both bind the job's columns as `?1…?16`, in `IMPORT_COLS` order.
fn write_import(c: &Connection, job: &ImportJob, insert: bool) -> StoreResult<()> {
    let sql = if insert {
        format!("INSERT INTO contact_imports ({IMPORT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)")
    } else {
        "UPDATE contact_imports SET status = ?4, total = ?6, processed = ?7, created = ?8, updated = ?9, skipped = ?10,
           failed = ?11, errors = ?12, reason = ?13, updated_at = ?15, finished_at = ?16
         WHERE id = ?1"
            .to_string()
    };
    c.prepare_cached(&sql)?.execute(params![
        job.id.to_string(),
        job.account_id.to_string(),
        job.mode.as_str(),
        job.status.as_str(),
        job.file_path,
        as_i64(job.total),
        as_i64(job.processed),
        as_i64(job.created),
        as_i64(job.updated),
        as_i64(job.skipped),
        as_i64(job.failed),
        serde_json::to_string(&job.errors)?,
        job.reason,
        job.created_at,
        job.updated_at,
        job.finished_at
    ])?;
    Ok(())
}

#[async_trait]
impl ContactStore for SqliteStore {
    async fn create_contact(&self, contact: &ContactRecord) -> StoreResult<bool> {
        let contact = contact.clone();
        self.engine
            .write(move |c| Ok(write_contact(c, &contact, true)? == 1))
            .await
    }

    async fn find_contact(
        &self,
        account: AccountId,
        key: &ContactKey,
    ) -> StoreResult<Option<ContactRecord>> {
        let key = key.clone();
        self.engine
            .read(move |c| load_contact(c, &account.to_string(), &key))
            .await
    }

    async fn update_contact(
        &self,
        account: AccountId,
        key: &ContactKey,
        patch: &ContactPatch,
        now: Millis,
    ) -> StoreResult<Option<ContactRecord>> {
        let (key, patch) = (key.clone(), patch.clone());
        self.engine
            .write(move |c| {
                let Some(mut contact) = load_contact(c, &account.to_string(), &key)? else {
                    return Ok(None);
                };
                if patch.apply(&mut contact, now) {
                    write_contact(c, &contact, false)?;
                }
                Ok(Some(contact))
            })
            .await
    }

    async fn delete_contact(&self, account: AccountId, key: &ContactKey) -> StoreResult<bool> {
        let (col, value) = key.clause();
        let sql = format!("DELETE FROM contacts WHERE account_id = ?1 AND {col} = ?2");
        self.engine
            .write(move |c| Ok(c.execute(&sql, params![account.to_string(), value])? == 1))
            .await
    }

    async fn list_contacts(
        &self,
        account: AccountId,
        filter: &ContactFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<ContactRecord>> {
        let (filter, request) = (filter.clone(), page.clone());
        let rows = self
            .engine
            .read(move |c| list(c, &account.to_string(), &filter, &request))
            .await?;
        Ok(Page::from_rows(rows, page, |c| c.id.to_string()))
    }

    async fn last_inbound_by_contact(
        &self,
        account: AccountId,
        wa_ids: &[String],
    ) -> StoreResult<Vec<(String, ChannelId, Millis)>> {
        if wa_ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..wa_ids.len()).map(|i| format!("?{}", i + 2)).collect();
        let sql = format!(
            "SELECT cv.chat, cv.channel_id, cv.last_inbound_at FROM conversations cv
             JOIN channels ch ON ch.id = cv.channel_id
             WHERE ch.account_id = ?1 AND cv.chat IN ({}) ORDER BY cv.chat, cv.channel_id",
            marks.join(", ")
        );
        let mut args: Vec<SqlValue> = vec![account.to_string().into()];
        args.extend(wa_ids.iter().map(|w| SqlValue::from(w.clone())));
        self.engine
            .read(move |c| {
                let mut stmt = c.prepare(&sql)?;
                let rows = stmt.query(params_from_iter(args))?;
                decode_rows(rows, |r| {
                    Ok((
                        r.text("chat")?,
                        r.parsed("channel_id", "channel id")?,
                        r.int("last_inbound_at")?,
                    ))
                })
            })
            .await
    }

    async fn import_contacts(
        &self,
        account: AccountId,
        rows: &[ImportRow],
        mode: ImportMode,
        now: Millis,
    ) -> StoreResult<BatchOutcome> {
        let rows = rows.to_vec();
        self.engine
            .write(move |c| {
                let acc = account.to_string();
                let mut existing = HashMap::new();
                for row in &rows {
                    if !existing.contains_key(&row.wa_id) {
                        if let Some(found) = load_contact(c, &acc, &wa_key(&row.wa_id))? {
                            existing.insert(row.wa_id.clone(), found);
                        }
                    }
                }
                let (writes, outcome) = plan_batch(existing, &rows, mode, account, now);
                for (contact, is_new) in &writes {
                    write_contact(c, contact, *is_new)?;
                }
                Ok(outcome)
            })
            .await
    }

    async fn create_import(&self, job: &ImportJob) -> StoreResult<()> {
        let job = job.clone();
        self.engine
            .write(move |c| write_import(c, &job, true))
            .await
    }

    get_owned!(get_import(ContactImportId) -> ImportJob, IMPORTS);

    async fn save_import(&self, job: &ImportJob) -> StoreResult<()> {
        let job = job.clone();
        self.engine
            .write(move |c| {
                write_import(c, &job, false)?;
                append_event(c, &job.progress_event())?;
                Ok(())
            })
            .await
    }

    select_method!(running_imports() -> Vec<ImportJob> = select_all(RUNNING_IMPORTS, []));
}
