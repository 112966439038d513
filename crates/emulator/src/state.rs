//! The emulator's shared state, behind one `Arc`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tokio::sync::mpsc;

use crate::config::{EmulatorConfig, Faults, PhoneNumberConfig};
use crate::faults::{PairLimiter, Throughput};
use crate::ids::IdGen;
use crate::media::MediaStore;
use crate::records::Records;
use crate::templates::{hello_world, TemplateStore};
use crate::webhook::Job;

/// Locks a mutex, recovering the data if a holder panicked.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Read-locks, recovering the data if a holder panicked.
pub(crate) fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

/// Write-locks, recovering the data if a holder panicked.
pub(crate) fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

/// Inbound wamids the emulator posted, per phone number (bounded, oldest dropped first).
#[derive(Debug)]
pub(crate) struct InboundIds {
    set: HashSet<(String, String)>,
    order: VecDeque<(String, String)>,
    cap: usize,
}

impl InboundIds {
    fn new(cap: usize) -> Self {
        Self {
            set: HashSet::new(),
            order: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    /// Remembers that `wamid` was posted to `phone`.
    pub(crate) fn insert(&mut self, phone: &str, wamid: &str) {
        let key = (phone.to_string(), wamid.to_string());
        if self.set.contains(&key) {
            return;
        }
        if self.order.len() >= self.cap {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        self.set.insert(key.clone());
        self.order.push_back(key);
    }

    /// Whether `wamid` was posted to `phone`.
    pub(crate) fn contains(&self, phone: &str, wamid: &str) -> bool {
        self.set.contains(&(phone.to_string(), wamid.to_string()))
    }
}

/// Everything the handlers and background tasks share.
pub(crate) struct Inner {
    pub config: EmulatorConfig,
    pub faults: RwLock<Faults>,
    pub ids: IdGen,
    /// Graph requests that reached the fault stage; indexes the seeded draws.
    pub fault_counter: AtomicU64,
    /// Arrival order of recorded requests.
    pub request_seq: AtomicU64,
    pub phones: RwLock<HashMap<String, Arc<PhoneNumberConfig>>>,
    pub records: Mutex<Records>,
    pub media: Mutex<MediaStore>,
    pub templates: Mutex<TemplateStore>,
    /// Business profiles and commerce settings changed since the start or the last reset.
    pub profiles: Mutex<crate::graph::profile::Profiles>,
    /// Unix seconds of the last inbound message per (phone number id, customer wa_id).
    pub windows: Mutex<HashMap<(String, String), i64>>,
    pub inbound_ids: Mutex<InboundIds>,
    pub throughput: Mutex<Throughput>,
    pub pairs: Mutex<PairLimiter>,
    /// Webhook lanes per phone number id.
    pub lanes: Mutex<HashMap<String, Vec<mpsc::Sender<Job>>>>,
    /// The last failed webhook attempt per URL: (unix seconds, Telegram-style message).
    pub webhook_errors: Mutex<HashMap<String, (i64, String)>>,
    /// Telegram bots.
    pub telegram: Mutex<crate::telegram::Bots>,
    /// Messenger pages and Instagram accounts.
    pub pages: Mutex<crate::meta_send::Pages>,
    pub http: reqwest::Client,
    /// The fake WhatsApp Web phone.
    pub web: crate::web::FakeWebDriver,
}

impl Inner {
    /// Fresh state for `config`.
    pub fn new(config: EmulatorConfig) -> Self {
        let cap = config.max_records;
        Self {
            faults: RwLock::new(config.faults.clone()),
            ids: IdGen::new(),
            fault_counter: AtomicU64::new(0),
            request_seq: AtomicU64::new(0),
            phones: RwLock::new(HashMap::new()),
            records: Mutex::new(Records::new(cap)),
            media: Mutex::new(MediaStore::new(config.media_store_limit_bytes)),
            templates: Mutex::new(TemplateStore::default()),
            profiles: Mutex::new(Default::default()),
            windows: Mutex::new(HashMap::new()),
            inbound_ids: Mutex::new(InboundIds::new(cap)),
            throughput: Mutex::new(Throughput::default()),
            pairs: Mutex::new(PairLimiter::default()),
            lanes: Mutex::new(HashMap::new()),
            webhook_errors: Mutex::new(HashMap::new()),
            telegram: Mutex::new(Default::default()),
            pages: Mutex::new(Default::default()),
            http: reqwest::Client::new(),
            web: crate::web::FakeWebDriver::new(&config),
            config,
        }
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        read(&self.faults).clone()
    }

    /// The phone number with that id.
    pub fn phone(&self, id: &str) -> Option<Arc<PhoneNumberConfig>> {
        read(&self.phones).get(id).cloned()
    }

    /// The phone numbers of a WABA, ordered by id.
    pub fn waba_phones(&self, waba: &str) -> Vec<Arc<PhoneNumberConfig>> {
        let mut v: Vec<_> = read(&self.phones)
            .values()
            .filter(|p| p.waba_id == waba)
            .cloned()
            .collect();
        v.sort_by(|a, b| a.phone_number_id.cmp(&b.phone_number_id));
        v
    }

    /// Whether any phone number has this access token.
    pub fn token_known(&self, token: &str) -> bool {
        read(&self.phones).values().any(|p| p.access_token == token)
    }

    /// Whether `token` belongs to a phone number of `waba`.
    pub fn token_in_waba(&self, token: &str, waba: &str) -> bool {
        read(&self.phones)
            .values()
            .any(|p| p.waba_id == waba && p.access_token == token)
    }

    /// Registers or replaces a phone number; seeds `hello_world` on a new WABA.
    pub fn add_phone_number(&self, p: PhoneNumberConfig) {
        {
            let mut t = lock(&self.templates);
            if !t.has_waba(&p.waba_id) {
                // A fresh WABA cannot already hold hello_world.
                let _ = t.add(&p.waba_id, hello_world(self.ids.numeric()));
            }
        }
        write(&self.phones).insert(p.phone_number_id.clone(), Arc::new(p));
    }

    /// Whether the 24-hour window of (phone, customer) is open at `now` (unix seconds).
    pub fn window_open(&self, phone: &str, wa_id: &str, now: i64) -> bool {
        lock(&self.windows)
            .get(&(phone.to_string(), wa_id.to_string()))
            .is_some_and(|last| now - *last < 24 * 3600)
    }

    /// Records a customer message at `ts` (unix seconds).
    pub fn touch_window(&self, phone: &str, wa_id: &str, ts: i64) {
        let mut w = lock(&self.windows);
        let e = w
            .entry((phone.to_string(), wa_id.to_string()))
            .or_insert(ts);
        *e = (*e).max(ts);
    }

    /// Whether the emulator treats `wa_id` as not on WhatsApp.
    pub fn undeliverable(&self, wa_id: &str) -> bool {
        let suffix_hit = self
            .config
            .undeliverable_suffix
            .as_deref()
            .is_some_and(|s| !s.is_empty() && wa_id.ends_with(s));
        suffix_hit || self.config.undeliverable_numbers.iter().any(|n| n == wa_id)
    }

    /// The absolute (or root-relative) base of download URLs.
    pub fn base_url(&self) -> String {
        self.config
            .public_base_url
            .as_deref()
            .unwrap_or("")
            .trim_end_matches('/')
            .to_string()
    }
}

/// Unix seconds now.
pub(crate) fn now_secs() -> i64 {
    now_millis() / 1000
}

/// Unix milliseconds now.
pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
