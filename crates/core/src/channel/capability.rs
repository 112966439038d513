//! The capability map: what each kind of channel can carry and report, pure data.
//!
//! | kind | messages | receipts | window | address |
//! |---|---|---|---|---|
//! | `cloud`, `sandbox` | every canonical kind (interactive: every type but `generic`) | sent, delivered, read | 24 h | `wa_id` |
//! | `telegram` | text, media, location, contacts, interactive button/list/cta_url, reaction | none | none | `chat_id` (i64) or `@channel` |
//! | `messenger` | text, image, video, audio, document, interactive button/list/cta_url/generic, reaction | delivered, read | 24 h (7 days with `HUMAN_AGENT`) | PSID |
//! | `instagram` | text, image, video, audio, document, interactive button/list/cta_url/generic, reaction | read | 24 h (7 days with `HUMAN_AGENT`) | IGSID |
//! | `web` | text, media, location, contacts, reaction | sent, delivered, read | none | `wa_id` or `…@g.us` |
//!
//! Messenger and Instagram have no outbound location or contact message and no sticker of
//! the canonical kind (an image by media id); WhatsApp Web cannot send Cloud templates, and
//! the interactive messages of business accounts are not available to a web session.

use super::ChannelKind;
use crate::message::{MessageContent, MessageKind, PAGE_ONLY_TYPES};
use crate::time::Millis;

/// A delivery report an upstream sends for an outbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Receipt {
    /// The upstream reports the message left for the recipient's device.
    Sent,
    /// The upstream reports the message reached the recipient's device.
    Delivered,
    /// The upstream reports the recipient read the message.
    Read,
}

impl Receipt {
    /// The status name it becomes (`sent`, `delivered`, `read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Receipt::Sent => "sent",
            Receipt::Delivered => "delivered",
            Receipt::Read => "read",
        }
    }
}

/// The customer-service window of a kind: free-form messages need the customer to have
/// written within `standard_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowRule {
    /// Length of the standard window.
    pub standard_ms: Millis,
    /// Length of the window for messages tagged `HUMAN_AGENT`, where the upstream has the tag.
    pub human_agent_ms: Option<Millis>,
}

const DAY_MS: Millis = 24 * 60 * 60 * 1000;

/// The recipient address form of a kind (what `to` holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressForm {
    /// A WhatsApp id: the phone number's digits with the country code.
    WaId,
    /// A WhatsApp id, or a group id `…@g.us`.
    WaIdOrGroup,
    /// A Telegram `chat_id`: an integer (negative for groups) or `@channelusername`.
    TelegramChat,
    /// A page-scoped user id (Messenger).
    Psid,
    /// An Instagram-scoped user id.
    Igsid,
}

impl AddressForm {
    /// What the address looks like, for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            AddressForm::WaId => "a WhatsApp id (the phone number's digits with the country code)",
            AddressForm::WaIdOrGroup => "a WhatsApp id or a group id ending in @g.us",
            AddressForm::TelegramChat => {
                "a Telegram chat_id (an integer, negative for groups) or @channelusername"
            }
            AddressForm::Psid => "a page-scoped user id (PSID, digits)",
            AddressForm::Igsid => "an Instagram-scoped user id (IGSID, digits)",
        }
    }

    /// Whether `to` has this form (its shape only: whether the user exists is the upstream's
    /// to say).
    pub fn accepts(self, to: &str) -> bool {
        let digits = |s: &str, min: usize, max: usize| {
            (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        match self {
            AddressForm::WaId => digits(to, 6, 15),
            AddressForm::WaIdOrGroup => {
                digits(to, 6, 15)
                    || to.strip_suffix("@g.us").is_some_and(|g| {
                        !g.is_empty() && g.split('-').all(|part| digits(part, 1, 20))
                    })
            }
            AddressForm::TelegramChat => match to.strip_prefix('@') {
                Some(name) => {
                    (5..=32).contains(&name.len())
                        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                }
                None => to.parse::<i64>().is_ok_and(|id| id != 0),
            },
            AddressForm::Psid | AddressForm::Igsid => digits(to, 1, 32),
        }
    }
}

/// Which interactive types a kind carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteractiveTypes {
    /// Every interactive type of WhatsApp (all but Meta pages' `generic`).
    WhatsApp,
    /// Only these (wire names, e.g. `button`).
    Only(&'static [&'static str]),
}

/// What a kind of channel can carry and report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// The canonical message kinds it carries.
    pub messages: &'static [MessageKind],
    /// The interactive types it carries, when it carries `interactive`.
    pub interactive: InteractiveTypes,
    /// The receipts it reports.
    pub receipts: &'static [Receipt],
    /// Its customer-service window, if one applies.
    pub window: Option<WindowRule>,
    /// Its recipient address form.
    pub address: AddressForm,
}

/// Reply buttons, lists and URL buttons: what Telegram keyboards, Messenger quick replies
/// and button templates, and Instagram quick replies can express.
const BUTTONS_LISTS_URLS: &[&str] = &["button", "list", "cta_url"];

/// Buttons, lists, URL buttons and the generic template (cards) of Meta's page channels.
const PAGE_INTERACTIVE: &[&str] = &["button", "list", "cta_url", "generic"];

const ALL_RECEIPTS: &[Receipt] = &[Receipt::Sent, Receipt::Delivered, Receipt::Read];

const META_PAGE_WINDOW: WindowRule = WindowRule {
    standard_ms: DAY_MS,
    human_agent_ms: Some(7 * DAY_MS),
};

const WHATSAPP_CLOUD: Capabilities = Capabilities {
    messages: &MessageKind::ALL,
    interactive: InteractiveTypes::WhatsApp,
    receipts: ALL_RECEIPTS,
    window: Some(WindowRule {
        standard_ms: DAY_MS,
        human_agent_ms: None,
    }),
    address: AddressForm::WaId,
};

const TELEGRAM: Capabilities = Capabilities {
    messages: &[
        MessageKind::Text,
        MessageKind::Image,
        MessageKind::Video,
        MessageKind::Audio,
        MessageKind::Document,
        MessageKind::Sticker,
        MessageKind::Location,
        MessageKind::Contacts,
        MessageKind::Interactive,
        MessageKind::Reaction,
    ],
    interactive: InteractiveTypes::Only(BUTTONS_LISTS_URLS),
    receipts: &[],
    window: None,
    address: AddressForm::TelegramChat,
};

const MESSENGER: Capabilities = Capabilities {
    messages: &[
        MessageKind::Text,
        MessageKind::Image,
        MessageKind::Video,
        MessageKind::Audio,
        MessageKind::Document,
        MessageKind::Interactive,
        MessageKind::Reaction,
    ],
    interactive: InteractiveTypes::Only(PAGE_INTERACTIVE),
    receipts: &[Receipt::Delivered, Receipt::Read],
    window: Some(META_PAGE_WINDOW),
    address: AddressForm::Psid,
};

const INSTAGRAM: Capabilities = Capabilities {
    receipts: &[Receipt::Read],
    address: AddressForm::Igsid,
    ..MESSENGER
};

const WEB: Capabilities = Capabilities {
    messages: &[
        MessageKind::Text,
        MessageKind::Image,
        MessageKind::Video,
        MessageKind::Audio,
        MessageKind::Document,
        MessageKind::Sticker,
        MessageKind::Location,
        MessageKind::Contacts,
        MessageKind::Reaction,
    ],
    interactive: InteractiveTypes::Only(&[]),
    receipts: ALL_RECEIPTS,
    window: None,
    address: AddressForm::WaIdOrGroup,
};

impl Capabilities {
    /// The capabilities of channels of `kind`.
    pub fn of(kind: ChannelKind) -> &'static Capabilities {
        match kind {
            ChannelKind::Sandbox | ChannelKind::Cloud => &WHATSAPP_CLOUD,
            ChannelKind::Telegram => &TELEGRAM,
            ChannelKind::Messenger => &MESSENGER,
            ChannelKind::Instagram => &INSTAGRAM,
            ChannelKind::Web => &WEB,
        }
    }

    /// Whether it carries messages of `kind` (of the interactive type `interactive_type`
    /// for `interactive`).
    pub fn carries(&self, kind: MessageKind, interactive_type: Option<&str>) -> bool {
        if !self.messages.contains(&kind) {
            return false;
        }
        match (kind, self.interactive, interactive_type) {
            (MessageKind::Interactive, InteractiveTypes::Only(types), Some(t)) => {
                types.contains(&t)
            }
            (MessageKind::Interactive, InteractiveTypes::WhatsApp, Some(t)) => {
                !PAGE_ONLY_TYPES.contains(&t)
            }
            _ => true,
        }
    }

    /// Whether it carries `content`; `Err` names what it cannot carry, e.g. `template` or
    /// `interactive/flow`.
    pub fn check(&self, content: &MessageContent) -> Result<(), String> {
        let kind = content.kind();
        let interactive_type = match content {
            MessageContent::Interactive { interactive } => Some(interactive.action.type_name()),
            _ => None,
        };
        if self.carries(kind, interactive_type) {
            return Ok(());
        }
        Err(match interactive_type {
            Some(t) if self.messages.contains(&kind) => format!("interactive/{t}"),
            _ => kind.as_str().to_string(),
        })
    }

    /// What it carries, for messages: `text, image, …, interactive (button, list, cta_url)`.
    pub fn carried(&self) -> String {
        self.messages
            .iter()
            .map(|k| match (k, self.interactive) {
                (MessageKind::Interactive, InteractiveTypes::Only(types)) => {
                    format!("interactive ({})", types.join(", "))
                }
                (MessageKind::Interactive, InteractiveTypes::WhatsApp) => {
                    "interactive (every type but generic)".to_string()
                }
                _ => k.as_str().to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether it reports `receipt`.
    pub fn reports(&self, receipt: Receipt) -> bool {
        self.receipts.contains(&receipt)
    }

    /// Whether a free-form message needs an open customer-service window.
    pub fn window_applies(&self) -> bool {
        self.window.is_some()
    }

    /// Whether a free-form message may be sent at `now` to a customer who last wrote at
    /// `last_inbound`: always where no window applies, within the standard window otherwise.
    pub fn window_open(&self, last_inbound: Option<Millis>, now: Millis) -> bool {
        self.window_open_for(last_inbound, now, false)
    }

    /// Like [`Capabilities::window_open`], for a message tagged `HUMAN_AGENT` when
    /// `human_agent` is true: the kind's human-agent window applies where it has one (7 days
    /// on Messenger and Instagram), the standard window elsewhere.
    pub fn window_open_for(
        &self,
        last_inbound: Option<Millis>,
        now: Millis,
        human_agent: bool,
    ) -> bool {
        self.window.is_none()
            || self
                .window_expires_at(last_inbound, human_agent)
                .is_some_and(|closes| now < closes)
    }

    /// When the window for a customer who last wrote at `last_inbound` closes (for a message
    /// tagged `HUMAN_AGENT` when `human_agent`); `None` where no window applies or the
    /// customer never wrote.
    pub fn window_expires_at(
        &self,
        last_inbound: Option<Millis>,
        human_agent: bool,
    ) -> Option<Millis> {
        let rule = self.window?;
        let length = match (human_agent, rule.human_agent_ms) {
            (true, Some(ms)) => ms,
            _ => rule.standard_ms,
        };
        last_inbound.map(|t| t.saturating_add(length))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [ChannelKind; 6] = [
        ChannelKind::Sandbox,
        ChannelKind::Cloud,
        ChannelKind::Telegram,
        ChannelKind::Messenger,
        ChannelKind::Instagram,
        ChannelKind::Web,
    ];

    #[test]
    fn whatsapp_cloud_carries_everything() {
        for kind in [ChannelKind::Cloud, ChannelKind::Sandbox] {
            let c = Capabilities::of(kind);
            for m in MessageKind::ALL {
                assert!(c.carries(m, None), "{m}");
            }
            assert!(c.carries(MessageKind::Interactive, Some("flow")));
            assert!(c.window_applies());
            assert_eq!(c.window.map(|w| w.human_agent_ms), Some(None));
            assert_eq!(c.receipts, ALL_RECEIPTS);
            assert_eq!(c.address, AddressForm::WaId);
        }
    }

    #[test]
    fn only_whatsapp_cloud_carries_templates() {
        for kind in KINDS {
            let cloud = matches!(kind, ChannelKind::Cloud | ChannelKind::Sandbox);
            assert_eq!(
                Capabilities::of(kind).carries(MessageKind::Template, None),
                cloud,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn telegram_has_keyboards_but_no_receipts_or_window() {
        let c = Capabilities::of(ChannelKind::Telegram);
        for t in ["button", "list", "cta_url"] {
            assert!(c.carries(MessageKind::Interactive, Some(t)), "{t}");
        }
        assert!(!c.carries(MessageKind::Interactive, Some("flow")));
        assert!(c.carries(MessageKind::Location, None));
        assert!(c.receipts.is_empty());
        assert!(!c.window_applies());
        assert!(!c.reports(Receipt::Delivered));
        assert_eq!(c.address, AddressForm::TelegramChat);
    }

    #[test]
    fn human_agent_extends_only_the_windows_that_have_it() {
        let hour = 60 * 60 * 1000;
        let last = Some(0);
        let messenger = ChannelKind::Messenger.capabilities();
        assert!(!messenger.window_open_for(last, 25 * hour, false));
        assert!(messenger.window_open_for(last, 25 * hour, true));
        assert!(!messenger.window_open_for(last, 7 * 24 * hour, true));
        assert!(!messenger.window_open_for(None, 0, true));
        let cloud = ChannelKind::Cloud.capabilities();
        assert!(!cloud.window_open_for(last, 25 * hour, true));
        assert_eq!(cloud.window_expires_at(last, true), Some(24 * hour));
        let telegram = ChannelKind::Telegram.capabilities();
        assert!(telegram.window_open_for(None, 0, false));
        assert_eq!(telegram.window_expires_at(last, false), None);
    }

    #[test]
    fn messenger_and_instagram_have_windows_and_their_receipts() {
        let m = Capabilities::of(ChannelKind::Messenger);
        let i = Capabilities::of(ChannelKind::Instagram);
        for c in [m, i] {
            assert!(!c.carries(MessageKind::Location, None));
            assert!(!c.carries(MessageKind::Contacts, None));
            assert!(!c.carries(MessageKind::Sticker, None));
            assert_eq!(c.window, Some(META_PAGE_WINDOW));
            assert!(c.reports(Receipt::Read));
            assert!(!c.reports(Receipt::Sent));
        }
        assert!(m.reports(Receipt::Delivered));
        assert!(!i.reports(Receipt::Delivered));
        assert_eq!(m.address, AddressForm::Psid);
        assert_eq!(i.address, AddressForm::Igsid);
    }

    #[test]
    fn web_reports_everything_without_a_window() {
        let c = Capabilities::of(ChannelKind::Web);
        assert_eq!(c.receipts, ALL_RECEIPTS);
        assert!(!c.window_applies());
        assert!(!c.carries(MessageKind::Interactive, Some("button")));
        assert!(c.carries(MessageKind::Sticker, None));
        assert_eq!(Receipt::Delivered.as_str(), "delivered");
    }

    #[test]
    fn refusals_name_the_kind_and_list_what_is_carried() {
        let c = Capabilities::of(ChannelKind::Telegram);
        assert_eq!(
            c.carried(),
            "text, image, video, audio, document, sticker, location, contacts, interactive (button, list, cta_url), reaction"
        );
        let template: MessageContent = serde_json::from_value(serde_json::json!({
            "type": "template", "template": {"name": "hello", "language": {"code": "en"}}
        }))
        .expect("template");
        assert_eq!(c.check(&template), Err("template".to_string()));
        let text: MessageContent =
            serde_json::from_value(serde_json::json!({"type": "text", "text": {"body": "hi"}}))
                .expect("text");
        assert_eq!(c.check(&text), Ok(()));
        assert!(!Capabilities::of(ChannelKind::Web)
            .carried()
            .contains("interactive"));
        let cloud = Capabilities::of(ChannelKind::Cloud);
        assert!(cloud.carries(MessageKind::Interactive, Some("carousel")));
        assert!(!cloud.carries(MessageKind::Interactive, Some("generic")));
        for page in [ChannelKind::Messenger, ChannelKind::Instagram] {
            assert!(Capabilities::of(page).carries(MessageKind::Interactive, Some("generic")));
        }
    }

    #[test]
    fn windows_are_asked_of_the_map() {
        let cloud = Capabilities::of(ChannelKind::Cloud);
        assert!(!cloud.window_open(None, 0));
        assert!(cloud.window_open(Some(1_000), 1_000 + DAY_MS - 1));
        assert!(!cloud.window_open(Some(1_000), 1_000 + DAY_MS));
        let telegram = Capabilities::of(ChannelKind::Telegram);
        assert!(telegram.window_open(None, 0));
        assert!(Capabilities::of(ChannelKind::Web).window_open(Some(0), 10 * DAY_MS));
    }

    #[test]
    fn address_forms() {
        use AddressForm::*;
        assert!(WaId.accepts("16505551234"));
        assert!(!WaId.accepts("+16505551234"));
        assert!(WaIdOrGroup.accepts("120363025246125486@g.us"));
        assert!(WaIdOrGroup.accepts("16505551234-1600000000@g.us"));
        assert!(!WaIdOrGroup.accepts("@g.us"));
        assert!(TelegramChat.accepts("123456789"));
        assert!(TelegramChat.accepts("-1001234567890"));
        assert!(TelegramChat.accepts("@my_channel"));
        assert!(!TelegramChat.accepts("@ab"));
        assert!(!TelegramChat.accepts("0"));
        assert!(!TelegramChat.accepts("chat"));
        assert!(Psid.accepts("6543210987654321"));
        assert!(!Igsid.accepts("ig-123"));
        assert!(TelegramChat.describe().contains("chat_id"));
    }
}
