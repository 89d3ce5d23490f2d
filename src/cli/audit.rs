//! `carrel audit`: verify the log, prove an entry and check such a proof, sign a checkpoint,
//! show or rotate the log's key, read the log, add a note.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::out_file::OutFile;
use super::table::{Align, Table};
use super::{CliError, CliResult, actor, open_store, print_json};
use crate::config::Config;
use crate::domain::checkpoint::SignedCheckpoint;
use crate::domain::note::Vkey;
use crate::domain::policy::Permission;
use crate::domain::proof::{self, ProofBundle};
use crate::domain::units::count;
use crate::input;
use crate::services::audit::{self, WitnessPolicy};
use crate::services::log_key::{self, LogKeyError};
use crate::store::Store;
use crate::store::audit::EntryFilter;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Recompute the log and check it against every checkpoint (exit 1 naming the first bad entry)
    Verify {
        /// Also check against a checkpoint a party kept (from `carrel audit checkpoint`)
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// Demand K valid cosignatures on the latest checkpoint from the N witnesses in
        /// [audit] witnesses, e.g. 2-of-3
        #[arg(long, value_name = "K-of-N")]
        witness_policy: Option<String>,
        /// Print JSON (shape documented in the README)
        #[arg(long)]
        json: bool,
    },
    /// Prove entry N was logged: the entry, its inclusion proof (RFC 6962) and the latest
    /// checkpoint holding it, with its cosignatures
    Prove {
        /// Entry index, from 0
        n: u64,
        /// Print the proof as JSON, for `carrel audit check-proof` (shape in the README)
        #[arg(long)]
        json: bool,
    },
    /// Check a proof from `audit prove N --json` with no database: the entry, its inclusion,
    /// the log's signature and the witnesses' cosignatures
    CheckProof {
        /// The proof file (`-` for standard input)
        file: PathBuf,
        /// The log's verifier key as the library publishes it (else the proof's own is used,
        /// and the output says so)
        #[arg(long, value_name = "VKEY")]
        log_key: Option<String>,
        /// A witness's verifier key (repeat for each)
        #[arg(long = "witness", value_name = "VKEY")]
        witnesses: Vec<String>,
        /// Demand K valid cosignatures from the N --witness keys, e.g. 2-of-3
        #[arg(long, value_name = "K-of-N", requires = "witnesses")]
        witness_policy: Option<String>,
    },
    /// Sign a checkpoint of the log (origin, size, root, time) as a C2SP signed note, for a
    /// committee party to keep
    Checkpoint {
        /// Write it to FILE instead of standard output (never through a symbolic link)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE if it exists
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Print the log's verifier key (C2SP note form); `audit key rotate` hands the log to a new key
    Key {
        #[command(subcommand)]
        action: Option<KeyAction>,
    },
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

#[derive(Debug, clap::Subcommand)]
pub enum KeyAction {
    /// Make a new log key; the old key signs the hand-over in the log (sysadmin)
    Rotate,
}

impl From<LogKeyError> for CliError {
    fn from(e: LogKeyError) -> Self {
        if e.is_bad_input() {
            CliError::BadInput(e.to_string())
        } else {
            CliError::Failed(e.to_string())
        }
    }
}

/// The log key file of the database in `store`: beside its patron key file.
pub fn key_path(cfg: &Config, store: &Store) -> CliResult<PathBuf> {
    Ok(log_key::path_beside(&cfg.key_file(store.database_id()?.as_deref())))
}

pub fn run(command: &AuditCommand, cfg: &Config) -> CliResult {
    if let AuditCommand::CheckProof { file, log_key, witnesses, witness_policy } = command {
        return check_proof(file, log_key.as_deref(), witnesses, witness_policy.as_deref());
    }
    let mut store = open_store(cfg)?;
    let who = actor(cfg, &store)?;
    match command {
        AuditCommand::Verify { checkpoint, witness_policy, json } => {
            let policy =
                witness_policy.as_deref().map(|p| configured_policy(cfg, p)).transpose()?;
            let kept = checkpoint.as_deref().map(read_checkpoint).transpose()?;
            let kept_name = checkpoint.as_deref().map(|p| p.display().to_string());
            let kept = kept_name.as_deref().zip(kept.as_ref());
            let r = audit::verify(&mut store, &who, kept, policy.as_ref())?;
            let v = &r.log;
            if *json {
                print_json(&r)?;
            } else if v.ok {
                println!("audit log ok: {}, root {}", count(v.size, "entry", "entries"), v.root);
                for a in &v.anchors_checked {
                    println!("  extends {a}");
                }
                if let Some(w) = &r.witnessed {
                    println!(
                        "  the latest checkpoint (size {}) is cosigned by {} of {} witnesses ({} needed)",
                        w.checkpoint_size, w.valid, w.of, w.needed
                    );
                }
            } else {
                for p in v.problems.iter().chain(&v.impersonation) {
                    eprintln!("carrel: audit log: {p}");
                }
            }
            for n in &r.notices {
                eprintln!("carrel: audit log: note: {n}");
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
                print_json(&p)?;
            } else {
                println!("entry {} of {}: leaf {}", p.index, p.tree_size, p.leaf);
                println!("root {}", p.root);
                for (i, h) in p.path.iter().enumerate() {
                    println!("path[{i}] {h}");
                }
                println!(
                    "{}",
                    if p.verified { "the proof verifies" } else { "THE PROOF DOES NOT VERIFY" }
                );
                print!("{}", p.checkpoint);
            }
            if p.verified {
                Ok(())
            } else {
                Err(CliError::Failed("the inclusion proof does not verify".into()))
            }
        }
        AuditCommand::CheckProof { .. } => unreachable!("handled before the database is opened"),
        AuditCommand::Checkpoint { out, force } => {
            // Everything that can go wrong with the file or the key is found out before the
            // checkpoint is signed, stored and logged.
            let target =
                out.as_deref().map(|p| OutFile::prepare(p, *force, "checkpoint")).transpose()?;
            audit::authorize(&mut store, &who, Permission::SignCheckpoint, "audit")?;
            let key = log_key::load_after_rotation(&store, &key_path(cfg, &store)?)?;
            let cp = audit::checkpoint(&mut store, &who, &key)?;
            let text = cp.to_note_string();
            match target {
                Some(file) => {
                    let path = file.write(&text)?;
                    eprintln!(
                        "checkpoint of {} written to {}",
                        count(cp.checkpoint.size, "entry", "entries"),
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        AuditCommand::Key { action: None } => {
            let path = key_path(cfg, &store)?;
            let vkey = log_key::current(&store)?;
            println!("{vkey}");
            // Whoever may sign is told whether the key file here is the one the log names.
            if audit::permitted(&who, Permission::SignCheckpoint).is_some() {
                match log_key::load_after_rotation(&store, &path) {
                    Ok(_) => {
                        eprintln!("(the log's verifier key; its private key is {})", path.display())
                    }
                    Err(e) => eprintln!("carrel: warning: {e}"),
                }
            }
            Ok(())
        }
        AuditCommand::Key { action: Some(KeyAction::Rotate) } => rotate(cfg, &mut store, &who),
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

/// `audit key rotate`: the next key is written beside the old one first, the entry the old
/// key signs commits, then the next key takes the old one's place. A crash between the two
/// leaves both files, and the next use of the key says which command finishes the job.
fn rotate(cfg: &Config, store: &mut Store, who: &crate::services::identity::Actor) -> CliResult {
    audit::authorize(store, who, Permission::RotateLogKey, "audit")?;
    let path = key_path(cfg, store)?;
    let old = log_key::load(store, &path)?;
    let id = store.database_id()?.unwrap_or_default();
    let next = log_key::generate().signer(&id);
    let next_path = log_key::next_path(&path);
    if next_path.exists() {
        return Err(CliError::BadInput(format!(
            "{}: a key from an unfinished rotation is there; move it away (or into place, if the log names it) first",
            next_path.display()
        )));
    }
    log_key::write_new(&next_path, &next, false)?;
    match audit::rotate_key(store, who, &old, &next.vkey()) {
        Ok(e) => {
            std::fs::rename(&next_path, &path).map_err(|err| {
                CliError::Failed(format!(
                    "the log was rotated (entry {}) but {} could not be moved to {}: {err}; move it yourself",
                    e.seq,
                    next_path.display(),
                    path.display()
                ))
            })?;
            println!("{}", next.vkey());
            eprintln!(
                "the log's key was rotated (entry {}, signed by the old key); give the new verifier key above to the witnesses and to anyone who checks checkpoints",
                e.seq
            );
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&next_path);
            Err(e.into())
        }
    }
}

fn read_checkpoint(path: &Path) -> CliResult<SignedCheckpoint> {
    let text = input::read_to_string(path, &input::CHECKPOINT)?;
    SignedCheckpoint::parse(&text)
        .map_err(|e| CliError::BadInput(format!("{}: not a checkpoint: {e}", path.display())))
}

/// `K-of-N`: K at least 1, N at least K.
fn parse_policy(text: &str) -> CliResult<(usize, usize)> {
    let bad =
        || CliError::BadInput(format!("--witness-policy '{text}': expected K-of-N, e.g. 2-of-3"));
    let (k, n) = text.split_once("-of-").ok_or_else(bad)?;
    let (k, n): (usize, usize) = (k.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    if k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The policy over the witnesses in `[audit] witnesses`, whose number must be N.
fn configured_policy(cfg: &Config, text: &str) -> CliResult<WitnessPolicy> {
    let (needed, n) = parse_policy(text)?;
    let witnesses = cfg.settings.audit.witness_keys();
    if witnesses.len() != n {
        return Err(CliError::BadInput(format!(
            "--witness-policy {text}: [audit] witnesses lists {}, not {n}",
            witnesses.len()
        )));
    }
    Ok(WitnessPolicy { needed, witnesses })
}

fn check_proof(
    file: &Path,
    log_key: Option<&str>,
    witnesses: &[String],
    policy: Option<&str>,
) -> CliResult {
    let text = input::read_to_string(file, &input::PROOF)?;
    let bundle: ProofBundle = serde_json::from_str(&text).map_err(|e| {
        CliError::BadInput(format!(
            "{}: not a proof from `carrel audit prove --json`: {e}",
            file.display()
        ))
    })?;
    let key = log_key
        .map(|k| Vkey::parse(k).map_err(|e| CliError::BadInput(format!("--log-key: {e}"))))
        .transpose()?;
    let keys = witnesses
        .iter()
        .map(|k| Vkey::parse(k).map_err(|e| CliError::BadInput(format!("--witness: {e}"))))
        .collect::<CliResult<Vec<_>>>()?;
    let needed = match policy {
        Some(p) => {
            let (k, n) = parse_policy(p)?;
            if n != keys.len() {
                return Err(CliError::BadInput(format!(
                    "--witness-policy {p}: {} --witness keys given, not {n}",
                    keys.len()
                )));
            }
            k
        }
        None => 0,
    };
    let report = proof::check(&bundle, key.as_ref(), &keys, needed);
    for (ok, what) in &report.steps {
        println!("{} {what}", if *ok { "ok:  " } else { "FAIL:" });
    }
    if report.ok {
        println!("the proof holds: entry {} was logged", bundle.index);
        Ok(())
    } else {
        Err(CliError::Failed(format!("the proof of entry {} does not hold", bundle.index)))
    }
}
