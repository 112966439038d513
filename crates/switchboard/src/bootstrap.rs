//! First start: the admin key and the `default` account with its key and sandbox channel.

use switchboard_core::key::{generate_admin_key, hash_secret, split_token};
use switchboard_core::time::now_millis;
use switchboard_service::{accounts, channels};
use switchboard_store::Store;

use crate::StartError;

const ADMIN_HASH: &str = "admin_key_hash";
const BOOTSTRAPPED: &str = "bootstrapped_at";
/// Credits the first-start `default` account gets, so a broadcast can be tried at once (one
/// credit per target by default); recorded in its ledger like an admin credit.
pub const FIRST_START_CREDITS: i64 = 1_000;

/// What the first start created, to print once.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// The generated admin key, when one was generated now.
    pub admin_key: Option<String>,
    /// The default account, its key and sandbox channel, when created now.
    pub default_account: Option<DefaultAccount>,
}

/// The default account created at first start.
#[derive(Debug, Clone)]
pub struct DefaultAccount {
    /// `acc_…`
    pub account_id: String,
    /// Its first key's secret.
    pub api_key: String,
    /// Its sandbox channel, `ch_…`.
    pub channel_id: String,
}

/// Returns the admin key's hash: from the configured key, or the stored hash, or a newly
/// generated key (returned so it can be printed once).
pub async fn admin_key_hash(
    store: &dyn Store,
    configured: Option<&str>,
) -> Result<(String, Option<String>), StartError> {
    if let Some(key) = configured {
        return Ok((hash_secret(key), None));
    }
    if let Some(hash) = store.get_meta(ADMIN_HASH).await? {
        return Ok((hash, None));
    }
    let key = generate_admin_key();
    let hash = hash_secret(&key);
    if store.put_meta_if_absent(ADMIN_HASH, &hash).await? {
        return Ok((hash, Some(key)));
    }
    // Another node won the race: use its key.
    let hash = store
        .get_meta(ADMIN_HASH)
        .await?
        .ok_or_else(|| StartError::Bootstrap("the admin key hash vanished".into()))?;
    Ok((hash, None))
}

/// Creates the `default` account with a key and a sandbox channel, once per database.
pub async fn default_account(store: &dyn Store) -> Result<Option<DefaultAccount>, StartError> {
    if store.get_meta(BOOTSTRAPPED).await?.is_some() || store.count_accounts().await? > 0 {
        return Ok(None);
    }
    if !store
        .put_meta_if_absent(BOOTSTRAPPED, &now_millis().to_string())
        .await?
    {
        return Ok(None);
    }
    let created = accounts::create(store, "default", |account| {
        channels::build(
            account,
            channels::NewChannel {
                name: "sandbox".into(),
                kind: Some(switchboard_core::channel::ChannelKind::Sandbox),
                ..Default::default()
            },
        )
        .map(|c| vec![c])
        .unwrap_or_default()
    })
    .await
    .map_err(|e| StartError::Bootstrap(format!("creating the default account: {e}")))?;
    switchboard_service::credits::change(
        store,
        created.account.id,
        FIRST_START_CREDITS,
        Some("first start: credits to try broadcasts"),
    )
    .await
    .map_err(|e| match e {
        switchboard_service::credits::ChangeError::Service(e) => {
            StartError::Bootstrap(format!("crediting the default account: {e}"))
        }
        switchboard_service::credits::ChangeError::Insufficient { .. } => {
            StartError::Bootstrap("crediting the default account was refused".into())
        }
    })?;
    let channel_id = created
        .channels
        .first()
        .map(|c| c.id.to_string())
        .unwrap_or_default();
    Ok(Some(DefaultAccount {
        account_id: created.account.id.to_string(),
        api_key: created.api_key,
        channel_id,
    }))
}

/// A one-time console sign-in link for what the first start created: the default account's
/// key, else the generated admin key; `None` when nothing was created now (or the token
/// could not be stored, which is logged).
pub async fn console_link(
    store: &dyn Store,
    bootstrap: &Bootstrap,
    public_url: &str,
) -> Option<String> {
    let key = match (&bootstrap.default_account, &bootstrap.admin_key) {
        (Some(d), _) => {
            let account = d.account_id.parse().ok()?;
            let (key, _) = split_token(&d.api_key)?;
            Some((account, key))
        }
        (None, Some(_)) => None,
        (None, None) => return None,
    };
    match switchboard_console::link::create_token(store, key, switchboard_console::link::LINK_TTL)
        .await
    {
        Ok(token) => Some(switchboard_console::link::url(public_url, &token)),
        Err(e) => {
            tracing::warn!(error = %e, "cannot create the console sign-in link");
            None
        }
    }
}

/// Prints what the first start created (secrets shown once, on standard output, never
/// logged), with the console's one-time sign-in link when there is one.
pub fn print(bootstrap: &Bootstrap, public_url: &str, console_link: Option<&str>) {
    if bootstrap.admin_key.is_none() && bootstrap.default_account.is_none() {
        return;
    }
    println!();
    println!("================ Switchboard: first start ================");
    if let Some(admin) = &bootstrap.admin_key {
        println!("Admin key (shown once; set SWITCHBOARD_ADMIN_KEY to choose your own):");
        println!("  {admin}");
    }
    if let Some(d) = &bootstrap.default_account {
        println!("Account `default`: {}", d.account_id);
        println!("API key (shown once): {}", d.api_key);
        println!("Sandbox channel: {}", d.channel_id);
        println!("Credits: {FIRST_START_CREDITS} (for broadcasts; the admin adds more)");
        println!();
        println!("Try it:");
        println!(
            "  curl -s {public_url}/v1/channels/{} -H 'Authorization: Bearer {}'",
            d.channel_id, d.api_key
        );
    }
    if let Some(link) = console_link {
        println!();
        println!("Console (one-time sign-in link, valid 15 minutes; later sign in with the key):");
        println!("  {link}");
    }
    println!("==========================================================");
    println!();
}
