//! Contacts of an account (the contacts API): create, read, update, delete, search with
//! cursor paging, batched imports and their jobs, and each contact's last inbound time per
//! channel.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use switchboard_core::id::{AccountId, ChannelId, ContactId, ContactImportId};
use switchboard_core::time::Millis;

use crate::bot::{merge_tags, ContactRecord};
use crate::decode;
use crate::owned::Owned;
use crate::select::Select;
use crate::{Page, PageRequest, StoreResult};

/// Rows per import batch (one transaction each).
pub const IMPORT_BATCH: usize = 500;
/// Row errors kept per import job.
pub const IMPORT_ERRORS_KEPT: usize = 100;

/// Which contact a path names: its id or its WhatsApp id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactKey {
    /// `ct_…`
    Id(ContactId),
    /// The WhatsApp id (phone digits with country code).
    WaId(String),
}

/// The key naming a contact by WhatsApp id.
pub(crate) fn wa_key(wa_id: &str) -> ContactKey {
    ContactKey::WaId(wa_id.to_string())
}

impl ContactKey {
    /// The column the key matches and the value it matches it with.
    pub(crate) fn clause(&self) -> (&'static str, String) {
        match self {
            ContactKey::Id(id) => ("id", id.to_string()),
            ContactKey::WaId(wa) => ("wa_id", wa.clone()),
        }
    }
}

/// Filters of a contact list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFilter {
    /// Case-insensitive: a prefix of the WhatsApp id (when it is made of digits after removing
    /// `+`, spaces and dashes) or a substring of the name.
    pub q: Option<String>,
    /// Contacts having any of these tags.
    pub tags: Vec<String>,
    /// Only opted-out (`true`) or opted-in (`false`) contacts.
    pub opted_out: Option<bool>,
}

impl ContactFilter {
    /// The digits of `q` when it looks like a phone number (digits, `+`, spaces, `-`, `.`,
    /// parentheses), for the WhatsApp id prefix match.
    pub fn phone_prefix(&self) -> Option<String> {
        let q = self.q.as_deref()?.trim();
        if q.is_empty()
            || !q
                .chars()
                .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
        {
            return None;
        }
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        (!digits.is_empty()).then_some(digits)
    }

    /// `q` lowercased as a `LIKE` pattern matching any substring (wildcards escaped with `\`).
    pub fn name_pattern(&self) -> Option<String> {
        let q = self.q.as_deref()?.trim();
        if q.is_empty() {
            return None;
        }
        Some(format!("%{}%", like_escape(&q.to_lowercase())))
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A change of a contact; absent parts stay as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactPatch {
    /// `Some(None)` clears the name.
    pub name: Option<Option<String>>,
    /// Replaces all tags.
    pub tags: Option<Vec<String>>,
    /// Tags to add (after `tags`).
    pub add_tags: Vec<String>,
    /// Tags to remove (after adding).
    pub remove_tags: Vec<String>,
    /// Merged into the custom fields; a `null` value deletes that key.
    pub custom_fields: Map<String, Value>,
    /// Opts out (keeping the first opt-out time) or back in.
    pub opted_out: Option<bool>,
}

impl ContactPatch {
    /// Applies the patch to `c` at `now`; returns whether anything changed.
    pub fn apply(&self, c: &mut ContactRecord, now: Millis) -> bool {
        let before = c.clone();
        if let Some(name) = &self.name {
            c.name.clone_from(name);
        }
        if let Some(tags) = &self.tags {
            c.tags.clear();
            merge_tags(&mut c.tags, tags);
        }
        merge_tags(&mut c.tags, &self.add_tags);
        c.tags.retain(|t| !self.remove_tags.contains(t));
        merge_fields(&mut c.custom_fields, &self.custom_fields);
        match self.opted_out {
            Some(true) if c.opted_out_at.is_none() => c.opted_out_at = Some(now),
            Some(false) => c.opted_out_at = None,
            _ => {}
        }
        let changed = *c != before;
        if changed {
            c.updated_at = now;
        }
        changed
    }
}

/// Merges `patch` into `fields`: a `null` deletes the key, anything else sets it.
pub fn merge_fields(fields: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (k, v) in patch {
        if v.is_null() {
            fields.remove(k);
        } else {
            fields.insert(k.clone(), v.clone());
        }
    }
}

/// A contact with its last inbound time on each channel of its account.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactWithActivity {
    /// The contact.
    pub contact: ContactRecord,
    /// `(channel, last inbound time)`, by channel id.
    pub last_inbound: Vec<(ChannelId, Millis)>,
}

/// What an import does with a phone that already has a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportMode {
    /// Updates it: a given name replaces, tags are added, custom fields merged, a given
    /// opt-out flag applied.
    Upsert,
    /// Leaves it as it is (counted as skipped).
    Skip,
}

impl ImportMode {
    /// `upsert` or `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportMode::Upsert => "upsert",
            ImportMode::Skip => "skip",
        }
    }

    /// Parses `upsert` or `skip`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "upsert" => Some(ImportMode::Upsert),
            "skip" => Some(ImportMode::Skip),
            _ => None,
        }
    }
}

/// One valid row of an import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportRow {
    /// The normalized WhatsApp id.
    pub wa_id: String,
    /// The name, when the row has one.
    pub name: Option<String>,
    /// Tags of the row (added to existing ones).
    pub tags: Vec<String>,
    /// Custom fields of the row (merged into existing ones).
    pub custom_fields: Map<String, Value>,
    /// The opt-out flag, when the row sets one.
    pub opted_out: Option<bool>,
}

impl ImportRow {
    /// The row as a patch of an existing contact.
    pub fn as_patch(&self) -> ContactPatch {
        ContactPatch {
            name: self.name.clone().map(Some),
            tags: None,
            add_tags: self.tags.clone(),
            remove_tags: Vec::new(),
            custom_fields: self.custom_fields.clone(),
            opted_out: self.opted_out,
        }
    }

    /// A new contact of `account` from the row.
    pub fn to_contact(&self, account: AccountId, now: Millis) -> ContactRecord {
        let mut tags = Vec::new();
        merge_tags(&mut tags, &self.tags);
        let mut custom_fields = Map::new();
        merge_fields(&mut custom_fields, &self.custom_fields);
        ContactRecord {
            id: ContactId::new(),
            account_id: account,
            wa_id: self.wa_id.clone(),
            name: self.name.clone(),
            opted_out_at: self.opted_out.unwrap_or(false).then_some(now),
            tags,
            custom_fields,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Counts of one import batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// New contacts.
    pub created: u64,
    /// Existing contacts changed.
    pub updated: u64,
    /// Existing contacts left alone (mode `skip`, or nothing to change).
    pub skipped: u64,
}

/// State of an import job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportStatus {
    /// Being processed (or waiting to be resumed after a restart).
    Running,
    /// Every row was processed.
    Finished,
    /// Stopped; `reason` says why.
    Failed,
}

impl ImportStatus {
    /// `running`, `finished` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Running => "running",
            ImportStatus::Finished => "finished",
            ImportStatus::Failed => "failed",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "running" => Some(ImportStatus::Running),
            "finished" => Some(ImportStatus::Finished),
            "failed" => Some(ImportStatus::Failed),
            _ => None,
        }
    }
}

/// A refused row of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowError {
    /// Line of the CSV file (the header is line 1).
    pub line: u64,
    /// Stable code, e.g. `invalid_phone`.
    pub code: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// An import job and its progress.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportJob {
    /// `imp_…`
    pub id: ContactImportId,
    /// Owning account.
    pub account_id: AccountId,
    /// What happens to existing contacts.
    pub mode: ImportMode,
    /// State.
    pub status: ImportStatus,
    /// The spooled CSV file.
    pub file_path: String,
    /// CSV records in the file (data rows, header excluded).
    pub total: u64,
    /// CSV records consumed so far (good and bad).
    pub processed: u64,
    /// Contacts created.
    pub created: u64,
    /// Contacts updated.
    pub updated: u64,
    /// Existing contacts left alone.
    pub skipped: u64,
    /// Rows refused.
    pub failed: u64,
    /// The first [`IMPORT_ERRORS_KEPT`] refused rows.
    pub errors: Vec<ImportRowError>,
    /// Why the job failed.
    pub reason: Option<String>,
    /// Creation time.
    pub created_at: Millis,
    /// Last progress.
    pub updated_at: Millis,
    /// When it finished or failed.
    pub finished_at: Option<Millis>,
}

/// The contacts API's store.
#[async_trait]
pub trait ContactStore {
    /// Creates a contact; false (nothing written) when the account already has one with
    /// that WhatsApp id.
    async fn create_contact(&self, contact: &ContactRecord) -> StoreResult<bool>;

    /// A contact of the account by id or WhatsApp id.
    async fn find_contact(
        &self,
        account: AccountId,
        key: &ContactKey,
    ) -> StoreResult<Option<ContactRecord>>;

    /// Applies `patch` in one transaction; `None` when there is no such contact.
    async fn update_contact(
        &self,
        account: AccountId,
        key: &ContactKey,
        patch: &ContactPatch,
        now: Millis,
    ) -> StoreResult<Option<ContactRecord>>;

    /// Deletes a contact; false when there is none.
    async fn delete_contact(&self, account: AccountId, key: &ContactKey) -> StoreResult<bool>;

    /// The account's contacts matching `filter`, oldest first, paged by id.
    async fn list_contacts(
        &self,
        account: AccountId,
        filter: &ContactFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<ContactRecord>>;

    /// Last inbound time per channel of the account for each of `wa_ids` (at most a page):
    /// `(wa_id, channel, time)` rows.
    async fn last_inbound_by_contact(
        &self,
        account: AccountId,
        wa_ids: &[String],
    ) -> StoreResult<Vec<(String, ChannelId, Millis)>>;

    /// Creates or updates (per `mode`) a batch of rows in one transaction. A phone given
    /// twice in a batch is applied twice in order.
    async fn import_contacts(
        &self,
        account: AccountId,
        rows: &[ImportRow],
        mode: ImportMode,
        now: Millis,
    ) -> StoreResult<BatchOutcome>;

    /// Records a new import job.
    async fn create_import(&self, job: &ImportJob) -> StoreResult<()>;

    /// An import job of the account.
    async fn get_import(
        &self,
        account: AccountId,
        id: ContactImportId,
    ) -> StoreResult<Option<ImportJob>>;

    /// Saves a job's progress, status, errors and reason, and appends its
    /// [`ImportJob::progress_event`] (`contact.import.progress` or `contact.import.finished`)
    /// in the same transaction.
    async fn save_import(&self, job: &ImportJob) -> StoreResult<()>;

    /// Jobs still `running` (to resume after a restart).
    async fn running_imports(&self) -> StoreResult<Vec<ImportJob>>;
}

/// Applies one import row to the existing contact (if any) per `mode`: the contact to write
/// and whether it is new, or `None` to leave it alone.
pub fn import_step(
    existing: Option<ContactRecord>,
    row: &ImportRow,
    mode: ImportMode,
    account: AccountId,
    now: Millis,
) -> Option<(ContactRecord, bool)> {
    match existing {
        None => Some((row.to_contact(account, now), true)),
        Some(_) if mode == ImportMode::Skip => None,
        Some(mut c) => row.as_patch().apply(&mut c, now).then_some((c, false)),
    }
}

/// Plans a batch: applies `rows` in order over the `existing` contacts (by WhatsApp id) and
/// returns the contacts to write (`true` = insert, `false` = update) with the batch's counts.
pub fn plan_batch(
    mut existing: std::collections::HashMap<String, ContactRecord>,
    rows: &[ImportRow],
    mode: ImportMode,
    account: AccountId,
    now: Millis,
) -> (Vec<(ContactRecord, bool)>, BatchOutcome) {
    let mut outcome = BatchOutcome::default();
    let mut new_ids = std::collections::HashSet::new();
    let mut dirty = std::collections::BTreeSet::new();
    for row in rows {
        let current = existing.get(&row.wa_id).cloned();
        match import_step(current, row, mode, account, now) {
            Some((c, true)) => {
                outcome.created += 1;
                new_ids.insert(c.wa_id.clone());
                dirty.insert(c.wa_id.clone());
                existing.insert(c.wa_id.clone(), c);
            }
            Some((c, false)) => {
                outcome.updated += 1;
                dirty.insert(c.wa_id.clone());
                existing.insert(c.wa_id.clone(), c);
            }
            None => outcome.skipped += 1,
        }
    }
    let writes = dirty
        .into_iter()
        .filter_map(|wa| {
            let is_new = new_ids.contains(&wa);
            existing.remove(&wa).map(|c| (c, is_new))
        })
        .collect();
    (writes, outcome)
}

/// Contact import jobs.
pub(crate) const IMPORTS: Owned<ImportJob> = Owned::new(
    "contact_imports",
    decode::IMPORT_COLS,
    decode::import,
    |j| j.id.to_string(),
);

/// Running imports of every account, in id order.
pub(crate) const RUNNING_IMPORTS: Select<ImportJob> =
    IMPORTS.select("status = 'running' ORDER BY id");
