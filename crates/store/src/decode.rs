//! One decoder per stored record, shared by both backends: each reads a row by column name
//! through [`Columns`], next to the list of columns it reads.

use switchboard_core::account::Account;
use switchboard_core::automation::Rule;
use switchboard_core::broadcast::{BroadcastRecord, BroadcastStatus, Counters, TargetStatus};
use switchboard_core::channel::{Channel, ChannelKind, ChannelState};
use switchboard_core::event::Event;
use switchboard_core::id::AccountId;
use switchboard_core::key::ApiKey;
use switchboard_core::media::{MediaRecord, MediaSource, UpstreamMedia};
use switchboard_core::record::{MessageRecord, StatusEntry};
use switchboard_core::status::{Direction, MessageStatus};
use switchboard_core::subscription::{
    Attempt, Delivery, DeliveryState, PayloadFormat, Subscription,
};
use switchboard_core::template_def::media_rules::MediaKind;
use switchboard_core::template_def::{TemplateDefinition, TemplateStatus};
use switchboard_core::template_record::TemplateRecord;

use crate::bot::{ContactRecord, DecisionRecord, StoredRule};
use crate::broadcasts::{AudienceContact, PendingTarget, TargetRecord};
use crate::columns::Columns;
use crate::contacts::{ImportJob, ImportMode, ImportStatus};
use crate::credits::CreditMovement;
use crate::{StoreError, StoreResult};

/// A record decoder.
pub(crate) type Decoder<T> = fn(&dyn Columns) -> StoreResult<T>;

/// Columns read by [`account`].
pub(crate) const ACCOUNT_COLS: &str = "id, name, created_at";
/// Columns read by [`key`].
pub(crate) const KEY_COLS: &str =
    "id, account_id, name, permission, channel_id, secret_hash, created_at, revoked_at, last_used_at";
/// Columns read by [`channel`], as SQLite stores them.
pub(crate) const CHANNEL_COLS: &str =
    "id, account_id, name, kind, settings, created_at, updated_at, timezone";
/// Columns read by [`channel`] from PostgreSQL, whose `settings` column is JSONB.
pub(crate) const PG_CHANNEL_COLS: &str =
    "id, account_id, name, kind, settings::text AS settings, created_at, updated_at, timezone";
/// Columns read by [`message`].
pub(crate) const MESSAGE_COLS: &str = "id, account_id, channel_id, direction, chat, kind, body, status, upstream_id, context_id, error, attempts, created_at, updated_at";
/// Columns read by [`status_entry`].
pub(crate) const STATUS_ENTRY_COLS: &str = "status, at, applied, error";
/// Columns read by [`subscription`].
pub(crate) const SUBSCRIPTION_COLS: &str = "id, account_id, channel_id, url, events, format, secret, previous_secret, previous_expires_at, enabled, description, failing_since, disabled_reason, created_at, updated_at";
/// Columns read by [`delivery`].
pub(crate) const DELIVERY_COLS: &str = "id, subscription_id, account_id, event_id, ordering_key, state, attempts, next_attempt_at, last_status, last_error, created_at, finished_at";
/// Columns read by [`attempt`].
pub(crate) const ATTEMPT_COLS: &str = "attempted_at, status_code, latency_ms, response, error";
/// Columns read by [`rule`].
pub(crate) const RULE_COLS: &str =
    "id, account_id, channel_id, position, rule, created_at, updated_at";
/// Columns read by [`contact`].
pub(crate) const CONTACT_COLS: &str =
    "id, account_id, wa_id, name, opted_out_at, tags, custom_fields, created_at, updated_at";
/// Columns read by [`decision`].
pub(crate) const DECISION_COLS: &str = "id, account_id, channel_id, chat, inbound_message_id, code, rule_id, explanation, decision, reply_message_ids, replies_done, error, created_at";
/// Columns read by [`broadcast`].
pub(crate) const BROADCAST_COLS: &str = "id, account_id, channel_id, name, message, audience, marketing, template_category, status, send_at, audience_size, credits_per_target, credits_reserved, credits_refunded, total, pending, queued, sent, delivered, not_delivered, seen, failed, skipped, canceled, audience_cursor, materialized, error, created_at, updated_at, finished_at";
/// Columns read by [`target`].
pub(crate) const TARGET_COLS: &str =
    "broadcast_id, seq, wa_id, fields, status, message_id, error, updated_at";
/// Columns read by [`template`].
pub(crate) const TEMPLATE_COLS: &str = "id, account_id, channel_id, status, definition, upstream_id, rejected_reason, created_at, updated_at";
/// Columns read by [`media`].
pub(crate) const MEDIA_COLS: &str = "id, account_id, channel_id, kind, mime_type, size, sha256, filename, storage_key, source, upstream_id, created_at, expires_at";
/// Columns read by [`upstream_media`].
pub(crate) const UPSTREAM_MEDIA_COLS: &str = "upstream_id, uploaded_at";
/// Columns read by [`audience_contact`].
pub(crate) const AUDIENCE_CONTACT_COLS: &str = "id, wa_id, name, custom_fields";
/// Columns read by [`import`].
pub(crate) const IMPORT_COLS: &str = "id, account_id, mode, status, file_path, total, processed, created, updated, skipped, failed, errors, reason, created_at, updated_at, finished_at";
/// Columns read by [`credit_movement`].
pub(crate) const CREDIT_MOVEMENT_COLS: &str =
    "seq, account_id, amount, balance_after, reason, reference, created_at";

/// Parses a stored message status.
pub(crate) fn message_status(text: &str) -> StoreResult<MessageStatus> {
    MessageStatus::parse(text).ok_or_else(|| StoreError::Corrupt(format!("bad status `{text}`")))
}

/// Parses a stored enum value with `parse`, naming it `what` in the corruption error.
fn named<T>(text: &str, what: &str, parse: impl FnOnce(&str) -> Option<T>) -> StoreResult<T> {
    parse(text).ok_or_else(|| StoreError::Corrupt(format!("bad {what} `{text}`")))
}

/// An account.
pub(crate) fn account(r: &dyn Columns) -> StoreResult<Account> {
    Ok(Account {
        id: r.parsed("id", "account id")?,
        name: r.text("name")?,
        created_at: r.int("created_at")?,
    })
}

/// An API key.
pub(crate) fn key(r: &dyn Columns) -> StoreResult<ApiKey> {
    Ok(ApiKey {
        id: r.parsed("id", "key id")?,
        account_id: r.parsed("account_id", "account id")?,
        name: r.text("name")?,
        permission: r.parsed("permission", "permission")?,
        channel_id: r.opt_parsed("channel_id", "channel id")?,
        secret_hash: r.text("secret_hash")?,
        created_at: r.int("created_at")?,
        revoked_at: r.opt_int("revoked_at")?,
        last_used_at: r.opt_int("last_used_at")?,
    })
}

/// A channel, its state read from beside its settings.
pub(crate) fn channel(r: &dyn Columns) -> StoreResult<Channel> {
    let (settings, state) = crate::channel_json::parse_settings(&r.text("settings")?)?;
    Ok(Channel {
        id: r.parsed("id", "channel id")?,
        account_id: r.parsed("account_id", "account id")?,
        name: r.text("name")?,
        kind: named(&r.text("kind")?, "channel kind", ChannelKind::parse)?,
        settings,
        state,
        timezone: r.text("timezone")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
    })
}

/// A channel's account and state (the `account_id` and `settings` columns).
pub(crate) fn channel_owner_state(r: &dyn Columns) -> StoreResult<(AccountId, ChannelState)> {
    let (_, state) = crate::channel_json::parse_settings(&r.text("settings")?)?;
    Ok((r.parsed("account_id", "account id")?, state))
}

/// A message.
pub(crate) fn message(r: &dyn Columns) -> StoreResult<MessageRecord> {
    Ok(MessageRecord {
        id: r.parsed("id", "message id")?,
        account_id: r.parsed("account_id", "account id")?,
        channel_id: r.parsed("channel_id", "channel id")?,
        direction: named(&r.text("direction")?, "direction", Direction::parse)?,
        chat: r.text("chat")?,
        kind: r.text("kind")?,
        body: r.json("body")?,
        status: message_status(&r.text("status")?)?,
        upstream_id: r.opt_text("upstream_id")?,
        context_id: r.opt_text("context_id")?,
        error: r.opt_json("error")?,
        attempts: u32::try_from(r.int("attempts")?).unwrap_or(0),
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
    })
}

/// An entry of a message's status history.
pub(crate) fn status_entry(r: &dyn Columns) -> StoreResult<StatusEntry> {
    Ok(StatusEntry {
        status: message_status(&r.text("status")?)?,
        at: r.int("at")?,
        applied: r.flag("applied")?,
        error: r.opt_json("error")?,
    })
}

/// An event; its `cursor` column is the backend's position in the log.
pub(crate) fn event(r: &dyn Columns) -> StoreResult<Event> {
    Ok(Event {
        seq: r.int("seq")?,
        cursor: r.text("cursor")?,
        id: r.parsed("id", "event id")?,
        kind: r.text("type")?,
        account_id: r.parsed("account_id", "account id")?,
        channel_id: r.opt_parsed("channel_id", "channel id")?,
        chat: r.opt_text("chat")?,
        created_at: r.int("created_at")?,
        data: r.json("data")?,
    })
}

/// A webhook subscription.
pub(crate) fn subscription(r: &dyn Columns) -> StoreResult<Subscription> {
    Ok(Subscription {
        id: r.parsed("id", "subscription id")?,
        account_id: r.parsed("account_id", "account id")?,
        channel_id: r.opt_parsed("channel_id", "channel id")?,
        url: r.text("url")?,
        events: r.json("events")?,
        format: named(&r.text("format")?, "payload format", PayloadFormat::parse)?,
        secret: r.text("secret")?,
        previous_secret: r.opt_text("previous_secret")?,
        previous_expires_at: r.opt_int("previous_expires_at")?,
        enabled: r.flag("enabled")?,
        description: r.opt_text("description")?,
        failing_since: r.opt_int("failing_since")?,
        disabled_reason: r.opt_text("disabled_reason")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
    })
}

/// A webhook delivery.
pub(crate) fn delivery(r: &dyn Columns) -> StoreResult<Delivery> {
    Ok(Delivery {
        id: r.parsed("id", "delivery id")?,
        subscription_id: r.parsed("subscription_id", "subscription id")?,
        account_id: r.parsed("account_id", "account id")?,
        event_id: r.text("event_id")?,
        ordering_key: r.text("ordering_key")?,
        state: named(&r.text("state")?, "delivery state", DeliveryState::parse)?,
        attempts: u32::try_from(r.int("attempts")?).unwrap_or(0),
        next_attempt_at: r.int("next_attempt_at")?,
        last_status: r
            .opt_int("last_status")?
            .and_then(|s| u16::try_from(s).ok()),
        last_error: r.opt_text("last_error")?,
        created_at: r.int("created_at")?,
        finished_at: r.opt_int("finished_at")?,
    })
}

/// An attempt of a webhook delivery.
pub(crate) fn attempt(r: &dyn Columns) -> StoreResult<Attempt> {
    Ok(Attempt {
        attempted_at: r.int("attempted_at")?,
        status_code: r
            .opt_int("status_code")?
            .and_then(|s| u16::try_from(s).ok()),
        latency_ms: r.count("latency_ms")?,
        response: r.opt_text("response")?,
        error: r.opt_text("error")?,
    })
}

/// A bot rule; the rule's own `id` and `position` are those of its row.
pub(crate) fn rule(r: &dyn Columns) -> StoreResult<StoredRule> {
    let id = r.text("id")?;
    let mut rule: Rule = r.json("rule")?;
    rule.id = id.clone();
    rule.position = r.int("position")?;
    Ok(StoredRule {
        id: crate::columns::parse(&id, "rule id")?,
        account_id: r.parsed("account_id", "account id")?,
        channel_id: r.parsed("channel_id", "channel id")?,
        rule,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
    })
}

/// A contact.
pub(crate) fn contact(r: &dyn Columns) -> StoreResult<ContactRecord> {
    Ok(ContactRecord {
        id: r.parsed("id", "contact id")?,
        account_id: r.parsed("account_id", "account id")?,
        wa_id: r.text("wa_id")?,
        name: r.opt_text("name")?,
        opted_out_at: r.opt_int("opted_out_at")?,
        tags: r.json("tags")?,
        custom_fields: r.json("custom_fields")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
    })
}

/// A bot decision.
pub(crate) fn decision(r: &dyn Columns) -> StoreResult<DecisionRecord> {
    Ok(DecisionRecord {
        id: r.parsed("id", "decision id")?,
        account_id: r.parsed("account_id", "account id")?,
        channel_id: r.parsed("channel_id", "channel id")?,
        chat: r.text("chat")?,
        inbound_message_id: r.parsed("inbound_message_id", "message id")?,
        code: r.text("code")?,
        rule_id: r.opt_text("rule_id")?,
        explanation: r.text("explanation")?,
        decision: r.json("decision")?,
        reply_message_ids: r.json("reply_message_ids")?,
        replies_done: r.flag("replies_done")?,
        error: r.opt_text("error")?,
        created_at: r.int("created_at")?,
    })
}

/// A broadcast with its counters.
pub(crate) fn broadcast(r: &dyn Columns) -> StoreResult<BroadcastRecord> {
    Ok(BroadcastRecord {
        id: r.parsed("id", "broadcast id")?,
        account_id: r.parsed("account_id", "account id")?,
        channel_id: r.parsed("channel_id", "channel id")?,
        name: r.opt_text("name")?,
        message: r.json("message")?,
        audience: r.json("audience")?,
        marketing: r.flag("marketing")?,
        template_category: r.opt_text("template_category")?,
        status: named(
            &r.text("status")?,
            "broadcast status",
            BroadcastStatus::parse,
        )?,
        send_at: r.opt_int("send_at")?,
        audience_size: r.int("audience_size")?,
        credits_per_target: r.int("credits_per_target")?,
        credits_reserved: r.int("credits_reserved")?,
        credits_refunded: r.int("credits_refunded")?,
        counters: Counters {
            total: r.int("total")?,
            pending: r.int("pending")?,
            queued: r.int("queued")?,
            sent: r.int("sent")?,
            delivered: r.int("delivered")?,
            not_delivered: r.int("not_delivered")?,
            seen: r.int("seen")?,
            failed: r.int("failed")?,
            skipped: r.int("skipped")?,
            canceled: r.int("canceled")?,
        },
        audience_cursor: r.opt_text("audience_cursor")?,
        materialized: r.flag("materialized")?,
        error: r.opt_json("error")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
        finished_at: r.opt_int("finished_at")?,
    })
}

/// A broadcast target.
pub(crate) fn target(r: &dyn Columns) -> StoreResult<TargetRecord> {
    Ok(TargetRecord {
        broadcast_id: r.parsed("broadcast_id", "broadcast id")?,
        seq: r.int("seq")?,
        wa_id: r.text("wa_id")?,
        fields: r.json("fields")?,
        status: named(&r.text("status")?, "target status", TargetStatus::parse)?,
        message_id: r.opt_parsed("message_id", "message id")?,
        error: r.opt_json("error")?,
        updated_at: r.int("updated_at")?,
    })
}

/// A message template.
pub(crate) fn template(r: &dyn Columns) -> StoreResult<TemplateRecord> {
    let definition: TemplateDefinition = serde_json::from_str(&r.text("definition")?)
        .map_err(|e| StoreError::Corrupt(format!("template definition: {e}")))?;
    Ok(TemplateRecord {
        id: r.parsed("id", "template id")?,
        account_id: r.parsed("account_id", "account id")?,
        channel_id: r.parsed("channel_id", "channel id")?,
        definition,
        status: TemplateStatus::parse(&r.text("status")?),
        upstream_id: r.opt_text("upstream_id")?,
        rejected_reason: r.opt_text("rejected_reason")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
    })
}

/// A media file's metadata.
pub(crate) fn media(r: &dyn Columns) -> StoreResult<MediaRecord> {
    let size = r.int("size")?;
    Ok(MediaRecord {
        id: r.parsed("id", "media id")?,
        account_id: r.parsed("account_id", "account id")?,
        channel_id: r.opt_parsed("channel_id", "channel id")?,
        kind: named(&r.text("kind")?, "media kind", MediaKind::from_name)?,
        mime_type: r.text("mime_type")?,
        size: u64::try_from(size)
            .map_err(|_| StoreError::Corrupt(format!("bad media size {size}")))?,
        sha256: r.text("sha256")?,
        filename: r.opt_text("filename")?,
        storage_key: r.text("storage_key")?,
        source: named(&r.text("source")?, "media source", MediaSource::parse)?,
        upstream_id: r.opt_text("upstream_id")?,
        created_at: r.int("created_at")?,
        expires_at: r.int("expires_at")?,
    })
}

/// An upstream copy of a media file.
pub(crate) fn upstream_media(r: &dyn Columns) -> StoreResult<UpstreamMedia> {
    Ok(UpstreamMedia {
        upstream_id: r.text("upstream_id")?,
        uploaded_at: r.int("uploaded_at")?,
    })
}

/// A contact of a broadcast's audience (custom fields that do not decode read as none).
pub(crate) fn audience_contact(r: &dyn Columns) -> StoreResult<AudienceContact> {
    Ok(AudienceContact {
        id: r.parsed("id", "contact id")?,
        wa_id: r.text("wa_id")?,
        name: r.opt_text("name")?,
        custom_fields: serde_json::from_str(&r.text("custom_fields")?).unwrap_or_default(),
    })
}

/// A broadcast target waiting to be fed, with its contact's opt-out and 24-hour window.
pub(crate) fn pending_target(r: &dyn Columns) -> StoreResult<PendingTarget> {
    Ok(PendingTarget {
        seq: r.int("seq")?,
        wa_id: r.text("wa_id")?,
        fields: r.json("fields")?,
        opted_out: r.flag("opted_out")?,
        last_inbound: r.opt_int("last_inbound_at")?,
    })
}

/// A contact import job.
pub(crate) fn import(r: &dyn Columns) -> StoreResult<ImportJob> {
    Ok(ImportJob {
        id: r.parsed("id", "import id")?,
        account_id: r.parsed("account_id", "account id")?,
        mode: named(&r.text("mode")?, "import mode", ImportMode::parse)?,
        status: named(&r.text("status")?, "import status", ImportStatus::parse)?,
        file_path: r.text("file_path")?,
        total: r.count("total")?,
        processed: r.count("processed")?,
        created: r.count("created")?,
        updated: r.count("updated")?,
        skipped: r.count("skipped")?,
        failed: r.count("failed")?,
        errors: r.json("errors")?,
        reason: r.opt_text("reason")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
        finished_at: r.opt_int("finished_at")?,
    })
}

/// An entry of an account's credit ledger.
pub(crate) fn credit_movement(r: &dyn Columns) -> StoreResult<CreditMovement> {
    Ok(CreditMovement {
        seq: r.int("seq")?,
        account_id: r.parsed("account_id", "account id")?,
        amount: r.int("amount")?,
        balance_after: r.int("balance_after")?,
        reason: r.text("reason")?,
        reference: r.opt_text("reference")?,
        created_at: r.int("created_at")?,
    })
}
