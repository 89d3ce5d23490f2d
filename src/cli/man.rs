//! The manual page, generated from the clap definitions: the main page, then one section per
//! command with its synopsis and options, then the environment, files, exit status and JSON
//! output. `man/carrel.1` is this output; a test keeps the two equal
//! (`cargo run -- man > man/carrel.1` after changing a flag).

use clap::CommandFactory;

use super::{Cli, CliError, CliResult};

/// Sections written by hand, appended after the generated ones.
const EXTRA: &str = include_str!("../../assets/man/extra.roff");

pub fn page() -> CliResult<String> {
    let mut root = Cli::command();
    root.build();
    let mut out = Vec::new();
    clap_mangen::Man::new(root.clone()).date("").render(&mut out)?;
    let mut commands = Vec::new();
    collect(&root, "carrel", &mut commands);
    for (path, cmd) in commands {
        let cmd = cmd.bin_name(path.clone()).name(path.clone());
        let man = clap_mangen::Man::new(cmd);
        let mut section = Vec::new();
        man.render_synopsis_section(&mut section)?;
        man.render_options_section(&mut section)?;
        let section = String::from_utf8(section).map_err(|e| CliError::Failed(e.to_string()))?;
        out.extend_from_slice(format!(".SH \"{}\"\n", path.to_uppercase()).as_bytes());
        out.extend_from_slice(section.replace(".SH ", ".SS ").as_bytes());
    }
    out.extend_from_slice(EXTRA.as_bytes());
    String::from_utf8(out).map_err(|e| CliError::Failed(e.to_string()))
}

/// Every visible leaf command with its full name, depth first.
fn collect(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        let name = format!("{path} {}", sub.get_name());
        if sub.has_subcommands() {
            collect(sub, &name, out);
        } else {
            out.push((name, sub.clone()));
        }
    }
}
