//! The recent end of each account's event log, as this node last read it.
//!
//! The event log is read forward from a cursor; the console needs its newest events (the
//! Events page) and the cursor of its end (where a page's live stream starts). [`LogTail`]
//! remembers, per account, the last cursor read and the newest [`KEEP`] events, and reads
//! forward from there on each call: the first call for an account reads its whole log once
//! on this node, later calls only what was added since.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use switchboard_core::event::Event;
use switchboard_core::id::AccountId;
use switchboard_store::messages::EventFilter;
use switchboard_store::Store;

use crate::error::ConsoleResult;

/// Events kept per account.
pub const KEEP: usize = 100;
/// Events read per round.
const BATCH: u32 = 500;

#[derive(Default, Clone)]
struct Entry {
    cursor: Option<String>,
    recent: VecDeque<Event>,
}

/// The newest events and the end cursor of each account's log (see the module doc).
#[derive(Default)]
pub struct LogTail {
    accounts: Mutex<HashMap<AccountId, Entry>>,
}

/// The end of an account's log.
#[derive(Debug, Clone, Default)]
pub struct Tail {
    /// The cursor of the newest event (`None` when the log is empty).
    pub cursor: Option<String>,
    /// Up to [`KEEP`] newest events, oldest first.
    pub recent: Vec<Event>,
}

impl LogTail {
    /// Reads `account`'s log forward to its end and returns the end.
    pub async fn read(&self, store: &dyn Store, account: AccountId) -> ConsoleResult<Tail> {
        let mut entry = self
            .accounts
            .lock()
            .ok()
            .and_then(|m| m.get(&account).cloned())
            .unwrap_or_default();
        let all = EventFilter::default();
        loop {
            let page = switchboard_service::events::list(
                store,
                account,
                &all,
                entry.cursor.as_deref(),
                BATCH,
            )
            .await?;
            let done = page.items.len() < BATCH as usize;
            for event in page.items {
                entry.cursor = Some(event.cursor.clone());
                entry.recent.push_back(event);
                if entry.recent.len() > KEEP {
                    entry.recent.pop_front();
                }
            }
            if done {
                break;
            }
        }
        if let Ok(mut map) = self.accounts.lock() {
            map.insert(account, entry.clone());
        }
        Ok(Tail {
            cursor: entry.cursor,
            recent: entry.recent.into_iter().collect(),
        })
    }
}
