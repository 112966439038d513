//! Message templates per channel: the [`TemplateStore`] trait and its input and output types.
//!
//! A template is one row per (channel, name, language). Every change of a stored template's
//! status appends a `template.status` event in the same transaction; storing a new template
//! or writing the same status again appends nothing.

use async_trait::async_trait;
use switchboard_core::id::{AccountId, ChannelId, TemplateId};
use switchboard_core::template_def::TemplateStatus;
use switchboard_core::template_record::TemplateRecord;
use switchboard_core::time::Millis;

use crate::decode;
use crate::owned::Owned;
use crate::select::{Arg, Select, Selects};
use crate::{Page, PageRequest, StoreResult};

/// Filters of [`TemplateStore::list_templates`]; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateFilter {
    /// Only this status (wire name, e.g. `APPROVED`).
    pub status: Option<String>,
    /// Only this category (`MARKETING`, `UTILITY`, `AUTHENTICATION`).
    pub category: Option<String>,
    /// Only this language code.
    pub language: Option<String>,
    /// Only this name.
    pub name: Option<String>,
}

/// What [`TemplateStore::upsert_template`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Upserted {
    /// The stored template (with the existing id and creation time when it was replaced).
    pub template: TemplateRecord,
    /// Whether the row is new.
    pub created: bool,
    /// Whether a `template.status` event was written (an existing row got a new status).
    pub status_changed: bool,
}

/// What [`TemplateStore::sync_templates`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncOutcome {
    /// Templates stored for the first time.
    pub created: usize,
    /// Templates whose definition, status, upstream id or reason changed.
    pub updated: usize,
    /// `template.status` events written.
    pub status_changes: usize,
    /// Local templates removed because the upstream no longer lists them.
    pub removed: usize,
}

/// Message templates.
#[async_trait]
pub trait TemplateStore {
    /// Stores `t`, or — when the channel already has that name in that language — replaces
    /// its definition, status, upstream id and reason, keeping its id and creation time.
    /// Writes `template.status` when an existing row's status changed (not for a new row).
    async fn upsert_template(&self, t: &TemplateRecord) -> StoreResult<Upserted>;

    /// Reads a template of the account.
    async fn get_template(
        &self,
        account: AccountId,
        id: TemplateId,
    ) -> StoreResult<Option<TemplateRecord>>;

    /// Lists a channel's templates of the account, oldest first.
    async fn list_templates(
        &self,
        account: AccountId,
        channel: ChannelId,
        filter: &TemplateFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<TemplateRecord>>;

    /// Every template of a channel, oldest first (the send check's cache loads this).
    async fn channel_templates(&self, channel: ChannelId) -> StoreResult<Vec<TemplateRecord>>;

    /// Deletes the account's templates named `name` on the channel (every language), or
    /// only the one with id `only`; returns the deleted rows.
    async fn delete_templates(
        &self,
        account: AccountId,
        channel: ChannelId,
        name: &str,
        only: Option<TemplateId>,
    ) -> StoreResult<Vec<TemplateRecord>>;

    /// Applies the upstream's full template list of `channel` (records of `account`) in one
    /// transaction: each one upserted as by [`TemplateStore::upsert_template`], and local
    /// templates the list lacks removed — unless they changed at or after `listed_at` (the
    /// time the list was requested), so a template created meanwhile survives.
    async fn sync_templates(
        &self,
        account: AccountId,
        channel: ChannelId,
        upstream: &[TemplateRecord],
        listed_at: Millis,
    ) -> StoreResult<SyncOutcome>;

    /// Sets the status (and reason) of the channel's template `name` in `language`, with a
    /// `template.status` event when it changes. Returns the template and whether it
    /// changed, or `None` when the channel has no such template.
    async fn set_template_status(
        &self,
        channel: ChannelId,
        name: &str,
        language: &str,
        status: TemplateStatus,
        reason: Option<&str>,
        now: Millis,
    ) -> StoreResult<Option<(TemplateRecord, bool)>>;

    /// The channels having at least one template in one of `statuses` (e.g. the non-final
    /// `PENDING`, `IN_APPEAL`), for the sync worker.
    async fn channels_with_templates_in(
        &self,
        statuses: &[TemplateStatus],
    ) -> StoreResult<Vec<ChannelId>>;
}

impl Upserted {
    /// A template stored for the first time (the row was written).
    pub(crate) fn created(t: &TemplateRecord) -> (Upserted, bool) {
        let u = Upserted {
            template: t.clone(),
            created: true,
            status_changed: false,
        };
        (u, true)
    }

    /// An existing template merged with the incoming one, and whether its row changed.
    pub(crate) fn merged(
        template: TemplateRecord,
        changed: bool,
        status_changed: bool,
    ) -> (Upserted, bool) {
        let u = Upserted {
            template,
            created: false,
            status_changed,
        };
        (u, changed)
    }
}

impl SyncOutcome {
    /// Counts one upserted upstream template; `changed`: whether its row was written.
    pub(crate) fn count(&mut self, u: &Upserted, changed: bool) {
        if u.created {
            self.created += 1;
        } else if changed {
            self.updated += 1;
        }
        if u.status_changed {
            self.status_changes += 1;
        }
    }
}

/// `existing` with a new status (and rejection reason) reported at `now`.
pub(crate) fn with_status(
    existing: &TemplateRecord,
    status: TemplateStatus,
    reason: Option<&str>,
    now: Millis,
) -> TemplateRecord {
    TemplateRecord {
        status,
        rejected_reason: reason.map(str::to_string),
        updated_at: now,
        ..existing.clone()
    }
}

/// What to store for `incoming` given the `existing` row with the same key: the merged
/// record, whether anything changed, and whether the status changed.
pub(crate) fn merge(
    existing: &TemplateRecord,
    incoming: &TemplateRecord,
) -> (TemplateRecord, bool, bool) {
    let status_changed = existing.status != incoming.status;
    let upstream_id = incoming
        .upstream_id
        .clone()
        .or_else(|| existing.upstream_id.clone());
    let changed = status_changed
        || existing.definition != incoming.definition
        || existing.upstream_id != upstream_id
        || existing.rejected_reason != incoming.rejected_reason;
    let merged = TemplateRecord {
        id: existing.id,
        account_id: existing.account_id,
        channel_id: existing.channel_id,
        definition: incoming.definition.clone(),
        status: incoming.status,
        upstream_id,
        rejected_reason: incoming.rejected_reason.clone(),
        created_at: existing.created_at,
        updated_at: if changed {
            incoming.updated_at.max(existing.updated_at)
        } else {
            existing.updated_at
        },
    };
    (merged, changed, status_changed)
}

/// The definition as stored: its JSON without the `extra` fields.
pub(crate) fn definition_json(t: &TemplateRecord) -> StoreResult<String> {
    let mut d = t.definition.clone();
    d.extra.clear();
    Ok(serde_json::to_string(&d)?)
}

/// Message templates.
pub(crate) const TEMPLATES: Owned<TemplateRecord> =
    Owned::new("templates", decode::TEMPLATE_COLS, decode::template, |t| {
        t.id.to_string()
    });

/// A channel's templates, in id order.
pub(crate) const CHANNEL_TEMPLATES: Select<TemplateRecord> =
    TEMPLATES.select("channel_id = $1 ORDER BY id");

/// A channel's templates that match a [`TemplateFilter`], in id order (account, channel, after,
/// the filter's fields (each NULL when not filtered on), limit).
const FILTERED_TEMPLATES: Select<TemplateRecord> = TEMPLATES.select(
    "account_id = $1 AND channel_id = $2 AND id > $3
       AND (CAST($4 AS TEXT) IS NULL OR status = $4) AND (CAST($5 AS TEXT) IS NULL OR category = $5)
       AND (CAST($6 AS TEXT) IS NULL OR language = $6) AND (CAST($7 AS TEXT) IS NULL OR name = $7)
     ORDER BY id LIMIT $8",
);

/// [`TemplateStore::list_templates`], for both backends.
pub(crate) async fn list_templates(
    store: &impl Selects,
    account: AccountId,
    channel: ChannelId,
    f: &TemplateFilter,
    page: &PageRequest,
) -> StoreResult<Page<TemplateRecord>> {
    let args = vec![
        Arg::from(account),
        Arg::from(channel),
        Arg::from(page.after_key()),
        Arg::from(f.status.clone()),
        Arg::from(f.category.clone()),
        Arg::from(f.language.clone()),
        Arg::from(f.name.clone()),
        Arg::from(page.fetch()),
    ];
    store
        .select_page(FILTERED_TEMPLATES, args, page, TEMPLATES.cursor)
        .await
}
