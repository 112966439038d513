//! SQLite: message templates (see [`TemplateStore`]).

use async_trait::async_trait;
use rusqlite::{params, Connection};
use switchboard_core::id::{AccountId, ChannelId, TemplateId};
use switchboard_core::template_def::TemplateStatus;
use switchboard_core::template_record::{template_status_event, TemplateRecord};
use switchboard_core::time::Millis;

use super::events::append_event;
use super::query::{query_all, query_one};
use super::SqliteStore;
use crate::columns::parse;
use crate::decode::{self, TEMPLATE_COLS};
use crate::shared_methods::shared_method;
use crate::shared_methods::{get_owned, select_method};
use crate::templates::CHANNEL_TEMPLATES;
use crate::templates::TEMPLATES;
use crate::templates::{
    definition_json, merge, with_status, SyncOutcome, TemplateFilter, TemplateStore, Upserted,
};
use crate::{Page, PageRequest, StoreResult};

fn find(
    c: &Connection,
    channel: ChannelId,
    name: &str,
    language: &str,
) -> StoreResult<Option<TemplateRecord>> {
    let sql = format!(
        "SELECT {TEMPLATE_COLS} FROM templates WHERE channel_id = ?1 AND name = ?2 AND language = ?3"
    );
    query_one(
        c,
        &sql,
        params![channel.to_string(), name, language],
        decode::template,
    )
}

fn write(c: &Connection, t: &TemplateRecord, insert: bool) -> StoreResult<()> {
    let sql = if insert {
        "INSERT INTO templates (id, account_id, channel_id, name, language, category, status, definition, upstream_id, rejected_reason, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    } else {
        "UPDATE templates SET account_id = ?2, channel_id = ?3, name = ?4, language = ?5, category = ?6, status = ?7,
         definition = ?8, upstream_id = ?9, rejected_reason = ?10, created_at = ?11, updated_at = ?12 WHERE id = ?1"
    };
    c.prepare_cached(sql)?.execute(params![
        t.id.to_string(),
        t.account_id.to_string(),
        t.channel_id.to_string(),
        t.name(),
        t.language(),
        t.category().as_str(),
        t.status.as_str(),
        definition_json(t)?,
        t.upstream_id,
        t.rejected_reason,
        t.created_at,
        t.updated_at
    ])?;
    Ok(())
}

/// Stores `incoming` over `existing` (see [`merge`]): rewrites the row when anything changed
/// and writes a `template.status` event (at `event_at`, else when the merged row was updated)
/// when the status did. The merged record, whether it changed and whether its status did.
fn store_merged(
    c: &Connection,
    existing: &TemplateRecord,
    incoming: &TemplateRecord,
    event_at: Option<Millis>,
) -> StoreResult<(TemplateRecord, bool, bool)> {
    let (merged, changed, status_changed) = merge(existing, incoming);
    if changed {
        write(c, &merged, false)?;
    }
    if status_changed {
        let at = event_at.unwrap_or(merged.updated_at);
        let event = template_status_event(&merged, Some(existing.status), at);
        append_event(c, &event)?;
    }
    Ok((merged, changed, status_changed))
}

fn upsert(c: &Connection, t: &TemplateRecord) -> StoreResult<(Upserted, bool)> {
    match find(c, t.channel_id, t.name(), t.language())? {
        None => {
            write(c, t, true)?;
            Ok(Upserted::created(t))
        }
        Some(existing) => {
            let (merged, changed, status_changed) = store_merged(c, &existing, t, None)?;
            Ok(Upserted::merged(merged, changed, status_changed))
        }
    }
}

fn sync(
    c: &Connection,
    account: AccountId,
    channel: ChannelId,
    upstream: &[TemplateRecord],
    listed_at: Millis,
) -> StoreResult<SyncOutcome> {
    let mut out = SyncOutcome::default();
    for t in upstream {
        let (u, changed) = upsert(c, t)?;
        out.count(&u, changed);
    }
    let sql =
        format!("SELECT {TEMPLATE_COLS} FROM templates WHERE account_id = ?1 AND channel_id = ?2");
    let local = query_all(
        c,
        &sql,
        params![account.to_string(), channel.to_string()],
        decode::template,
    )?;
    for t in local {
        let listed = upstream
            .iter()
            .any(|u| u.name() == t.name() && u.language() == t.language());
        if !listed && t.updated_at < listed_at {
            c.prepare_cached("DELETE FROM templates WHERE id = ?1")?
                .execute([t.id.to_string()])?;
            out.removed += 1;
        }
    }
    Ok(out)
}

fn set_status(
    c: &Connection,
    channel: ChannelId,
    name: &str,
    language: &str,
    status: TemplateStatus,
    reason: Option<&str>,
    now: Millis,
) -> StoreResult<Option<(TemplateRecord, bool)>> {
    let Some(existing) = find(c, channel, name, language)? else {
        return Ok(None);
    };
    let incoming = with_status(&existing, status, reason, now);
    let (merged, _, status_changed) = store_merged(c, &existing, &incoming, Some(now))?;
    Ok(Some((merged, status_changed)))
}

#[async_trait]
impl TemplateStore for SqliteStore {
    async fn upsert_template(&self, t: &TemplateRecord) -> StoreResult<Upserted> {
        let t = t.clone();
        self.engine
            .write(move |c| upsert(c, &t).map(|(u, _)| u))
            .await
    }

    get_owned!(get_template(TemplateId) -> TemplateRecord, TEMPLATES);

    shared_method!(
        list_templates['life1, 'life2](
            account: AccountId,
            channel: ChannelId,
            filter: &'life1 TemplateFilter,
            page: &'life2 PageRequest
        ) -> Page<TemplateRecord> = crate::templates::list_templates
    );

    select_method!(
        channel_templates(channel: ChannelId) -> Vec<TemplateRecord> =
            select_all(CHANNEL_TEMPLATES, [channel])
    );

    async fn delete_templates(
        &self,
        account: AccountId,
        channel: ChannelId,
        name: &str,
        only: Option<TemplateId>,
    ) -> StoreResult<Vec<TemplateRecord>> {
        let name = name.to_string();
        self.engine
            .write(move |c| {
                let sql = format!(
                    "DELETE FROM templates WHERE account_id = ?1 AND channel_id = ?2 AND name = ?3
                     AND (?4 IS NULL OR id = ?4) RETURNING {TEMPLATE_COLS}"
                );
                query_all(
                    c,
                    &sql,
                    params![
                        account.to_string(),
                        channel.to_string(),
                        name,
                        only.map(|i| i.to_string())
                    ],
                    decode::template,
                )
            })
            .await
    }

    async fn sync_templates(
        &self,
        account: AccountId,
        channel: ChannelId,
        upstream: &[TemplateRecord],
        listed_at: Millis,
    ) -> StoreResult<SyncOutcome> {
        let upstream = upstream.to_vec();
        self.engine
            .write(move |c| sync(c, account, channel, &upstream, listed_at))
            .await
    }

    async fn set_template_status(
        &self,
        channel: ChannelId,
        name: &str,
        language: &str,
        status: TemplateStatus,
        reason: Option<&str>,
        now: Millis,
    ) -> StoreResult<Option<(TemplateRecord, bool)>> {
        let (name, language, reason) = (
            name.to_string(),
            language.to_string(),
            reason.map(str::to_string),
        );
        self.engine
            .write(move |c| {
                set_status(c, channel, &name, &language, status, reason.as_deref(), now)
            })
            .await
    }

    async fn channels_with_templates_in(
        &self,
        statuses: &[TemplateStatus],
    ) -> StoreResult<Vec<ChannelId>> {
        let statuses: Vec<String> = statuses.iter().map(|s| s.as_str().to_string()).collect();
        self.engine
            .read(move |c| {
                let json = serde_json::to_string(&statuses)?;
                let mut stmt = c.prepare_cached(
                    "SELECT DISTINCT channel_id FROM templates
                     WHERE status IN (SELECT value FROM json_each(?1)) ORDER BY channel_id",
                )?;
                let ids = stmt
                    .query_map([json], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                ids.iter().map(|i| parse(i, "channel id")).collect()
            })
            .await
    }
}
