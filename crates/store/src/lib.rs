//! Switchboard's store: one trait family ([`Store`]), a SQLite implementation (the embedded
//! default) and a PostgreSQL implementation (for scale), their migrations, and a conformance
//! suite (`conformance`, feature `testing`) that runs the same tests against both.
//!
//! Every query is scoped by account where the data belongs to one: a record of another
//! account is simply not found.

pub mod accounts;
pub mod bot;
mod broadcast_rules;
pub mod broadcasts;
mod channel_json;
pub mod channels;
mod columns;
pub mod console_sessions;
pub mod contacts;
pub mod conversations;
pub mod credits;
mod decode;
mod error;
pub mod events;
mod import_events;
pub mod keys;
pub mod leases;
pub mod media;
mod message_rules;
pub mod messages;
pub mod meta;
mod owned;
mod page;
pub mod polls;
pub mod postgres;
pub mod schedule;
pub mod secrets;
mod select;
mod shared_methods;
pub mod sqlite;
pub mod statements;
pub mod stats;
mod store;
pub mod templates;
pub mod wabot_instances;
pub mod web_sessions;
pub mod webhooks;

#[cfg(any(test, feature = "testing"))]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub mod conformance;
#[cfg(any(test, feature = "testing"))]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub mod testing;

use std::sync::Arc;

pub use accounts::AccountStore;
pub use bot::BotStore;
pub use broadcasts::BroadcastStore;
pub use channels::ChannelStore;
pub use console_sessions::ConsoleSessionStore;
pub use contacts::ContactStore;
pub use conversations::ConversationStore;
pub use credits::CreditStore;
pub use error::StoreError;
pub use events::EventStore;
pub use keys::KeyStore;
pub use leases::LeaseStore;
pub use media::MediaStore;
pub use messages::MessageStore;
pub use meta::MetaStore;
pub use page::{Page, PageRequest};
pub use polls::PollStore;
pub use schedule::ScheduleStore;
pub use secrets::{Keyring, SecretKey};
pub use stats::StatsStore;
pub use store::Store;
pub use templates::TemplateStore;
pub use wabot_instances::WabotInstanceStore;
pub use web_sessions::WebSessionStore;
pub use webhooks::WebhookStore;

/// Result type of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Opens the store named by `url` (`sqlite://PATH` or `postgres://…`), applying migrations;
/// `keys` seal and open its secrets.
pub async fn open(url: &str, keys: Keyring) -> StoreResult<Arc<dyn Store>> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let counter = statements::StatementCounter::watching(url);
        let store = sqlite::SqliteStore::open_counted(path, keys, counter).await?;
        Ok(Arc::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let counter = statements::StatementCounter::watching(url);
        let store = postgres::PgStore::connect_counted(url, keys, counter).await?;
        Ok(Arc::new(store))
    } else {
        Err(StoreError::Config(format!(
            "unsupported database URL scheme in `{}`: use sqlite://PATH or postgres://…",
            redact_url(url)
        )))
    }
}

/// Applies pending migrations of the store at `url` and returns how many were applied.
pub async fn migrate(url: &str) -> StoreResult<usize> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        sqlite::migrate_path(path).await
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        postgres::migrate_url(url).await
    } else {
        Err(StoreError::Config(format!(
            "unsupported database URL scheme in `{}`",
            redact_url(url)
        )))
    }
}

/// Removes the password from a database URL so it can be logged.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
