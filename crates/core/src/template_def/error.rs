//! Errors of template definitions ([`TemplateError`]) and of template sends
//! ([`TemplateSendError`]), with Meta's codes and titles.

use crate::json_reader::{self, Path, Report};
use crate::message::{MessageError, MetaErrorBody, INVALID_PARAMETER};

/// 132000: the number of parameters does not match the template.
pub const PARAMETER_COUNT_MISMATCH: u32 = 132_000;
/// 132001: the template does not exist in that language, or is not approved.
pub const TEMPLATE_NOT_FOUND: u32 = 132_001;
/// 132005: the text is too long once the parameters are filled in.
pub const TEMPLATE_TEXT_TOO_LONG: u32 = 132_005;
/// 132012: a parameter's format does not match the template.
pub const PARAMETER_FORMAT_MISMATCH: u32 = 132_012;
/// 132015: the template is paused for low quality.
pub const TEMPLATE_PAUSED: u32 = 132_015;
/// 132016: the template is disabled for low quality.
pub const TEMPLATE_DISABLED: u32 = 132_016;

/// Meta's short title for a template code, as used in `(#code) title`.
pub fn template_title_for(code: u32) -> &'static str {
    match code {
        PARAMETER_COUNT_MISMATCH => {
            "Number of parameters does not match the expected number of params"
        }
        TEMPLATE_NOT_FOUND => "Template name does not exist in the translation",
        TEMPLATE_TEXT_TOO_LONG => "Translated text too long",
        PARAMETER_FORMAT_MISMATCH => {
            "Parameter format does not match format in the created template"
        }
        TEMPLATE_PAUSED => "Template is paused",
        TEMPLATE_DISABLED => "Template is disabled",
        _ => crate::message::title_for(code),
    }
}

/// A template definition refused by [`validate`](super::validate): the JSON path at fault
/// and what to change there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.details())]
pub struct TemplateError {
    /// JSON path of the offending field, e.g. `components[1].example.body_text[0]`; empty for
    /// the whole body.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl TemplateError {
    /// Meta's code for a refused template creation: 100 (invalid parameter).
    pub const CODE: u32 = INVALID_PARAMETER;

    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }

    /// `path: message` (`request body: …` at the root).
    pub fn details(&self) -> String {
        let shown = if self.path.is_empty() {
            "request body"
        } else {
            self.path.as_str()
        };
        format!("{shown}: {}", self.message)
    }

    /// Meta's error envelope for this error (code 100), traced by `trace_id`.
    pub fn to_meta(&self, trace_id: impl Into<String>) -> MetaErrorBody {
        MetaErrorBody::new(
            Self::CODE,
            template_title_for(Self::CODE),
            self.details(),
            trace_id,
        )
    }
}

/// The template definition check's sentences: every violation is Meta's 100, blank texts
/// count as empty.
impl Report for TemplateError {
    const REFUSES_BLANK: bool = true;
    const BOOLEAN: &'static str = "true or false";

    fn invalid(path: &Path, details: String) -> Self {
        Self::new(path, details)
    }

    fn bad_value(path: &Path, details: String) -> Self {
        Self::new(path, details)
    }

    fn missing(path: &Path, hint: &str) -> Self {
        Self::new(path, format!("is required; {hint}"))
    }

    fn too_many(array: &Path, max: usize, n: usize, noun: &str) -> Self {
        Self::new(
            array.index(max),
            format!("at most {max} {noun} are allowed, got {n}; remove this one and any after it"),
        )
    }
}

/// Result of a step of the template definition check.
pub(crate) type Check<T> = Result<T, TemplateError>;
/// A JSON object of a template definition being read.
pub(crate) type Obj<'a> = json_reader::Obj<'a, TemplateError>;
/// A JSON array of a template definition being read.
pub(crate) type Arr<'a> = json_reader::Arr<'a, TemplateError>;

impl From<&TemplateError> for MessageError {
    fn from(e: &TemplateError) -> Self {
        MessageError {
            code: TemplateError::CODE,
            message: template_title_for(TemplateError::CODE).to_string(),
            details: e.details(),
            path: e.path.clone(),
        }
    }
}

/// A template send refused against the stored template, with Meta's code (132000, 132001,
/// 132005, 132012, 132015, 132016, or 100 for a parameter value WhatsApp never accepts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("(#{code}) {}: {details}", template_title_for(*code))]
pub struct TemplateSendError {
    /// Meta's error code.
    pub code: u32,
    /// JSON path in the send of the offending field, e.g. `template.components[1].parameters`.
    pub path: String,
    /// What is wrong and how to fix it; names the component and, for counts, the expected
    /// number.
    pub details: String,
}

impl TemplateSendError {
    /// An error with `code` at `path`.
    pub fn new(code: u32, path: impl Into<String>, details: impl Into<String>) -> Self {
        Self {
            code,
            path: path.into(),
            details: details.into(),
        }
    }

    /// Meta's short title for the code.
    pub fn title(&self) -> &'static str {
        template_title_for(self.code)
    }

    /// Meta's error envelope for this error, traced by `trace_id`.
    pub fn to_meta(&self, trace_id: impl Into<String>) -> MetaErrorBody {
        MetaErrorBody::new(self.code, self.title(), self.details.clone(), trace_id)
    }
}

impl From<&TemplateSendError> for MessageError {
    fn from(e: &TemplateSendError) -> Self {
        MessageError {
            code: e.code,
            message: e.title().to_string(),
            details: e.details.clone(),
            path: e.path.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_envelopes() {
        let e = TemplateSendError::new(
            PARAMETER_COUNT_MISMATCH,
            "template.components[0].parameters",
            "body: expects 2 parameters, got 1",
        );
        let meta = e.to_meta("t");
        assert_eq!(
            meta.error.message,
            "(#132000) Number of parameters does not match the expected number of params"
        );
        assert_eq!(meta.error.code, 132_000);
        let m = MessageError::from(&e);
        assert_eq!(m.code, 132_000);
        assert_eq!(m.path, "template.components[0].parameters");
        assert_eq!(template_title_for(100), "Invalid parameter");

        let d = TemplateError::new("", "must be a JSON object");
        assert_eq!(d.details(), "request body: must be a JSON object");
        assert_eq!(d.to_meta("x").error.code, 100);
        assert_eq!(d.to_string(), "request body: must be a JSON object");
    }
}
