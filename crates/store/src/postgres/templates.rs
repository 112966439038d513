//! PostgreSQL: message templates (see [`TemplateStore`]). An upsert inserts with
//! `ON CONFLICT DO NOTHING` and otherwise locks the existing row (`FOR UPDATE`), so two nodes
//! syncing the same channel never write one status change twice.

use async_trait::async_trait;
use sqlx::PgConnection;
use switchboard_core::id::{AccountId, ChannelId, TemplateId};
use switchboard_core::template_def::TemplateStatus;
use switchboard_core::template_record::{template_status_event, TemplateRecord};
use switchboard_core::time::Millis;

use super::events::append_event;
use super::query::fetch_opt_on;
use super::PgStore;
use crate::columns::parse;
use crate::decode::{self, TEMPLATE_COLS};
use crate::shared_methods::shared_method;
use crate::shared_methods::{get_owned, select_method};
use crate::templates::CHANNEL_TEMPLATES;
use crate::templates::TEMPLATES;
use crate::templates::{
    definition_json, merge, with_status, SyncOutcome, TemplateFilter, TemplateStore, Upserted,
};
use crate::{Page, PageRequest, StoreError, StoreResult};

async fn find_for_update(
    c: &mut PgConnection,
    channel: ChannelId,
    name: &str,
    language: &str,
) -> StoreResult<Option<TemplateRecord>> {
    let sql = format!(
        "SELECT {TEMPLATE_COLS} FROM templates WHERE channel_id = $1 AND name = $2 AND language = $3 FOR UPDATE"
    );
    let query = sqlx::query(&sql)
        .bind(channel.to_string())
        .bind(name)
        .bind(language);
    fetch_opt_on(&mut *c, query, decode::template).await
}

/// Inserts `t` unless its key exists (returns whether it was inserted), or updates the row
/// with `t`'s id.
async fn write(c: &mut PgConnection, t: &TemplateRecord, insert: bool) -> StoreResult<bool> {
    let sql = if insert {
        "INSERT INTO templates (id, account_id, channel_id, name, language, category, status, definition, upstream_id, rejected_reason, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (channel_id, name, language) DO NOTHING"
    } else {
        "UPDATE templates SET account_id = $2, channel_id = $3, name = $4, language = $5, category = $6, status = $7,
         definition = $8, upstream_id = $9, rejected_reason = $10, created_at = $11, updated_at = $12 WHERE id = $1"
    };
    let done = sqlx::query(sql)
        .bind(t.id.to_string())
        .bind(t.account_id.to_string())
        .bind(t.channel_id.to_string())
        .bind(t.name())
        .bind(t.language())
        .bind(t.category().as_str())
        .bind(t.status.as_str())
        .bind(definition_json(t)?)
        .bind(&t.upstream_id)
        .bind(&t.rejected_reason)
        .bind(t.created_at)
        .bind(t.updated_at)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores `incoming` over `existing` (see [`merge`]): rewrites the row when anything changed
/// and writes a `template.status` event (at `event_at`, else when the merged row was updated)
/// when the status did. The merged record, whether it changed and whether its status did.
async fn store_merged(
    c: &mut PgConnection,
    existing: &TemplateRecord,
    incoming: &TemplateRecord,
    event_at: Option<Millis>,
) -> StoreResult<(TemplateRecord, bool, bool)> {
    let (merged, changed, status_changed) = merge(existing, incoming);
    if changed {
        write(&mut *c, &merged, false).await?;
    }
    if status_changed {
        let at = event_at.unwrap_or(merged.updated_at);
        let event = template_status_event(&merged, Some(existing.status), at);
        append_event(&mut *c, &event).await?;
    }
    Ok((merged, changed, status_changed))
}

async fn upsert(c: &mut PgConnection, t: &TemplateRecord) -> StoreResult<(Upserted, bool)> {
    if write(c, t, true).await? {
        return Ok(Upserted::created(t));
    }
    let existing = find_for_update(c, t.channel_id, t.name(), t.language())
        .await?
        .ok_or_else(|| StoreError::Conflict("the template was deleted meanwhile; retry".into()))?;
    let (merged, changed, status_changed) = store_merged(c, &existing, t, None).await?;
    Ok(Upserted::merged(merged, changed, status_changed))
}

#[async_trait]
impl TemplateStore for PgStore {
    async fn upsert_template(&self, t: &TemplateRecord) -> StoreResult<Upserted> {
        let mut tx = self.pool.begin().await?;
        let (u, _) = upsert(&mut tx, t).await?;
        tx.commit().await?;
        Ok(u)
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
        let sql = format!(
            "DELETE FROM templates WHERE account_id = $1 AND channel_id = $2 AND name = $3
             AND ($4::text IS NULL OR id = $4) RETURNING {TEMPLATE_COLS}"
        );
        let mut rows = sqlx::query(&sql)
            .bind(account.to_string())
            .bind(channel.to_string())
            .bind(name)
            .bind(only.map(|i| i.to_string()))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| decode::template(r))
            .collect::<StoreResult<Vec<_>>>()?;
        rows.sort_by_key(|t| t.id);
        Ok(rows)
    }

    async fn sync_templates(
        &self,
        account: AccountId,
        channel: ChannelId,
        upstream: &[TemplateRecord],
        listed_at: Millis,
    ) -> StoreResult<SyncOutcome> {
        let mut out = SyncOutcome::default();
        let mut tx = self.pool.begin().await?;
        for t in upstream {
            let (u, changed) = upsert(&mut tx, t).await?;
            out.count(&u, changed);
        }
        let names: Vec<String> = upstream.iter().map(|t| t.name().to_string()).collect();
        let languages: Vec<String> = upstream.iter().map(|t| t.language().to_string()).collect();
        let removed = sqlx::query(
            "DELETE FROM templates t WHERE t.account_id = $1 AND t.channel_id = $2 AND t.updated_at < $3
             AND NOT EXISTS (SELECT 1 FROM UNNEST($4::text[], $5::text[]) AS u(name, language)
                             WHERE u.name = t.name AND u.language = t.language)",
        )
        .bind(account.to_string())
        .bind(channel.to_string())
        .bind(listed_at)
        .bind(&names)
        .bind(&languages)
        .execute(&mut *tx)
        .await?;
        out.removed = usize::try_from(removed.rows_affected()).unwrap_or(usize::MAX);
        tx.commit().await?;
        Ok(out)
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
        let mut tx = self.pool.begin().await?;
        let Some(existing) = find_for_update(&mut tx, channel, name, language).await? else {
            return Ok(None);
        };
        let incoming = with_status(&existing, status, reason, now);
        let (merged, _, status_changed) =
            store_merged(&mut tx, &existing, &incoming, Some(now)).await?;
        tx.commit().await?;
        Ok(Some((merged, status_changed)))
    }

    async fn channels_with_templates_in(
        &self,
        statuses: &[TemplateStatus],
    ) -> StoreResult<Vec<ChannelId>> {
        let statuses: Vec<String> = statuses.iter().map(|s| s.as_str().to_string()).collect();
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT channel_id FROM templates WHERE status = ANY($1) ORDER BY channel_id",
        )
        .bind(&statuses)
        .fetch_all(&self.pool)
        .await?;
        ids.iter().map(|i| parse(i, "channel id")).collect()
    }
}
