//! List messages: a button opening up to ten rows in up to ten sections.

use serde::{Deserialize, Serialize};

use crate::message::error::{Check, MessageError, Obj, Unique, INVALID_PARAMETER};

/// Maximum list button label length, in characters.
pub const LIST_BUTTON_MAX: usize = 20;
/// Maximum number of sections.
pub const SECTIONS_MAX: usize = 10;
/// Maximum number of rows, across all sections.
pub const ROWS_MAX: usize = 10;
/// Maximum section title length, in characters.
pub const SECTION_TITLE_MAX: usize = 24;
/// Maximum row id length, in characters.
pub const ROW_ID_MAX: usize = 200;
/// Maximum row title length, in characters.
pub const ROW_TITLE_MAX: usize = 24;
/// Maximum row description length, in characters.
pub const ROW_DESCRIPTION_MAX: usize = 72;

/// The action of a `list` message: `{button, sections:[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListAction {
    /// The label of the button that opens the list, at most 20 characters.
    pub button: String,
    /// One to ten sections.
    pub sections: Vec<ListSection>,
}

/// A list section `{title?, rows:[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSection {
    /// At most 24 characters; required when there is more than one section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The rows of the section.
    pub rows: Vec<ListRow>,
}

/// A list row `{id, title, description?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    /// Returned in the webhook when picked; unique in the message, at most 200 characters.
    pub id: String,
    /// At most 24 characters.
    pub title: String,
    /// At most 72 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Parses the action of a `list` message.
pub(crate) fn parse(a: &Obj<'_>) -> Check<ListAction> {
    a.only(&["button", "sections"])?;
    let button = a.text(
        "button",
        LIST_BUTTON_MAX,
        "give the label of the button that opens the list",
    )?;
    let arr = a.arr("sections", "add at least one section with rows")?;
    arr.count(1, SECTIONS_MAX, "sections")?;
    let total: usize = arr
        .items()
        .iter()
        .filter_map(|s| s.get("rows").and_then(|r| r.as_array()).map(Vec::len))
        .sum();
    let several = arr.len() > 1;
    let mut ids = Unique::default();
    let mut seen = 0usize;
    let mut sections = Vec::with_capacity(arr.len());
    for s in arr.objects() {
        let s = s?;
        s.only(&["title", "rows"])?;
        let title = s.opt_text("title", SECTION_TITLE_MAX)?;
        if several && title.is_none() {
            return Err(s.missing(
                "title",
                "every section needs a title when there is more than one section",
            ));
        }
        let rows_arr = s.arr("rows", "add at least one row")?;
        rows_arr.count(1, ROWS_MAX, "rows per section")?;
        let mut rows = Vec::with_capacity(rows_arr.len());
        for r in rows_arr.objects() {
            let r = r?;
            seen += 1;
            if seen > ROWS_MAX {
                return Err(MessageError::exact(
                    INVALID_PARAMETER,
                    r.path(),
                    format!(
                        "{}: at most {ROWS_MAX} rows are allowed across all sections, got {total}; remove {} and any row after it",
                        arr.path(),
                        r.path()
                    ),
                ));
            }
            r.only(&["id", "title", "description"])?;
            let id = r.text("id", ROW_ID_MAX, "give the row an id")?;
            ids.check(&r.at_key("id"), &id, "row id")?;
            rows.push(ListRow {
                id,
                title: r.text("title", ROW_TITLE_MAX, "give the row a title")?,
                description: r.opt_text("description", ROW_DESCRIPTION_MAX)?,
            });
        }
        sections.push(ListSection { title, rows });
    }
    Ok(ListAction { button, sections })
}
