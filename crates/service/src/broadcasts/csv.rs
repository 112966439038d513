//! CSV audiences: a header row naming a `phone` column (or `wa_id`, `number`, `to`), an
//! optional `name` column, and any other columns as custom fields
//! (`{{contact.custom.<column>}}`). Fields may be quoted (RFC 4180: `""` inside quotes is a
//! quote; quoted fields may hold commas and line breaks). The file is read in batches from a
//! byte offset, so a million rows never sit in memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;

use serde_json::{Map, Value};
use switchboard_core::broadcast::render::TargetFields;

/// Column names accepted for the number.
const PHONE_COLUMNS: &[&str] = &["phone", "wa_id", "number", "to", "phone_number"];

/// A CSV file's layout, found when it is spooled.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvLayout {
    /// The header's columns, trimmed.
    pub columns: Vec<String>,
    /// Index of the number column.
    pub phone: usize,
    /// Index of the `name` column, if any.
    pub name: Option<usize>,
    /// Byte offset of the first data row.
    pub data_offset: u64,
    /// Data rows (blank lines not counted).
    pub rows: i64,
}

/// Reads one record (several lines when a quoted field holds line breaks); `None` at the end.
/// Returns the fields and the bytes consumed.
pub fn read_record(reader: &mut impl BufRead) -> std::io::Result<Option<(Vec<String>, u64)>> {
    let mut line = String::new();
    let mut consumed = 0u64;
    loop {
        let n = reader.read_line(&mut line)?;
        consumed += n as u64;
        if n == 0 {
            break;
        }
        if line.matches('"').count().is_multiple_of(2) {
            break;
        }
    }
    if consumed == 0 {
        return Ok(None);
    }
    let text = line.trim_end_matches(['\n', '\r']);
    Ok(Some((split_fields(text), consumed)))
}

fn split_fields(text: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut current)),
            (c, _) => current.push(c),
        }
    }
    fields.push(current);
    fields
}

fn is_blank(fields: &[String]) -> bool {
    fields.iter().all(|f| f.trim().is_empty())
}

/// Reads the header and counts the data rows of a spooled file.
pub fn inspect(path: &Path) -> Result<CsvLayout, String> {
    let file = File::open(path).map_err(|e| format!("the CSV could not be read: {e}"))?;
    let mut reader = BufReader::new(file);
    let Some((header, header_len)) =
        read_record(&mut reader).map_err(|e| format!("the CSV could not be read: {e}"))?
    else {
        return Err(
            "the CSV is empty: send a header row (e.g. `phone,name`) and one row per target".into(),
        );
    };
    let columns: Vec<String> = header
        .iter()
        .map(|c| c.trim().trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let find = |names: &[&str]| {
        columns
            .iter()
            .position(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
    };
    let phone = find(PHONE_COLUMNS).ok_or_else(|| {
        format!(
            "the CSV header has no number column: name one of {} (found: {})",
            PHONE_COLUMNS.join(", "),
            columns.join(", ")
        )
    })?;
    let name = find(&["name"]);
    let mut rows = 0i64;
    while let Some((fields, _)) =
        read_record(&mut reader).map_err(|e| format!("the CSV could not be read: {e}"))?
    {
        if !is_blank(&fields) {
            rows += 1;
        }
    }
    Ok(CsvLayout {
        columns,
        phone,
        name,
        data_offset: header_len,
        rows,
    })
}

/// One target read from the file.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvTarget {
    /// The number as written.
    pub phone: String,
    /// Placeholder values.
    pub fields: TargetFields,
}

/// Reads up to `limit` data rows starting at byte `offset`; returns them and the offset after
/// them (equal to the file's end when it is exhausted, with `done`).
pub fn read_batch(
    path: &Path,
    layout: &CsvLayout,
    offset: u64,
    limit: usize,
) -> std::io::Result<(Vec<CsvTarget>, u64, bool)> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut reader = BufReader::new(file);
    let mut out = Vec::with_capacity(limit);
    let mut position = offset;
    while out.len() < limit {
        let Some((fields, used)) = read_record(&mut reader)? else {
            return Ok((out, position, true));
        };
        position += used;
        if is_blank(&fields) {
            continue;
        }
        let mut custom = Map::new();
        for (i, value) in fields.iter().enumerate() {
            if i == layout.phone || Some(i) == layout.name {
                continue;
            }
            if let Some(column) = layout.columns.get(i).filter(|c| !c.is_empty()) {
                custom.insert(column.clone(), Value::String(value.trim().to_string()));
            }
        }
        out.push(CsvTarget {
            phone: fields
                .get(layout.phone)
                .map(|p| p.trim().to_string())
                .unwrap_or_default(),
            fields: TargetFields {
                name: layout
                    .name
                    .and_then(|i| fields.get(i))
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty()),
                custom,
            },
        });
    }
    // Peek whether anything but blank lines is left.
    let mut rest = String::new();
    loop {
        rest.clear();
        let n = reader.read_line(&mut rest)?;
        if n == 0 {
            return Ok((out, position, true));
        }
        if !rest.trim().is_empty() {
            return Ok((out, position, false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn splits_quoted_fields() {
        assert_eq!(
            split_fields(r#"15551230001,"Doe, Jane","say ""hi""""#),
            vec!["15551230001", "Doe, Jane", r#"say "hi""#]
        );
    }

    #[test]
    fn reads_in_batches_from_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        let mut f = File::create(&path).unwrap();
        write!(
            f,
            "Phone,Name,City\r\n15551230001,Ana,Lisbon\r\n\r\n15551230002,\"Bo\nB\",Porto\n15551230003,,Faro\n"
        )
        .unwrap();
        drop(f);
        let layout = inspect(&path).unwrap();
        assert_eq!(layout.rows, 3);
        assert_eq!((layout.phone, layout.name), (0, Some(1)));
        let (first, offset, done) = read_batch(&path, &layout, layout.data_offset, 2).unwrap();
        assert!(!done);
        assert_eq!(first[0].phone, "15551230001");
        assert_eq!(first[0].fields.custom["City"], "Lisbon");
        assert_eq!(first[1].fields.name.as_deref(), Some("Bo\nB"));
        let (rest, _, done) = read_batch(&path, &layout, offset, 2).unwrap();
        assert!(done);
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].fields.name, None);
    }

    #[test]
    fn refuses_a_header_without_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.csv");
        std::fs::write(&path, "name\nAna\n").unwrap();
        assert!(inspect(&path).unwrap_err().contains("number column"));
        std::fs::write(&path, "").unwrap();
        assert!(inspect(&path).unwrap_err().contains("empty"));
    }
}
