//! The audit log's key file: one per database, made with the database (or once, for a
//! database made before carrel kept one), mode 0600 beside the patron key file, never made
//! again behind anyone's back. A missing, exposed, malformed or replaced file is refused with
//! a message that names it; the key changes only by `carrel audit key rotate`, whose entry the
//! old key signs.
//!
//! The file holds one line, `PRIVATE+KEY+<origin>+<hex key id>+<base64>`, the signer-key form
//! of Go's note package, so other tools can sign with it if a site ever needs them to.
//!
//! May use: domain, store, input (every read of the file), the file system, the operating
//! system's random numbers.

use std::path::{Path, PathBuf};

use rand::RngCore;
use rand::rngs::OsRng;

use super::keys::{self, KeyError};
use crate::domain::log_key::LogKeySeed;
use crate::domain::note::{Signer, Vkey};
use crate::input;
use crate::store::{Store, StoreError, audit};

/// The log key's file name, in the directory of the database's patron key file.
pub const FILE: &str = "audit-log.key";

/// Where a rotation writes the next key before its entry commits.
pub const NEXT_SUFFIX: &str = ".next";

/// Why the log key cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum LogKeyError {
    #[error(
        "log key {}: not found. It was made with the database and signs its checkpoints: restore it from your backup. carrel never makes a new one in its place (a new key is only ever handed on by the old one: `carrel audit key rotate`)",
        .0.display()
    )]
    Missing(PathBuf),
    #[error(
        "log key {}: readable or writable by others (mode {mode:03o}); refusing to use it. Run: chmod 600 {}",
        path.display(), path.display()
    )]
    Exposed { path: PathBuf, mode: u32 },
    #[error("log key {}: {message}", path.display())]
    Malformed { path: PathBuf, message: String },
    #[error(
        "log key {}: not this log's key (it holds {found}; the log's key is {expected}). A key file that was replaced signs nothing; restore the right one from your backup",
        path.display()
    )]
    Foreign { path: PathBuf, found: String, expected: String },
    #[error(
        "database {}: its audit log has no key yet (the database was made before carrel kept one); `carrel init --db {}` makes it",
        .0.display(), .0.display()
    )]
    NoKey(PathBuf),
    #[error("log key {}: {problem}", path.display())]
    Unreadable { path: PathBuf, problem: input::Problem },
    #[error(transparent)]
    Write(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl LogKeyError {
    /// Problems with what the user pointed carrel at (exit status 2).
    pub fn is_bad_input(&self) -> bool {
        match self {
            LogKeyError::Write(e) => e.is_bad_input(),
            LogKeyError::Store(e) => e.is_bad_input(),
            _ => true,
        }
    }
}

/// The log key file of a database whose patron key file is `patron_key_file`: beside it.
pub fn path_beside(patron_key_file: &Path) -> PathBuf {
    patron_key_file.parent().unwrap_or(Path::new(".")).join(FILE)
}

/// 32 random bytes for a new log key.
pub fn generate() -> LogKeySeed {
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    LogKeySeed(seed)
}

/// Writes a new log key file (mode 0600, whole or not at all, never over a file).
pub fn write_new(path: &Path, key: &Signer, make_parent: bool) -> Result<(), LogKeyError> {
    keys::write_new_text(path, &format!("{}\n", key.to_secret_string()), make_parent).map_err(|e| {
        match e {
            KeyError::Exists(p) => LogKeyError::Malformed {
                path: p,
                message: "already exists; a log key is never overwritten".into(),
            },
            other => other.into(),
        }
    })
}

/// Reads a log key file, refusing one that is not a regular file or that others may read or
/// write.
pub fn read(path: &Path) -> Result<Signer, LogKeyError> {
    let file = input::open(path, &input::SECRET).map_err(|e| {
        if e.is_not_found() {
            LogKeyError::Missing(e.path)
        } else {
            LogKeyError::Unreadable { path: e.path, problem: e.problem }
        }
    })?;
    #[cfg(unix)]
    if let Some(meta) = file.metadata() {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(LogKeyError::Exposed { path: path.to_owned(), mode });
        }
    }
    let text = file
        .read_to_string()
        .map_err(|e| LogKeyError::Unreadable { path: e.path, problem: e.problem })?;
    Signer::parse(&text)
        .map_err(|e| LogKeyError::Malformed { path: path.to_owned(), message: e.to_string() })
}

/// The log's key now, as the log names it.
pub fn current(store: &Store) -> Result<Vkey, LogKeyError> {
    audit::log_keys(store.conn())?
        .current()
        .cloned()
        .ok_or_else(|| LogKeyError::NoKey(store.path().to_owned()))
}

/// The log key of the database in `store`, from `path`: it must be the key the log names now.
pub fn load(store: &Store, path: &Path) -> Result<Signer, LogKeyError> {
    let expected = current(store)?;
    let key = read(path)?;
    if key.vkey() != expected {
        return Err(LogKeyError::Foreign {
            path: path.to_owned(),
            found: key.vkey().to_string(),
            expected: expected.to_string(),
        });
    }
    Ok(key)
}

/// Reads `path` when a rotation left its next key beside it: a rotation whose entry committed
/// but whose file was not yet moved into place says so instead of "not this log's key".
pub fn load_after_rotation(store: &Store, path: &Path) -> Result<Signer, LogKeyError> {
    match load(store, path) {
        Err(LogKeyError::Foreign { path, found, expected }) => {
            let next = next_path(&path);
            if read(&next).is_ok_and(|k| k.vkey().to_string() == expected) {
                return Err(LogKeyError::Malformed {
                    path: path.clone(),
                    message: format!(
                        "the log was rotated to the key in {}, which was not moved into place: run `mv {} {}`",
                        next.display(),
                        next.display(),
                        path.display()
                    ),
                });
            }
            Err(LogKeyError::Foreign { path, found, expected })
        }
        other => other,
    }
}

/// Where a rotation writes the next key.
pub fn next_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(NEXT_SUFFIX);
    PathBuf::from(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_written_private_and_read_back_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join(FILE);
        let key = generate().signer("00ff");
        write_new(&path, &key, true).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(read(&path).unwrap().vkey(), key.vkey());
        let e = write_new(&path, &generate().signer("00ff"), true).unwrap_err();
        assert!(e.to_string().contains("never overwritten"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = read(&path).unwrap_err();
        assert!(e.to_string().contains("mode 644"), "{e}");
        let e = read(&dir.path().join("gone")).unwrap_err();
        assert!(e.to_string().contains("not found"), "{e}");
        let e = read(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("/dev/zero"), "{e}");
    }
}
