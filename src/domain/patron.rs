//! Patrons as carrel keeps them: a directory entry per patron, named everywhere else by
//! pseudonym, with a state that retention moves along.
//!
//! Pure. May use: serde.

use std::fmt;

use serde::Serialize;

/// The directory's encrypted columns, as named in the associated data of their values.
pub const CARD: &str = "card";
pub const NAME: &str = "name";
pub const EMAIL: &str = "email";

/// Where a patron stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatronState {
    Active,
    /// Borrowing suspended; the record is kept.
    Locked,
    /// The directory fields are gone; only the pseudonym and category remain.
    Anonymised,
}

impl PatronState {
    pub const ALL: [PatronState; 3] =
        [PatronState::Active, PatronState::Locked, PatronState::Anonymised];

    pub fn as_str(self) -> &'static str {
        match self {
            PatronState::Active => "active",
            PatronState::Locked => "locked",
            PatronState::Anonymised => "anonymised",
        }
    }

    pub fn parse(s: &str) -> Result<PatronState, String> {
        PatronState::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown patron state '{s}'"))
    }
}

impl fmt::Display for PatronState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip() {
        for s in PatronState::ALL {
            assert_eq!(PatronState::parse(s.as_str()), Ok(s));
        }
        assert!(PatronState::parse("gone").is_err());
    }
}
