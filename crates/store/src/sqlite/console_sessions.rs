//! SQLite: console sessions and sign-in tokens (see [`ConsoleSessionStore`]).

use async_trait::async_trait;
use rusqlite::params;
use switchboard_core::time::Millis;

use super::query::query_one;
use super::SqliteStore;
use crate::console_sessions::{
    session, sign_in_token, ConsoleSession, SignInToken, DELETE_SESSION, FIND_SESSION,
    INSERT_SESSION, INSERT_TOKEN, PURGE_SESSIONS, PURGE_TOKENS, TAKE_TOKEN, TOUCH_SESSION,
};
use crate::{ConsoleSessionStore, StoreResult};

fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

#[async_trait]
impl ConsoleSessionStore for SqliteStore {
    async fn create_console_session(&self, s: &ConsoleSession) -> StoreResult<()> {
        let s = s.clone();
        self.engine
            .write(move |c| {
                c.execute(
                    &sqlite_sql(INSERT_SESSION),
                    params![
                        s.id_hash,
                        s.account_id.map(|a| a.to_string()),
                        s.key_id.map(|k| k.to_string()),
                        s.csrf_token,
                        s.created_at,
                        s.last_seen_at,
                        s.idle_expires_at,
                        s.expires_at
                    ],
                )?;
                Ok(())
            })
            .await
    }

    async fn find_console_session(
        &self,
        id_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<ConsoleSession>> {
        let id_hash = id_hash.to_string();
        self.engine
            .read(move |c| query_one(c, &sqlite_sql(FIND_SESSION), params![id_hash, now], session))
            .await
    }

    async fn touch_console_session(
        &self,
        id_hash: &str,
        now: Millis,
        idle_expires_at: Millis,
    ) -> StoreResult<bool> {
        let id_hash = id_hash.to_string();
        self.engine
            .write(move |c| {
                let n = c.execute(
                    &sqlite_sql(TOUCH_SESSION),
                    params![id_hash, now, idle_expires_at],
                )?;
                Ok(n == 1)
            })
            .await
    }

    async fn delete_console_session(&self, id_hash: &str) -> StoreResult<bool> {
        let id_hash = id_hash.to_string();
        self.engine
            .write(move |c| Ok(c.execute(&sqlite_sql(DELETE_SESSION), params![id_hash])? == 1))
            .await
    }

    async fn purge_console_sessions(&self, now: Millis) -> StoreResult<u64> {
        self.engine
            .write(move |c| {
                let sessions = c.execute(&sqlite_sql(PURGE_SESSIONS), params![now])?;
                let tokens = c.execute(&sqlite_sql(PURGE_TOKENS), params![now])?;
                Ok(u64::try_from(sessions + tokens).unwrap_or(u64::MAX))
            })
            .await
    }

    async fn create_sign_in_token(&self, t: &SignInToken) -> StoreResult<()> {
        let t = t.clone();
        self.engine
            .write(move |c| {
                c.execute(
                    &sqlite_sql(INSERT_TOKEN),
                    params![
                        t.token_hash,
                        t.account_id.map(|a| a.to_string()),
                        t.key_id.map(|k| k.to_string()),
                        t.created_at,
                        t.expires_at
                    ],
                )?;
                Ok(())
            })
            .await
    }

    async fn take_sign_in_token(
        &self,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<SignInToken>> {
        let token_hash = token_hash.to_string();
        let taken = self
            .engine
            .write(move |c| {
                query_one(
                    c,
                    &sqlite_sql(TAKE_TOKEN),
                    params![token_hash],
                    sign_in_token,
                )
            })
            .await?;
        Ok(taken.filter(|t| t.expires_at > now))
    }
}
