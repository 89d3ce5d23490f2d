//! Changes to who sits on the governance committee: dual control over the approvers (NIST SP
//! 800-53 AC-5, AC-3(2)). A sysadmin proposes a seat (or its end); it takes effect only when
//! the committee approves it, by the quorum rules of data requests (`domain::quorum`):
//!
//! - a member of that party approves, who is neither the proposer nor the person concerned;
//! - when that party has no such member, a member of each other party that has one;
//! - when no party has one (a new database: the founding committee), the person concerned
//!   accepts the seat themselves, under their own login — so a sysadmin cannot seat people who
//!   do not exist or do not agree.
//!
//! Who must approve is worked out from the committee as it sits when each vote is cast.
//!
//! Pure; no I/O.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::quorum::{Needed, RequestState, Vote};
use super::staff::Party;

/// Whether a seat is given or taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatChangeKind {
    Grant,
    Revoke,
}

impl SeatChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SeatChangeKind::Grant => "grant",
            SeatChangeKind::Revoke => "revoke",
        }
    }

    pub fn parse(s: &str) -> Option<SeatChangeKind> {
        [SeatChangeKind::Grant, SeatChangeKind::Revoke].into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for SeatChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A proposed change to one committee seat, with its votes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatChange {
    pub id: u64,
    /// The sysadmin who proposed it.
    pub proposer: String,
    /// The person whose seat it is.
    pub login: String,
    pub change: SeatChangeKind,
    pub party: Party,
    /// `submitted` while it waits; `approved` once in effect; `denied` or `expired`.
    pub state: RequestState,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub decided: Option<DateTime<Utc>>,
    pub votes: Vec<Vote>,
}

impl SeatChange {
    /// "uma to sit for the library", "uma to leave the library".
    pub fn describe(&self) -> String {
        match self.change {
            SeatChangeKind::Grant => {
                format!("{} to sit for the {}", self.login, self.party.label())
            }
            SeatChangeKind::Revoke => format!("{} to leave the {}", self.login, self.party.label()),
        }
    }
}

/// Who must approve a change to `login`'s seat for `party`, proposed by `proposer`, while the
/// committee is `sitting` (login, party); and who may not vote on it.
pub fn needs(
    login: &str,
    proposer: &str,
    party: Party,
    sitting: &[(String, Party)],
) -> (Vec<Needed>, Vec<String>) {
    let has_voter = |p: Party| sitting.iter().any(|(l, q)| *q == p && l != login && l != proposer);
    if has_voter(party) {
        return (vec![Needed::Party(party)], vec![login.to_owned()]);
    }
    let others: Vec<Needed> = Party::ALL
        .into_iter()
        .filter(|p| *p != party && has_voter(*p))
        .map(Needed::Party)
        .collect();
    if others.is_empty() {
        // The founding committee: nobody else sits to approve, so the person must accept.
        (vec![Needed::Person(login.to_owned())], Vec::new())
    } else {
        (others, vec![login.to_owned()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sits(members: &[(&str, Party)]) -> Vec<(String, Party)> {
        members.iter().map(|(l, p)| ((*l).to_owned(), *p)).collect()
    }

    #[test]
    fn a_seat_waits_for_a_member_of_its_party() {
        let committee = sits(&[
            ("uma", Party::UserCommittee),
            ("leo", Party::Library),
            ("sue", Party::Supplier),
        ]);
        let (needs, barred) = needs("newbie", "sam", Party::Library, &committee);
        assert_eq!(needs, vec![Needed::Party(Party::Library)]);
        assert_eq!(barred, vec!["newbie".to_owned()]);
    }

    #[test]
    fn a_party_without_another_member_waits_for_each_other_party_that_has_one() {
        let committee = sits(&[("uma", Party::UserCommittee), ("leo", Party::Library)]);
        let (n, _) = needs("leo", "sam", Party::Library, &committee);
        assert_eq!(
            n,
            vec![Needed::Party(Party::UserCommittee)],
            "leo is the library's only member"
        );
        let (n, _) = needs("sue", "sam", Party::Supplier, &committee);
        assert_eq!(n, vec![Needed::Party(Party::UserCommittee), Needed::Party(Party::Library)]);
    }

    #[test]
    fn the_founding_committee_accepts_its_own_seats() {
        let (n, barred) = needs("uma", "sam", Party::UserCommittee, &[]);
        assert_eq!(n, vec![Needed::Person("uma".into())]);
        assert!(barred.is_empty());
        let (n, _) =
            needs("uma", "sam", Party::UserCommittee, &sits(&[("uma", Party::UserCommittee)]));
        assert_eq!(
            n,
            vec![Needed::Person("uma".into())],
            "the last member leaves by their own vote"
        );
    }
}
