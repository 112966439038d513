//! Tables whose rows belong to an account: how both backends read one row by id and page
//! through an account's rows in id order.

use switchboard_core::broadcast::BroadcastRecord;
use switchboard_core::channel::Channel;
use switchboard_core::key::ApiKey;
use switchboard_core::media::MediaRecord;
use switchboard_core::record::{MessageRecord, StatusEntry};
use switchboard_core::subscription::{Attempt, Delivery, Subscription};
use switchboard_core::template_record::TemplateRecord;

use crate::contacts::ImportJob;
use crate::decode::{self, Decoder};

/// An account-owned table: its name, the columns its decoder reads, and the page cursor of a
/// row (its id).
pub(crate) struct Owned<T: 'static> {
    /// The table.
    pub table: &'static str,
    /// The columns [`Owned::decode`] reads.
    pub cols: &'static str,
    /// The row decoder.
    pub decode: Decoder<T>,
    /// A row's page cursor.
    pub cursor: fn(&T) -> String,
}

/// The history kept for each row of an owned table, in id order.
pub(crate) struct History<H: 'static> {
    /// The table.
    pub table: &'static str,
    /// The columns [`History::decode`] reads.
    pub cols: &'static str,
    /// The column naming the owned row.
    pub key: &'static str,
    /// The row decoder.
    pub decode: Decoder<H>,
}

/// A message's status history.
pub(crate) const MESSAGE_STATUSES: History<StatusEntry> = History {
    table: "message_statuses",
    cols: decode::STATUS_ENTRY_COLS,
    key: "message_id",
    decode: decode::status_entry,
};

/// A delivery's attempts.
pub(crate) const DELIVERY_ATTEMPTS: History<Attempt> = History {
    table: "delivery_attempts",
    cols: decode::ATTEMPT_COLS,
    key: "delivery_id",
    decode: decode::attempt,
};

/// API keys.
pub(crate) const KEYS: Owned<ApiKey> = Owned {
    table: "api_keys",
    cols: decode::KEY_COLS,
    decode: decode::key,
    cursor: |k| k.id.to_string(),
};

/// Channels, as SQLite stores them.
pub(crate) const CHANNELS: Owned<Channel> = Owned {
    table: "channels",
    cols: decode::CHANNEL_COLS,
    decode: decode::channel,
    cursor: |c| c.id.to_string(),
};

/// Channels, as PostgreSQL stores them (settings as JSONB).
pub(crate) const PG_CHANNELS: Owned<Channel> = Owned {
    cols: decode::PG_CHANNEL_COLS,
    ..CHANNELS
};

/// Messages.
pub(crate) const MESSAGES: Owned<MessageRecord> = Owned {
    table: "messages",
    cols: decode::MESSAGE_COLS,
    decode: decode::message,
    cursor: |m| m.id.to_string(),
};

/// Webhook subscriptions.
pub(crate) const SUBSCRIPTIONS: Owned<Subscription> = Owned {
    table: "subscriptions",
    cols: decode::SUBSCRIPTION_COLS,
    decode: decode::subscription,
    cursor: |s| s.id.to_string(),
};

/// Webhook deliveries.
pub(crate) const DELIVERIES: Owned<Delivery> = Owned {
    table: "deliveries",
    cols: decode::DELIVERY_COLS,
    decode: decode::delivery,
    cursor: |d| d.id.to_string(),
};

/// Broadcasts.
pub(crate) const BROADCASTS: Owned<BroadcastRecord> = Owned {
    table: "broadcasts",
    cols: decode::BROADCAST_COLS,
    decode: decode::broadcast,
    cursor: |b| b.id.to_string(),
};

/// Message templates.
pub(crate) const TEMPLATES: Owned<TemplateRecord> = Owned {
    table: "templates",
    cols: decode::TEMPLATE_COLS,
    decode: decode::template,
    cursor: |t| t.id.to_string(),
};

/// Media records.
pub(crate) const MEDIA: Owned<MediaRecord> = Owned {
    table: "media",
    cols: decode::MEDIA_COLS,
    decode: decode::media,
    cursor: |m| m.id.to_string(),
};

/// Contact import jobs.
pub(crate) const IMPORTS: Owned<ImportJob> = Owned {
    table: "contact_imports",
    cols: decode::IMPORT_COLS,
    decode: decode::import,
    cursor: |j| j.id.to_string(),
};
