//! A channel's stored message template: its definition (Meta's create-template shape), its
//! review status, the upstream's id for it, and the `template.status` event written when the
//! status changes.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::event::{Event, TEMPLATE_STATUS};
use crate::id::{AccountId, ChannelId, EventId, TemplateId};
use crate::template_def::{Category, TemplateDefinition, TemplateStatus};
use crate::time::{to_rfc3339, Millis};

/// A stored template: one name in one language on one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRecord {
    /// `tpl_…`
    pub id: TemplateId,
    /// Owning account.
    pub account_id: AccountId,
    /// The channel whose upstream account (WABA) holds the template.
    pub channel_id: ChannelId,
    /// The definition (name, language, category, parameter format, components); its
    /// `extra` map is always empty.
    pub definition: TemplateDefinition,
    /// The review status.
    pub status: TemplateStatus,
    /// The upstream's id for the template (Meta's numeric id), once known.
    pub upstream_id: Option<String>,
    /// Why the upstream rejected (or paused, disabled) it, when it says.
    pub rejected_reason: Option<String>,
    /// When it was first stored.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
}

impl TemplateRecord {
    /// The template's name.
    pub fn name(&self) -> &str {
        &self.definition.name
    }

    /// The template's language code.
    pub fn language(&self) -> &str {
        &self.definition.language
    }

    /// The template's category.
    pub fn category(&self) -> Category {
        self.definition.category
    }

    /// Reads one entry of the upstream's template list (`GET message_templates` `data[]`:
    /// `{id, name, language, status, category, parameter_format?, components,
    /// rejected_reason?}`) as a record of `channel`, stamped `now`. Fails with what is
    /// missing or unreadable (such an entry is skipped by the caller).
    pub fn from_upstream(
        account_id: AccountId,
        channel_id: ChannelId,
        entry: &Value,
        now: Millis,
    ) -> Result<TemplateRecord, String> {
        let obj = entry
            .as_object()
            .ok_or_else(|| "a template entry is not a JSON object".to_string())?;
        let mut def = Map::new();
        for key in [
            "name",
            "language",
            "category",
            "parameter_format",
            "components",
        ] {
            if let Some(v) = obj.get(key).filter(|v| !v.is_null()) {
                def.insert(key.to_string(), v.clone());
            }
        }
        def.entry("components").or_insert_with(|| json!([]));
        let definition: TemplateDefinition = serde_json::from_value(Value::Object(def))
            .map_err(|e| format!("unreadable template definition: {e}"))?;
        let status = obj
            .get("status")
            .and_then(Value::as_str)
            .map(TemplateStatus::parse)
            .unwrap_or(TemplateStatus::Unknown);
        let upstream_id = obj.get("id").and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        Ok(TemplateRecord {
            id: TemplateId::new(),
            account_id,
            channel_id,
            definition,
            status,
            upstream_id,
            rejected_reason: reason(obj.get("rejected_reason").and_then(Value::as_str)),
            created_at: now,
            updated_at: now,
        })
    }
}

/// A rejection reason as Meta sends it, with its `NONE` (no reason) read as absent.
pub fn reason(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|r| !r.is_empty() && !r.eq_ignore_ascii_case("NONE"))
        .map(str::to_string)
}

/// The public form of a template, as the API answers and events carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateView {
    /// `tpl_…`
    pub id: String,
    /// `ch_…`
    pub channel_id: String,
    /// The template's name.
    pub name: String,
    /// Language code, e.g. `en_US`.
    pub language: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// `PENDING`, `APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`, ….
    pub status: String,
    /// `POSITIONAL` or `NAMED`, when given.
    pub parameter_format: Option<String>,
    /// The components, in Meta's create-template shape.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub components: Value,
    /// The upstream's id for the template (Meta's numeric id).
    pub upstream_id: Option<String>,
    /// Why it was rejected, when the upstream says.
    pub rejected_reason: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

impl From<&TemplateRecord> for TemplateView {
    fn from(t: &TemplateRecord) -> Self {
        TemplateView {
            id: t.id.to_string(),
            channel_id: t.channel_id.to_string(),
            name: t.definition.name.clone(),
            language: t.definition.language.clone(),
            category: t.definition.category.as_str().to_string(),
            status: t.status.as_str().to_string(),
            parameter_format: t
                .definition
                .parameter_format
                .map(|p| p.as_str().to_string()),
            components: serde_json::to_value(&t.definition.components)
                .unwrap_or_else(|_| json!([])),
            upstream_id: t.upstream_id.clone(),
            rejected_reason: t.rejected_reason.clone(),
            created_at: to_rfc3339(t.created_at),
            updated_at: to_rfc3339(t.updated_at),
        }
    }
}

/// The public JSON of a template.
pub fn template_json(t: &TemplateRecord) -> Value {
    serde_json::to_value(TemplateView::from(t)).unwrap_or(Value::Null)
}

/// The `template.status` event for `t`, whose status was `previous` before (`None` when not
/// known), at `at`.
pub fn template_status_event(
    t: &TemplateRecord,
    previous: Option<TemplateStatus>,
    at: Millis,
) -> Event {
    Event {
        seq: 0,
        cursor: String::new(),
        id: EventId::new(),
        kind: TEMPLATE_STATUS.to_string(),
        account_id: t.account_id,
        channel_id: Some(t.channel_id),
        chat: None,
        created_at: at,
        data: json!({
            "template": template_json(t),
            "status": t.status.as_str(),
            "previous_status": previous.map(TemplateStatus::as_str),
            "reason": t.rejected_reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_upstream_entries() {
        let entry = json!({"id": "123", "name": "hello_world", "language": "en_US",
            "status": "APPROVED", "category": "UTILITY", "rejected_reason": "NONE",
            "components": [{"type": "BODY", "text": "Hi"}]});
        let t = TemplateRecord::from_upstream(AccountId::new(), ChannelId::new(), &entry, 5)
            .expect("reads");
        assert_eq!(t.name(), "hello_world");
        assert_eq!(t.status, TemplateStatus::Approved);
        assert_eq!(t.upstream_id.as_deref(), Some("123"));
        assert_eq!(t.rejected_reason, None);
        assert!(t.definition.extra.is_empty());
        let view = template_json(&t);
        assert_eq!(view["category"], "UTILITY");
        assert_eq!(view["components"][0]["type"], "BODY");
        let e = template_status_event(&t, Some(TemplateStatus::Pending), 6);
        assert_eq!(e.kind, "template.status");
        assert_eq!(e.data["previous_status"], "PENDING");
        assert_eq!(e.data["status"], "APPROVED");

        assert!(TemplateRecord::from_upstream(
            AccountId::new(),
            ChannelId::new(),
            &json!({"name": "x", "language": "en", "category": "WEIRD"}),
            1
        )
        .is_err());
        assert!(
            TemplateRecord::from_upstream(AccountId::new(), ChannelId::new(), &json!([]), 1)
                .is_err()
        );
    }
}
