//! The witness's memory: per log origin, the latest checkpoint it cosigned, kept in a JSON file
//!
//! ```json
//! {"format":"carrel-witness-state/1",
//!  "logs":{"ORIGIN":{"size":N,"root":"<base64>","checkpoint":"<note text>"}}}
//! ```
//!
//! A missing file is an empty state (a new witness). A file that is not a regular file, larger
//! than 1 MiB, not JSON of this shape, or whose checkpoint note does not say the size and root
//! beside it is refused naming the file: a witness that forgot a log would cosign a fork of it.
//! Saving is atomic (a private temporary file in the same directory, synced, renamed over the
//! old, then the directory synced), so a crash leaves the old state or the new, never half.
//! A lock file beside the state keeps a second witness process off the same state.
//!
//! May use: domain, input (the one read of the file), serde_json, tempfile, the file system.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use crate::domain::checkpoint::SignedCheckpoint;
use crate::domain::merkle::Hash;
use crate::input;

/// The `format` of the file this module writes and reads.
pub const FORMAT: &str = "carrel-witness-state/1";

/// The latest checkpoint cosigned for one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    pub size: u64,
    pub root: Hash,
    /// The checkpoint as a signed note: its text, the log's signature and the cosignature.
    pub checkpoint: String,
}

/// What the witness has cosigned, per log origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WitnessState {
    logs: BTreeMap<String, Cosigned>,
}

/// Why the state cannot be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Not a regular file, too large, not UTF-8, unreadable.
    #[error(transparent)]
    Unreadable(#[from] input::InputError),
    #[error("{}: not a witness state file: {why}", path.display())]
    Malformed { path: PathBuf, why: String },
    #[error("{}: another witness is serving from this state file", path.display())]
    InUse { path: PathBuf },
    #[error("{}: cannot save the witness state: {source}", path.display())]
    Unwritable { path: PathBuf, source: std::io::Error },
}

impl StateError {
    /// A problem with the file the user named (exit status 2), not a failure while working.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, StateError::Unwritable { .. })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileForm {
    format: String,
    logs: BTreeMap<String, LogForm>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogForm {
    size: u64,
    root: String,
    checkpoint: String,
}

impl WitnessState {
    /// The latest checkpoint cosigned for `origin`, if any.
    pub fn get(&self, origin: &str) -> Option<&Cosigned> {
        self.logs.get(origin)
    }

    /// Records `cosigned` as the latest checkpoint of `origin`.
    pub fn set(&mut self, origin: &str, cosigned: Cosigned) {
        self.logs.insert(origin.to_owned(), cosigned);
    }

    /// The origins with a cosigned checkpoint, in order.
    pub fn origins(&self) -> impl Iterator<Item = &str> {
        self.logs.keys().map(String::as_str)
    }

    /// The file's text, ending in a newline.
    pub fn to_json(&self) -> String {
        let logs = self
            .logs
            .iter()
            .map(|(origin, c)| {
                let form = LogForm {
                    size: c.size,
                    root: B64.encode(c.root),
                    checkpoint: c.checkpoint.clone(),
                };
                (origin.clone(), form)
            })
            .collect();
        let form = FileForm { format: FORMAT.to_owned(), logs };
        // Strings and integers only: serialising cannot fail.
        let mut text = serde_json::to_string_pretty(&form).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads the file's text; each checkpoint must be a signed note of its origin, size and root.
    pub fn from_json(text: &str) -> Result<WitnessState, String> {
        let form: FileForm = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if form.format != FORMAT {
            return Err(format!("format '{}' is not {FORMAT}", form.format));
        }
        let mut logs = BTreeMap::new();
        for (origin, log) in form.logs {
            let bad = |why: String| format!("log '{origin}': {why}");
            let root: Hash = B64
                .decode(&log.root)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad("the root is not a base64 SHA-256 hash".into()))?;
            let signed = SignedCheckpoint::parse(&log.checkpoint)
                .map_err(|e| bad(format!("the checkpoint: {e}")))?;
            let c = &signed.checkpoint;
            if (c.origin.as_str(), c.size, c.root) != (origin.as_str(), log.size, root) {
                return Err(bad("the checkpoint is not of this origin, size and root".into()));
            }
            logs.insert(origin, Cosigned { size: log.size, root, checkpoint: log.checkpoint });
        }
        Ok(WitnessState { logs })
    }

    /// Loads the state at `path`; a missing file is an empty state.
    pub fn load(path: &Path) -> Result<WitnessState, StateError> {
        match input::read_to_string(path, &input::WITNESS_STATE) {
            Ok(text) => WitnessState::from_json(&text)
                .map_err(|why| StateError::Malformed { path: path.to_owned(), why }),
            Err(e) if e.is_not_found() => Ok(WitnessState::default()),
            Err(e) => Err(e.into()),
        }
    }

    /// Saves the state at `path` atomically and durably (see the module's header).
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let unwritable = |source| StateError::Unwritable { path: path.to_owned(), source };
        let text = self.to_json();
        if text.len() as u64 > input::WITNESS_STATE.max_bytes {
            // It could not be read back: the witness would not start again.
            let too_large = std::io::Error::other("the state would be larger than 1 MiB");
            return Err(unwritable(too_large));
        }
        let dir = directory_of(path);
        let mut tmp = tempfile::Builder::new()
            .prefix(".witness-state.")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(unwritable)?;
        // tempfile makes the file 0600 on Unix; say so rather than rely on it.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(unwritable)?;
        }
        std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(unwritable)?;
        tmp.as_file().sync_all().map_err(unwritable)?;
        // On failure the temporary file is removed when `persist` hands it back and it drops.
        tmp.persist(path).map_err(|e| unwritable(e.error))?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(unwritable)
    }
}

fn directory_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Holds `<state>.lock` locked while a witness serves from the state at `state`: two witness
/// processes on one state would each check and save without seeing the other, and one could
/// roll back what the other cosigned.
#[derive(Debug)]
pub struct StateLock {
    _file: File,
}

impl StateLock {
    pub fn take(state: &Path) -> Result<StateLock, StateError> {
        let mut name = state.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(&path)
            .map_err(|source| StateError::Unwritable { path: path.clone(), source })?;
        match file.try_lock() {
            Ok(()) => Ok(StateLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(StateError::InUse { path: state.to_owned() })
            }
            Err(std::fs::TryLockError::Error(source)) => {
                Err(StateError::Unwritable { path, source })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checkpoint::Checkpoint;
    use crate::domain::note::{Alg, Signer};
    use chrono::TimeZone;

    fn cosigned(origin: &str, size: u64, root: Hash) -> Cosigned {
        let log = Signer::from_seed(origin, Alg::Ed25519, [1; 32]).unwrap();
        let at = chrono::Utc.with_ymd_and_hms(2026, 12, 3, 15, 4, 5).unwrap();
        let checkpoint = Checkpoint::new(origin, size, root, at).sign(&log).to_note_string();
        Cosigned { size, root, checkpoint }
    }

    fn state() -> WitnessState {
        let mut s = WitnessState::default();
        s.set("a.example/log", cosigned("a.example/log", 12, [3; 32]));
        s.set("b.example/log", cosigned("b.example/log", 0, crate::domain::merkle::empty_root()));
        s
    }

    #[test]
    fn the_state_round_trips_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("witness-state.json");
        assert_eq!(WitnessState::load(&path).unwrap(), WitnessState::default(), "missing: empty");
        state().save(&path).unwrap();
        assert_eq!(WitnessState::load(&path).unwrap(), state());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"format\": \"carrel-witness-state/1\""), "{text}");
        assert!(
            text.contains("\"root\": \"AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=\""),
            "{text}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Saved again over the old: still one file, no temporary left.
        let mut more = state();
        more.set("a.example/log", cosigned("a.example/log", 20, [4; 32]));
        more.save(&path).unwrap();
        assert_eq!(WitnessState::load(&path).unwrap().get("a.example/log").unwrap().size, 20);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["witness-state.json"]);
    }

    #[test]
    fn a_bad_state_file_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let good = state().to_json();
        let forged = good.replacen("\"size\": 12", "\"size\": 11", 1);
        assert_ne!(forged, good);
        for (text, want) in [
            ("garbage".to_owned(), "expected value"),
            (good.replace(FORMAT, "carrel-witness-state/2"), "format"),
            (good.replace("AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=", "AAAA"), "root"),
            (forged, "not of this origin, size and root"),
            (good.replace("\"size\": 12", "\"size\": 12, \"extra\": 1"), "unknown field"),
        ] {
            std::fs::write(&path, &text).unwrap();
            let e = WitnessState::load(&path).unwrap_err();
            assert!(e.is_bad_input());
            let e = e.to_string();
            assert!(e.starts_with(&path.display().to_string()), "{e}");
            assert!(e.contains(want), "{text}: {e}");
        }
        let e = WitnessState::load(Path::new("/dev/zero")).unwrap_err().to_string();
        assert_eq!(e, "/dev/zero: not a regular file");
        std::fs::File::create(&path).unwrap().set_len((1 << 20) + 1).unwrap();
        let e = WitnessState::load(&path).unwrap_err().to_string();
        assert!(e.contains("larger than 1 MiB"), "{e}");
    }

    #[test]
    fn a_second_witness_cannot_take_the_same_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let held = StateLock::take(&path).unwrap();
        let e = StateLock::take(&path).unwrap_err();
        assert!(e.to_string().contains("another witness"), "{e}");
        drop(held);
        StateLock::take(&path).unwrap();
    }
}
