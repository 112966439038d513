//! PostgreSQL: conversations (see [`ConversationStore`]).

use async_trait::async_trait;
use switchboard_core::id::{AccountId, ChannelId};

use super::PgStore;
use crate::conversations::{self, ConversationStore, MARK_READ};
use crate::shared_methods::shared_method;
use crate::StoreResult;

#[async_trait]
impl ConversationStore for PgStore {
    shared_method!(
        list_conversations['life1, 'life2](
            account: AccountId,
            filter: &'life1 conversations::ConversationFilter,
            page: &'life2 crate::PageRequest
        ) -> crate::Page<conversations::Conversation> = conversations::list_conversations
    );

    async fn mark_conversation_read(
        &self,
        account: AccountId,
        channel: ChannelId,
        chat: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(MARK_READ)
            .bind(channel.to_string())
            .bind(chat)
            .bind(account.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
