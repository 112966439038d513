//! Contacts: validation of names, tags and custom fields, resolving a contact by id or
//! phone, a page of contacts with their last inbound time per channel, and CSV import and
//! export (`import`, `export`).

pub mod csv_row;
pub mod export;
pub mod import;
pub mod manage;

use serde_json::{Map, Value};
use switchboard_core::id::{AccountId, ContactId};
use switchboard_core::recipient::parse_recipient;
use switchboard_store::bot::ContactRecord;
use switchboard_store::contacts::{ContactFilter, ContactKey, ContactWithActivity};
use switchboard_store::{Store, StoreResult};

use crate::{ServiceError, ServiceResult};

/// Longest name, in characters.
pub const NAME_MAX: usize = 256;
/// Longest tag, in characters.
pub const TAG_MAX: usize = 64;
/// Most tags on one contact.
pub const TAGS_MAX: usize = 50;
/// Most custom fields on one contact.
pub const FIELDS_MAX: usize = 50;
/// Longest custom field name, in characters.
pub const FIELD_NAME_MAX: usize = 64;
/// Largest custom fields object, as JSON bytes.
pub const FIELDS_BYTES_MAX: usize = 16 * 1024;
/// Column names of the CSV format; not usable as custom field names.
pub const RESERVED_COLUMNS: [&str; 5] = ["phone", "name", "tags", "opted_out", "custom_fields"];

/// Resolves a path segment: a contact id (`ct_…`) or a phone number / WhatsApp id.
pub fn contact_key(text: &str) -> ServiceResult<ContactKey> {
    if text.starts_with("ct_") {
        return text.parse::<ContactId>().map(ContactKey::Id).map_err(|e| {
            ServiceError::invalid("id", format!("`{text}` is not a contact id: {e}"))
        });
    }
    parse_recipient(text)
        .map(|wa| ContactKey::WaId(wa.into_string()))
        .map_err(|e| {
            ServiceError::invalid(
                "id",
                format!("give a contact id (ct_…) or a phone number: {e}"),
            )
        })
}

/// The filter of a contact search: `q` (a phone prefix or part of the name; blank means
/// none), `tag` (comma-separated: any of them) and the opt-out state.
pub fn filter(q: Option<&str>, tag: Option<&str>, opted_out: Option<bool>) -> ContactFilter {
    ContactFilter {
        q: q.filter(|q| !q.trim().is_empty()).map(str::to_string),
        tags: tag
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        opted_out,
    }
}

/// Normalizes a phone number to its WhatsApp id.
pub fn phone(text: &str) -> ServiceResult<String> {
    parse_recipient(text)
        .map(|wa| wa.into_string())
        .map_err(|e| ServiceError::invalid("phone", e.to_string()))
}

/// A trimmed name; empty means none.
pub fn name(text: &str) -> ServiceResult<Option<String>> {
    let t = text.trim();
    if t.chars().count() > NAME_MAX {
        return Err(ServiceError::invalid(
            "name",
            format!("`name` must be at most {NAME_MAX} characters"),
        ));
    }
    Ok((!t.is_empty()).then(|| t.to_string()))
}

/// Trimmed, non-empty tags without `;` (the CSV separator), deduplicated in order.
pub fn tags(field: &str, list: &[String]) -> ServiceResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in list {
        let t = t.trim();
        if t.is_empty() || t.chars().count() > TAG_MAX || t.contains(';') {
            return Err(ServiceError::invalid(
                field,
                format!("`{field}`: each tag must be 1 to {TAG_MAX} characters without `;`"),
            ));
        }
        if !out.iter().any(|x| x == t) {
            out.push(t.to_string());
        }
    }
    if out.len() > TAGS_MAX {
        return Err(ServiceError::invalid(
            field,
            format!("`{field}`: at most {TAGS_MAX} tags"),
        ));
    }
    Ok(out)
}

/// Checks custom field names (1–64 characters, not a CSV column name) and the object's size.
pub fn custom_fields(fields: &Map<String, Value>) -> ServiceResult<()> {
    for k in fields.keys() {
        let lower = k.trim().to_ascii_lowercase();
        if k.trim().is_empty()
            || k.chars().count() > FIELD_NAME_MAX
            || RESERVED_COLUMNS.contains(&lower.as_str())
        {
            return Err(ServiceError::invalid(
                "custom_fields",
                format!(
                    "custom field name `{k}`: 1 to {FIELD_NAME_MAX} characters, and not one of {}",
                    RESERVED_COLUMNS.join(", ")
                ),
            ));
        }
    }
    check_fields_size(fields)
}

/// Checks a contact's custom fields after a merge: at most 50, at most 16 KiB of JSON.
pub fn check_fields_size(fields: &Map<String, Value>) -> ServiceResult<()> {
    if fields.len() > FIELDS_MAX {
        return Err(ServiceError::invalid(
            "custom_fields",
            format!("a contact has at most {FIELDS_MAX} custom fields"),
        ));
    }
    let bytes = serde_json::to_vec(fields).map(|v| v.len()).unwrap_or(0);
    if bytes > FIELDS_BYTES_MAX {
        return Err(ServiceError::invalid(
            "custom_fields",
            format!("custom fields are at most {FIELDS_BYTES_MAX} bytes of JSON"),
        ));
    }
    Ok(())
}

/// Adds each contact's last inbound time per channel (one query for the whole page).
pub async fn with_activity(
    store: &dyn Store,
    account: AccountId,
    contacts: Vec<ContactRecord>,
) -> StoreResult<Vec<ContactWithActivity>> {
    let ids: Vec<String> = contacts.iter().map(|c| c.wa_id.clone()).collect();
    let seen = store.last_inbound_by_contact(account, &ids).await?;
    Ok(contacts
        .into_iter()
        .map(|contact| {
            let last_inbound = seen
                .iter()
                .filter(|(wa, _, _)| *wa == contact.wa_id)
                .map(|(_, ch, at)| (*ch, *at))
                .collect();
            ContactWithActivity {
                contact,
                last_inbound,
            }
        })
        .collect())
}
