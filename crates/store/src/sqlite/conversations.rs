//! SQLite: conversations (see [`ConversationStore`]).

use async_trait::async_trait;
use rusqlite::params;
use switchboard_core::id::{AccountId, ChannelId};

use super::SqliteStore;
use crate::conversations::{self, ConversationStore, MARK_READ};
use crate::shared_methods::shared_method;
use crate::StoreResult;

#[async_trait]
impl ConversationStore for SqliteStore {
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
        let chat = chat.to_string();
        self.engine
            .write(move |c| {
                let n = c
                    .prepare_cached(&MARK_READ.replace('$', "?"))?
                    .execute(params![channel.to_string(), chat, account.to_string()])?;
                Ok(n == 1)
            })
            .await
    }
}
