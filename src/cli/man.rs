//! The manual page, generated from the clap definitions: the main page with the global
//! options, then one section per command with its description, synopsis and own options, then
//! the environment, files, exit status and JSON output. `man/carrel.1` is this output; a test keeps the two equal
//! (`cargo run -- man > man/carrel.1` after changing a flag).

use clap::CommandFactory;

use super::{Cli, CliError, CliResult};

/// Sections written by hand, appended after the generated ones.
const EXTRA: &str = include_str!("../../assets/man/extra.roff");

pub fn page() -> CliResult<String> {
    let mut root = Cli::command();
    root.build();
    let man = clap_mangen::Man::new(root.clone()).date("");
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    // OPTIONS (help, version), then GLOBAL OPTIONS: those every command takes.
    man.render_options_section(&mut out)?;
    man.render_version_section(&mut out)?;
    // One page with a section per command, not clap_mangen's list of a page per command
    // (`carrel-demo(1)`), which carrel does not ship. The root's after-help (environment, exit
    // status) is left out: ENVIRONMENT and EXIT STATUS below say it in full.
    out.extend_from_slice(COMMANDS_INTRO.as_bytes());
    let mut commands = Vec::new();
    collect(&root, "carrel", &mut commands);
    for (path, cmd) in commands {
        let cmd = cmd.bin_name(path.clone()).name(path.clone()).mut_args(|arg| {
            // Said once above, under OPTIONS and GLOBAL OPTIONS.
            let said_above =
                arg.is_global_set() || ["help", "version"].contains(&arg.get_id().as_str());
            if said_above { arg.hide(true) } else { arg }
        });
        let man = clap_mangen::Man::new(cmd);
        let mut section = Vec::new();
        man.render_description_section(&mut section)?;
        man.render_synopsis_section(&mut section)?;
        man.render_options_section(&mut section)?;
        let section = String::from_utf8(section).map_err(|e| CliError::Failed(e.to_string()))?;
        out.extend_from_slice(format!(".SH \"{}\"\n", path.to_uppercase()).as_bytes());
        let section = section.replace(".SH DESCRIPTION\n", "").replace(".SH ", ".SS ");
        out.extend_from_slice(section.as_bytes());
    }
    out.extend_from_slice(EXTRA.as_bytes());
    String::from_utf8(out).map_err(|e| CliError::Failed(e.to_string()))
}

const COMMANDS_INTRO: &str = ".SH COMMANDS
Each command has its section below: what it does, its synopsis and its own options. The global
options above apply to every command.
";

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
