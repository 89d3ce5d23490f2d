//! The `carrel` binary: install the error and panic hooks, then hand over to the library.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    // The panic hook prints a report; the TUI installs its own first, which restores the
    // terminal before this one runs.
    if let Err(e) = color_eyre::install() {
        eprintln!("carrel: cannot install the error hooks: {e}");
    }
    // A print to a closed pipe (`carrel seats | head -1`) ends quietly, not with a report.
    carrel::cli::pipe::install_hook();
    carrel::cli::main()
}
