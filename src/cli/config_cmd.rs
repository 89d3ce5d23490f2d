//! `carrel config check`: validate a configuration file and print the effective result.

use std::path::PathBuf;

use super::CliResult;
use crate::config::{self, Overrides};

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Validate FILE (default: the configuration in use) and print the effective configuration
    /// with secrets redacted; exit status 2 names the first problem with file and line
    Check {
        /// The file to check
        file: Option<PathBuf>,
    },
}

pub fn run(command: ConfigCommand, mut overrides: Overrides) -> CliResult {
    match command {
        ConfigCommand::Check { file } => {
            if file.is_some() {
                overrides.config = file;
            }
            let cfg = config::load(&overrides)?;
            print!("{}", cfg.render());
            for w in cfg.warnings() {
                eprintln!("carrel: warning: {w}");
            }
            Ok(())
        }
    }
}
