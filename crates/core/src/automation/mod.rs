//! Bot automation, pure: the bot settings of WhatsApp bot platforms, spintax and placeholder
//! rendering, active days and hours in the bot's time zone, keyword rules with button/list
//! menus and steps, opt-out keywords, and the decision that ties them together. No I/O, no
//! clock: the caller passes the time and a random picker, and stores what
//! [`ContactBotState::apply`] changes.
//!
//! One inbound message, in the worker:
//! ```
//! use switchboard_core::automation::{
//!     decide, spintax::seeded_picker, BotSettings, ContactBotState, InboundFacts, RuleSet,
//! };
//! let settings = BotSettings::default();
//! let (rules, _bad) = RuleSet::compile_lenient(Vec::new());
//! let mut state = ContactBotState::default();
//! let inbound = InboundFacts {
//!     text: Some("hi".into()),
//!     contact_name: Some("Ada".into()),
//!     phone: "12020721369".into(),
//!     ..InboundFacts::default()
//! };
//! let now = 1_741_000_000_000;
//! let decision = decide(&settings, &rules, &inbound, &state, now, &mut seeded_picker(7));
//! assert_eq!(decision.code(), "default_message");
//! assert!(decision.explain().starts_with("No rule matched"));
//! state.apply(&decision, &settings, now);
//! assert_eq!(state.last_default_msg_at, Some(now));
//! ```

pub mod decide;
pub mod decision;
pub mod error;
pub mod hours;
pub mod inbound;
pub mod normalize;
pub mod placeholders;
pub mod reply;
pub mod rules;
pub mod settings;
pub mod spintax;
pub mod state;
pub mod zone;

pub use decide::{decide, InboundFacts};
pub use decision::{CooldownOf, Decision, LoopCause, SilentReason};
pub use error::{FieldError, FieldErrors};
pub use hours::{is_active, Schedule, Window};
pub use inbound::inbound_facts;
pub use placeholders::PlaceholderContext;
pub use rules::{CompiledRule, MatchKind, MatchedOn, Rule, RuleError, RuleMatch, RuleSet};
pub use settings::{ActiveDays, ActiveHours, BotActions, BotSettings, LoopGuard};
pub use state::ContactBotState;
