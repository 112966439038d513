//! A contact import job's public form and its `contact.import.*` event, written by
//! `save_import` in the same transaction as the job's progress.

use switchboard_core::contact_import::{ImportErrorView, ImportView};
use switchboard_core::event::{Event, CONTACT_IMPORT_FINISHED, CONTACT_IMPORT_PROGRESS};
use switchboard_core::id::EventId;
use switchboard_core::time::to_rfc3339;

use crate::contacts::{ImportJob, ImportStatus};

impl ImportJob {
    /// The job as `GET /v1/contacts/imports/{id}` answers it.
    pub fn view(&self) -> ImportView {
        ImportView {
            id: self.id.to_string(),
            status: self.status.as_str().into(),
            mode: self.mode.as_str().into(),
            total: self.total,
            processed: self.processed,
            created: self.created,
            updated: self.updated,
            skipped: self.skipped,
            failed: self.failed,
            errors: self
                .errors
                .iter()
                .map(|e| ImportErrorView {
                    line: e.line,
                    code: e.code.clone(),
                    message: e.message.clone(),
                })
                .collect(),
            reason: self.reason.clone(),
            created_at: to_rfc3339(self.created_at),
            updated_at: to_rfc3339(self.updated_at),
            finished_at: self.finished_at.map(to_rfc3339),
        }
    }

    /// The event saving the job's progress appends: `contact.import.progress` while it runs,
    /// `contact.import.finished` once it finished or failed; its data is [`Self::view`].
    pub fn progress_event(&self) -> Event {
        let kind = match self.status {
            ImportStatus::Running => CONTACT_IMPORT_PROGRESS,
            ImportStatus::Finished | ImportStatus::Failed => CONTACT_IMPORT_FINISHED,
        };
        Event {
            seq: 0,
            cursor: String::new(),
            id: EventId::new(),
            kind: kind.to_string(),
            account_id: self.account_id,
            channel_id: None,
            chat: None,
            created_at: self.updated_at,
            data: serde_json::to_value(self.view()).unwrap_or_default(),
        }
    }
}
