//! Which stored fields are secrets: a channel's credentials (inside its `settings` column),
//! a webhook subscription's signing secrets (`secret`, `previous_secret`), a WhatsApp Web
//! key store's values (`web_keys.value`) and a bot platform instance's token
//! (`wabot_instances.access_token`). A new secret field is added here, and both
//! backends seal and open it.

use switchboard_core::channel::{Channel, ChannelSettings};
use switchboard_core::subscription::Subscription;

use crate::wabot_instances::WabotInstance;
use crate::web_sessions::WebKeyRow;

/// A record with secret fields, each sealed bound to its table, row id and field name.
pub(crate) trait Secrets {
    /// The table the record is stored in.
    const TABLE: &'static str;
    /// The record's row id.
    fn row_id(&self) -> String;
    /// The secret fields present in this record, by name.
    fn secret_fields(&mut self) -> Vec<(&'static str, &mut String)>;
}

impl Secrets for Channel {
    const TABLE: &'static str = "channels";

    fn row_id(&self) -> String {
        self.id.to_string()
    }

    fn secret_fields(&mut self) -> Vec<(&'static str, &mut String)> {
        match &mut self.settings {
            ChannelSettings::Cloud(s) => vec![
                ("access_token", &mut s.access_token),
                ("app_secret", &mut s.app_secret),
                ("verify_token", &mut s.verify_token),
            ],
            ChannelSettings::Telegram(s) => vec![
                ("bot_token", &mut s.bot_token),
                ("webhook_secret", &mut s.webhook_secret),
            ],
            ChannelSettings::Messenger(s) => vec![
                ("page_access_token", &mut s.page_access_token),
                ("app_secret", &mut s.app_secret),
                ("verify_token", &mut s.verify_token),
            ],
            ChannelSettings::Instagram(s) => vec![
                ("access_token", &mut s.access_token),
                ("app_secret", &mut s.app_secret),
                ("verify_token", &mut s.verify_token),
            ],
            ChannelSettings::Web(_) => Vec::new(),
        }
    }
}

impl Secrets for Subscription {
    const TABLE: &'static str = "subscriptions";

    fn row_id(&self) -> String {
        self.id.to_string()
    }

    fn secret_fields(&mut self) -> Vec<(&'static str, &mut String)> {
        let mut fields = vec![("secret", &mut self.secret)];
        if let Some(previous) = &mut self.previous_secret {
            fields.push(("previous_secret", previous));
        }
        fields
    }
}

impl Secrets for WebKeyRow {
    const TABLE: &'static str = "web_keys";

    /// `<channel>/<namespace length>:<namespace>/<key>`: the length keeps a `/` inside a
    /// namespace or key from naming another row.
    fn row_id(&self) -> String {
        format!(
            "{}/{}:{}/{}",
            self.channel_id,
            self.namespace.len(),
            self.namespace,
            self.key
        )
    }

    fn secret_fields(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![("value", &mut self.value)]
    }
}

impl Secrets for WabotInstance {
    const TABLE: &'static str = "wabot_instances";

    fn row_id(&self) -> String {
        self.channel_id.to_string()
    }

    fn secret_fields(&mut self) -> Vec<(&'static str, &mut String)> {
        vec![("access_token", &mut self.access_token)]
    }
}
