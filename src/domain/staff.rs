//! Staff roles and governance-committee parties.
//!
//! A staff member may hold several roles; a committee member belongs to exactly one party of
//! the tripartite committee (user committee, library, technology supplier).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::layout::UnknownName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Front-desk librarian: seats, windows, patron look-up with consent.
    Desk,
    /// System administrator: feeds, database, retention; no patron data.
    Sysadmin,
    /// Governance-committee member, for one party.
    Committee,
    /// Reads the audit log and reviews sampled accesses.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Desk, Role::Sysadmin, Role::Committee, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Desk => "desk",
            Role::Sysadmin => "sysadmin",
            Role::Committee => "committee",
            Role::Auditor => "auditor",
        }
    }
}

/// The three parties of the data-governance committee (seed 003, §4.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    UserCommittee,
    Library,
    Supplier,
}

impl Party {
    pub const ALL: [Party; 3] = [Party::UserCommittee, Party::Library, Party::Supplier];

    pub fn as_str(self) -> &'static str {
        match self {
            Party::UserCommittee => "user_committee",
            Party::Library => "library",
            Party::Supplier => "supplier",
        }
    }

    /// The party's name in sentences: "user committee", "library", "supplier".
    pub fn label(self) -> &'static str {
        match self {
            Party::UserCommittee => "user committee",
            Party::Library => "library",
            Party::Supplier => "supplier",
        }
    }
}

fn parse_name<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    what: &'static str,
    s: &str,
) -> Result<T, UnknownName> {
    all.iter().copied().find(|v| name(*v) == s).ok_or_else(|| UnknownName {
        what,
        given: s.to_owned(),
        expected: all.iter().map(|v| name(*v)).collect::<Vec<_>>().join(", "),
    })
}

impl FromStr for Role {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_name(&Role::ALL, Role::as_str, "role", s)
    }
}

impl FromStr for Party {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_name(&Party::ALL, Party::as_str, "party", s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role as granted to one person; committee grants carry the party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub party: Option<Party>,
}

/// A member of staff as the console knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub login: String,
    pub display_name: String,
    pub active: bool,
    pub grants: Vec<Grant>,
}

impl StaffMember {
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// The committee party this person sits for, if any.
    pub fn party(&self) -> Option<Party> {
        self.grants.iter().find_map(|g| g.party)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_parties_parse_by_name() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        for p in Party::ALL {
            assert_eq!(p.as_str().parse::<Party>().unwrap(), p);
        }
        let e = "admin".parse::<Role>().unwrap_err();
        assert!(e.to_string().contains("desk, sysadmin, committee, auditor"));
    }
}
