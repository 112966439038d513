//! CSV export: the account's contacts (optionally by tag) read page by page from the store
//! and written as CSV chunks, so memory stays constant whatever the number of contacts.
//!
//! Columns: `phone` (WhatsApp id), `name`, `tags` (`;`-separated), `opted_out` (`true` or
//! `false`), `custom_fields` (a JSON object, empty when there are none) — the import format,
//! so an export imports back unchanged.

use std::sync::Arc;

use bytes::Bytes;
use futures::Stream;
use switchboard_core::id::AccountId;
use switchboard_store::bot::ContactRecord;
use switchboard_store::contacts::ContactFilter;
use switchboard_store::{PageRequest, Store};

/// Contacts read per page.
pub const EXPORT_PAGE: u32 = 500;

/// The header line's columns.
pub const EXPORT_COLUMNS: [&str; 5] = ["phone", "name", "tags", "opted_out", "custom_fields"];

fn write_rows(rows: &[ContactRecord], header: bool) -> Result<Bytes, std::io::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if header {
        w.write_record(EXPORT_COLUMNS)?;
    }
    for c in rows {
        let fields = if c.custom_fields.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&c.custom_fields)?
        };
        w.write_record([
            c.wa_id.as_str(),
            c.name.as_deref().unwrap_or(""),
            &c.tags.join(";"),
            if c.opted_out_at.is_some() {
                "true"
            } else {
                "false"
            },
            &fields,
        ])?;
    }
    w.into_inner()
        .map(Bytes::from)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

struct Cursor {
    after: Option<String>,
    started: bool,
    done: bool,
}

/// The CSV of the account's contacts matching `filter`, one chunk per page.
pub fn csv_stream(
    store: Arc<dyn Store>,
    account: AccountId,
    filter: ContactFilter,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let start = Cursor {
        after: None,
        started: false,
        done: false,
    };
    futures::stream::unfold(start, move |mut cur| {
        let store = store.clone();
        let filter = filter.clone();
        async move {
            if cur.done {
                return None;
            }
            let page = store
                .list_contacts(
                    account,
                    &filter,
                    &PageRequest {
                        after: cur.after.take(),
                        limit: Some(EXPORT_PAGE),
                    },
                )
                .await;
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    cur.done = true;
                    return Some((Err(std::io::Error::other(e.to_string())), cur));
                }
            };
            let chunk = write_rows(&page.items, !cur.started);
            cur.started = true;
            cur.after = page.next;
            cur.done = cur.after.is_none();
            Some((chunk, cur))
        }
    })
}
