//! Template management: create (validated locally first, then created upstream with no
//! transaction held, then stored with the upstream's status), list, get, delete (upstream
//! first, then locally) and on-demand sync.

use serde_json::Value;
use switchboard_core::channel::Channel;
use switchboard_core::id::{AccountId, ChannelId, TemplateId};
use switchboard_core::message::MessageKind;
use switchboard_core::template_def::{validate, Category, TemplateStatus};
use switchboard_core::template_record::{reason, TemplateRecord};
use switchboard_core::time::now_millis;
use switchboard_store::templates::{SyncOutcome, TemplateFilter};
use switchboard_store::{Page, PageRequest};

use super::sync::{sync_channel, upstream_error};
use super::TemplateParts;
use crate::channels;
use crate::{ServiceError, ServiceResult};

/// Which templates a delete names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteTarget {
    /// One language: the template with this id.
    Id(TemplateId),
    /// Every language of the template with this name (as Meta deletes by name).
    Name(String),
}

impl DeleteTarget {
    /// Reads a path segment: a `tpl_…` id, or else a template name.
    pub fn parse(segment: &str) -> ServiceResult<Self> {
        if segment.starts_with("tpl_") {
            return segment
                .parse()
                .map(DeleteTarget::Id)
                .map_err(|e| ServiceError::invalid("template_id", format!("`{segment}`: {e}")));
        }
        if segment.is_empty()
            || !segment
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(ServiceError::invalid(
                "template_id",
                format!("`{segment}` is neither a template id (tpl_…) nor a template name (lower-case letters, digits and _)"),
            ));
        }
        Ok(DeleteTarget::Name(segment.to_string()))
    }
}

/// The account's channel, or 404.
pub async fn channel(
    parts: &TemplateParts,
    account: AccountId,
    id: ChannelId,
) -> ServiceResult<Channel> {
    channels::get(parts.store.as_ref(), account, id).await
}

/// Refuses template management on a channel whose kind has no message templates.
fn has_templates(channel: &Channel) -> ServiceResult<()> {
    if channel
        .kind
        .capabilities()
        .carries(MessageKind::Template, None)
    {
        return Ok(());
    }
    Err(ServiceError::invalid(
        "channel",
        format!(
            "{} channels have no message templates: only WhatsApp Cloud channels (cloud, sandbox) do",
            channel.kind.as_str()
        ),
    ))
}

/// Creates a template on `channel` from Meta's create-template JSON.
pub async fn create(
    parts: &TemplateParts,
    channel: &Channel,
    body: &Value,
) -> ServiceResult<TemplateRecord> {
    has_templates(channel)?;
    let mut definition = validate(body).map_err(|e| {
        let field = if e.path.is_empty() {
            "request body".to_string()
        } else {
            e.path.clone()
        };
        ServiceError::invalid(field, e.message)
    })?;
    let existing = parts.store.channel_templates(channel.id).await?;
    if existing
        .iter()
        .any(|t| t.name() == definition.name && t.language() == definition.language)
    {
        return Err(ServiceError::Conflict(format!(
            "template {} already exists in {} on this channel: delete it first or use another name or language",
            definition.name, definition.language
        )));
    }
    let wire = serde_json::to_value(&definition)
        .map_err(|e| ServiceError::invalid("request body", e.to_string()))?;
    let answer = parts
        .upstream
        .connector(channel)
        .map_err(|e| upstream_error("the channel has no connector", e))?
        .create_template(&wire)
        .await
        .map_err(|e| upstream_error("the upstream refused the template", e))?;
    definition.extra.clear();
    if let Some(category) = answer
        .get("category")
        .and_then(Value::as_str)
        .and_then(Category::parse)
    {
        definition.category = category;
    }
    let now = now_millis();
    let record = TemplateRecord {
        id: TemplateId::new(),
        account_id: channel.account_id,
        channel_id: channel.id,
        definition,
        status: answer
            .get("status")
            .and_then(Value::as_str)
            .map(TemplateStatus::parse)
            .unwrap_or(TemplateStatus::Pending),
        upstream_id: answer.get("id").and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }),
        rejected_reason: reason(answer.get("rejected_reason").and_then(Value::as_str)),
        created_at: now,
        updated_at: now,
    };
    let stored = parts.store.upsert_template(&record).await;
    parts.templates.invalidate(channel.id);
    Ok(stored?.template)
}

/// Lists the channel's templates.
pub async fn list(
    parts: &TemplateParts,
    channel: &Channel,
    filter: &TemplateFilter,
    page: &PageRequest,
) -> ServiceResult<Page<TemplateRecord>> {
    Ok(parts
        .store
        .list_templates(channel.account_id, channel.id, filter, page)
        .await?)
}

/// Reads a template of the channel.
pub async fn get(
    parts: &TemplateParts,
    channel: &Channel,
    id: TemplateId,
) -> ServiceResult<TemplateRecord> {
    parts
        .store
        .get_template(channel.account_id, id)
        .await?
        .filter(|t| t.channel_id == channel.id)
        .ok_or(ServiceError::NotFound("template"))
}

/// Deletes templates upstream, then locally; returns the deleted ones.
pub async fn delete(
    parts: &TemplateParts,
    channel: &Channel,
    target: &DeleteTarget,
) -> ServiceResult<Vec<TemplateRecord>> {
    has_templates(channel)?;
    let connector = parts
        .upstream
        .connector(channel)
        .map_err(|e| upstream_error("the channel has no connector", e))?;
    let (name, only) = match target {
        DeleteTarget::Id(id) => {
            let t = get(parts, channel, *id).await?;
            match &t.upstream_id {
                Some(upstream_id) => connector
                    .delete_template_version(t.name(), upstream_id)
                    .await
                    .map_err(|e| {
                        upstream_error("the upstream refused to delete the template", e)
                    })?,
                None => connector.delete_template(t.name()).await.map_err(|e| {
                    upstream_error("the upstream refused to delete the template", e)
                })?,
            }
            (t.name().to_string(), Some(*id))
        }
        DeleteTarget::Name(name) => {
            let local = parts
                .store
                .list_templates(
                    channel.account_id,
                    channel.id,
                    &TemplateFilter {
                        name: Some(name.clone()),
                        ..TemplateFilter::default()
                    },
                    &PageRequest {
                        after: None,
                        limit: Some(1),
                    },
                )
                .await?;
            if local.items.is_empty() {
                return Err(ServiceError::NotFound("template"));
            }
            connector
                .delete_template(name)
                .await
                .map_err(|e| upstream_error("the upstream refused to delete the template", e))?;
            (name.clone(), None)
        }
    };
    let deleted = parts
        .store
        .delete_templates(channel.account_id, channel.id, &name, only)
        .await;
    parts.templates.invalidate(channel.id);
    Ok(deleted?)
}

/// Syncs the channel's templates with its upstream now.
pub async fn sync(parts: &TemplateParts, channel: &Channel) -> ServiceResult<SyncOutcome> {
    sync_channel(parts, channel).await
}
