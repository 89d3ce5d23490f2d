//! `--help` for every command: each argument and option says what it is, and the global
//! options stand under their own heading instead of among the command's own.
#![allow(clippy::unwrap_used)]

use carrel::cli::Cli;
use clap::CommandFactory;

/// Every command with its full name (`carrel seat show`), depth first, the root included.
fn commands(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
    out.push((path.to_owned(), cmd.clone()));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        commands(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

fn all_commands() -> Vec<(String, clap::Command)> {
    let mut root = Cli::command();
    root.build();
    let mut out = vec![];
    commands(&root, "carrel", &mut out);
    assert!(out.len() > 50, "the walk found only {} commands", out.len());
    out
}

#[test]
fn every_argument_of_every_command_has_help() {
    let mut missing = vec![];
    for (path, cmd) in all_commands() {
        for arg in cmd.get_arguments() {
            let has_help = arg.get_help().or(arg.get_long_help()).is_some_and(|h| {
                let h = h.to_string();
                !h.trim().is_empty()
            });
            if !has_help {
                let name = match arg.get_long() {
                    Some(long) => format!("--{long}"),
                    None => format!("<{}>", arg.get_id()),
                };
                missing.push(format!("{path} {name}"));
            }
        }
    }
    assert!(missing.is_empty(), "arguments without help:\n{}", missing.join("\n"));
}

#[test]
fn global_options_stand_under_their_own_heading() {
    for (path, mut cmd) in all_commands() {
        let help = cmd.render_help().to_string();
        let Some((own, global)) = help.split_once("Global options:") else {
            panic!("{path} --help has no 'Global options' heading:\n{help}");
        };
        for flag in ["--config", "--db", "--sensor-url", "--recs-url", "--as "] {
            assert!(global.contains(flag), "{path}: {flag} is not under Global options:\n{help}");
            assert!(!own.contains(flag), "{path}: {flag} is among the command's own:\n{help}");
        }
    }
}

#[test]
fn the_manual_cites_only_pages_that_exist() {
    let page = carrel::cli::man_page().unwrap();
    // clap_mangen's SEE ALSO names one page per subcommand (`carrel-demo(1)`); carrel ships one
    // page with a section per command, so no such reference may remain.
    assert!(!page.contains("carrel\\-demo"), "the manual cites carrel-demo(1)");
    for line in page.lines().filter(|l| l.contains("(1)")) {
        assert!(!line.contains("carrel\\-"), "the manual cites a page that does not exist: {line}");
    }
}
