//! A create request as callers receive it (the API's JSON or multipart body, the console's
//! form), turned into a [`NewBroadcast`]: exactly one audience (the `audience` JSON or an
//! uploaded CSV already spooled and inspected) and a name of bounded length. Pasted numbers
//! (one per line) are read here too, so every caller refuses the same input the same way.

use serde_json::{json, Value};
use switchboard_core::address::Address;
use switchboard_core::channel::capability::AddressForm;
use switchboard_core::id::BroadcastId;

use super::audience::Audience;
use super::csv::CsvLayout;
use super::{BroadcastError, NewBroadcast};

/// Longest broadcast name, in characters.
pub const NAME_MAX: usize = 200;

/// What a caller asks for, before the audience is resolved.
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    /// A label.
    pub name: Option<String>,
    /// The Cloud API message object without `to`.
    pub message: Value,
    /// The JSON audience (`numbers`, `contact_ids` or `tags`); `None` with a CSV.
    pub audience: Option<Value>,
    /// When to start (RFC 3339 with an offset), if not at once.
    pub send_at: Option<Value>,
}

fn invalid_audience(message: impl Into<String>) -> BroadcastError {
    BroadcastError::Invalid {
        code: "invalid_audience",
        message: message.into(),
    }
}

/// The broadcast `id` of `request`, whose audience is either its `audience` or the CSV spooled
/// under `id` (its `csv` layout), never both nor neither.
pub fn new_broadcast(
    id: BroadcastId,
    request: CreateRequest,
    csv: Option<CsvLayout>,
) -> Result<NewBroadcast, BroadcastError> {
    let audience = match (csv, &request.audience) {
        (Some(_), Some(_)) => {
            return Err(invalid_audience(
                "give the audience either as the `csv` part or as `audience`, not both",
            ))
        }
        (Some(layout), None) => Audience::Csv {
            file: format!("{id}.csv"),
            layout,
        },
        (None, Some(value)) => Audience::from_request(value)?,
        (None, None) => {
            return Err(invalid_audience(
                "`audience` is required (numbers, contact_ids or tags), or upload a CSV as multipart/form-data",
            ))
        }
    };
    if request
        .name
        .as_ref()
        .is_some_and(|n| n.chars().count() > NAME_MAX)
    {
        return Err(BroadcastError::Invalid {
            code: "invalid_parameter",
            message: format!("`name` must be at most {NAME_MAX} characters"),
        });
    }
    Ok(NewBroadcast {
        id,
        name: request.name,
        message: request.message,
        audience,
        send_at: request.send_at,
    })
}

/// The `numbers` audience of `text`: one recipient per line (blank lines skipped), each an
/// address of the channel's `form` (for WhatsApp, a phone number in any usual writing); a
/// line that is none is refused, naming it.
pub fn pasted_numbers(text: &str, form: AddressForm) -> Result<Value, BroadcastError> {
    let mut numbers = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        Address::parse(form, &Value::String(line.to_string())).map_err(|e| {
            invalid_audience(format!(
                "line {}: `{line}` is not a recipient of this channel: {e}",
                i + 1
            ))
        })?;
        numbers.push(line.to_string());
    }
    if numbers.is_empty() {
        return Err(invalid_audience(
            "the audience is empty: paste at least one number, one per line",
        ));
    }
    Ok(json!({ "numbers": numbers }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_audience_and_a_bounded_name() {
        let layout = CsvLayout {
            columns: vec!["phone".into()],
            phone: 0,
            name: None,
            data_offset: 6,
            rows: 2,
        };
        let id = BroadcastId::new();
        let both = CreateRequest {
            audience: Some(json!({"numbers": ["15550001"]})),
            ..CreateRequest::default()
        };
        let refused = new_broadcast(id, both.clone(), Some(layout.clone()));
        assert!(matches!(
            refused,
            Err(BroadcastError::Invalid {
                code: "invalid_audience",
                ..
            })
        ));
        let none = new_broadcast(id, CreateRequest::default(), None);
        assert!(matches!(
            none,
            Err(BroadcastError::Invalid {
                code: "invalid_audience",
                ..
            })
        ));
        let csv = new_broadcast(id, CreateRequest::default(), Some(layout)).unwrap();
        assert!(
            matches!(csv.audience, Audience::Csv { ref file, .. } if *file == format!("{id}.csv"))
        );
        let long = CreateRequest {
            name: Some("x".repeat(NAME_MAX + 1)),
            ..both
        };
        assert!(new_broadcast(id, long, None).is_err());
    }

    #[test]
    fn pasted_numbers_are_one_per_line_and_refused_by_line() {
        let ok = pasted_numbers("+1 555 000 0001\n\n  15550000002 \n", AddressForm::WaId).unwrap();
        assert_eq!(ok, json!({"numbers": ["+1 555 000 0001", "15550000002"]}));
        let bad = pasted_numbers("15550000001\nnot a number", AddressForm::WaId).unwrap_err();
        assert!(bad.to_string().contains("line 2"), "{bad}");
        assert!(pasted_numbers(" \n", AddressForm::WaId).is_err());
    }
}
