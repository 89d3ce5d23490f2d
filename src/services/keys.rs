//! The patron key file: made once (mode 0600, atomically, never overwritten), and loaded only
//! when it is private, well formed and belongs to the database at hand.
//!
//! A database remembers the ids of its keys in `meta`; a key file whose ids differ is another
//! database's, and is refused before anything is read or written. Without the key file the
//! patron directory can be neither read nor written, so every message about a missing file says
//! to restore it from a backup.
//!
//! May use: domain, store, input (every read of a key file), the file system, the operating
//! system's random numbers.

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::RngCore;
use rand::rngs::OsRng;

use crate::domain::crypto::{DIRECTORY_KEY_LEN, Keys, NONCE_LEN, parse_site_key};
use crate::input;
use crate::store::{Store, StoreError, meta};

/// The key file's name in the state directory, unless `[privacy] key_file` names another.
pub const KEY_FILE: &str = crate::domain::crypto::KEY_FILE_NAME;

/// Why the keys cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "key file {}: not found. Patron data cannot be read or written without it: restore it from your backup (or point [privacy] key_file at it)",
        .0.display()
    )]
    Missing(PathBuf),
    #[error(
        "key file {}: readable or writable by others (mode {mode:03o}); refusing to use it. Run: chmod 600 {}",
        path.display(), path.display()
    )]
    Exposed { path: PathBuf, mode: u32 },
    #[error("key file {}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Malformed { path: PathBuf, line: Option<usize>, message: String },
    #[error(
        "key file {} does not belong to this database (key id {found}, database expects {expected})",
        path.display()
    )]
    Foreign { path: PathBuf, found: String, expected: String },
    #[error(
        "database {}: has no patron keys yet; `carrel init --db {}` makes them",
        .0.display(), .0.display()
    )]
    NotSetUp(PathBuf),
    /// Not a regular file, too large, or unreadable.
    #[error("key file {}: {problem}", path.display())]
    Unreadable { path: PathBuf, problem: input::Problem },
    #[error("key file {}: cannot write: {source}", path.display())]
    Unwritable { path: PathBuf, source: std::io::Error },
    #[error("site key {}: {message}", path.display())]
    SiteKey { path: PathBuf, message: String },
    #[error(
        "key file {}: already exists; a key file belongs to one database and is never reused or overwritten (name a new one with [privacy] key_file)",
        .0.display()
    )]
    Exists(PathBuf),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl KeyError {
    /// Problems with what the user pointed carrel at (exit status 2), as opposed to a failure
    /// while working (exit status 1).
    pub fn is_bad_input(&self) -> bool {
        match self {
            KeyError::Unwritable { .. } => false,
            KeyError::Store(e) => e.is_bad_input(),
            _ => true,
        }
    }
}

fn unreadable(e: input::InputError) -> KeyError {
    if e.is_not_found() {
        return KeyError::Missing(e.path);
    }
    KeyError::Unreadable { path: e.path, problem: e.problem }
}

/// Reads a key file, refusing one that is not a regular file (before any advice about its
/// mode: `chmod 600 /dev/null` helps nobody) or that others may read or write.
pub fn read(path: &Path) -> Result<Keys, KeyError> {
    let file = input::open(path, &input::SECRET).map_err(unreadable)?;
    #[cfg(unix)]
    if let Some(meta) = file.metadata() {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Exposed { path: path.to_owned(), mode });
        }
    }
    let text = file.read_to_string().map_err(unreadable)?;
    Keys::from_file_text(&text).map_err(|e| KeyError::Malformed {
        path: path.to_owned(),
        line: e.line,
        message: e.message,
    })
}

/// The keys of the database in `store`, from the key file at `path`: missing, exposed,
/// malformed and foreign key files are refused, and so is a database that has no keys yet.
pub fn load(store: &Store, path: &Path) -> Result<Keys, KeyError> {
    let conn = store.conn();
    let (Some(dir_id), Some(pseudo_id)) =
        (meta::get(conn, meta::PATRON_KEY_ID)?, meta::get(conn, meta::PSEUDONYM_KEY_ID)?)
    else {
        return Err(KeyError::NotSetUp(store.path().to_owned()));
    };
    let keys = read(path)?;
    for (found, expected) in
        [(keys.directory_key_id(), dir_id), (keys.pseudonym_key_id(), pseudo_id)]
    {
        if found != expected {
            return Err(KeyError::Foreign { path: path.to_owned(), found, expected });
        }
    }
    Ok(keys)
}

/// Whether the database in `store` has recorded its keys.
pub fn is_set_up(store: &Store) -> Result<bool, KeyError> {
    Ok(meta::get(store.conn(), meta::PATRON_KEY_ID)?.is_some())
}

/// New keys: a random directory key, and `pseudonym` (the site key shared with the
/// recommendation service) or a random one.
pub fn generate(pseudonym: Option<Vec<u8>>) -> Keys {
    let mut directory = [0u8; DIRECTORY_KEY_LEN];
    OsRng.fill_bytes(&mut directory);
    let pseudonym = pseudonym.unwrap_or_else(|| {
        let mut k = vec![0u8; 32];
        OsRng.fill_bytes(&mut k);
        k
    });
    Keys::new(directory, pseudonym)
        .unwrap_or_else(|_| unreachable!("callers pass site keys already checked for length"))
}

/// A fresh random nonce for sealing one value.
pub fn nonce() -> [u8; NONCE_LEN] {
    let mut n = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut n);
    n
}

/// The site key in the first line of `path` (hex, or the bytes as they are).
pub fn read_site_key(path: &Path) -> Result<Vec<u8>, KeyError> {
    let bytes = input::read(path, &input::SECRET)
        .map_err(|e| KeyError::SiteKey { path: path.to_owned(), message: e.problem.to_string() })?;
    parse_site_key(&bytes).map_err(|message| KeyError::SiteKey { path: path.to_owned(), message })
}

/// Refuses a key file path where a key file (or anything else) already is: a key belongs to one
/// database, so a new database never takes over another's — a demo's least of all, whose
/// pseudonym key is the simulator's public one. Nothing is written.
pub fn check_unused(path: &Path) -> Result<(), KeyError> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => Err(KeyError::Exists(path.to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => {
            Err(KeyError::Unreadable { path: path.to_owned(), problem: input::Problem::Io(source) })
        }
    }
}

/// Writes a new key file: mode 0600 from the first byte, complete or not at all, and never
/// over an existing file. `make_parent`: create the directory (0700) when missing.
pub fn write_new(path: &Path, keys: &Keys, make_parent: bool) -> Result<(), KeyError> {
    write_new_text(path, &keys.to_file_text(), make_parent)
}

/// Writes a new secret file holding `text` as [`write_new`] writes a key file.
pub(crate) fn write_new_text(path: &Path, text: &str, make_parent: bool) -> Result<(), KeyError> {
    let unwritable = |source| KeyError::Unwritable { path: path.to_owned(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if make_parent && !dir.exists() {
        std::fs::create_dir_all(dir).map_err(unwritable)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    // Written whole under a temporary name, then linked into place: a link never replaces an
    // existing file, and nobody sees a half-written key file.
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", hex::encode(nonce())));
    write_private(&tmp, text).map_err(unwritable)?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(KeyError::Exists(path.to_owned()));
        }
        // A file system without hard links: create the file itself, still never replacing one.
        Err(_) => write_private(path, text).map_err(unwritable)?,
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Records the keys' ids in the database, which from then on accepts only this key file.
pub fn record(store: &mut Store, keys: &Keys) -> Result<(), KeyError> {
    store.write(|tx| {
        meta::set(tx, meta::PATRON_KEY_ID, &keys.directory_key_id())?;
        meta::set(tx, meta::PSEUDONYM_KEY_ID, &keys.pseudonym_key_id())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_file_is_private_complete_and_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/patron.key");
        let keys = generate(None);
        write_new(&path, &keys, true).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(read(&path).unwrap(), keys);
        let other = generate(None);
        assert!(matches!(write_new(&path, &other, true), Err(KeyError::Exists(_))));
        assert_eq!(read(&path).unwrap(), keys, "the first file is kept");
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn keys_are_loaded_only_for_their_own_database() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let path = dir.path().join("patron.key");
        let keys = generate(Some(b"sixteen byte key".to_vec()));
        write_new(&path, &keys, false).unwrap();
        assert!(matches!(load(&store, &path), Err(KeyError::NotSetUp(_))));
        record(&mut store, &keys).unwrap();
        assert_eq!(load(&store, &path).unwrap(), keys);
        let foreign = dir.path().join("other.key");
        write_new(&foreign, &generate(None), false).unwrap();
        let e = load(&store, &foreign).unwrap_err();
        assert!(e.to_string().contains("does not belong to this database"), "{e}");
        let e = load(&store, &dir.path().join("gone.key")).unwrap_err();
        assert!(e.to_string().contains("restore it from your backup"), "{e}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = load(&store, &path).unwrap_err();
            assert!(e.to_string().contains("chmod 600"), "{e}");
            assert!(e.is_bad_input());
        }
    }

    #[test]
    fn a_key_file_that_exists_is_never_taken_for_a_new_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("patron.key");
        check_unused(&path).unwrap();
        assert!(!path.exists(), "the check writes nothing");
        write_new(&path, &generate(None), false).unwrap();
        let e = check_unused(&path).unwrap_err();
        assert!(e.to_string().contains("belongs to one database"), "{e}");
    }
}
