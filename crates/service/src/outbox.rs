//! The outbox as the send path sees it: inserting a message also lowers the dispatcher's
//! next-due hint (for a scheduled message) and wakes the dispatcher.

use std::sync::Arc;

use switchboard_core::time::Millis;
use switchboard_store::messages::{InsertOutcome, NewOutbound};
use switchboard_store::{Store, StoreResult};
use tokio::sync::Notify;

use crate::gateway::NextDue;

/// A handle on the outbox, cheap to clone; the dispatcher shares it.
#[derive(Clone)]
pub struct Outbox {
    store: Arc<dyn Store>,
    wake: Arc<Notify>,
    next_due: Arc<NextDue>,
}

impl Outbox {
    /// The outbox in `store`, with a fresh wake-up and next-due hint.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            wake: Arc::new(Notify::new()),
            next_due: Arc::new(NextDue::default()),
        }
    }

    /// Stores a new outbound message; a new one lowers the next-due hint to its `not_before`
    /// when it is scheduled (`scheduled` is its `send_at`) and wakes the dispatcher.
    pub async fn insert(
        &self,
        new: &NewOutbound,
        scheduled: Option<Millis>,
    ) -> StoreResult<InsertOutcome> {
        let outcome = self.store.insert_outbound(new).await?;
        if matches!(outcome, InsertOutcome::Inserted) {
            if let Some(at) = scheduled {
                self.next_due.lower_to(at);
            }
            self.wake();
        }
        Ok(outcome)
    }

    /// Wakes the dispatcher (new work was stored some other way, or a claim finished).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Completes when the dispatcher is woken.
    pub async fn woken(&self) {
        self.wake.notified().await
    }

    /// The earliest known due time of scheduled messages.
    pub fn next_due(&self) -> &NextDue {
        &self.next_due
    }
}
