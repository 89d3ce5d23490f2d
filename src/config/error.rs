//! Configuration errors that name the file, the line and the key, and suggest the nearest
//! valid key when a key is unknown.

use std::fmt;
use std::path::{Path, PathBuf};

/// A configuration problem. Displayed as `FILE:LINE: message`, or with the environment
/// variable or flag that caused it in place of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where the bad value came from: a file path, an environment variable or a flag.
    pub place: String,
    pub line: Option<usize>,
    pub message: String,
}

impl ConfigError {
    pub fn in_file(file: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        Self { place: file.display().to_string(), line, message: message.into() }
    }

    pub fn at(place: impl Into<String>, message: impl Into<String>) -> Self {
        Self { place: place.into(), line: None, message: message.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.place, line, self.message),
            None => write!(f, "{}: {}", self.place, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// What follows the first of `count` problems when only the first is told:
/// " (and 2 more problems; `carrel config check` lists them all)", or nothing for one.
pub fn more_problems(count: usize) -> String {
    match count {
        0 | 1 => String::new(),
        2 => " (and 1 more problem; `carrel config check` lists them all)".into(),
        n => format!(" (and {} more problems; `carrel config check` lists them all)", n - 1),
    }
}

/// Turns a TOML parse error into a message naming the line, the key and its table, with a
/// suggestion for a misspelt key.
pub fn from_toml(file: &Path, src: &str, err: &toml::de::Error) -> ConfigError {
    let line = err.span().map(|s| line_of(src, s.start));
    let table = line.and_then(|l| table_at(src, l));
    let in_table = table.map(|t| format!(" in [{t}]")).unwrap_or_default();
    let message = err.message().lines().next().unwrap_or("invalid TOML").to_owned();
    let text = if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or_default();
        let expected = backticked(rest.split_once("expected").map(|(_, e)| e).unwrap_or(""));
        let hint = nearest(key, &expected)
            .map(|k| format!("; did you mean '{k}'?"))
            .unwrap_or_else(|| {
                if expected.is_empty() {
                    String::new()
                } else {
                    format!("; expected one of: {}", expected.join(", "))
                }
            });
        format!("unknown key '{key}'{in_table}{hint}")
    } else if let (Some(span), true) = (err.span(), message.starts_with("invalid")) {
        let key = key_on_line(src, span.start);
        match key {
            Some(key) => format!("bad value for '{key}'{in_table}: {message}"),
            None => format!("{message}{in_table}"),
        }
    } else {
        format!("{message}{in_table}")
    };
    ConfigError { place: file.display().to_string(), line, message: text }
}

/// The 1-based line holding byte `offset`.
pub fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes().iter().take(offset).filter(|&&b| b == b'\n').count() + 1
}

/// The table header (`[a.b]`) in force at 1-based `line`.
fn table_at(src: &str, line: usize) -> Option<String> {
    let on_line = src.lines().nth(line.saturating_sub(1)).and_then(header);
    match on_line {
        // An error on a header line is about that table's own name: its parent is the table.
        Some(h) => h.rsplit_once('.').map(|(parent, _)| parent.to_owned()),
        None => src.lines().take(line).filter_map(header).last(),
    }
}

fn header(l: &str) -> Option<String> {
    let t = l.trim();
    let inner = t.strip_prefix('[')?.split(']').next()?;
    Some(inner.trim_matches(['[', ' ']).to_owned())
}

fn key_on_line(src: &str, offset: usize) -> Option<String> {
    let start = src[..offset.min(src.len())].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line = src[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    Some(key.trim().to_owned())
}

fn backticked(s: &str) -> Vec<String> {
    s.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// The candidate closest to `given`, if it is close enough to be a likely typo.
pub fn nearest<'a>(given: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(given, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.as_str())
}

/// The 1-based line of `key` inside table `[table]` of `src`, when written plainly as
/// `key = value` under that header. Used to place validation errors found after parsing.
pub fn find_key_line(src: &str, table: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    for (i, line) in src.lines().enumerate() {
        if let Some(h) = header(line) {
            current = h;
            continue;
        }
        if current == table
            && let Some((k, _)) = line.split_once('=')
            && k.trim().trim_matches('"') == key
        {
            return Some(i + 1);
        }
    }
    None
}

/// Where a file-derived error should point, given the file may be absent.
pub fn placed(
    file: Option<&PathBuf>,
    src: &str,
    table: &str,
    key: &str,
    message: &str,
) -> ConfigError {
    match file {
        Some(f) => ConfigError::in_file(
            f,
            find_key_line(src, table, key),
            format!("[{table}] {key}: {message}"),
        ),
        None => ConfigError::at("defaults", format!("[{table}] {key}: {message}")),
    }
}
