//! `setWebhook`, `deleteWebhook`, `getWebhookInfo` and `getUpdates` (long polling).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::state::{post_for, Webhook};
use super::{flush, with_bot, TgError, TgOk};
use crate::params::Params;
use crate::state::{lock, Inner};

/// How often a waiting `getUpdates` looks at the queue.
const POLL_STEP_MS: u64 = 10;

fn valid_secret(s: &str) -> bool {
    (1..=256).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `setWebhook(url, secret_token?, max_connections?, drop_pending_updates?,
/// allowed_updates?)`; an empty `url` removes the webhook. Pending updates go to the new
/// webhook unless dropped. Plain `http://` URLs are accepted (the emulator's receivers are
/// local).
pub(crate) async fn set_webhook(
    inner: &Arc<Inner>,
    bot_id: i64,
    p: &Params,
) -> Result<TgOk, TgError> {
    let url = p.str("url").unwrap_or_default();
    if url.is_empty() {
        return delete_webhook(inner, bot_id, p);
    }
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(TgError::bad(
            "bad webhook: An HTTPS URL must be provided for webhook",
        ));
    }
    let secret = p.str("secret_token").filter(|s| !s.is_empty());
    if secret.as_deref().is_some_and(|s| !valid_secret(s)) {
        return Err(TgError::bad("secret token contains unallowed characters"));
    }
    let max_connections = p.int("max_connections").unwrap_or(40).clamp(1, 100);
    let drop = p.bool("drop_pending_updates");
    let allowed = allowed_updates(p)?;
    let posts = with_bot(inner, bot_id, |bot| {
        if allowed.is_some() {
            bot.allowed_updates = allowed;
        }
        let hook = Webhook {
            url,
            secret,
            max_connections,
        };
        let pending: Vec<Value> = bot.queue.drain(..).collect();
        let posts = if drop {
            Vec::new()
        } else {
            pending
                .iter()
                .map(|u| (chat_of(u), post_for(&hook, u)))
                .collect()
        };
        bot.webhook = Some(hook);
        Ok(posts)
    })?;
    flush(inner, bot_id, posts).await;
    Ok(TgOk {
        result: json!(true),
        description: Some("Webhook was set"),
    })
}

/// The `allowed_updates` parameter, if given: a JSON array of update kinds.
fn allowed_updates(p: &Params) -> Result<Option<Vec<String>>, TgError> {
    let Some(v) = p.json("allowed_updates").map_err(TgError::bad)? else {
        return Ok(None);
    };
    let list = v
        .as_array()
        .ok_or_else(|| TgError::bad("can't parse allowed updates JSON array"))?;
    Ok(Some(
        list.iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    ))
}

/// The chat (or user) an update concerns: its delivery lane.
pub(crate) fn chat_of(update: &Value) -> i64 {
    [
        "message",
        "callback_query",
        "message_reaction",
        "my_chat_member",
    ]
    .iter()
    .find_map(|k| {
        let u = update.get(*k)?;
        u.pointer("/chat/id")
            .or_else(|| u.pointer("/from/id"))
            .or_else(|| u.pointer("/user/id"))
            .and_then(Value::as_i64)
    })
    .unwrap_or_default()
}

/// `deleteWebhook(drop_pending_updates?)`.
pub(crate) fn delete_webhook(inner: &Inner, bot_id: i64, p: &Params) -> Result<TgOk, TgError> {
    let drop = p.bool("drop_pending_updates");
    let had = with_bot(inner, bot_id, |bot| {
        if drop {
            bot.queue.clear();
        }
        Ok(bot.webhook.take().is_some())
    })?;
    Ok(TgOk {
        result: json!(true),
        description: Some(if had {
            "Webhook was deleted"
        } else {
            "Webhook is already deleted"
        }),
    })
}

/// `getWebhookInfo`.
pub(crate) fn webhook_info(inner: &Inner, bot_id: i64) -> Result<Value, TgError> {
    with_bot(inner, bot_id, |bot| {
        let mut info = json!({
            "url": bot.webhook.as_ref().map(|w| w.url.clone()).unwrap_or_default(),
            "has_custom_certificate": false,
            "pending_update_count": bot.queue.len(),
        });
        if let Some(w) = &bot.webhook {
            info["max_connections"] = json!(w.max_connections);
            if let Some((date, message)) = lock(&inner.webhook_errors).get(&w.url) {
                info["last_error_date"] = json!(date);
                info["last_error_message"] = json!(message);
            }
        }
        Ok(info)
    })
}

/// `getUpdates(offset?, limit 1–100, timeout 0–50 s, allowed_updates?)`: confirms updates
/// below `offset` (a negative offset keeps the last `-offset`), then answers at once when
/// updates wait, else waits up to `timeout`. 409 while a webhook is set, and for a waiting call
/// that a newer one replaced.
pub(crate) async fn get_updates(inner: &Inner, bot_id: i64, p: &Params) -> Result<Value, TgError> {
    let limit = p.int("limit").unwrap_or(100).clamp(1, 100) as usize;
    let timeout = p.int("timeout").unwrap_or(0).clamp(0, 50) as u64;
    let offset = p.int("offset");
    let allowed = allowed_updates(p)?;
    let generation = with_bot(inner, bot_id, |bot| {
        if bot.webhook.is_some() {
            return Err(TgError::conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            ));
        }
        if allowed.is_some() {
            bot.allowed_updates = allowed;
        }
        match offset {
            Some(o) if o < 0 => {
                let keep = o.unsigned_abs() as usize;
                while bot.queue.len() > keep {
                    bot.queue.pop_front();
                }
            }
            Some(o) => bot
                .queue
                .retain(|u| u["update_id"].as_i64().unwrap_or_default() >= o),
            None => {}
        }
        bot.poll_generation += 1;
        Ok(bot.poll_generation)
    })?;
    let steps = timeout * 1000 / POLL_STEP_MS;
    let mut step = 0;
    loop {
        let batch = with_bot(inner, bot_id, |bot| {
            if bot.poll_generation != generation {
                return Err(TgError::conflict(
                    "terminated by other getUpdates request; make sure that only one bot instance is running",
                ));
            }
            Ok(bot.queue.iter().take(limit).cloned().collect::<Vec<_>>())
        })?;
        if !batch.is_empty() || step >= steps {
            return Ok(Value::Array(batch));
        }
        step += 1;
        tokio::time::sleep(Duration::from_millis(POLL_STEP_MS)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_are_laned_by_chat() {
        assert_eq!(chat_of(&json!({"message": {"chat": {"id": 5}}})), 5);
        assert_eq!(chat_of(&json!({"callback_query": {"from": {"id": 6}}})), 6);
        assert_eq!(chat_of(&json!({"my_chat_member": {"chat": {"id": 7}}})), 7);
        assert_eq!(chat_of(&json!({})), 0);
    }

    #[test]
    fn secrets() {
        assert!(valid_secret("abc_DEF-123"));
        assert!(!valid_secret(""));
        assert!(!valid_secret("with space"));
        assert!(!valid_secret(&"a".repeat(257)));
    }
}
