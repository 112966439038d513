//! The key that encrypts stored secrets: read from `SWITCHBOARD_SECRET_KEY` or from the key
//! file (`secrets.key_file`, default `<data_dir>/secret.key`, created at first start with
//! permissions 0600), with the older keys of `secrets.old_key_files`; opening the store with
//! them; and `switchboard secrets rotate`, which seals every secret under a new key.
//!
//! A key is 32 bytes written as base64 (44 characters, the form generated files hold) or as
//! 64 hex digits. Error messages name the variable or file, never a key.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use switchboard_store::{Keyring, SecretKey, Store, StoreError};

use crate::config::Config;

/// The variable that holds the key, taking precedence over the key file.
pub const KEY_ENV: &str = "SWITCHBOARD_SECRET_KEY";

/// Why the keys could not be loaded or rotated.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// `SWITCHBOARD_SECRET_KEY` is set but is not a key.
    #[error("{KEY_ENV} is set but is not a key: {0}")]
    Env(switchboard_store::secrets::KeyError),
    /// A key file is missing, unreadable or not a key.
    #[error("secret key file {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The rotation cannot proceed as asked.
    #[error("secrets rotate: {0}")]
    Rotate(String),
    /// The store could not be opened or re-encrypted.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Where the current key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `SWITCHBOARD_SECRET_KEY`.
    Env,
    /// The key file, which existed.
    File(PathBuf),
    /// The key file, created now (first start).
    Created(PathBuf),
}

/// The keys a store is opened with, and where the current one came from.
#[derive(Debug, Clone)]
pub struct Keys {
    /// The current key and the older ones.
    pub keyring: Keyring,
    /// Where the current key came from.
    pub source: KeySource,
}

/// The key file of `config`: `secrets.key_file`, or `<data_dir>/secret.key`.
pub fn key_file(config: &Config) -> PathBuf {
    match config.secrets.key_file.trim() {
        "" => config.data_dir.join("secret.key"),
        path => PathBuf::from(path),
    }
}

/// Loads the keys of `config`, the current one from `SWITCHBOARD_SECRET_KEY` if set (see
/// [`load_keys`]).
pub fn load(config: &Config) -> Result<Keys, SecretsError> {
    load_keys(config, std::env::var(KEY_ENV).ok().as_deref())
}

/// Loads the keys of `config` with `env_key` as the value of `SWITCHBOARD_SECRET_KEY`: the
/// current key from it when set, else from the key file (created when missing); then the
/// older keys of `secrets.old_key_files`.
pub fn load_keys(config: &Config, env_key: Option<&str>) -> Result<Keys, SecretsError> {
    let (current, source) = match env_key.filter(|k| !k.trim().is_empty()) {
        Some(text) => (
            SecretKey::parse(text).map_err(SecretsError::Env)?,
            KeySource::Env,
        ),
        None => {
            let path = key_file(config);
            if path.exists() {
                (read_key_file(&path)?, KeySource::File(path))
            } else {
                let key = SecretKey::generate();
                write_key_file(&path, &key)?;
                (key, KeySource::Created(path))
            }
        }
    };
    let old = config
        .secrets
        .old_key_files
        .iter()
        .map(|path| read_key_file(path))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Keys {
        keyring: Keyring::new(current, old),
        source,
    })
}

/// Reads a key file.
pub fn read_key_file(path: &Path) -> Result<SecretKey, SecretsError> {
    let file_error = |message: String| SecretsError::File {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
    let key = SecretKey::parse(&text).map_err(|e| file_error(e.to_string()))?;
    warn_if_readable_by_others(path);
    Ok(key)
}

/// Writes `key` to a new file at `path` (its folder created), readable by its owner only.
pub fn write_key_file(path: &Path, key: &SecretKey) -> Result<(), SecretsError> {
    let file_error = |e: std::io::Error| SecretsError::File {
        path: path.to_path_buf(),
        message: format!("cannot create it: {e}"),
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(file_error)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(file_error)?;
    writeln!(file, "{}", key.to_base64()).map_err(file_error)?;
    file.sync_all().map_err(file_error)
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "the secret key file is readable by other users: chmod 600 it");
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path) {}

/// Says at start where the key came from (never the key).
pub fn announce(keys: &Keys) {
    let id = keys.keyring.current().id();
    match &keys.source {
        KeySource::Env => tracing::info!(
            key = id,
            "stored secrets are encrypted with the key of {KEY_ENV}"
        ),
        KeySource::File(path) => {
            tracing::info!(key = id, key_file = %path.display(), "stored secrets are encrypted with the key in the key file")
        }
        KeySource::Created(path) => {
            tracing::warn!(key = id, key_file = %path.display(), "created a new secret key file: back it up, without it the stored secrets cannot be read")
        }
    }
}

/// Opens the store of `config` with its keys (migrating it and sealing what is not sealed
/// under the current key).
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, SecretsError> {
    let keys = load(config)?;
    Ok(switchboard_store::open(&config.database_url(), keys.keyring).await?)
}

/// What a rotation did.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// The id of the key that sealed before.
    pub old_key: String,
    /// The id of the key that seals now.
    pub new_key: String,
    /// The file holding the new key.
    pub key_file: PathBuf,
    /// Where the old key file was moved (a rotation of the configured key file); it is no
    /// longer needed.
    pub retired: Option<PathBuf>,
}

/// Seals every stored secret under a new key. With `new_key_file`, the new key is read from
/// that file (created with a new key when missing), and the configuration must then name
/// it (`secrets.key_file`, or `SWITCHBOARD_SECRET_KEY` set to its key). Without it, a new
/// key replaces the configured key file, the old one moved beside it to
/// `<key file>.<old key id>.old`; this needs the key to come from the file.
///
/// Run it with the service stopped (or restart every node afterwards): a running node
/// without the new key cannot read what it sealed.
pub async fn rotate(
    config: &Config,
    new_key_file: Option<&Path>,
) -> Result<Rotation, SecretsError> {
    let keys = load(config)?;
    let old = keys.keyring.current().clone();
    let configured = key_file(config);
    let target = match new_key_file {
        Some(path) => path.to_path_buf(),
        None if keys.source == KeySource::Env => {
            return Err(SecretsError::Rotate(format!(
                "the key comes from {KEY_ENV}: give --new-key-file PATH, then set {KEY_ENV} to the key in PATH"
            )))
        }
        // A new key waits here until every secret is sealed under it; a rotation that was
        // interrupted finds it and goes on with it.
        None => sibling(&configured, "new"),
    };
    let new = if target.exists() {
        read_key_file(&target)?
    } else {
        let key = SecretKey::generate();
        write_key_file(&target, &key)?;
        key
    };
    let mut older = vec![old.clone()];
    for path in &config.secrets.old_key_files {
        older.push(read_key_file(path)?);
    }
    let store =
        switchboard_store::open(&config.database_url(), Keyring::new(new.clone(), older)).await?;
    store.reseal_secrets().await?;
    store.close().await;
    let (key_file, retired) = if new_key_file.is_some() {
        (target, None)
    } else {
        // The old key is kept beside the file, then the new key replaces the file at once.
        let retired = sibling(&configured, &format!("{}.old", old.id()));
        if !retired.exists() {
            write_key_file(&retired, &old)?;
        }
        std::fs::rename(&target, &configured).map_err(|e| SecretsError::File {
            path: target.clone(),
            message: format!("cannot move it to {}: {e}", configured.display()),
        })?;
        (configured, Some(retired))
    };
    Ok(Rotation {
        old_key: old.id().to_string(),
        new_key: new.id().to_string(),
        key_file,
        retired,
    })
}

/// `<path>.<suffix>`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{suffix}"));
    PathBuf::from(name)
}
