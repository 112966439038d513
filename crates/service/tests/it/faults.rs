//! Which store methods fail, and how many more times; how often each was called.

use std::collections::HashMap;
use std::sync::Mutex;

use switchboard_store::{StoreError, StoreResult};

/// Failures to inject, per store method name.
#[derive(Default)]
pub struct Faults {
    remaining: Mutex<HashMap<&'static str, u32>>,
    failed: Mutex<HashMap<&'static str, u32>>,
    calls: Mutex<HashMap<&'static str, u32>>,
}

impl Faults {
    /// Makes the next `times` calls of `method` fail.
    pub fn fail(&self, method: &'static str, times: u32) {
        self.remaining.lock().unwrap().insert(method, times);
    }

    /// How many calls of `method` failed so far.
    pub fn failed(&self, method: &str) -> u32 {
        self.failed
            .lock()
            .unwrap()
            .get(method)
            .copied()
            .unwrap_or(0)
    }

    /// How many times `method` was called so far (failed or not).
    pub fn calls(&self, method: &str) -> u32 {
        self.calls.lock().unwrap().get(method).copied().unwrap_or(0)
    }

    /// Counts this call of `method`, and fails it if failures remain for it.
    pub fn check(&self, method: &'static str) -> StoreResult<()> {
        *self.calls.lock().unwrap().entry(method).or_insert(0) += 1;
        let mut remaining = self.remaining.lock().unwrap();
        match remaining.get_mut(method) {
            Some(n) if *n > 0 => {
                *n -= 1;
                *self.failed.lock().unwrap().entry(method).or_insert(0) += 1;
                Err(StoreError::Backend(format!("injected failure of {method}")))
            }
            _ => Ok(()),
        }
    }
}
