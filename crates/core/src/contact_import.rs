//! The public form of a contact import job: the answer of `GET /v1/contacts/imports/{id}`
//! and the data of the `contact.import.*` events.

use serde::{Deserialize, Serialize};

/// One refused row of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportErrorView {
    /// Line of the file (the header is line 1).
    pub line: u64,
    /// `invalid_phone`, `missing_phone`, `invalid_row` or `invalid_encoding`.
    pub code: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// An import job and its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportView {
    /// `imp_…`
    pub id: String,
    /// `running`, `finished` or `failed`.
    pub status: String,
    /// `upsert` or `skip`.
    pub mode: String,
    /// Data rows in the file.
    pub total: u64,
    /// Rows processed so far.
    pub processed: u64,
    /// Contacts created.
    pub created: u64,
    /// Contacts updated.
    pub updated: u64,
    /// Rows whose contact existed and was left alone (mode `skip`, or nothing new).
    pub skipped: u64,
    /// Rows refused.
    pub failed: u64,
    /// The first 100 refused rows.
    pub errors: Vec<ImportErrorView>,
    /// Why the job failed, if it did.
    pub reason: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last progress (RFC 3339).
    pub updated_at: String,
    /// When it finished or failed (RFC 3339).
    pub finished_at: Option<String>,
}
