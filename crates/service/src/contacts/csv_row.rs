//! The contacts CSV format: a header naming the columns, then one contact per record.
//!
//! Columns (any order, names case-insensitive): `phone` (required), `name`, `tags`
//! (`;`-separated), `opted_out` (`true`/`false`, `yes`/`no`, `1`/`0`, empty = unchanged),
//! `custom_fields` (a JSON object, as export writes it); every other column is a custom field
//! whose value is the cell's text (empty cells are ignored).

use csv::StringRecord;
use serde_json::{Map, Value};
use switchboard_store::contacts::{ImportRow, ImportRowError};

use super::{custom_fields, name, phone, tags};

/// What each column of a file means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// `phone`
    Phone,
    /// `name`
    Name,
    /// `tags`
    Tags,
    /// `opted_out`
    OptedOut,
    /// `custom_fields` (JSON object)
    CustomFields,
    /// Any other column: a custom field of that name.
    Field(String),
}

/// Reads the header; refuses a file without a `phone` column or with a column twice.
pub fn columns(header: &StringRecord) -> Result<Vec<Column>, String> {
    let mut out = Vec::with_capacity(header.len());
    for raw in header {
        let name = raw.trim().trim_start_matches('\u{feff}').trim();
        let col = match name.to_ascii_lowercase().as_str() {
            "phone" => Column::Phone,
            "name" => Column::Name,
            "tags" => Column::Tags,
            "opted_out" => Column::OptedOut,
            "custom_fields" => Column::CustomFields,
            "" => return Err("the header has an empty column name: name every column".into()),
            _ => Column::Field(name.to_string()),
        };
        if out.contains(&col) {
            return Err(format!("the header names column `{name}` twice"));
        }
        out.push(col);
    }
    if !out.contains(&Column::Phone) {
        return Err(
            "the header has no `phone` column: the first line must name the columns, e.g. phone,name,tags"
                .into(),
        );
    }
    Ok(out)
}

fn row_error(line: u64, code: &str, message: impl Into<String>) -> ImportRowError {
    ImportRowError {
        line,
        code: code.to_string(),
        message: message.into(),
    }
}

fn flag(text: &str) -> Result<Option<bool>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "1" => Ok(Some(true)),
        "false" | "no" | "0" => Ok(Some(false)),
        other => Err(format!(
            "opted_out: `{other}` is not true/false, yes/no or 1/0"
        )),
    }
}

/// Parses one record (on `line` of the file) into a row, or says what is wrong with it.
pub fn parse_record(
    columns: &[Column],
    record: &StringRecord,
    line: u64,
) -> Result<ImportRow, ImportRowError> {
    let mut row = ImportRow::default();
    let mut fields = Map::new();
    let mut phone_text = None;
    for (col, cell) in columns.iter().zip(record.iter()) {
        match col {
            Column::Phone => phone_text = Some(cell),
            Column::Name => {
                row.name = name(cell).map_err(|e| row_error(line, "invalid_row", e.to_string()))?
            }
            Column::Tags => {
                let list: Vec<String> = cell
                    .split(';')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect();
                row.tags = tags("tags", &list)
                    .map_err(|e| row_error(line, "invalid_row", e.to_string()))?;
            }
            Column::OptedOut => {
                row.opted_out = flag(cell).map_err(|m| row_error(line, "invalid_row", m))?
            }
            Column::CustomFields => {
                if !cell.trim().is_empty() {
                    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(cell) else {
                        return Err(row_error(
                            line,
                            "invalid_row",
                            "custom_fields: the cell must be a JSON object, e.g. {\"city\":\"Harare\"}",
                        ));
                    };
                    fields.extend(map);
                }
            }
            Column::Field(key) => {
                if !cell.trim().is_empty() {
                    fields.insert(key.clone(), Value::String(cell.trim().to_string()));
                }
            }
        }
    }
    let Some(text) = phone_text.filter(|t| !t.trim().is_empty()) else {
        return Err(row_error(line, "missing_phone", "the phone cell is empty"));
    };
    row.wa_id = phone(text).map_err(|e| match e {
        crate::ServiceError::Invalid { message, .. } => row_error(line, "invalid_phone", message),
        other => row_error(line, "invalid_phone", other.to_string()),
    })?;
    custom_fields(&fields).map_err(|e| row_error(line, "invalid_row", e.to_string()))?;
    row.custom_fields = fields;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_and_reports_bad_ones() {
        let cols = columns(&StringRecord::from(vec!["Phone", "name", "tags", "city"])).unwrap();
        let row = parse_record(
            &cols,
            &StringRecord::from(vec!["+263 77 100 0001", " Ann ", "a; b;", "Harare"]),
            2,
        )
        .unwrap();
        assert_eq!(row.wa_id, "263771000001");
        assert_eq!(row.name.as_deref(), Some("Ann"));
        assert_eq!(row.tags, vec!["a", "b"]);
        assert_eq!(row.custom_fields["city"], "Harare");
        let bad = parse_record(&cols, &StringRecord::from(vec!["abc", "x"]), 3).unwrap_err();
        assert_eq!((bad.line, bad.code.as_str()), (3, "invalid_phone"));
        let empty = parse_record(&cols, &StringRecord::from(vec![""]), 4).unwrap_err();
        assert_eq!(empty.code, "missing_phone");
        assert!(columns(&StringRecord::from(vec!["name"])).is_err());
        assert!(columns(&StringRecord::from(vec!["phone", "PHONE"])).is_err());
    }
}
