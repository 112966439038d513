//! PostgreSQL: console sessions and sign-in tokens (see [`ConsoleSessionStore`]).

use async_trait::async_trait;
use switchboard_core::time::Millis;

use super::PgStore;
use crate::console_sessions::{
    session, sign_in_token, ConsoleSession, SignInToken, DELETE_SESSION, FIND_SESSION,
    INSERT_SESSION, INSERT_TOKEN, PURGE_SESSIONS, PURGE_TOKENS, TAKE_TOKEN, TOUCH_SESSION,
};
use crate::{ConsoleSessionStore, StoreResult};

#[async_trait]
impl ConsoleSessionStore for PgStore {
    async fn create_console_session(&self, s: &ConsoleSession) -> StoreResult<()> {
        sqlx::query(INSERT_SESSION)
            .bind(&s.id_hash)
            .bind(s.account_id.map(|a| a.to_string()))
            .bind(s.key_id.map(|k| k.to_string()))
            .bind(&s.csrf_token)
            .bind(s.created_at)
            .bind(s.last_seen_at)
            .bind(s.idle_expires_at)
            .bind(s.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn find_console_session(
        &self,
        id_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<ConsoleSession>> {
        self.fetch_one(sqlx::query(FIND_SESSION).bind(id_hash).bind(now), session)
            .await
    }

    async fn touch_console_session(
        &self,
        id_hash: &str,
        now: Millis,
        idle_expires_at: Millis,
    ) -> StoreResult<bool> {
        let done = sqlx::query(TOUCH_SESSION)
            .bind(id_hash)
            .bind(now)
            .bind(idle_expires_at)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_console_session(&self, id_hash: &str) -> StoreResult<bool> {
        let done = sqlx::query(DELETE_SESSION)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn purge_console_sessions(&self, now: Millis) -> StoreResult<u64> {
        let sessions = sqlx::query(PURGE_SESSIONS)
            .bind(now)
            .execute(&self.pool)
            .await?;
        let tokens = sqlx::query(PURGE_TOKENS)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(sessions.rows_affected() + tokens.rows_affected())
    }

    async fn create_sign_in_token(&self, t: &SignInToken) -> StoreResult<()> {
        sqlx::query(INSERT_TOKEN)
            .bind(&t.token_hash)
            .bind(t.account_id.map(|a| a.to_string()))
            .bind(t.key_id.map(|k| k.to_string()))
            .bind(t.created_at)
            .bind(t.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn take_sign_in_token(
        &self,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<SignInToken>> {
        let taken = self
            .fetch_one(sqlx::query(TAKE_TOKEN).bind(token_hash), sign_in_token)
            .await?;
        Ok(taken.filter(|t| t.expires_at > now))
    }
}
