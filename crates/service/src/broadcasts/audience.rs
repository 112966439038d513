//! Audiences: a list of numbers (each optionally with a name and fields), contact ids, tags
//! (contacts having any of them), or an uploaded CSV spooled to a file. The size is resolved
//! at creation (credits are reserved for it); targets are materialized later in batches from
//! a cursor: an index into the list, the last contact id, or a byte offset into the CSV.

use std::path::{Path, PathBuf};
use switchboard_core::channel::capability::AddressForm;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use switchboard_core::broadcast::render::TargetFields;
use switchboard_core::broadcast::BroadcastRecord;
use switchboard_core::id::{AccountId, ContactId};
use switchboard_core::recipient::parse_recipient;
use switchboard_store::broadcasts::{ContactAudience, NewTarget};
use switchboard_store::{Store, StoreError};

use super::csv::{read_batch, CsvLayout};

/// Most tags or contact ids in one audience.
const MAX_KEYS: usize = 10_000;

/// Why an audience is refused.
#[derive(Debug, thiserror::Error)]
pub enum AudienceError {
    /// Invalid; says what to fix.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One entry of a numbers audience.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumberEntry {
    /// The number (any format `to` accepts).
    pub phone: String,
    /// Name for `{{contact.name}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Values for `{{contact.custom.KEY}}`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub fields: Map<String, Value>,
}

/// A broadcast's audience.
#[derive(Debug, Clone, PartialEq)]
pub enum Audience {
    /// These numbers.
    Numbers(Vec<NumberEntry>),
    /// These contacts of the account.
    ContactIds(Vec<ContactId>),
    /// The account's contacts with any of these tags.
    Tags(Vec<String>),
    /// A spooled CSV file (its name in the spool folder) and its layout.
    Csv {
        /// File name inside the spool folder.
        file: String,
        /// Header and row count.
        layout: CsvLayout,
    },
}

fn invalid(message: impl Into<String>) -> AudienceError {
    AudienceError::Invalid(message.into())
}

impl Audience {
    /// Parses the JSON `audience`: exactly one of `numbers` (strings or `{phone, name,
    /// fields}` objects), `contact_ids` or `tags`.
    pub fn from_request(value: &Value) -> Result<Audience, AudienceError> {
        let Some(object) = value.as_object() else {
            return Err(invalid("`audience` must be an object with one of `numbers`, `contact_ids` or `tags` (or upload a CSV as multipart/form-data)"));
        };
        if object.len() != 1 {
            return Err(invalid(format!(
                "`audience` must have exactly one of `numbers`, `contact_ids` or `tags`; found {}",
                if object.is_empty() {
                    "none".to_string()
                } else {
                    object.keys().cloned().collect::<Vec<_>>().join(", ")
                }
            )));
        }
        let (key, list) = object
            .iter()
            .next()
            .ok_or_else(|| invalid("empty audience"))?;
        let Some(items) = list.as_array() else {
            return Err(invalid(format!("`audience.{key}` must be an array")));
        };
        match key.as_str() {
            "numbers" => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(match item {
                        Value::String(phone) => NumberEntry {
                            phone: phone.clone(),
                            name: None,
                            fields: Map::new(),
                        },
                        Value::Object(_) => serde_json::from_value(item.clone()).map_err(|e| {
                            invalid(format!("`audience.numbers[{i}]`: {e}; give a string or {{\"phone\": …, \"name\": …, \"fields\": {{…}}}}"))
                        })?,
                        _ => return Err(invalid(format!("`audience.numbers[{i}]` must be a string or an object with `phone`"))),
                    });
                }
                Ok(Audience::Numbers(out))
            }
            "contact_ids" | "tags" => {
                if items.len() > MAX_KEYS {
                    return Err(invalid(format!("`audience.{key}` has more than {MAX_KEYS} entries")));
                }
                let mut texts = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let text = item
                        .as_str()
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .ok_or_else(|| invalid(format!("`audience.{key}[{i}]` must be a non-empty string")))?;
                    texts.push(text.to_string());
                }
                if key == "tags" {
                    return Ok(Audience::Tags(texts));
                }
                let ids = texts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        t.parse::<ContactId>().map_err(|e| invalid(format!("`audience.contact_ids[{i}]`: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Audience::ContactIds(ids))
            }
            other => Err(invalid(format!(
                "unknown audience `{other}`: use `numbers`, `contact_ids` or `tags` (or upload a CSV as multipart/form-data)"
            ))),
        }
    }

    /// The JSON stored with the broadcast (and read back by [`Audience::from_stored`]).
    pub fn to_json(&self) -> Value {
        match self {
            Audience::Numbers(list) => json!({ "numbers": list }),
            Audience::ContactIds(ids) => {
                json!({ "contact_ids": ids.iter().map(ToString::to_string).collect::<Vec<_>>() })
            }
            Audience::Tags(tags) => json!({ "tags": tags }),
            Audience::Csv { file, layout } => json!({ "csv": {
                "file": file,
                "columns": layout.columns,
                "phone": layout.phone,
                "name": layout.name,
                "data_offset": layout.data_offset,
                "rows": layout.rows,
            }}),
        }
    }

    /// Reads the stored JSON back.
    pub fn from_stored(value: &Value) -> Result<Audience, String> {
        if let Some(csv) = value.get("csv") {
            let layout = CsvLayout {
                columns: serde_json::from_value(csv["columns"].clone())
                    .map_err(|e| e.to_string())?,
                phone: csv["phone"].as_u64().ok_or("csv.phone")? as usize,
                name: csv["name"].as_u64().map(|n| n as usize),
                data_offset: csv["data_offset"].as_u64().ok_or("csv.data_offset")?,
                rows: csv["rows"].as_i64().ok_or("csv.rows")?,
            };
            let file = csv["file"].as_str().ok_or("csv.file")?.to_string();
            return Ok(Audience::Csv { file, layout });
        }
        Audience::from_request(value).map_err(|e| e.to_string())
    }

    fn contact_audience(&self) -> Option<ContactAudience> {
        match self {
            Audience::ContactIds(ids) => Some(ContactAudience::Ids(ids.clone())),
            Audience::Tags(tags) => Some(ContactAudience::Tags(tags.clone())),
            _ => None,
        }
    }

    /// The number of targets (before duplicates are dropped).
    pub async fn size(&self, store: &dyn Store, account: AccountId) -> Result<i64, AudienceError> {
        match self {
            Audience::Numbers(list) => Ok(list.len() as i64),
            Audience::Csv { layout, .. } => Ok(layout.rows),
            other => match other.contact_audience() {
                Some(query) => Ok(store.count_audience(account, &query).await?),
                None => Ok(0),
            },
        }
    }
}

/// The target's address in the channel's address `form`: a WhatsApp number normalized when
/// it parses, else as given (the feeder fails it with the reason); other platforms' ids
/// (Telegram chat ids, PSIDs, IGSIDs) as given, trimmed.
pub fn target_number(input: &str, form: AddressForm) -> String {
    match form {
        AddressForm::WaId | AddressForm::WaIdOrGroup => parse_recipient(input)
            .map(String::from)
            .unwrap_or_else(|_| input.trim().to_string()),
        _ => input.trim().to_string(),
    }
}

/// The next batch of targets of `b` after its cursor: the targets, the new cursor and whether
/// the audience is exhausted.
pub async fn next_batch(
    store: &dyn Store,
    spool_dir: &Path,
    b: &BroadcastRecord,
    form: AddressForm,
    limit: u32,
) -> Result<(Vec<NewTarget>, String, bool), String> {
    let audience = Audience::from_stored(&b.audience)?;
    let cursor = b.audience_cursor.as_deref();
    match audience {
        Audience::Numbers(list) => {
            let start = cursor.and_then(|c| c.parse::<usize>().ok()).unwrap_or(0);
            let end = (start + limit as usize).min(list.len());
            let targets = list[start.min(end)..end]
                .iter()
                .map(|n| NewTarget {
                    wa_id: target_number(&n.phone, form),
                    fields: TargetFields {
                        name: n.name.clone(),
                        custom: n.fields.clone(),
                    }
                    .to_json(),
                })
                .collect();
            Ok((targets, end.to_string(), end >= list.len()))
        }
        Audience::Csv { file, layout } => {
            let path: PathBuf = spool_dir.join(&file);
            let offset = cursor
                .and_then(|c| c.parse::<u64>().ok())
                .unwrap_or(layout.data_offset);
            let limit = limit as usize;
            let read =
                tokio::task::spawn_blocking(move || read_batch(&path, &layout, offset, limit))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| format!("the spooled CSV {file} could not be read: {e}"))?;
            let (rows, next, done) = read;
            let targets = rows
                .into_iter()
                .map(|r| NewTarget {
                    wa_id: target_number(&r.phone, form),
                    fields: r.fields.to_json(),
                })
                .collect();
            Ok((targets, next.to_string(), done))
        }
        other => {
            let Some(query) = other.contact_audience() else {
                return Err("unknown audience".into());
            };
            let after = cursor.and_then(|c| c.parse::<ContactId>().ok());
            let contacts = store
                .audience_contacts(b.account_id, &query, after, limit)
                .await
                .map_err(|e| e.to_string())?;
            let done = contacts.len() < limit as usize;
            let next = contacts
                .last()
                .map(|c| c.id.to_string())
                .or_else(|| cursor.map(str::to_string))
                .unwrap_or_default();
            let targets = contacts
                .into_iter()
                .map(|c| NewTarget {
                    wa_id: c.wa_id,
                    fields: TargetFields {
                        name: c.name,
                        custom: c.custom_fields,
                    }
                    .to_json(),
                })
                .collect();
            Ok((targets, next, done))
        }
    }
}

/// The path a CSV of broadcast `id` is spooled to.
pub fn spool_path(spool_dir: &Path, file: &str) -> PathBuf {
    spool_dir.join(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_in_the_channel_address_form() {
        assert_eq!(
            target_number(" +1 (555) 123-0001 ", AddressForm::WaId),
            "15551230001"
        );
        assert_eq!(
            target_number("not a number", AddressForm::WaId),
            "not a number"
        );
        assert_eq!(
            target_number(" -1001234567 ", AddressForm::TelegramChat),
            "-1001234567"
        );
        assert_eq!(
            target_number("6123450040123456", AddressForm::Psid),
            "6123450040123456"
        );
    }
}
