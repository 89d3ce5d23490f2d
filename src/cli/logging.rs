//! Logs go to a file in the state directory, never to the terminal: a console that printed
//! log lines over its own screen would be unreadable.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::config::Config;

/// Name of the log file in the state directory.
pub const LOG_FILE: &str = "carrel.log";

/// Starts logging to `<state dir>/carrel.log`. Keep the guard alive until exit so buffered
/// lines are written. When the directory cannot be made, carrel runs without a log rather than
/// refusing to work; `RUST_LOG` overrides the configured level.
pub fn init(cfg: &Config) -> Option<WorkerGuard> {
    let dir = &cfg.state_dir;
    if std::fs::create_dir_all(dir).is_err() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let appender = tracing_appender::rolling::never(dir, LOG_FILE);
    // A small line buffer: the default holds 128,000 lines (4 MB allocated up front); a
    // console that logs a few lines a minute needs a few hundred, and if the disk stalls it
    // is better to drop log lines than to grow.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(512)
        .lossy(true)
        .finish(appender);
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("carrel={}", cfg.settings.logging.level)));
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    installed.ok().map(|()| guard)
}
