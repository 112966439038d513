//! Settings of the channel kinds beyond WhatsApp Cloud (telegram, messenger, instagram, web):
//! validating them on creation and on change. Errors name the field as `settings.{field}`.

use switchboard_core::channel::{
    ChannelKind, ChannelSettings, InstagramSettings, MessengerSettings, TelegramInbound,
    TelegramSettings, WebSettings,
};
use switchboard_core::secret::random_hex;

use super::{api_version, base_url as base_url_of, digits, secret};
use crate::{ServiceError, ServiceResult};

/// The `settings` object of a telegram, messenger, instagram or web channel; which fields a
/// kind takes is listed by [`fields_of`]. `None` leaves a field out (or, on a change, as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsInput {
    /// Telegram: the bot token `<bot_id>:<secret>`.
    pub bot_token: Option<String>,
    /// Telegram: `webhook` (default) or `polling`.
    pub inbound: Option<String>,
    /// Messenger: the Page id; Instagram: the linked Page id (Facebook Login).
    pub page_id: Option<String>,
    /// Messenger: the Page access token.
    pub page_access_token: Option<String>,
    /// Instagram: the professional account id (`IG_ID`).
    pub ig_account_id: Option<String>,
    /// Instagram: the Page or Instagram user token.
    pub access_token: Option<String>,
    /// Messenger, Instagram: the app secret that signs webhooks.
    pub app_secret: Option<String>,
    /// Messenger, Instagram: the webhook verification token (generated when absent).
    pub verify_token: Option<String>,
    /// Telegram, Messenger, Instagram: the upstream's base URL (`Some(None)` on a change
    /// resets it to the platform's).
    pub base_url: Option<Option<String>>,
    /// Messenger, Instagram: the Graph API version (default v23.0).
    pub api_version: Option<String>,
    /// Web: the number to pair by code (digits with the country code).
    pub pairing_phone_number: Option<Option<String>>,
}

/// The settings fields a kind takes, in the order the docs list them.
pub fn fields_of(kind: ChannelKind) -> &'static [&'static str] {
    match kind {
        ChannelKind::Telegram => &["bot_token", "inbound", "base_url"],
        ChannelKind::Messenger => &[
            "page_id",
            "page_access_token",
            "app_secret",
            "verify_token",
            "base_url",
            "api_version",
        ],
        ChannelKind::Instagram => &[
            "ig_account_id",
            "page_id",
            "access_token",
            "app_secret",
            "verify_token",
            "base_url",
            "api_version",
        ],
        ChannelKind::Web => &["pairing_phone_number"],
        ChannelKind::Cloud | ChannelKind::Sandbox => &[],
    }
}

impl SettingsInput {
    /// The fields given, by name.
    fn given(&self) -> Vec<&'static str> {
        let present = [
            ("bot_token", self.bot_token.is_some()),
            ("inbound", self.inbound.is_some()),
            ("page_id", self.page_id.is_some()),
            ("page_access_token", self.page_access_token.is_some()),
            ("ig_account_id", self.ig_account_id.is_some()),
            ("access_token", self.access_token.is_some()),
            ("app_secret", self.app_secret.is_some()),
            ("verify_token", self.verify_token.is_some()),
            ("base_url", self.base_url.is_some()),
            ("api_version", self.api_version.is_some()),
            ("pairing_phone_number", self.pairing_phone_number.is_some()),
        ];
        present
            .into_iter()
            .filter_map(|(name, given)| given.then_some(name))
            .collect()
    }

    /// Refuses a field `kind` does not take, naming it and listing those it takes.
    fn only_fields_of(&self, kind: ChannelKind) -> ServiceResult<()> {
        let allowed = fields_of(kind);
        match self.given().into_iter().find(|f| !allowed.contains(f)) {
            None => Ok(()),
            Some(field) => Err(ServiceError::invalid(
                format!("settings.{field}"),
                format!(
                    "`settings.{field}` is not a {} setting; a {} channel takes {}",
                    kind.as_str(),
                    kind.as_str(),
                    allowed.join(", ")
                ),
            )),
        }
    }
}

fn field(name: &str) -> String {
    format!("settings.{name}")
}

fn required(kind: ChannelKind, name: &str, value: Option<String>) -> ServiceResult<String> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(ServiceError::invalid(
            field(name),
            format!(
                "`settings.{name}` is required for a {} channel (or create it with \"sandbox\": true)",
                kind.as_str()
            ),
        )),
    }
}

fn numeric(name: &str, value: String) -> ServiceResult<String> {
    if value.is_empty() || value.len() > 32 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ServiceError::invalid(
            field(name),
            format!("`settings.{name}` must be Meta's numeric id (digits only)"),
        ));
    }
    Ok(value)
}

/// A Telegram bot token: `<bot_id>:<secret>`, the id digits not starting with 0, at most 80
/// characters (what the Bot API accepts).
fn bot_token(value: String) -> ServiceResult<String> {
    let ok = value.len() <= 80
        && value.split_once(':').is_some_and(|(id, secret)| {
            !id.is_empty()
                && id.len() <= 20
                && !id.starts_with('0')
                && id.bytes().all(|b| b.is_ascii_digit())
                && secret.len() >= 8
                && secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if !ok {
        return Err(ServiceError::invalid(
            field("bot_token"),
            "`settings.bot_token` must be the token BotFather gave, `<bot_id>:<secret>` such as 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        ));
    }
    Ok(value)
}

fn inbound(value: Option<String>) -> ServiceResult<TelegramInbound> {
    match value {
        None => Ok(TelegramInbound::default()),
        Some(v) => TelegramInbound::parse(v.trim()).ok_or_else(|| {
            ServiceError::invalid(
                field("inbound"),
                "`settings.inbound` must be webhook (Telegram posts updates to this server) or polling (this server long-polls getUpdates)",
            )
        }),
    }
}

fn pairing_phone(value: Option<String>) -> ServiceResult<Option<String>> {
    let Some(v) = value else { return Ok(None) };
    let v = v.trim().trim_start_matches('+').to_string();
    if !(6..=15).contains(&v.len()) || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ServiceError::invalid(
            field("pairing_phone_number"),
            "`settings.pairing_phone_number` must be the number's digits with the country code, e.g. 16505551234",
        ));
    }
    Ok(Some(v))
}

fn named<T>(name: &str, r: ServiceResult<T>) -> ServiceResult<T> {
    r.map_err(|e| match e {
        ServiceError::Invalid { message, .. } => ServiceError::invalid(
            field(name),
            message.replace(&format!("`{name}`"), &format!("`settings.{name}`")),
        ),
        other => other,
    })
}

fn sandbox_bot_token() -> String {
    format!("7{}:{}", digits(9), random_hex(18))
}

/// Builds the settings of a new channel of `kind` (telegram, messenger, instagram, web) from
/// `input`. A `sandbox` channel needs no credentials: those left out are generated.
pub fn build(
    kind: ChannelKind,
    sandbox: bool,
    input: SettingsInput,
) -> ServiceResult<ChannelSettings> {
    input.only_fields_of(kind)?;
    let credential =
        |name: &str, value: Option<String>, generated: fn() -> String| match (value, sandbox) {
            (None, true) => Ok(generated()),
            (value, _) => required(kind, name, value),
        };
    let base_url = named("base_url", base_url_of(input.base_url.flatten()))?;
    Ok(match kind {
        ChannelKind::Telegram => ChannelSettings::Telegram(TelegramSettings {
            bot_token: bot_token(credential("bot_token", input.bot_token, sandbox_bot_token)?)?,
            base_url,
            inbound: inbound(input.inbound)?,
            webhook_secret: random_hex(32),
            sandbox,
        }),
        ChannelKind::Messenger => ChannelSettings::Messenger(MessengerSettings {
            page_id: numeric(
                "page_id",
                credential("page_id", input.page_id, || format!("1{}", digits(14)))?,
            )?,
            page_access_token: named(
                "page_access_token",
                secret(
                    "page_access_token",
                    credential("page_access_token", input.page_access_token, || {
                        format!("sandbox_{}", random_hex(24))
                    })?,
                ),
            )?,
            app_secret: named(
                "app_secret",
                secret(
                    "app_secret",
                    credential("app_secret", input.app_secret, || random_hex(24))?,
                ),
            )?,
            verify_token: verify_token(input.verify_token)?,
            base_url,
            api_version: named("api_version", api_version(input.api_version))?,
            sandbox,
        }),
        ChannelKind::Instagram => ChannelSettings::Instagram(InstagramSettings {
            ig_account_id: numeric(
                "ig_account_id",
                credential("ig_account_id", input.ig_account_id, || {
                    format!("17841{}", digits(10))
                })?,
            )?,
            page_id: input
                .page_id
                .map(|p| numeric("page_id", p.trim().to_string()))
                .transpose()?,
            access_token: named(
                "access_token",
                secret(
                    "access_token",
                    credential("access_token", input.access_token, || {
                        format!("sandbox_{}", random_hex(24))
                    })?,
                ),
            )?,
            app_secret: named(
                "app_secret",
                secret(
                    "app_secret",
                    credential("app_secret", input.app_secret, || random_hex(24))?,
                ),
            )?,
            verify_token: verify_token(input.verify_token)?,
            base_url,
            api_version: named("api_version", api_version(input.api_version))?,
            sandbox,
        }),
        ChannelKind::Web => ChannelSettings::Web(WebSettings {
            pairing_phone_number: pairing_phone(input.pairing_phone_number.flatten())?,
            sandbox,
        }),
        ChannelKind::Cloud | ChannelKind::Sandbox => {
            return Err(ServiceError::invalid(
                "settings",
                "cloud and sandbox channels take their settings at the top level (phone_number_id, waba_id, access_token, app_secret, …), not under `settings`",
            ))
        }
    })
}

fn verify_token(value: Option<String>) -> ServiceResult<String> {
    match value {
        Some(t) => named("verify_token", secret("verify_token", t)),
        None => Ok(random_hex(16)),
    }
}

/// Applies `input` to the settings of a channel of `kind`; returns whether its credentials or
/// upstream address changed (the channel is then `reconfigured`).
pub fn apply(
    kind: ChannelKind,
    settings: &mut ChannelSettings,
    input: SettingsInput,
) -> ServiceResult<bool> {
    input.only_fields_of(kind)?;
    let before = settings.clone();
    let base = |v: Option<Option<String>>, current: &mut Option<String>| -> ServiceResult<()> {
        if let Some(url) = v {
            *current = named("base_url", base_url_of(url))?;
        }
        Ok(())
    };
    let set_secret = |name: &str, v: Option<String>, current: &mut String| -> ServiceResult<()> {
        if let Some(v) = v {
            *current = named(name, secret(name, v))?;
        }
        Ok(())
    };
    let set_version = |v: Option<String>, current: &mut String| -> ServiceResult<()> {
        if v.is_some() {
            *current = named("api_version", api_version(v))?;
        }
        Ok(())
    };
    match settings {
        ChannelSettings::Telegram(s) => {
            if let Some(t) = input.bot_token {
                s.bot_token = bot_token(t.trim().to_string())?;
            }
            if input.inbound.is_some() {
                s.inbound = inbound(input.inbound)?;
            }
            base(input.base_url, &mut s.base_url)?;
        }
        ChannelSettings::Messenger(s) => {
            if let Some(p) = input.page_id {
                s.page_id = numeric("page_id", p.trim().to_string())?;
            }
            set_secret(
                "page_access_token",
                input.page_access_token,
                &mut s.page_access_token,
            )?;
            set_secret("app_secret", input.app_secret, &mut s.app_secret)?;
            set_secret("verify_token", input.verify_token, &mut s.verify_token)?;
            base(input.base_url, &mut s.base_url)?;
            set_version(input.api_version, &mut s.api_version)?;
        }
        ChannelSettings::Instagram(s) => {
            if let Some(id) = input.ig_account_id {
                s.ig_account_id = numeric("ig_account_id", id.trim().to_string())?;
            }
            if let Some(p) = input.page_id {
                s.page_id = Some(numeric("page_id", p.trim().to_string())?);
            }
            set_secret("access_token", input.access_token, &mut s.access_token)?;
            set_secret("app_secret", input.app_secret, &mut s.app_secret)?;
            set_secret("verify_token", input.verify_token, &mut s.verify_token)?;
            base(input.base_url, &mut s.base_url)?;
            set_version(input.api_version, &mut s.api_version)?;
        }
        ChannelSettings::Web(s) => {
            if let Some(phone) = input.pairing_phone_number {
                s.pairing_phone_number = pairing_phone(phone)?;
            }
        }
        ChannelSettings::Cloud(_) => return Err(ServiceError::invalid(
            "settings",
            "cloud and sandbox channels take their changes at the top level, not under `settings`",
        )),
    }
    Ok(reconfigured(&before, settings))
}

/// Whether the change from `before` to `after` touches credentials or the upstream address
/// (not only the verification token or the pairing number).
fn reconfigured(before: &ChannelSettings, after: &ChannelSettings) -> bool {
    match (before, after) {
        (ChannelSettings::Telegram(a), ChannelSettings::Telegram(b)) => {
            a.bot_token != b.bot_token || a.base_url != b.base_url || a.inbound != b.inbound
        }
        (ChannelSettings::Messenger(a), ChannelSettings::Messenger(b)) => {
            a.page_id != b.page_id
                || a.page_access_token != b.page_access_token
                || a.app_secret != b.app_secret
                || a.base_url != b.base_url
                || a.api_version != b.api_version
        }
        (ChannelSettings::Instagram(a), ChannelSettings::Instagram(b)) => {
            a.ig_account_id != b.ig_account_id
                || a.page_id != b.page_id
                || a.access_token != b.access_token
                || a.app_secret != b.app_secret
                || a.base_url != b.base_url
                || a.api_version != b.api_version
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid_field(r: ServiceResult<ChannelSettings>) -> String {
        match r {
            Err(ServiceError::Invalid { field, message }) => {
                assert!(message.contains(&field), "{field}: {message}");
                field
            }
            other => panic!("{other:?}"),
        }
    }

    fn telegram(token: &str) -> SettingsInput {
        SettingsInput {
            bot_token: Some(token.into()),
            ..SettingsInput::default()
        }
    }

    #[test]
    fn telegram_needs_a_bot_token_and_gets_a_webhook_secret() {
        let built = build(
            ChannelKind::Telegram,
            false,
            telegram("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
        )
        .expect("valid");
        match built {
            ChannelSettings::Telegram(t) => {
                assert_eq!(t.inbound, TelegramInbound::Webhook);
                assert_eq!(t.webhook_secret.len(), 64);
                assert!(!t.sandbox);
            }
            other => panic!("{other:?}"),
        }
        for bad in ["", "123", "0123:abcdefghij", "12:ab", "12:abc def ghij"] {
            assert_eq!(
                invalid_field(build(ChannelKind::Telegram, false, telegram(bad))),
                "settings.bot_token",
                "{bad}"
            );
        }
        let mut polling = telegram("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw");
        polling.inbound = Some("push".into());
        assert_eq!(
            invalid_field(build(ChannelKind::Telegram, false, polling)),
            "settings.inbound"
        );
    }

    #[test]
    fn sandbox_channels_get_generated_credentials() {
        for kind in [
            ChannelKind::Telegram,
            ChannelKind::Messenger,
            ChannelKind::Instagram,
            ChannelKind::Web,
        ] {
            let built = build(kind, true, SettingsInput::default()).expect("sandbox");
            assert!(built.fits(kind) && built.sandbox_flag(), "{kind:?}");
        }
    }

    #[test]
    fn each_missing_or_bad_field_is_named() {
        let messenger = || SettingsInput {
            page_id: Some("104512345678901".into()),
            page_access_token: Some("EAAG-page-token".into()),
            app_secret: Some("app-secret-value".into()),
            ..SettingsInput::default()
        };
        assert!(build(ChannelKind::Messenger, false, messenger()).is_ok());
        type Change = fn(&mut SettingsInput);
        let cases: [(ChannelKind, &str, Change); 8] = [
            (ChannelKind::Messenger, "settings.page_id", |i| {
                i.page_id = None
            }),
            (ChannelKind::Messenger, "settings.page_id", |i| {
                i.page_id = Some("page".into())
            }),
            (ChannelKind::Messenger, "settings.page_access_token", |i| {
                i.page_access_token = Some("short".into())
            }),
            (ChannelKind::Messenger, "settings.app_secret", |i| {
                i.app_secret = None
            }),
            (ChannelKind::Messenger, "settings.base_url", |i| {
                i.base_url = Some(Some("ftp://x".into()))
            }),
            (ChannelKind::Messenger, "settings.api_version", |i| {
                i.api_version = Some("25".into())
            }),
            (ChannelKind::Messenger, "settings.bot_token", |i| {
                i.bot_token = Some("1:abcdefghij".into())
            }),
            (ChannelKind::Instagram, "settings.page_access_token", |_| {}),
        ];
        for (kind, expected, change) in cases {
            let mut input = messenger();
            change(&mut input);
            assert_eq!(invalid_field(build(kind, false, input)), expected);
        }
        let instagram = SettingsInput {
            page_id: Some("104512345678901".into()),
            ..SettingsInput::default()
        };
        assert_eq!(
            invalid_field(build(ChannelKind::Instagram, false, instagram)),
            "settings.ig_account_id"
        );
        let web = SettingsInput {
            pairing_phone_number: Some(Some("phone".into())),
            ..SettingsInput::default()
        };
        assert_eq!(
            invalid_field(build(ChannelKind::Web, false, web)),
            "settings.pairing_phone_number"
        );
    }

    #[test]
    fn changes_are_validated_and_say_whether_they_reconfigure() {
        let mut s = build(
            ChannelKind::Telegram,
            false,
            telegram("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
        )
        .expect("valid");
        let kind = ChannelKind::Telegram;
        assert!(!apply(kind, &mut s, SettingsInput::default()).expect("nothing"));
        let polling = SettingsInput {
            inbound: Some("polling".into()),
            ..SettingsInput::default()
        };
        assert!(apply(kind, &mut s, polling).expect("polling"));
        let bad = telegram("nope");
        assert!(matches!(
            apply(kind, &mut s, bad),
            Err(ServiceError::Invalid { field, .. }) if field == "settings.bot_token"
        ));
        let foreign = SettingsInput {
            app_secret: Some("app-secret-value".into()),
            ..SettingsInput::default()
        };
        assert!(matches!(
            apply(kind, &mut s, foreign),
            Err(ServiceError::Invalid { field, .. }) if field == "settings.app_secret"
        ));
        let mut web = ChannelSettings::Web(WebSettings::default());
        let phone = SettingsInput {
            pairing_phone_number: Some(Some("+16505551234".into())),
            ..SettingsInput::default()
        };
        assert!(!apply(ChannelKind::Web, &mut web, phone).expect("phone"));
        assert_eq!(
            web,
            ChannelSettings::Web(WebSettings {
                pairing_phone_number: Some("16505551234".into()),
                sandbox: false
            })
        );
    }
}
