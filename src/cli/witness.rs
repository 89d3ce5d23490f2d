//! `carrel witness`: a committee member's witness for the audit log (c2sp.org/tlog-witness).
//! `new-key` makes the witness's cosignature key, `key` prints its verifier key for the
//! library to trust, `serve` cosigns the checkpoints of the logs named until interrupted.
//! Needs no database and no configuration beyond the state directory, where the key and the
//! state file are by default.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::RngCore;
use rand::rngs::OsRng;

use super::{CliError, CliResult};
use crate::config::Config;
use crate::domain::note::{Alg, Signer, Vkey};
use crate::domain::sanitize::clean_text;
use crate::domain::units::count;
use crate::input;
use crate::witness::{StateLock, Witness, WitnessState, server};

/// The witness key's file name in the state directory.
pub const KEY_FILE: &str = "witness.key";

/// The witness state's file name in the state directory.
pub const STATE_FILE: &str = "witness-state.json";

#[derive(Debug, clap::Subcommand)]
pub enum WitnessCommand {
    /// Make the witness's key (mode 0600, never over an existing file) and print its verifier key
    NewKey {
        /// The witness's name, e.g. committee.example/alice: no space, no '+'
        name: String,
        /// The key file [default: witness.key in the state directory]
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
    /// Print the witness's verifier key, for the library to trust its cosignatures
    Key {
        /// The key file [default: witness.key in the state directory]
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
    /// Cosign the logs' checkpoints (POST /add-checkpoint) that extend those cosigned before,
    /// until interrupted
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the address is printed on stderr)
    #[arg(long, value_name = "ADDR")]
    pub listen: SocketAddr,
    /// A log's verifier key as `carrel audit key` prints it; its name is the log's origin.
    /// Repeat for more logs
    #[arg(long = "log", value_name = "VKEY", required = true, value_parser = parse_log_key)]
    pub logs: Vec<Vkey>,
    /// The key file [default: witness.key in the state directory]
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The state file: the latest checkpoint cosigned per log [default: witness-state.json in
    /// the state directory]
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

/// `--log`: a log's key (signature type 0x01), not a witness's.
fn parse_log_key(s: &str) -> Result<Vkey, String> {
    let key = Vkey::parse(s).map_err(|e| e.to_string())?;
    match key.alg() {
        Alg::Ed25519 => Ok(key),
        Alg::Cosignature => Err("this is a witness's cosignature key (type 0x04); --log takes a \
             log's key (type 0x01), as `carrel audit key` prints it"
            .into()),
    }
}

pub fn run(command: &WitnessCommand, cfg: &Config) -> CliResult {
    match command {
        WitnessCommand::NewKey { name, key } => new_key(name, key.as_deref(), cfg),
        WitnessCommand::Key { key } => {
            let (path, _) = key_path(key.as_deref(), cfg);
            let signer = read_key(&path, key.is_some())?;
            println!("{}", signer.vkey());
            Ok(())
        }
        WitnessCommand::Serve(args) => serve(args, cfg),
    }
}

/// The key file: the one given, or the default in the state directory (`true`).
fn key_path(given: Option<&Path>, cfg: &Config) -> (PathBuf, bool) {
    match given {
        Some(p) => (p.to_owned(), false),
        None => (cfg.state_dir.join(KEY_FILE), true),
    }
}

/// Makes the state directory (0700) when it is missing.
fn make_state_dir(cfg: &Config) -> CliResult {
    let dir = &cfg.state_dir;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Failed(format!("cannot make {}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

fn new_key(name: &str, given: Option<&Path>, cfg: &Config) -> CliResult {
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    let signer = Signer::from_seed(name, Alg::Cosignature, seed).map_err(|_| {
        CliError::BadInput(format!(
            "'{}' is not a key name: it must be non-empty, without spaces or '+' (e.g. committee.example/alice)",
            clean_text(name, 80)
        ))
    })?;
    let (path, default) = key_path(given, cfg);
    if default {
        make_state_dir(cfg)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => CliError::BadInput(format!(
            "{}: already exists; a witness key is never overwritten",
            path.display()
        )),
        _ => CliError::Failed(format!("{}: cannot create: {e}", path.display())),
    })?;
    writeln!(file, "{}", signer.to_secret_string())
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::Failed(format!("{}: cannot write: {e}", path.display())))?;
    println!("{}", signer.vkey());
    eprintln!("(the witness's verifier key; the private key is {})", path.display());
    Ok(())
}

/// Reads the witness key at `path`: a private regular file holding a cosignature key.
fn read_key(path: &Path, given: bool) -> CliResult<Signer> {
    let shown = path.display();
    let file = match input::open(path, &input::SECRET) {
        Err(e) if e.is_not_found() => {
            let flag = if given { format!(" --key {shown}") } else { String::new() };
            return Err(CliError::BadInput(format!(
                "{shown}: no witness key; `carrel witness new-key NAME{flag}` makes one"
            )));
        }
        opened => opened?,
    };
    #[cfg(unix)]
    if let Some(meta) = file.metadata() {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CliError::BadInput(format!(
                "{shown}: mode {mode:04o}; refusing to use it. Run: chmod 600 {shown}"
            )));
        }
    }
    let text = file.read_to_string()?;
    let signer = Signer::parse(&text)
        .map_err(|e| CliError::BadInput(format!("{shown}: not a witness key: {e}")))?;
    if signer.vkey().alg() != Alg::Cosignature {
        return Err(CliError::BadInput(format!(
            "{shown}: a plain Ed25519 key (type 0x01), not a witness's cosignature key (type 0x04)"
        )));
    }
    Ok(signer)
}

fn serve(args: &ServeArgs, cfg: &Config) -> CliResult {
    let (key, _) = key_path(args.key.as_deref(), cfg);
    let signer = read_key(&key, args.key.is_some())?;
    let state = match &args.state {
        Some(p) => p.clone(),
        None => {
            make_state_dir(cfg)?;
            cfg.state_dir.join(STATE_FILE)
        }
    };
    // The file is checked before anything is made beside it (its lock), then loaded for good
    // once no other witness can change it.
    WitnessState::load(&state)?;
    let dir = state.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(CliError::BadInput(format!(
            "{}: its directory {} does not exist",
            state.display(),
            dir.display()
        )));
    }
    let _lock = StateLock::take(&state)?;
    let witness = Witness::open(signer, args.logs.clone(), &state)?;
    let _log = super::logging::init(cfg);
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| {
            CliError::BadInput(format!("--listen {}: cannot listen: {e}", args.listen))
        })?;
        let addr = listener.local_addr()?;
        let name = witness.vkey().name().to_owned();
        let logs = count(witness.origins().len(), "log", "logs");
        tracing::info!(%addr, logs = %witness.origins().join(", "), "witness {name} serving");
        // Tests and scripts read the address from this line.
        eprintln!("witness {name} listening on {addr} for {logs}");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = server::serve(listener, Arc::new(witness), async move {
            let _ = stopped.await;
        });
        tokio::pin!(serving);
        tokio::select! {
            ended = &mut serving => {
                ended.map_err(|e| CliError::Failed(format!("the witness stopped: {e}")))?;
            }
            () = super::sync::wait_for_signal() => {
                let _ = stop.send(());
                // Submissions under way get two seconds to finish.
                let _ = tokio::time::timeout(Duration::from_secs(2), serving).await;
                tracing::info!("witness {name} stopped");
            }
        }
        Ok(())
    })
}
