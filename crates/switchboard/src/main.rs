//! `switchboard`: the server (`serve`), migrations, admin helpers and the OpenAPI document.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use switchboard::config::{Config, Overrides};
use switchboard_core::id::{AccountId, ChannelId};
use switchboard_core::key::Permission;
use switchboard_service::{accounts, keys};

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Self-hosted business messaging gateway"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// Config file (TOML); also SWITCHBOARD_CONFIG.
    #[arg(long, global = true, env = "SWITCHBOARD_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the SQLite database and media (default ./data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST:PORT/DB.
    #[arg(long, global = true)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: API and workers.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts directly in the database.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Manage API keys directly in the database.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Manage the key that encrypts stored secrets.
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
    /// Print the OpenAPI document of the API.
    Openapi,
    /// Run the Graph API emulator alone (for tests, benchmarks and offline development).
    Emulate {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:9090")]
        listen: String,
        /// JSON file: `{"config": {EmulatorConfig…}, "phone_numbers": [{PhoneNumberConfig…}]}`.
        #[arg(long)]
        setup: Option<PathBuf>,
        /// Seed of the random draws (overrides the file's).
        #[arg(long)]
        seed: Option<u64>,
    },
}

/// The `emulate --setup` file.
#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct EmulatorSetup {
    config: switchboard_emulator::EmulatorConfig,
    phone_numbers: Vec<switchboard_emulator::PhoneNumberConfig>,
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account and print its first API key.
    Create {
        /// Account name.
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Re-encrypt every stored secret under a new key (run it with the service stopped).
    /// Without --new-key-file, a new key replaces the configured key file and the old key is
    /// kept beside it as `<key file>.<old key id>.old`, no longer needed.
    Rotate {
        /// Take the new key from this file (created with a new key if missing); then point
        /// `secrets.key_file` (or SWITCHBOARD_SECRET_KEY) at it.
        #[arg(long)]
        new_key_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create an API key for an account and print its secret.
    Create {
        /// Account id (acc_…).
        #[arg(long)]
        account: String,
        /// read, send or manage.
        #[arg(long, default_value = "send")]
        permission: String,
        /// Limit the key to one channel (ch_…).
        #[arg(long)]
        channel: Option<String>,
        /// A label for the key.
        #[arg(long)]
        name: Option<String>,
    },
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Installs the SIGINT/SIGTERM handlers now (so a signal that arrives while the server starts
/// is not missed) and returns a future that completes on the first of them.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    #[cfg(unix)]
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    async move {
        #[cfg(unix)]
        {
            let term = async {
                match term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = term => {},
                _ = int => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut overrides = Overrides {
        listen: None,
        data_dir: cli.global.data_dir.clone(),
        database_url: cli.global.database_url.clone(),
    };
    if let Command::Serve { listen } = &cli.command {
        overrides.listen = listen.clone();
    }
    if let Command::Openapi = cli.command {
        print!("{}", switchboard_api::openapi_json());
        return Ok(());
    }
    if let Command::Emulate {
        listen,
        setup,
        seed,
    } = &cli.command
    {
        init_logging("info");
        let mut setup: EmulatorSetup = match setup {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                serde_json::from_str(&text)
                    .with_context(|| format!("invalid emulator setup in {}", path.display()))?
            }
            None => EmulatorSetup::default(),
        };
        if let Some(seed) = seed {
            setup.config.seed = *seed;
        }
        let shutdown = shutdown_signal();
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        tracing::info!(address = %listener.local_addr()?, "emulator listening");
        switchboard_emulator::serve(setup.config, setup.phone_numbers, listener, shutdown).await?;
        return Ok(());
    }
    let config = Config::load(cli.global.config.as_deref(), &overrides)?;
    init_logging(&config.log.level);

    match cli.command {
        Command::Serve { .. } => {
            let shutdown = shutdown_signal();
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("cannot listen on {} (key `listen`)", config.listen))?;
            switchboard::run(config, listener, shutdown).await?;
        }
        Command::Migrate => {
            let url = config.database_url();
            if url.starts_with("sqlite") {
                std::fs::create_dir_all(&config.data_dir)?;
            }
            let applied = switchboard_store::migrate(&url).await?;
            println!(
                "{applied} migration(s) applied to {}",
                switchboard_store::redact_url(&url)
            );
        }
        Command::Account {
            command: AccountCommand::Create { name },
        } => {
            let store = switchboard::secrets::open_store(&config).await?;
            let created = accounts::create(store.as_ref(), &name, |_| Vec::new()).await?;
            println!("account: {}", created.account.id);
            println!("api_key (shown once): {}", created.api_key);
            store.close().await;
        }
        Command::Key {
            command:
                KeyCommand::Create {
                    account,
                    permission,
                    channel,
                    name,
                },
        } => {
            let account: AccountId = account.parse().context("--account must be an acc_… id")?;
            let permission: Permission = permission.parse().map_err(anyhow::Error::msg)?;
            let channel_id: Option<ChannelId> = channel
                .map(|c| c.parse().context("--channel must be a ch_… id"))
                .transpose()?;
            let store = switchboard::secrets::open_store(&config).await?;
            if store.get_account(account).await?.is_none() {
                store.close().await;
                bail!("no account {account}");
            }
            let created = keys::create(
                store.as_ref(),
                account,
                keys::NewKey {
                    name,
                    permission,
                    channel_id,
                },
            )
            .await?;
            println!("key: {}", created.key.id);
            println!("secret (shown once): {}", created.token);
            store.close().await;
        }
        Command::Secrets {
            command: SecretsCommand::Rotate { new_key_file },
        } => {
            let done = switchboard::secrets::rotate(&config, new_key_file.as_deref()).await?;
            println!(
                "every stored secret is now encrypted with key {} (in {})",
                done.new_key,
                done.key_file.display()
            );
            match done.retired {
                Some(retired) => println!(
                    "the old key {} was kept in {}: it is no longer needed, delete it once every node runs with the new key",
                    done.old_key,
                    retired.display()
                ),
                None => println!(
                    "point secrets.key_file (or SWITCHBOARD_SECRET_KEY) at the new key and restart; the old key {} is no longer needed",
                    done.old_key
                ),
            }
        }
        Command::Openapi | Command::Emulate { .. } => {}
    }
    Ok(())
}
