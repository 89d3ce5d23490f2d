//! The configuration file into [`FileConfig`], with every problem in it rather than the first,
//! so `carrel config check` can list them all.
//!
//! A file that is not TOML is reported with every syntax error the parser recovers from, and
//! nothing else: past a syntax error the structure is a guess. A file that is TOML is
//! deserialized; each refusal (an unknown key, a value of the wrong type) is recorded, the
//! entry it points at is taken out, and the rest is deserialized again, so one bad key does
//! not hide the next and the entries left out fall back to their defaults.

use std::path::Path;

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use super::error::{self, ConfigError};
use super::sections::FileConfig;

/// At most this many refusals are collected; a file with more is not worth reading further.
const MAX_PROBLEMS: usize = 50;

/// The settings the file gives (entries that were refused left at their defaults), and the
/// problems found. `None` when the file is not TOML at all.
pub fn file_config(file: &Path, src: &str) -> (Option<FileConfig>, Vec<ConfigError>) {
    let (doc, syntax) = DeTable::parse_recoverable(src);
    if !syntax.is_empty() {
        return (None, syntax.iter().map(|e| error::from_toml(file, src, e)).collect());
    }
    let mut doc = doc;
    let mut problems = Vec::new();
    let settings = loop {
        match FileConfig::deserialize(toml::de::Deserializer::from(doc.clone())) {
            Ok(settings) => break Some(settings),
            Err(e) => {
                problems.push(error::from_toml(file, src, &e));
                let removed = e.span().is_some_and(|at| remove_at(doc.get_mut(), at.start));
                if !removed || problems.len() >= MAX_PROBLEMS {
                    break None;
                }
            }
        }
    };
    // Found in the order of the settings' fields; told in the file's.
    problems.sort_by_key(|p| p.line);
    (settings, problems)
}

/// Takes out the innermost entry whose key or value holds byte `at`. False when none does.
fn remove_at(table: &mut DeTable<'_>, at: usize) -> bool {
    for (_, value) in table.iter_mut() {
        if let DeValue::Table(inner) = value.get_mut()
            && remove_at(inner, at)
        {
            return true;
        }
    }
    let found = table
        .iter()
        .find(|(key, value)| key.span().contains(&at) || value.span().contains(&at))
        .map(|(key, _)| key.clone());
    found.is_some_and(|key| table.remove(&key).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_is_reported_and_the_rest_still_read() {
        let src = "[library]\nname = \"X\"\nnmae = \"Y\"\n\n[feeds.sensor]\nrefresh_ms = 5\n\
                   refresh_s = \"often\"\n\n[seats]\nghost_after_min = 45\n";
        let (settings, problems) = file_config(Path::new("c.toml"), src);
        let lines: Vec<Option<usize>> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(3), Some(6), Some(7)], "{problems:?}");
        assert!(problems[0].message.contains("unknown key 'nmae' in [library]"));
        assert!(problems[1].message.contains("unknown key 'refresh_ms' in [feeds.sensor]"));
        assert!(problems[2].message.contains("bad value for 'refresh_s'"), "{problems:?}");
        let settings = settings.unwrap();
        assert_eq!(settings.library.name, "X");
        assert_eq!(settings.seats.ghost_after_min, 45);
        assert_eq!(settings.feeds.sensor.refresh_s, FileConfig::default().feeds.sensor.refresh_s);
    }

    #[test]
    fn an_unknown_table_is_reported_once_with_its_keys() {
        let src = "[feeds.sensr]\nurl = \"http://x\"\nrefresh_s = 5\n\n[ui]\ntheme = \"dark\"\n";
        let (settings, problems) = file_config(Path::new("c.toml"), src);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("'sensr'"), "{problems:?}");
        assert_eq!(settings.unwrap().ui.theme, "dark");
    }

    #[test]
    fn syntax_errors_are_all_that_is_reported_of_a_file_that_is_not_toml() {
        let (settings, problems) = file_config(Path::new("c.toml"), "[ui\ntheme = \n");
        assert!(settings.is_none());
        assert!(!problems.is_empty());
        assert_eq!(problems[0].line, Some(1));
    }
}
