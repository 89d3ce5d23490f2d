//! What the plain console says of each tab: short lines, most important first, lists as a
//! title and items the session numbers and pages ("3 of 12: ..."). Pure: `&State` in, text out.

use crate::tui::state::State;

/// A list for the pager: the title says what it is and what matters most; the items are
/// numbered by the session ("3 of 12: ...") and paged with `more`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub title: String,
    pub items: Vec<String>,
}

#[allow(dead_code)]
fn _uses(_: &State) {}
