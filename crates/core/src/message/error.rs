//! Validation errors and Meta's Graph API error envelope.

use serde::{Deserialize, Serialize};

use crate::json_reader::{self, Path, Report};

/// Meta's code 100: invalid parameter (unknown field, wrong JSON type, over a limit).
pub const INVALID_PARAMETER: u32 = 100;
/// Meta's code 131008: a required parameter is missing.
pub const MISSING_PARAMETER: u32 = 131008;
/// Meta's code 131009: a parameter's value is not valid (bad enum value, format, range).
pub const INVALID_VALUE: u32 = 131009;
/// Meta's code 131051: unsupported message type.
pub const UNSUPPORTED_TYPE: u32 = 131051;

/// Meta's short title for a validation code, as used in `(#code) title`.
pub fn title_for(code: u32) -> &'static str {
    match code {
        INVALID_PARAMETER => "Invalid parameter",
        MISSING_PARAMETER => "Required parameter is missing",
        INVALID_VALUE => "Parameter value is not valid",
        UNSUPPORTED_TYPE => "Unsupported message type",
        _ => "Invalid request",
    }
}

/// A validation failure, carrying Meta's error code and the JSON path at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("(#{code}) {message}: {details}")]
pub struct MessageError {
    /// Meta's error code (100 invalid parameter, 131008 missing parameter, 131009 bad value,
    /// 131051 unsupported type).
    pub code: u32,
    /// Meta's short title for the code, e.g. `Invalid parameter`.
    pub message: String,
    /// What is wrong and how to fix it, naming the JSON path of the offending field.
    pub details: String,
    /// JSON path of the offending field, e.g. `interactive.action.buttons[3]`; empty for the
    /// whole body.
    pub path: String,
}

impl MessageError {
    /// Builds an error for `path`; `details` is prefixed with the path when it does not
    /// already name it.
    pub fn new(code: u32, path: impl Into<String>, details: impl Into<String>) -> Self {
        let path = path.into();
        let details = details.into();
        let shown = if path.is_empty() {
            "request body"
        } else {
            path.as_str()
        };
        let names_path = details
            .strip_prefix(shown)
            .is_some_and(|rest| rest.starts_with([':', ' ', '.', '[']));
        let details = if names_path {
            details
        } else {
            format!("{shown}: {details}")
        };
        Self {
            code,
            message: title_for(code).to_string(),
            details,
            path,
        }
    }

    /// Builds an error whose `details` are used as given (they must name the path or its
    /// parent themselves).
    pub fn exact(code: u32, path: impl Into<String>, details: impl Into<String>) -> Self {
        Self {
            code,
            message: title_for(code).to_string(),
            details: details.into(),
            path: path.into(),
        }
    }

    /// Code 100: invalid parameter.
    pub fn invalid(path: impl Into<String>, details: impl Into<String>) -> Self {
        Self::new(INVALID_PARAMETER, path, details)
    }

    /// Code 131008: required parameter missing.
    pub fn missing(path: impl Into<String>, details: impl Into<String>) -> Self {
        Self::new(MISSING_PARAMETER, path, details)
    }

    /// Code 131009: parameter value not valid.
    pub fn bad_value(path: impl Into<String>, details: impl Into<String>) -> Self {
        Self::new(INVALID_VALUE, path, details)
    }

    /// Code 131051: unsupported message type.
    pub fn unsupported(path: impl Into<String>, details: impl Into<String>) -> Self {
        Self::new(UNSUPPORTED_TYPE, path, details)
    }

    /// Meta's error envelope for this error, traced by `trace_id`.
    pub fn to_meta(&self, trace_id: impl Into<String>) -> MetaErrorBody {
        MetaErrorBody::new(self.code, &self.message, self.details.clone(), trace_id)
    }
}

/// The message parser's sentences; each method calls the inherent constructor of the same
/// name, which carries Meta's code.
impl Report for MessageError {
    const REFUSES_BLANK: bool = false;
    const BOOLEAN: &'static str = "a boolean";

    fn invalid(path: &Path, details: String) -> Self {
        Self::invalid(path, details)
    }

    fn bad_value(path: &Path, details: String) -> Self {
        Self::bad_value(path, details)
    }

    fn missing(path: &Path, hint: &str) -> Self {
        Self::missing(path, format!("{path} is required; {hint}"))
    }

    fn too_many(array: &Path, max: usize, n: usize, noun: &str) -> Self {
        let extra = array.index(max);
        Self::exact(
            INVALID_PARAMETER,
            &extra,
            format!("{array}: at most {max} {noun} are allowed, got {n}; remove {extra} and any after it"),
        )
    }
}

/// Result of a step of the message parser.
pub(crate) type Check<T> = Result<T, MessageError>;
/// A JSON object of a message being read.
pub(crate) type Obj<'a> = json_reader::Obj<'a, MessageError>;
/// A JSON array of a message being read.
pub(crate) type Arr<'a> = json_reader::Arr<'a, MessageError>;
/// Values that must be unique within an array of a message (131009 on a repeat).
pub(crate) type Unique = json_reader::Unique<MessageError>;

/// Meta's error envelope: `{"error":{message,type,code,error_data{messaging_product,details},fbtrace_id}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaErrorBody {
    /// The error object.
    pub error: MetaError,
}

/// The inner error object of [`MetaErrorBody`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaError {
    /// `(#code) title`.
    pub message: String,
    /// Always `OAuthException` for Graph errors.
    #[serde(rename = "type")]
    pub kind: String,
    /// Meta's numeric code.
    pub code: u32,
    /// Meta's `error_subcode`, where it gives one (the Messenger and Instagram window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_subcode: Option<u32>,
    /// `{messaging_product, details}`.
    pub error_data: MetaErrorData,
    /// Opaque trace id (our request id).
    pub fbtrace_id: String,
}

/// Extra data of a [`MetaError`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaErrorData {
    /// Always `whatsapp`.
    pub messaging_product: String,
    /// Human explanation naming the field path.
    pub details: String,
}

impl MetaErrorBody {
    /// Builds the envelope for `code` with `title` and `details`, traced by `trace_id`.
    pub fn new(
        code: u32,
        title: &str,
        details: impl Into<String>,
        trace_id: impl Into<String>,
    ) -> Self {
        Self {
            error: MetaError {
                message: format!("(#{code}) {title}"),
                kind: "OAuthException".to_string(),
                code,
                error_subcode: None,
                error_data: MetaErrorData {
                    messaging_product: "whatsapp".to_string(),
                    details: details.into(),
                },
                fbtrace_id: trace_id.into(),
            },
        }
    }
}

impl From<&MessageError> for MetaErrorBody {
    fn from(e: &MessageError) -> Self {
        e.to_meta(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_name_the_path() {
        let e = MessageError::invalid("text.body", "must be a string, got a number");
        assert_eq!(e.details, "text.body: must be a string, got a number");
        assert_eq!(e.message, "Invalid parameter");
        let e = MessageError::missing("", "must be a JSON object");
        assert_eq!(e.details, "request body: must be a JSON object");
        let e = MessageError::bad_value("to", "to is not valid");
        assert_eq!(e.details, "to is not valid");
        let e = MessageError::bad_value("to", "too short");
        assert_eq!(e.details, "to: too short");
    }

    #[test]
    fn envelope_matches_meta() {
        let e = MessageError::missing("to", "is required");
        let body = serde_json::to_value(e.to_meta("trace-1")).expect("serializes");
        assert_eq!(
            body,
            serde_json::json!({"error": {
                "message": "(#131008) Required parameter is missing",
                "type": "OAuthException",
                "code": 131008,
                "error_data": {"messaging_product": "whatsapp", "details": "to: is required"},
                "fbtrace_id": "trace-1"
            }})
        );
    }
}
