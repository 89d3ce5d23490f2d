//! `carrel audit`: verify the log, prove an entry, sign a checkpoint, show the key, read the
//! log, add a note.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use rand::rngs::OsRng;

use super::out_file::OutFile;
use super::table::{Align, Table};
use super::{CliError, CliResult, actor, open_store, print_json};
use crate::config::Config;
use crate::domain::audit::Checkpoint;
use crate::domain::policy::Permission;
use crate::domain::units::count;
use crate::input;
use crate::services::audit;
use crate::store::audit::EntryFilter;

/// The signing key's file name in the state directory.
pub const KEY_FILE: &str = "audit-signing.key";

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Recompute the log and check it against every checkpoint (exit 1 naming the first bad entry)
    Verify {
        /// Also check against a checkpoint a party kept (from `carrel audit checkpoint`)
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Print the inclusion proof of entry N (RFC 6962)
    Prove {
        /// Entry index, from 0
        n: u64,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Sign a checkpoint of the log (size, root, time) for a committee party to keep
    Checkpoint {
        /// Write it to FILE instead of standard output (never through a symbolic link)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE if it exists
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Print the public key that signs checkpoints
    Key,
    /// List entries, latest last
    Log {
        /// Only entries by this login (the acting staff member)
        #[arg(long, value_name = "LOGIN")]
        actor: Option<String>,
        /// e.g. seat.release, staff.manage, audit.verify
        #[arg(long, value_name = "ACTION")]
        action: Option<String>,
        /// Only entries at or after this time (RFC 3339)
        #[arg(long, value_name = "TIME")]
        since: Option<DateTime<Utc>>,
        /// At most N entries, the latest
        #[arg(long, value_name = "N", default_value_t = 50)]
        limit: usize,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Add an operator's note (a backup taken, a key moved) to the log
    Note {
        /// The note, as one argument (quote it)
        text: String,
    },
}

pub fn run(command: &AuditCommand, cfg: &Config) -> CliResult {
    let mut store = open_store(cfg)?;
    let who = actor(cfg, &store)?;
    // The signing key is the database's own, beside its patron key.
    let key_dir = cfg.database_key_dir(store.database_id()?.as_deref());
    match command {
        AuditCommand::Verify { checkpoint, json } => {
            let kept = checkpoint.as_deref().map(read_checkpoint).transpose()?;
            let v = audit::verify(&mut store, &who, kept.as_ref())?;
            if *json {
                print_json(&v)?;
            } else if v.ok {
                println!("audit log ok: {}, root {}", count(v.size, "entry", "entries"), v.root);
                for a in &v.anchors_checked {
                    println!("  extends {a}");
                }
            } else {
                for p in v.problems.iter().chain(&v.impersonation) {
                    eprintln!("carrel: audit log: {p}");
                }
            }
            match v.first_bad {
                _ if v.ok => Ok(()),
                Some(i) => Err(CliError::Failed(format!("audit verification failed at entry {i}"))),
                None => Err(CliError::Failed("audit verification failed".into())),
            }
        }
        AuditCommand::Prove { n, json } => {
            let p = audit::prove(&mut store, &who, *n)?;
            if *json {
                return print_json(&p);
            }
            println!("entry {} of {}: leaf {}", p.index, p.tree_size, p.leaf);
            println!("root {}", p.root);
            for (i, h) in p.path.iter().enumerate() {
                println!("path[{i}] {h}");
            }
            println!(
                "{}",
                if p.verified { "the proof verifies" } else { "THE PROOF DOES NOT VERIFY" }
            );
            if p.verified {
                Ok(())
            } else {
                Err(CliError::Failed("the inclusion proof does not verify".into()))
            }
        }
        AuditCommand::Checkpoint { out, force } => {
            // Everything that can go wrong with the file is found out before the checkpoint
            // is signed, stored and logged.
            let target =
                out.as_deref().map(|p| OutFile::prepare(p, *force, "checkpoint")).transpose()?;
            audit::authorize(&mut store, &who, Permission::SignCheckpoint, "audit")?;
            let key = signing_key(&key_dir)?;
            let cp = audit::checkpoint(&mut store, &who, &key, &cfg.settings.library.name)?;
            let text =
                serde_json::to_string_pretty(&cp).map_err(|e| CliError::Failed(e.to_string()))?;
            match target {
                Some(file) => {
                    let path = file.write(&format!("{text}\n"))?;
                    eprintln!(
                        "checkpoint of {} written to {}",
                        count(cp.size, "entry", "entries"),
                        path.display()
                    );
                }
                None => println!("{text}"),
            }
            Ok(())
        }
        AuditCommand::Key => {
            // Only those who sign checkpoints may make the signing key.
            audit::authorize(&mut store, &who, Permission::SignCheckpoint, "audit")?;
            let key = signing_key(&key_dir)?;
            println!("{}", hex::encode(key.verifying_key().to_bytes()));
            eprintln!(
                "(ed25519 public key; the private key is {})",
                key_dir.join(KEY_FILE).display()
            );
            Ok(())
        }
        AuditCommand::Log { actor: a, action, since, limit, json } => {
            let filter = EntryFilter {
                actor: a.clone(),
                action: action.clone(),
                since: *since,
                limit: *limit,
            };
            let entries = audit::read(&mut store, &who, &filter)?;
            if *json {
                return print_json(&entries);
            }
            let mut t = Table::new(&[
                ("SEQ", Align::Right),
                ("TIME", Align::Left),
                ("ACTOR", Align::Left),
                ("ROLE", Align::Left),
                ("ACTION", Align::Left),
                ("OBJECT", Align::Left),
                ("OUTCOME", Align::Left),
                ("DETAILS", Align::Left),
            ]);
            for e in &entries {
                let x = &e.entry;
                t.row(vec![
                    e.seq.to_string(),
                    x.at.with_timezone(&cfg.timezone).format("%Y-%m-%d %H:%M:%S").to_string(),
                    x.actor.clone(),
                    x.role.clone(),
                    x.action.clone(),
                    x.object.clone(),
                    x.outcome.to_string(),
                    x.details.chars().take(60).collect(),
                ]);
            }
            print!("{}", t.render());
            Ok(())
        }
        AuditCommand::Note { text } => {
            let e = audit::note(&mut store, &who, text)?;
            println!("noted as entry {}", e.seq);
            Ok(())
        }
    }
}

fn read_checkpoint(path: &Path) -> CliResult<Checkpoint> {
    let text = input::read_to_string(path, &input::CHECKPOINT)?;
    serde_json::from_str(&text)
        .map_err(|e| CliError::BadInput(format!("{}: not a checkpoint: {e}", path.display())))
}

/// The signing key in `state_dir` (a database's key directory), made (mode 0600) on first use.
pub fn signing_key(state_dir: &Path) -> CliResult<SigningKey> {
    let path = state_dir.join(KEY_FILE);
    match input::read_to_string(&path, &input::SECRET) {
        Ok(text) => {
            let seed: [u8; 32] =
                hex::decode(text.trim()).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| {
                    CliError::BadInput(format!(
                        "{}: not a signing key (64 hex digits expected)",
                        path.display()
                    ))
                })?;
            Ok(SigningKey::from_bytes(&seed))
        }
        Err(e) if e.is_not_found() => {
            std::fs::create_dir_all(state_dir).map_err(|e| {
                CliError::Failed(format!("cannot make {}: {e}", state_dir.display()))
            })?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(state_dir, std::fs::Permissions::from_mode(0o700));
            }
            let key = SigningKey::generate(&mut OsRng);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options
                .open(&path)
                .map_err(|e| CliError::Failed(format!("{}: cannot create: {e}", path.display())))?;
            writeln!(file, "{}", hex::encode(key.to_bytes()))
                .map_err(|e| CliError::Failed(format!("{}: cannot write: {e}", path.display())))?;
            Ok(key)
        }
        Err(e) => Err(e.into()),
    }
}
