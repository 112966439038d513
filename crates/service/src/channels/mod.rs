//! Channels: creation (of every kind), reading, changing, deleting.
//!
//! WhatsApp Cloud channels (`cloud`, `sandbox`) take their settings as top-level fields, as
//! they always have; the other kinds (`telegram`, `messenger`, `instagram`, `web`) take them
//! under `settings` ([`kinds`]). A kind is validated fully first, then refused with
//! `channel_kind_unavailable` when this build cannot run it (see [`create`]).

pub mod by_number;
pub mod display;
pub mod kinds;
pub mod profile;

use switchboard_core::account::validate_name;
use switchboard_core::automation::zone::parse_time_zone;
use switchboard_core::channel::{
    is_api_version, reason, Channel, ChannelKind, ChannelSettings, ChannelState, ChannelStatus,
    CloudSettings, DEFAULT_API_VERSION,
};
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::secret::random_hex;
use switchboard_core::time::now_millis;
use switchboard_store::{Page, PageRequest, Store};

pub use kinds::SettingsInput;

use crate::upstream::Upstream;
use crate::web::WebSessions;
use crate::{ServiceError, ServiceResult};

/// Input for a new channel; Cloud fields are required for `cloud` and ignored for `sandbox`,
/// the other kinds take theirs in `settings`.
#[derive(Debug, Clone, Default)]
pub struct NewChannel {
    /// Display name.
    pub name: String,
    /// `sandbox`, `cloud`, `telegram`, `messenger`, `instagram` or `web`.
    pub kind: Option<ChannelKind>,
    /// For telegram, messenger, instagram and web: talk to the built-in emulator (credentials
    /// left out are generated).
    pub sandbox: Option<bool>,
    /// Settings of a telegram, messenger, instagram or web channel.
    pub settings: Option<SettingsInput>,
    /// Meta's phone number id.
    pub phone_number_id: Option<String>,
    /// WhatsApp Business Account id.
    pub waba_id: Option<String>,
    /// Graph API bearer token.
    pub access_token: Option<String>,
    /// App secret that signs inbound webhooks.
    pub app_secret: Option<String>,
    /// Webhook verification token; generated when absent.
    pub verify_token: Option<String>,
    /// Graph API base URL (default Meta's).
    pub base_url: Option<String>,
    /// Graph API version (default v23.0).
    pub api_version: Option<String>,
    /// Statistics time zone (default `UTC`).
    pub timezone: Option<String>,
}

/// Changes to a channel; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ChannelPatch {
    /// New name.
    pub name: Option<String>,
    /// New bearer token.
    pub access_token: Option<String>,
    /// New app secret.
    pub app_secret: Option<String>,
    /// New verification token.
    pub verify_token: Option<String>,
    /// New base URL (`Some(None)` resets to Meta's).
    pub base_url: Option<Option<String>>,
    /// New API version.
    pub api_version: Option<String>,
    /// New statistics time zone.
    pub timezone: Option<String>,
    /// Changes to the settings of a telegram, messenger, instagram or web channel.
    pub settings: Option<SettingsInput>,
}

fn digits(n: usize) -> String {
    random_hex(n)
        .bytes()
        .take(n)
        .map(|b| char::from(b'0' + (b % 10)))
        .collect()
}

fn required(field: &str, value: &Option<String>) -> ServiceResult<String> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(ServiceError::invalid(
            field,
            format!("`{field}` is required for a cloud channel"),
        )),
    }
}

fn numeric_id(field: &str, value: String) -> ServiceResult<String> {
    if value.len() > 32 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ServiceError::invalid(
            field,
            format!("`{field}` must be Meta's numeric id (digits only)"),
        ));
    }
    Ok(value)
}

fn base_url(value: Option<String>) -> ServiceResult<Option<String>> {
    let Some(url) = value else { return Ok(None) };
    let url = url.trim().trim_end_matches('/').to_string();
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > "https://".len()
        && !url.contains(char::is_whitespace);
    if !ok {
        return Err(ServiceError::invalid(
            "base_url",
            "`base_url` must be an absolute http(s) URL such as https://graph.facebook.com",
        ));
    }
    Ok(Some(url))
}

fn api_version(value: Option<String>) -> ServiceResult<String> {
    let version = value.unwrap_or_else(|| DEFAULT_API_VERSION.to_string());
    if !is_api_version(&version) {
        return Err(ServiceError::invalid(
            "api_version",
            "`api_version` must look like v23.0",
        ));
    }
    Ok(version)
}

fn secret(field: &str, value: String) -> ServiceResult<String> {
    if value.len() < 8 || value.len() > 1024 || value.chars().any(char::is_whitespace) {
        return Err(ServiceError::invalid(
            field,
            format!("`{field}` must be 8 to 1024 characters without spaces"),
        ));
    }
    Ok(value)
}

/// Validates a statistics time zone (an IANA name or a fixed offset) and returns it as
/// stored: the IANA name as the database spells it, or the offset as given.
pub fn timezone(text: &str) -> ServiceResult<String> {
    let tz = parse_time_zone(text)
        .map_err(|m| ServiceError::invalid("timezone", format!("`timezone`: {m}")))?;
    Ok(tz
        .iana_name()
        .map_or_else(|| text.trim().to_string(), str::to_string))
}

/// Settings for a new sandbox channel: random ids and secrets; the base URL is the mounted
/// emulator, resolved at call time.
pub fn sandbox_settings() -> CloudSettings {
    CloudSettings {
        display_phone_number: None,
        phone_number_id: format!("1{}", digits(14)),
        waba_id: format!("2{}", digits(14)),
        access_token: format!("sandbox_{}", random_hex(24)),
        app_secret: random_hex(24),
        verify_token: random_hex(16),
        base_url: None,
        api_version: DEFAULT_API_VERSION.to_string(),
    }
}

/// The top-level Cloud fields given in `input`, by name.
fn cloud_fields_given(input: &NewChannel) -> Option<&'static str> {
    [
        ("phone_number_id", input.phone_number_id.is_some()),
        ("waba_id", input.waba_id.is_some()),
        ("access_token", input.access_token.is_some()),
        ("app_secret", input.app_secret.is_some()),
        ("verify_token", input.verify_token.is_some()),
        ("base_url", input.base_url.is_some()),
        ("api_version", input.api_version.is_some()),
    ]
    .into_iter()
    .find_map(|(name, given)| given.then_some(name))
}

/// Builds a new channel record of `account` from `input`, validating every field.
pub fn build(account: AccountId, input: NewChannel) -> ServiceResult<Channel> {
    let name = validate_name("name", &input.name).map_err(|m| ServiceError::invalid("name", m))?;
    let kind = input.kind.ok_or_else(|| {
        ServiceError::invalid(
            "kind",
            "`kind` is required: sandbox, cloud, telegram, messenger, instagram or web",
        )
    })?;
    if kind.is_whatsapp_cloud() && input.settings.is_some() {
        return Err(ServiceError::invalid(
            "settings",
            "`settings`: cloud and sandbox channels take their settings at the top level (phone_number_id, waba_id, access_token, app_secret, …)",
        ));
    }
    let settings = match kind {
        ChannelKind::Sandbox => ChannelSettings::Cloud(sandbox_settings()),
        ChannelKind::Cloud if input.sandbox == Some(true) => {
            return Err(ServiceError::invalid(
                "sandbox",
                "`sandbox`: a WhatsApp sandbox channel is created with \"kind\": \"sandbox\"",
            ))
        }
        ChannelKind::Cloud => ChannelSettings::Cloud(CloudSettings {
            display_phone_number: None,
            phone_number_id: numeric_id(
                "phone_number_id",
                required("phone_number_id", &input.phone_number_id)?,
            )?,
            waba_id: numeric_id("waba_id", required("waba_id", &input.waba_id)?)?,
            access_token: secret(
                "access_token",
                required("access_token", &input.access_token)?,
            )?,
            app_secret: secret("app_secret", required("app_secret", &input.app_secret)?)?,
            verify_token: match input.verify_token {
                Some(t) => secret("verify_token", t)?,
                None => random_hex(16),
            },
            base_url: base_url(input.base_url)?,
            api_version: api_version(input.api_version)?,
        }),
        other => {
            if let Some(field) = cloud_fields_given(&input) {
                return Err(ServiceError::invalid(
                    field,
                    format!(
                        "`{field}` is a WhatsApp Cloud field; a {} channel takes {} under `settings`",
                        other.as_str(),
                        kinds::fields_of(other).join(", ")
                    ),
                ));
            }
            kinds::build(
                other,
                input.sandbox.unwrap_or(false),
                input.settings.unwrap_or_default(),
            )?
        }
    };
    let timezone = match input.timezone {
        Some(tz) => timezone(&tz)?,
        None => "UTC".to_string(),
    };
    let now = now_millis();
    Ok(Channel {
        id: ChannelId::new(),
        account_id: account,
        name,
        kind,
        settings,
        timezone,
        state: ChannelState::new(ChannelStatus::Active, reason::CREATED, now),
        created_at: now,
        updated_at: now,
    })
}

/// Creates a channel (with its `channel.status` event, `active`). Its settings are validated
/// first; a kind this build cannot run is then refused (`channel_kind_unavailable`) and
/// nothing is stored: a kind `upstream` has no connector for, a `web` channel whose session
/// has no driver (a real one in a build without the `whatsapp-web` feature, a sandbox one
/// with the sandbox off).
pub async fn create(
    store: &dyn Store,
    upstream: &Upstream,
    web: &WebSessions,
    account: AccountId,
    input: NewChannel,
) -> ServiceResult<Channel> {
    let channel = build(account, input)?;
    let unavailable = match channel.kind {
        // Web channels are driven by sessions (crate::web), not connectors.
        ChannelKind::Web => web.driver_for(&channel).err(),
        kind if !upstream.has_kind(kind) => Some(format!(
            "{} channels are not supported by this build: it has no {} connector; the kinds it can create are {}",
            kind.as_str(),
            kind.as_str(),
            ChannelKind::ALL
                .into_iter()
                .filter(|k| *k == ChannelKind::Web || upstream.has_kind(*k))
                .map(ChannelKind::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => None,
    };
    if let Some(message) = unavailable {
        return Err(ServiceError::Unprocessable {
            code: "channel_kind_unavailable",
            message,
        });
    }
    store
        .create_channel(&channel)
        .await
        .map_err(|e| match ServiceError::from(e) {
            ServiceError::Conflict(_) => ServiceError::Conflict(format!(
                "a {} channel for {} already exists",
                channel.kind.as_str(),
                channel
                    .settings
                    .upstream_identity()
                    .unwrap_or("this upstream")
            )),
            other => other,
        })?;
    Ok(channel)
}

/// Reads a channel of the account.
pub async fn get(store: &dyn Store, account: AccountId, id: ChannelId) -> ServiceResult<Channel> {
    store
        .get_channel(account, id)
        .await?
        .ok_or(ServiceError::NotFound("channel"))
}

/// A channel whatever its account (upstream webhooks name only the channel).
pub async fn find(store: &dyn Store, id: ChannelId) -> ServiceResult<Channel> {
    store
        .find_channel(id)
        .await?
        .ok_or(ServiceError::NotFound("channel"))
}

/// Lists the account's channels (`only` narrows to one).
pub async fn list(
    store: &dyn Store,
    account: AccountId,
    only: Option<ChannelId>,
    page: &PageRequest,
) -> ServiceResult<Page<Channel>> {
    Ok(store.list_channels(account, only, page).await?)
}

/// Applies `patch` to a channel of the account. A change of the credentials or the upstream
/// address (`access_token`, `app_secret`, `base_url`, `api_version`; for the other kinds
/// their tokens, ids, base URL, version and Telegram's `inbound`) resets the status to
/// `active` with a `channel.status` event; other changes keep the status.
pub async fn update(
    store: &dyn Store,
    account: AccountId,
    id: ChannelId,
    patch: ChannelPatch,
) -> ServiceResult<Channel> {
    let mut channel = get(store, account, id).await?;
    if let Some(name) = &patch.name {
        channel.name = validate_name("name", name).map_err(|m| ServiceError::invalid("name", m))?;
    }
    if let Some(tz) = &patch.timezone {
        channel.timezone = timezone(tz)?;
    }
    let sandbox = channel.kind == ChannelKind::Sandbox;
    let kind = channel.kind;
    let reconfigured = match channel.settings.cloud_mut() {
        Some(cloud) => {
            if patch.settings.is_some() {
                return Err(ServiceError::invalid(
                    "settings",
                    "`settings`: cloud and sandbox channels take their changes at the top level (access_token, app_secret, …)",
                ));
            }
            apply_cloud(cloud, sandbox, patch)?
        }
        None => {
            if let Some(field) = cloud_patch_fields(&patch) {
                return Err(ServiceError::invalid(
                    field,
                    format!(
                        "`{field}` is a WhatsApp Cloud field; a {} channel takes {} under `settings`",
                        kind.as_str(),
                        kinds::fields_of(kind).join(", ")
                    ),
                ));
            }
            kinds::apply(
                kind,
                &mut channel.settings,
                patch.settings.unwrap_or_default(),
            )?
        }
    };
    channel.updated_at = now_millis().max(channel.updated_at + 1);
    if reconfigured {
        channel.state = ChannelState::new(
            ChannelStatus::Active,
            reason::RECONFIGURED,
            channel.updated_at,
        );
    }
    if !store.update_channel(&channel, reconfigured).await? {
        return Err(ServiceError::NotFound("channel"));
    }
    Ok(channel)
}

/// The top-level Cloud fields given in `patch`, by name.
fn cloud_patch_fields(patch: &ChannelPatch) -> Option<&'static str> {
    [
        ("access_token", patch.access_token.is_some()),
        ("app_secret", patch.app_secret.is_some()),
        ("verify_token", patch.verify_token.is_some()),
        ("base_url", patch.base_url.is_some()),
        ("api_version", patch.api_version.is_some()),
    ]
    .into_iter()
    .find_map(|(name, given)| given.then_some(name))
}

/// Applies the Cloud fields of `patch`; returns whether the credentials or the upstream
/// address changed.
fn apply_cloud(
    settings: &mut CloudSettings,
    sandbox: bool,
    patch: ChannelPatch,
) -> ServiceResult<bool> {
    let before = settings.clone();
    let cloud_only = |field: &str| {
        ServiceError::invalid(
            field,
            format!("`{field}` cannot be changed on a sandbox channel"),
        )
    };
    if let Some(token) = patch.access_token {
        if sandbox {
            return Err(cloud_only("access_token"));
        }
        settings.access_token = secret("access_token", token)?;
    }
    if let Some(app_secret) = patch.app_secret {
        if sandbox {
            return Err(cloud_only("app_secret"));
        }
        settings.app_secret = secret("app_secret", app_secret)?;
    }
    if let Some(verify) = patch.verify_token {
        settings.verify_token = secret("verify_token", verify)?;
    }
    if let Some(url) = patch.base_url {
        if sandbox {
            return Err(cloud_only("base_url"));
        }
        settings.base_url = base_url(url)?;
    }
    if let Some(version) = patch.api_version {
        settings.api_version = api_version(Some(version))?;
    }
    let s = &*settings;
    Ok(s.access_token != before.access_token
        || s.app_secret != before.app_secret
        || s.base_url != before.base_url
        || s.api_version != before.api_version)
}

/// Deletes a channel of the account (and the keys scoped to it), with its `channel.status`
/// event (`deleted`).
pub async fn delete(store: &dyn Store, account: AccountId, id: ChannelId) -> ServiceResult<()> {
    if store.delete_channel(account, id, now_millis()).await? {
        Ok(())
    } else {
        Err(ServiceError::NotFound("channel"))
    }
}

/// Records what the upstream said about the channel on a send: a channel-level error
/// ([`is_channel_error`](switchboard_core::channel::is_channel_error)) moves an active channel
/// to `error`, an accepted send moves a channel in error back to `active`; each change with its
/// `channel.status` event. `known` is the status the caller last saw (a cached channel);
/// nothing is asked of the store when it already matches the outcome (`None`); otherwise
/// whether the stored status changed (false: `known` was stale).
pub async fn record_upstream_outcome(
    store: &dyn Store,
    channel: ChannelId,
    known: ChannelStatus,
    error: Option<serde_json::Value>,
) -> ServiceResult<Option<bool>> {
    let now = now_millis();
    let (from, to) = match error {
        Some(error) if known != ChannelStatus::Error => (
            ChannelStatus::Active,
            ChannelState {
                error: Some(error),
                ..ChannelState::new(ChannelStatus::Error, reason::UPSTREAM_ERROR, now)
            },
        ),
        None if known == ChannelStatus::Error => (
            ChannelStatus::Error,
            ChannelState::new(ChannelStatus::Active, reason::UPSTREAM_OK, now),
        ),
        _ => return Ok(None),
    };
    Ok(Some(store.set_channel_state(channel, from, &to).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud() -> NewChannel {
        NewChannel {
            name: "Main line".into(),
            kind: Some(ChannelKind::Cloud),
            phone_number_id: Some("106540352242922".into()),
            waba_id: Some("102290129340398".into()),
            access_token: Some("EAAG-token-value".into()),
            app_secret: Some("app-secret-value".into()),
            ..NewChannel::default()
        }
    }

    #[test]
    fn cloud_channels_need_their_fields() {
        let account = AccountId::new();
        let built = build(account, cloud()).unwrap();
        let s = built.settings.cloud().unwrap();
        assert_eq!(s.api_version, "v23.0");
        assert_eq!(s.verify_token.len(), 32);
        for field in ["phone_number_id", "waba_id", "access_token", "app_secret"] {
            let mut input = cloud();
            match field {
                "phone_number_id" => input.phone_number_id = None,
                "waba_id" => input.waba_id = None,
                "access_token" => input.access_token = Some("  ".into()),
                _ => input.app_secret = None,
            }
            match build(account, input) {
                Err(ServiceError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_values_name_their_field() {
        let account = AccountId::new();
        type Change = Box<dyn Fn(&mut NewChannel)>;
        let cases: Vec<(&str, Change)> = vec![
            (
                "phone_number_id",
                Box::new(|c| c.phone_number_id = Some("abc".into())),
            ),
            (
                "base_url",
                Box::new(|c| c.base_url = Some("ftp://x".into())),
            ),
            (
                "api_version",
                Box::new(|c| c.api_version = Some("23".into())),
            ),
            (
                "access_token",
                Box::new(|c| c.access_token = Some("short".into())),
            ),
            ("name", Box::new(|c| c.name = "".into())),
            ("kind", Box::new(|c| c.kind = None)),
        ];
        for (field, change) in cases {
            let mut input = cloud();
            change(&mut input);
            match build(account, input) {
                Err(ServiceError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn other_kinds_take_their_settings_under_settings() {
        let account = AccountId::new();
        let telegram = |settings: Option<SettingsInput>| NewChannel {
            name: "bot".into(),
            kind: Some(ChannelKind::Telegram),
            settings,
            ..NewChannel::default()
        };
        let built = build(
            account,
            telegram(Some(SettingsInput {
                bot_token: Some("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw".into()),
                ..SettingsInput::default()
            })),
        )
        .unwrap();
        assert!(built.settings.fits(ChannelKind::Telegram));
        let invalid = |input: NewChannel| match build(account, input) {
            Err(ServiceError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(invalid(telegram(None)), "settings.bot_token");
        let mut cloud_field = telegram(None);
        cloud_field.phone_number_id = Some("1".into());
        assert_eq!(invalid(cloud_field), "phone_number_id");
        let mut cloud_sandbox = cloud();
        cloud_sandbox.sandbox = Some(true);
        assert_eq!(invalid(cloud_sandbox), "sandbox");
        let mut cloud_settings = cloud();
        cloud_settings.settings = Some(SettingsInput::default());
        assert_eq!(invalid(cloud_settings), "settings");
        let mut sandbox_bot = telegram(None);
        sandbox_bot.sandbox = Some(true);
        assert!(build(account, sandbox_bot).unwrap().settings.sandbox_flag());
    }

    #[test]
    fn sandbox_channels_get_generated_settings() {
        let a = sandbox_settings();
        let b = sandbox_settings();
        assert_ne!(a.phone_number_id, b.phone_number_id);
        assert_eq!(a.phone_number_id.len(), 15);
        assert!(a.phone_number_id.bytes().all(|c| c.is_ascii_digit()));
        assert_eq!(a.base_url, None);
    }
}
