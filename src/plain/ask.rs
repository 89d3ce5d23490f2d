//! The questions the console's boxes and confirmations become, and their answers, typed
//! into the box as keys would.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::session::{Session, View};
use crate::domain::wrap::upper_first;
use crate::tui::msg::Msg;
use crate::tui::state::{Overlay, Pending};

impl Session {
    /// The question the open box asks, if one is open.
    pub(super) fn question(&self) -> Option<String> {
        let tz = self.state.tz;
        Some(match self.state.overlay.as_ref()? {
            Overlay::Confirm(Pending::Release { label, away_since, ghost, .. }) => {
                let since = away_since
                    .map(|t| format!(", away since {}", t.with_timezone(&tz).format("%H:%M")))
                    .unwrap_or_default();
                let ghost = if *ghost { ", a ghost seat" } else { "" };
                format!("Release seat {label}{ghost}{since}? yes or no: ")
            }
            Overlay::Confirm(Pending::Window { summary, warning, .. }) => {
                let warning = warning.as_ref().map(|w| format!("{w} ")).unwrap_or_default();
                format!("{warning}{}? yes or no: ", upper_first(summary))
            }
            Overlay::Confirm(Pending::Withdraw { id, title }) => {
                format!("Withdraw request {id}, {title}? yes or no: ")
            }
            Overlay::PickStaff { name, .. } => {
                format!("Who staffs {name}? Their number or login, or cancel: ")
            }
            Overlay::AlertNote { id, action, .. } => {
                let need = if *action == crate::domain::alerts::AlertAction::Resolve {
                    "say what was done"
                } else {
                    "enter for none"
                };
                format!("Note to {} alert {id} ({need}), or cancel: ", action.as_str())
            }
            Overlay::Vote(b) => {
                let problem = b.problem.as_ref().map(|p| format!("{p}. ")).unwrap_or_default();
                let how = if b.approve { "approving" } else { "denying" };
                format!("{problem}Reason for {how} request {}, or cancel: ", b.id)
            }
            Overlay::Verdict(b) => {
                let problem = b.problem.as_ref().map(|p| format!("{p}. ")).unwrap_or_default();
                format!(
                    "{problem}Note on review item {} ({}), or cancel: ",
                    b.id,
                    b.verdict.as_str()
                )
            }
            Overlay::FileRequest(form) => {
                let problem = form.problem.as_ref().map(|p| format!("{p}. ")).unwrap_or_default();
                let f = form.focus;
                let now = form.shown(f);
                let now = if now.is_empty() { String::new() } else { format!(", now {now}") };
                let takes = if f.is_choice() {
                    format!("one of {}", choices(form, f).join(", "))
                } else {
                    f.hint()
                };
                format!("{problem}New request, {} ({takes}{now}), or cancel: ", f.label())
            }
            Overlay::Lookup(b) if !b.waiting => {
                let problem = b.problem.as_ref().map(|p| format!("{p}. ")).unwrap_or_default();
                match b.focus {
                    crate::tui::lookup::LookupField::Card => {
                        format!("{problem}Card number, for {}, or cancel: ", b.purpose_text())
                    }
                    crate::tui::lookup::LookupField::Purpose => {
                        format!("{problem}Purpose: circulation, account or request N, or cancel: ")
                    }
                }
            }
            _ => return None,
        })
    }

    /// An answer to the open box's question.
    pub(super) fn reply(&mut self, text: &str) {
        if text.eq_ignore_ascii_case("cancel") {
            self.press(KeyCode::Esc);
            self.state.overlay = None;
            self.say1("cancelled");
            return;
        }
        let Some(overlay) = self.state.overlay.clone() else { return };
        let view = match overlay {
            Overlay::Confirm(_) => match text.to_lowercase().as_str() {
                "yes" | "y" => {
                    self.press(KeyCode::Char('y'));
                    View::Nothing
                }
                "no" | "n" => {
                    self.press(KeyCode::Esc);
                    self.say1("not done");
                    return;
                }
                _ => {
                    self.say1("answer yes or no");
                    return;
                }
            },
            Overlay::PickStaff { .. } => {
                self.pick(text);
                View::Nothing
            }
            Overlay::AlertNote { .. } | Overlay::Vote(_) | Overlay::Verdict(_) => {
                self.type_text(text);
                self.press(KeyCode::Enter);
                View::Nothing
            }
            Overlay::FileRequest(form) => {
                let f = form.focus;
                if f.is_choice() {
                    if !self.choose(f, text) {
                        return;
                    }
                } else if !text.is_empty() || form.shown(f).is_empty() {
                    // What was there is replaced by the answer; an empty answer keeps it.
                    for _ in 0..form.shown(f).chars().count() {
                        self.press(KeyCode::Backspace);
                    }
                    self.type_text(text);
                }
                let last =
                    matches!(&self.state.overlay, Some(Overlay::FileRequest(f)) if f.on_last());
                if last {
                    self.apply(Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
                } else {
                    self.press(KeyCode::Tab);
                }
                View::Nothing
            }
            Overlay::Lookup(b) => {
                if b.focus == crate::tui::lookup::LookupField::Purpose {
                    if !self.lookup_purpose(text) {
                        return;
                    }
                    View::Nothing
                } else {
                    self.type_text(text);
                    self.press(KeyCode::Enter);
                    View::Patron
                }
            }
            _ => {
                self.state.overlay = None;
                return;
            }
        };
        self.wait_for(view);
    }

    /// Picks `answer` in a choice field of the request form, as the arrow keys would.
    pub(super) fn choose(&mut self, f: crate::tui::form::Field, answer: &str) -> bool {
        // `public_task` and `public-task` are the same choice; an empty answer keeps it.
        let plain = |s: &str| s.trim().to_lowercase().replace('_', "-");
        let want = plain(answer);
        for _ in 0..12 {
            match &self.state.overlay {
                Some(Overlay::FileRequest(form))
                    if !want.is_empty() && plain(&form.shown(f)) != want =>
                {
                    self.press(KeyCode::Right)
                }
                Some(Overlay::FileRequest(_)) => return true,
                _ => return false,
            }
        }
        if let Some(Overlay::FileRequest(form)) = &self.state.overlay {
            let options = choices(form, f).join(", ");
            self.say1(format!("'{answer}' is not one of {options}"));
        }
        false
    }
}

/// The choices of a choice field, in the order the arrow keys give them.
pub(super) fn choices(
    form: &crate::tui::form::RequestForm,
    f: crate::tui::form::Field,
) -> Vec<String> {
    let mut form = form.clone();
    form.focus = f;
    let mut out: Vec<String> = vec![];
    for _ in 0..12 {
        let shown = form.shown(f);
        if out.contains(&shown) {
            break;
        }
        out.push(shown);
        form.cycle(true);
    }
    out
}
