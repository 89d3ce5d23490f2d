//! Files a command writes (`--out FILE`): checked before the command does anything, written
//! whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{CliError, CliResult};

/// A file a command will write, checked before anything is done: its directory exists, and it
/// is not a symbolic link, nor an existing file unless `--force` says to replace it. Written
/// whole through a temporary file in the same directory, so a reader never sees half of it.
pub(super) struct OutFile {
    path: PathBuf,
    temp: tempfile::NamedTempFile,
}

impl OutFile {
    /// Checks `path` as a file to write (`--out`); `what` names it in the temporary file's
    /// name (`.carrel-checkpoint-…`), should a crash leave one behind.
    pub(super) fn prepare(path: &Path, force: bool, what: &str) -> CliResult<OutFile> {
        let bad = |why: &str| CliError::BadInput(format!("{}: {why}", path.display()));
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(bad("a symbolic link; refusing to write through it"));
            }
            Ok(m) if !m.is_file() => return Err(bad("exists and is not a regular file")),
            Ok(_) if !force => return Err(bad("exists; give --force to replace it")),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(bad(&format!("cannot check: {e}"))),
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(bad(&format!("directory {} does not exist", dir.display())));
        }
        let temp = tempfile::Builder::new()
            .prefix(&format!(".carrel-{what}-"))
            .tempfile_in(&dir)
            .map_err(|e| bad(&format!("cannot write in {}: {e}", dir.display())))?;
        Ok(OutFile { path: path.to_owned(), temp })
    }

    /// Writes `text` as the whole file and puts it in place; returns its path.
    pub(super) fn write(mut self, text: &str) -> CliResult<PathBuf> {
        let shown = self.path.display().to_string();
        let fail = |e: std::io::Error| CliError::Failed(format!("{shown}: cannot write: {e}"));
        self.temp.write_all(text.as_bytes()).map_err(fail)?;
        self.temp.as_file().sync_all().map_err(fail)?;
        self.temp.persist(&self.path).map_err(|e| {
            CliError::Failed(format!("{}: cannot write: {}", self.path.display(), e.error))
        })?;
        Ok(self.path)
    }
}
