//! One bot's state: webhook, pending updates, chats' message ids, users, files, callbacks.

use std::collections::{HashMap, HashSet, VecDeque};

use bytes::Bytes;
use serde_json::{json, Map, Value};

use crate::config::BotConfig;
use crate::state::now_secs;
use crate::webhook::Post;

/// The webhook header carrying the secret token.
pub(crate) const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Update kinds left out unless `allowed_updates` names them.
const OFF_BY_DEFAULT: &[&str] = &["chat_member", "message_reaction", "message_reaction_count"];

/// A webhook set by `setWebhook` (or the bot's configuration).
#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    pub url: String,
    pub secret: Option<String>,
    pub max_connections: i64,
}

/// A simulated Telegram user who has started the bot.
#[derive(Debug, Clone)]
pub(crate) struct TgUser {
    pub id: i64,
    pub first_name: String,
    pub username: Option<String>,
    pub blocked: bool,
}

impl TgUser {
    /// The `User` object.
    pub fn json(&self) -> Value {
        let mut v = json!({"id": self.id, "is_bot": false, "first_name": self.first_name});
        if let Some(u) = &self.username {
            v["username"] = json!(u);
        }
        v
    }

    /// The private `Chat` object.
    pub fn chat(&self) -> Value {
        let mut v = json!({"id": self.id, "type": "private", "first_name": self.first_name});
        if let Some(u) = &self.username {
            v["username"] = json!(u);
        }
        v
    }
}

/// A stored file.
#[derive(Debug, Clone)]
pub(crate) struct TgFile {
    /// `photo`, `video`, `audio`, `document`, `sticker` or `voice`.
    pub kind: String,
    pub unique_id: String,
    pub path: String,
    pub mime: String,
    pub bytes: Bytes,
    /// The object a Message carries (for a photo, one `PhotoSize`).
    pub object: Value,
}

/// One bot.
#[derive(Debug)]
pub(crate) struct Bot {
    pub id: i64,
    pub config: BotConfig,
    pub webhook: Option<Webhook>,
    /// Updates waiting for `getUpdates`, oldest first.
    pub queue: VecDeque<Value>,
    pub next_update_id: i64,
    pub next_message_id: HashMap<i64, i64>,
    /// Messages by (chat, message_id): sent and received.
    pub messages: HashMap<(i64, i64), Value>,
    pub users: HashMap<i64, TgUser>,
    pub files: HashMap<String, TgFile>,
    /// file_path → file_id.
    pub paths: HashMap<String, String>,
    /// Callback query ids not answered yet.
    pub callbacks: HashSet<String>,
    /// Update kinds delivered (`allowed_updates` of the last `setWebhook` or `getUpdates` that
    /// gave it); `None` means Telegram's default: all but `chat_member`, `message_reaction`
    /// and `message_reaction_count`.
    pub allowed_updates: Option<Vec<String>>,
    /// Bumped by every `getUpdates`; a waiting call that sees it change ends with 409.
    pub poll_generation: u64,
    /// Most messages, updates and files kept.
    pub cap: usize,
}

impl Bot {
    /// A bot from its configuration (`id` from the token).
    pub fn new(id: i64, config: BotConfig, cap: usize) -> Self {
        let webhook = config
            .webhook_url
            .clone()
            .filter(|u| !u.is_empty())
            .map(|url| Webhook {
                url,
                secret: config.secret_token.clone(),
                max_connections: 40,
            });
        Self {
            id,
            config,
            webhook,
            queue: VecDeque::new(),
            next_update_id: 100_000_001,
            next_message_id: HashMap::new(),
            messages: HashMap::new(),
            users: HashMap::new(),
            files: HashMap::new(),
            paths: HashMap::new(),
            callbacks: HashSet::new(),
            allowed_updates: None,
            poll_generation: 0,
            cap: cap.max(1),
        }
    }

    /// The bot's `User` object.
    pub fn user_json(&self) -> Value {
        json!({
            "id": self.id,
            "is_bot": true,
            "first_name": self.config.first_name,
            "username": self.config.username,
        })
    }

    /// The next message id of `chat`.
    pub fn next_message_id(&mut self, chat: i64) -> i64 {
        let n = self.next_message_id.entry(chat).or_insert(0);
        *n += 1;
        *n
    }

    /// Stores a message (bounded: beyond the cap, new ones are not kept for replies or taps).
    pub fn remember(&mut self, chat: i64, message_id: i64, message: &Value) {
        if self.messages.len() < self.cap.saturating_mul(4) {
            self.messages.insert((chat, message_id), message.clone());
        }
    }

    /// A new message object in `chat`, from `from`, with `content`.
    pub fn message(&mut self, chat: &Value, from: Value, content: Map<String, Value>) -> Value {
        let chat_id = chat["id"].as_i64().unwrap_or_default();
        let id = self.next_message_id(chat_id);
        let mut m = Map::new();
        m.insert("message_id".into(), json!(id));
        m.insert("from".into(), from);
        m.insert("chat".into(), chat.clone());
        m.insert("date".into(), json!(now_secs()));
        m.extend(content);
        let m = Value::Object(m);
        self.remember(chat_id, id, &m);
        m
    }

    /// Whether updates of `kind` are delivered.
    pub fn allows(&self, kind: &str) -> bool {
        match &self.allowed_updates {
            Some(list) if !list.is_empty() => list.iter().any(|k| k == kind),
            _ => !OFF_BY_DEFAULT.contains(&kind),
        }
    }

    /// Files the update: a webhook POST when a webhook is set, else onto the `getUpdates`
    /// queue (bounded: the oldest are dropped). A kind not allowed is dropped, its update id
    /// spent.
    pub fn push_update(&mut self, kind: &str, payload: Value) -> Option<Post> {
        let update_id = self.next_update_id;
        self.next_update_id += 1;
        if !self.allows(kind) {
            return None;
        }
        let update = json!({"update_id": update_id, kind: payload});
        match &self.webhook {
            Some(w) => Some(post_for(w, &update)),
            None => {
                if self.queue.len() >= self.cap {
                    self.queue.pop_front();
                }
                self.queue.push_back(update);
                None
            }
        }
    }
}

/// The POST carrying one update to `w`.
pub(crate) fn post_for(w: &Webhook, update: &Value) -> Post {
    let headers = w
        .secret
        .iter()
        .map(|s| (SECRET_HEADER.to_string(), s.clone()))
        .collect();
    Post {
        url: w.url.clone(),
        headers,
        body: serde_json::to_vec(update).unwrap_or_default(),
    }
}

/// Every bot, by id.
#[derive(Debug, Default)]
pub(crate) struct Bots {
    pub by_id: HashMap<i64, Bot>,
}

impl Bots {
    /// The bot whose token is `token`.
    pub fn by_token(&mut self, token: &str) -> Option<&mut Bot> {
        self.by_id.values_mut().find(|b| b.config.token == token)
    }
}
