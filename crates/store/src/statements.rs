//! Counting the SQL statements a store runs, for tests that hold the hot path to a budget.
//!
//! A [`StatementCounter`] is registered for a database URL with [`StatementCounter::watch`]
//! before the store is opened; [`crate::open`] hands it to the store it opens there. Without
//! one nothing is installed and nothing is counted (the store keeps a `None`).
//!
//! What is recorded, as [`Unit`]s of statements (normalized SQL text, whitespace collapsed):
//! - SQLite: every statement a job of the engine runs (rusqlite's profile hook, installed only
//!   on a counted store's connections), one unit per read or write job, the write job's
//!   `SAVEPOINT`/`RELEASE` included; the group transaction around write jobs (`BEGIN
//!   IMMEDIATE` … `COMMIT`, shared by concurrent writes) is not a statement of any job and is
//!   counted as one transaction per write unit.
//! - PostgreSQL: every statement sqlx executes (its `sqlx::query` tracing event, seen by the
//!   subscriber [`StatementCounter::capture`] installs on the calling thread), one unit per
//!   connection taken from the pool by a task (a statement, or a transaction up to its
//!   `COMMIT`), starting with the liveness ping sqlx sends then ([`PING`], a round trip) or
//!   the marker of a new connection ([`CONNECT`]);
//!   sqlx does not log the `BEGIN` it sends, so a `BEGIN` is written before each `COMMIT`.
//!
//! Each unit carries the `request` span it ran under (`METHOD path #request_id`, set by the
//! API's request-id layer), or none for background work. Spans are followed by the capture
//! subscriber on its thread only: the test runs the server on a current-thread runtime, so
//! every request and worker task is polled there (SQLite jobs take their label when they are
//! queued, on that thread).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// The marker of sqlx's liveness ping on an idle pooled connection (a round trip).
pub const PING: &str = "-- ping";
/// The marker of a new PostgreSQL connection opened for a task.
pub const CONNECT: &str = "-- connect";

/// Statements run together: one SQLite job, or one PostgreSQL transaction or statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The request the unit ran for (`METHOD path #request_id`), `None` for background work.
    pub request: Option<String>,
    /// Whether the unit writes (a SQLite write job, a PostgreSQL transaction).
    pub write: bool,
    /// The statements, normalized, in order.
    pub statements: Vec<String>,
    /// Whether any statement returned or changed a row (PostgreSQL only; SQLite: `None`).
    pub rows: Option<bool>,
}

#[derive(Default)]
struct Shared {
    units: Vec<Unit>,
    /// The PostgreSQL unit each task is running (since its last pool acquisition).
    open: HashMap<u64, Unit>,
    /// The label of each live `request` span.
    spans: HashMap<u64, String>,
    /// The metadata of each live `request` span (for [`Subscriber::current_span`]).
    metas: HashMap<u64, &'static Metadata<'static>>,
}

/// Records the statements of the store opened at a watched URL (see the module doc).
#[derive(Clone, Default)]
pub struct StatementCounter {
    shared: Arc<Mutex<Shared>>,
}

fn registry() -> &'static Mutex<HashMap<String, StatementCounter>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, StatementCounter>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

thread_local! {
    /// The labels of the `request` spans entered on this thread, innermost last.
    static ENTERED: RefCell<Vec<(u64, Option<String>)>> = const { RefCell::new(Vec::new()) };
    /// The SQLite job running on this thread and where its unit goes.
    static JOB: RefCell<Option<(StatementCounter, Unit)>> = const { RefCell::new(None) };
}

/// Collapses whitespace so that one statement has one text.
pub fn normalize(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn task() -> u64 {
    tokio::task::try_id()
        .map(|id| {
            let text = id.to_string();
            text.parse().unwrap_or(0)
        })
        .unwrap_or(0)
}

impl StatementCounter {
    /// A counter for the store that will be opened at `url` (the URL given to
    /// [`crate::open`]); returns it (an existing one if the URL is watched already).
    pub fn watch(url: &str) -> StatementCounter {
        let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
        map.entry(url.to_string()).or_default().clone()
    }

    /// The counter watching `url`, if any (what [`crate::open`] asks).
    pub fn watching(url: &str) -> Option<StatementCounter> {
        let map = registry().lock().unwrap_or_else(|e| e.into_inner());
        map.get(url).cloned()
    }

    /// Stops watching `url` (stores opened there afterwards are not counted).
    pub fn unwatch(url: &str) {
        let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
        map.remove(url);
    }

    /// Installs, on this thread until the guard drops, the subscriber that follows `request`
    /// spans and records PostgreSQL statements (other events and spans are dropped).
    pub fn capture(&self) -> tracing::subscriber::DefaultGuard {
        // With a single registered dispatcher, tracing decides a callsite's interest from
        // the default of whichever thread hits it first (another test's thread: none), and
        // caches "never"; a second dispatcher kept alive makes it ask every live one.
        static SECOND: OnceLock<tracing::Dispatch> = OnceLock::new();
        SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
        tracing::subscriber::set_default(Capture {
            counter: self.clone(),
        })
    }

    /// The units recorded since the last call, oldest first (open transactions stay).
    pub fn take(&self) -> Vec<Unit> {
        let mut shared = self.lock();
        let open: Vec<Unit> = shared.open.drain().map(|(_, unit)| unit).collect();
        shared.units.extend(open);
        std::mem::take(&mut shared.units)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, unit: Unit) {
        self.lock().units.push(unit);
    }

    /// A new unit for a SQLite job queued now (labelled with the current request).
    pub(crate) fn job(&self, write: bool) -> (StatementCounter, Unit) {
        let unit = Unit {
            request: current_request(),
            write,
            statements: Vec::new(),
            rows: None,
        };
        (self.clone(), unit)
    }

    /// A PostgreSQL connection was taken from the pool (`how`: [`PING`] for an idle one,
    /// [`CONNECT`] for a new one): the task's statements from here on are one unit, until
    /// its next acquisition or its `COMMIT`.
    pub(crate) fn acquired(&self, how: &str) {
        let task = task();
        let request = current_request();
        let mut shared = self.lock();
        if let Some(unit) = shared.open.remove(&task) {
            shared.units.push(unit);
        }
        let unit = Unit {
            request,
            write: false,
            statements: vec![how.to_string()],
            rows: Some(false),
        };
        shared.open.insert(task, unit);
    }

    fn postgres_statement(&self, sql: String, rows: bool) {
        let task = task();
        let request = current_request();
        let mut shared = self.lock();
        let unit = shared.open.entry(task).or_insert_with(|| Unit {
            request,
            write: false,
            statements: Vec::new(),
            rows: Some(false),
        });
        let ends = sql == "COMMIT" || sql == "ROLLBACK";
        if ends {
            // sqlx sends the `BEGIN` as a simple query it does not log: one more round trip.
            let after = unit
                .statements
                .first()
                .is_some_and(|s| s == PING || s == CONNECT);
            unit.statements
                .insert(usize::from(after), "BEGIN".to_string());
            unit.write = true;
        }
        unit.statements.push(sql);
        unit.rows = Some(unit.rows == Some(true) || rows);
        if ends {
            if let Some(unit) = shared.open.remove(&task) {
                shared.units.push(unit);
            }
        }
    }
}

/// The label of the innermost `request` span entered on this thread.
fn current_request() -> Option<String> {
    ENTERED.with(|e| e.borrow().iter().rev().find_map(|(_, l)| l.clone()))
}

/// Runs `f` with the SQLite job `job` recording the statements of this thread, then
/// records its unit.
pub(crate) fn in_job<T>(job: Option<(StatementCounter, Unit)>, f: impl FnOnce() -> T) -> T {
    let Some(job) = job else { return f() };
    JOB.with(|j| *j.borrow_mut() = Some(job));
    let out = f();
    if let Some((counter, unit)) = JOB.with(|j| j.borrow_mut().take()) {
        counter.push(unit);
    }
    out
}

/// rusqlite's profile hook: records the finished statement in this thread's job.
pub(crate) fn sqlite_profile(sql: &str, _elapsed: std::time::Duration) {
    JOB.with(|j| {
        if let Some((_, unit)) = j.borrow_mut().as_mut() {
            unit.statements.push(normalize(sql));
        }
    });
}

/// A readable list of units: statements grouped by text with their counts.
pub fn describe(units: &[Unit]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for s in units.iter().flat_map(|u| &u.statements) {
        match counts.iter_mut().find(|(t, _)| t == s) {
            Some((_, n)) => *n += 1,
            None => counts.push((s.clone(), 1)),
        }
    }
    let mut out = String::new();
    for (text, n) in counts {
        let _ = writeln!(out, "  {n:>3} × {text}");
    }
    out
}

/// The subscriber of [`StatementCounter::capture`].
struct Capture {
    counter: StatementCounter,
}

#[derive(Default)]
struct Fields {
    method: String,
    path: String,
    request_id: String,
    summary: String,
    statement: String,
    rows: bool,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        self.record_str(field, text.trim_matches('"'));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "method" => self.method = value.to_string(),
            "path" => self.path = value.to_string(),
            "request_id" => self.request_id = value.to_string(),
            "summary" => self.summary = value.to_string(),
            "db.statement" => self.statement = value.to_string(),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if matches!(field.name(), "rows_affected" | "rows_returned") && value > 0 {
            self.rows = true;
        }
    }
}

impl Subscriber for Capture {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_span() || metadata.target() == "sqlx::query"
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if span.metadata().name() == "request" {
            let mut fields = Fields::default();
            span.record(&mut fields);
            let label = format!("{} {} #{}", fields.method, fields.path, fields.request_id);
            let mut shared = self.counter.lock();
            shared.spans.insert(id, label);
            shared.metas.insert(id, span.metadata());
        }
        Id::from_u64(id)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    /// The innermost `request` span entered on this thread, so `Span::current()` finds it:
    /// work handed to another task (the PostgreSQL group commit) carries it along.
    fn current_span(&self) -> tracing_core::span::Current {
        let entered: Vec<u64> =
            ENTERED.with(|e| e.borrow().iter().rev().map(|(id, _)| *id).collect());
        let shared = self.counter.lock();
        entered
            .into_iter()
            .find_map(|id| shared.metas.get(&id).map(|meta| (id, *meta)))
            .map_or_else(tracing_core::span::Current::none, |(id, meta)| {
                tracing_core::span::Current::new(Id::from_u64(id), meta)
            })
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let sql = if fields.statement.trim().is_empty() {
            fields.summary
        } else {
            fields.statement
        };
        self.counter
            .postgres_statement(normalize(&sql), fields.rows);
    }

    fn enter(&self, span: &Id) {
        let label = self.counter.lock().spans.get(&span.into_u64()).cloned();
        ENTERED.with(|e| e.borrow_mut().push((span.into_u64(), label)));
    }

    fn exit(&self, span: &Id) {
        ENTERED.with(|e| {
            let mut entered = e.borrow_mut();
            if let Some(at) = entered.iter().rposition(|(id, _)| *id == span.into_u64()) {
                entered.remove(at);
            }
        });
    }
}
