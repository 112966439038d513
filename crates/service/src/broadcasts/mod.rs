//! Broadcasts: creating one (validate the message once, resolve the audience size, reserve
//! credits, store), pausing / resuming / canceling it, and the two workers that run them —
//! the [`feeder`] (materializes audiences in batches and keeps a small window of each running
//! broadcast's messages in the outbox) and the [`tracker`] (follows the event log and moves
//! targets and counters as their messages' statuses arrive).

pub mod audience;
pub mod csv;
pub mod feeder;
pub mod manage;
pub mod request;
pub mod spool;
pub mod tracker;

use std::path::PathBuf;

use serde_json::{json, Value};
use switchboard_core::broadcast::{BroadcastRecord, BroadcastStatus, Counters};
use switchboard_core::channel::capability::AddressForm;
use switchboard_core::channel::Channel;
use switchboard_core::id::BroadcastId;
use switchboard_core::message::{parse_message_to, MessageContent, MessageError};
use switchboard_core::schedule::SendTime;
use switchboard_core::time::Millis;
use switchboard_store::broadcasts::CreateBroadcastOutcome;
use switchboard_store::StoreError;

use crate::gateway::Gateway;
use crate::send::SendParts;
use crate::templates::check::{check_template_send, TemplateCheckError};
use crate::templates::TemplateParts;
use audience::{Audience, AudienceError};

/// The broadcast settings and the feeder's wake-up, cheap to clone.
#[derive(Clone)]
pub struct Broadcasts {
    /// The settings.
    pub settings: BroadcastSettings,
    wake: std::sync::Arc<tokio::sync::Notify>,
}

impl Broadcasts {
    /// The broadcasts with `settings` and a fresh wake-up.
    pub fn new(settings: BroadcastSettings) -> Self {
        Self {
            settings,
            wake: std::sync::Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Wakes the feeder (a broadcast was created or resumed, or targets moved).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Completes when the feeder is woken.
    pub async fn woken(&self) {
        self.wake.notified().await
    }
}

/// What the broadcast workers (feeder and tracker) work with.
#[derive(Clone)]
pub struct BroadcastParts {
    /// The store (broadcasts, targets, events).
    pub store: std::sync::Arc<dyn switchboard_store::Store>,
    /// The settings and the feeder's wake-up.
    pub broadcasts: Broadcasts,
    /// The outbox the feeder fills (it wakes the dispatcher).
    pub outbox: crate::outbox::Outbox,
}

impl From<&Gateway> for BroadcastParts {
    fn from(g: &Gateway) -> Self {
        Self {
            store: g.store.clone(),
            broadcasts: g.broadcasts.clone(),
            outbox: g.outbox.clone(),
        }
    }
}

/// Settings of broadcasts (`[broadcasts]` in the config).
#[derive(Debug, Clone)]
pub struct BroadcastSettings {
    /// Most messages of one broadcast in the outbox not yet answered by the upstream (already
    /// capped by the channel rate limit × a few seconds).
    pub window: u32,
    /// Credits reserved per target.
    pub credits_per_target: i64,
    /// Targets materialized per transaction.
    pub materialize_batch: u32,
    /// Idle polling interval of the workers, in milliseconds.
    pub poll_ms: u64,
    /// Least time between two `broadcast.progress` events of a broadcast.
    pub progress_interval_ms: i64,
    /// Events the tracker reads per round.
    pub tracker_batch: u32,
    /// Where uploaded CSV audiences are spooled.
    pub spool_dir: PathBuf,
    /// Largest create request (JSON body or CSV upload), in bytes.
    pub upload_limit_bytes: u64,
}

impl Default for BroadcastSettings {
    fn default() -> Self {
        Self {
            window: 50,
            credits_per_target: 1,
            materialize_batch: 1000,
            poll_ms: 50,
            progress_interval_ms: 1000,
            tracker_batch: 500,
            spool_dir: PathBuf::from("data/broadcasts"),
            upload_limit_bytes: 256 * 1024 * 1024,
        }
    }
}

/// Why a broadcast was refused or could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    /// The request is invalid: a stable code and what to fix.
    #[error("{message}")]
    Invalid {
        /// Stable code (`invalid_message`, `invalid_audience`, `invalid_send_at`, …).
        code: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The account's credits do not cover the audience.
    #[error("insufficient credits: this broadcast needs {needed} ({per_target} per target), the account has {available}")]
    Insufficient {
        /// Credits needed.
        needed: i64,
        /// Credits available.
        available: i64,
        /// Credits per target.
        per_target: i64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AudienceError> for BroadcastError {
    fn from(e: AudienceError) -> Self {
        match e {
            AudienceError::Invalid(message) => BroadcastError::Invalid {
                code: "invalid_audience",
                message,
            },
            AudienceError::Store(e) => BroadcastError::Store(e),
        }
    }
}

/// A broadcast to create.
#[derive(Debug, Clone)]
pub struct NewBroadcast {
    /// The id (chosen before a CSV is spooled under it).
    pub id: BroadcastId,
    /// Label.
    pub name: Option<String>,
    /// The Cloud API message object (`to` is set per target).
    pub message: Value,
    /// The audience.
    pub audience: Audience,
    /// `send_at` as given (RFC 3339), if any.
    pub send_at: Option<Value>,
}

fn invalid_message(e: &MessageError) -> BroadcastError {
    BroadcastError::Invalid {
        code: "invalid_message",
        message: format!(
            "message: {} (Meta code {}): {}",
            e.message, e.code, e.details
        ),
    }
}

/// An address of `form` that parses, standing in for the targets while the message is
/// validated.
fn sample_to(form: AddressForm) -> &'static str {
    match form {
        AddressForm::WaId | AddressForm::WaIdOrGroup => "15550000000",
        AddressForm::TelegramChat | AddressForm::Psid | AddressForm::Igsid => "1",
    }
}

/// Validates and stores a broadcast on `channel`, reserving its credits. Nothing is stored
/// (and nothing sent) when it is refused.
pub async fn create(
    parts: &SendParts,
    broadcasts: &Broadcasts,
    channel: &Channel,
    new: NewBroadcast,
    now: Millis,
) -> Result<BroadcastRecord, BroadcastError> {
    let settings = &broadcasts.settings;
    let mut message = match new.message {
        Value::Object(map) => map,
        _ => {
            return Err(BroadcastError::Invalid {
                code: "invalid_message",
                message: "`message` must be a Cloud API message object, e.g. {\"type\": \"template\", \"template\": {…}}".into(),
            })
        }
    };
    for field in ["to", "send_at", "scheduleDateTime"] {
        if message.contains_key(field) {
            return Err(BroadcastError::Invalid {
                code: "invalid_message",
                message: format!("message.{field}: leave it out: the audience gives the recipients and `send_at` belongs at the top level"),
            });
        }
    }
    message
        .entry("messaging_product")
        .or_insert_with(|| json!("whatsapp"));
    let message = Value::Object(message);
    let capabilities = channel.kind.capabilities();
    let mut sample = message.clone();
    sample["to"] = json!(sample_to(capabilities.address));
    let parsed =
        parse_message_to(&sample, capabilities.address).map_err(|e| invalid_message(&e))?;
    if let Err(what) = capabilities.check(&parsed.content) {
        return Err(BroadcastError::Invalid {
            code: "unsupported_message_kind",
            message: format!(
                "message: a {} channel cannot carry `{what}` messages; it carries {}",
                channel.kind.as_str(),
                capabilities.carried()
            ),
        });
    }
    crate::send::kind_rules(channel.kind, &parsed).map_err(|e| invalid_message(&e))?;
    crate::media::refs::check_refs(parts.store.as_ref(), channel.account_id, &parsed.body, now)
        .await
        .map_err(|e| match e {
            crate::media::refs::RefError::Invalid(e) => invalid_message(&e),
            crate::media::refs::RefError::Store(e) => BroadcastError::Store(e),
        })?;
    let category = match &parsed.content {
        MessageContent::Template { template } => {
            check_template_send(&TemplateParts::from(parts), channel, template)
                .await
                .map_err(|e| match e {
                    TemplateCheckError::Refused(e) => invalid_message(&MessageError::from(&e)),
                    TemplateCheckError::Store(e) => BroadcastError::Store(e),
                })?
                .map(|c| c.as_str().to_string())
        }
        _ => None,
    };
    let marketing = category
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("marketing"));
    let mut when = json!({});
    if let Some(at) = new.send_at {
        when["send_at"] = at;
    }
    let send_at = match parts.settings.schedule.take(&mut when, now) {
        Ok(SendTime::Now) => None,
        Ok(SendTime::At(at)) => Some(at),
        Err(e) => {
            return Err(BroadcastError::Invalid {
                code: "invalid_send_at",
                message: e.to_string(),
            })
        }
    };
    let size = new
        .audience
        .size(parts.store.as_ref(), channel.account_id)
        .await?;
    if size == 0 {
        return Err(BroadcastError::Invalid {
            code: "invalid_audience",
            message: "the audience is empty: give at least one number, contact id, tag with contacts, or CSV row".into(),
        });
    }
    let per_target = settings.credits_per_target;
    let record = BroadcastRecord {
        id: new.id,
        account_id: channel.account_id,
        channel_id: channel.id,
        name: new.name,
        message,
        audience: new.audience.to_json(),
        marketing,
        template_category: category,
        status: if send_at.is_some() {
            BroadcastStatus::Scheduled
        } else {
            BroadcastStatus::Running
        },
        send_at,
        audience_size: size,
        credits_per_target: per_target,
        credits_reserved: size.saturating_mul(per_target),
        credits_refunded: 0,
        counters: Counters::default(),
        audience_cursor: None,
        materialized: false,
        error: None,
        created_at: now,
        updated_at: now,
        finished_at: None,
    };
    match parts.store.create_broadcast(&record).await? {
        CreateBroadcastOutcome::Created => {
            broadcasts.wake();
            Ok(record)
        }
        CreateBroadcastOutcome::Insufficient { needed, available } => {
            Err(BroadcastError::Insufficient {
                needed,
                available,
                per_target,
            })
        }
    }
}
