//! `carrel config check`: validate a configuration file and print the effective result.

use std::path::PathBuf;

use super::{CliError, CliResult};
use crate::config::{self, Overrides};
use crate::tui::keymap;

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Validate FILE (default: the configuration in use) and print the effective configuration
    /// with secrets redacted; exit status 2 lists every problem with file and line
    Check {
        /// The file to check
        file: Option<PathBuf>,
    },
}

/// `[ui.keys]`, checked by the console's own validation of its keys.
pub(super) fn key_problems(settings: &config::FileConfig) -> Vec<config::SectionProblem> {
    keymap::problems(&settings.ui.keys)
        .into_iter()
        .map(|p| ("ui.keys", p.action, p.message))
        .collect()
}

pub fn run(command: ConfigCommand, mut overrides: Overrides) -> CliResult {
    match command {
        ConfigCommand::Check { file } => {
            if file.is_some() {
                overrides.config = file;
            }
            let cfg = config::check(&overrides, &key_problems).map_err(|problems| {
                for p in &problems {
                    eprintln!("carrel: {p}");
                }
                let n = problems.len();
                CliError::BadInput(format!(
                    "the configuration has {n} problem{}",
                    if n == 1 { "" } else { "s" }
                ))
            })?;
            print!("{}", cfg.render());
            for w in cfg.warnings() {
                eprintln!("carrel: warning: {w}");
            }
            Ok(())
        }
    }
}
