//! Tripartite approval of a data request: approved only when a member of each party (user
//! committee, library, supplier) approves; any deny, with its reason, denies. The requester
//! never votes on their own request, a person votes once and for the one party they sit for,
//! and nothing is accepted once the request is decided, withdrawn or past its expiry.
//!
//! Pure: the store keeps the votes and applies [`cast`] inside the transaction that records
//! the vote, so concurrent votes are decided one after another.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::staff::Party;

/// Where a data request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Draft,
    Submitted,
    Approved,
    Denied,
    Expired,
    Withdrawn,
}

impl RequestState {
    pub const ALL: [RequestState; 6] = [
        RequestState::Draft,
        RequestState::Submitted,
        RequestState::Approved,
        RequestState::Denied,
        RequestState::Expired,
        RequestState::Withdrawn,
    ];

    pub fn parse(s: &str) -> Option<RequestState> {
        RequestState::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Draft => "draft",
            RequestState::Submitted => "submitted",
            RequestState::Approved => "approved",
            RequestState::Denied => "denied",
            RequestState::Expired => "expired",
            RequestState::Withdrawn => "withdrawn",
        }
    }

    /// Decided, withdrawn or expired: no more votes.
    pub fn is_final(self) -> bool {
        !matches!(self, RequestState::Draft | RequestState::Submitted)
    }
}

/// One vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vote {
    pub voter: String,
    pub party: Party,
    pub approve: bool,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A request as far as voting goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub requester: String,
    pub state: RequestState,
    pub expires: DateTime<Utc>,
    pub votes: Vec<Vote>,
}

/// Why a vote is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoteRefused {
    #[error("the request is {}; only a submitted request takes votes", .0.as_str())]
    NotOpen(RequestState),
    #[error("the request expired at {0}")]
    Expired(DateTime<Utc>),
    #[error("{0} filed this request and may not vote on it")]
    OwnRequest(String),
    #[error("{0} has already voted on this request")]
    AlreadyVoted(String),
    #[error("{voter} does not sit for the {} party", .party.as_str())]
    NotOfParty { voter: String, party: Party },
    #[error("a deny needs a reason")]
    DenyWithoutReason,
}

/// The state a ballot is in at `now`: a submitted request past its expiry is expired.
pub fn state_at(b: &Ballot, now: DateTime<Utc>) -> RequestState {
    if b.state == RequestState::Submitted && now >= b.expires {
        RequestState::Expired
    } else {
        b.state
    }
}

/// The decision the votes make: denied by any deny, approved when every party has approved,
/// otherwise still submitted.
pub fn decide(votes: &[Vote]) -> RequestState {
    if votes.iter().any(|v| !v.approve) {
        return RequestState::Denied;
    }
    if Party::ALL.iter().all(|p| votes.iter().any(|v| v.approve && v.party == *p)) {
        return RequestState::Approved;
    }
    RequestState::Submitted
}

/// Checks `vote` by someone sitting for `sits_for` and returns the request's state after it.
pub fn cast(
    b: &Ballot,
    vote: &Vote,
    sits_for: Option<Party>,
    now: DateTime<Utc>,
) -> Result<RequestState, VoteRefused> {
    match state_at(b, now) {
        RequestState::Submitted => {}
        RequestState::Expired => return Err(VoteRefused::Expired(b.expires)),
        other => return Err(VoteRefused::NotOpen(other)),
    }
    if vote.voter == b.requester {
        return Err(VoteRefused::OwnRequest(vote.voter.clone()));
    }
    if b.votes.iter().any(|v| v.voter == vote.voter) {
        return Err(VoteRefused::AlreadyVoted(vote.voter.clone()));
    }
    if sits_for != Some(vote.party) {
        return Err(VoteRefused::NotOfParty { voter: vote.voter.clone(), party: vote.party });
    }
    if !vote.approve && vote.reason.trim().is_empty() {
        return Err(VoteRefused::DenyWithoutReason);
    }
    let mut all = b.votes.clone();
    all.push(vote.clone());
    Ok(decide(&all))
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap()
    }

    fn ballot() -> Ballot {
        Ballot {
            requester: "rita".into(),
            state: RequestState::Submitted,
            expires: now() + Duration::days(7),
            votes: vec![],
        }
    }

    fn vote(voter: &str, party: Party, approve: bool) -> Vote {
        Vote {
            voter: voter.into(),
            party,
            approve,
            reason: if approve { String::new() } else { "not minimum necessary".into() },
            at: now(),
        }
    }

    /// Applies votes in order as the store would, returning each outcome.
    fn run(
        b: &mut Ballot,
        votes: &[(Vote, Option<Party>)],
    ) -> Vec<Result<RequestState, VoteRefused>> {
        votes
            .iter()
            .map(|(v, sits)| {
                let r = cast(b, v, *sits, now());
                if let Ok(s) = r {
                    b.votes.push(v.clone());
                    b.state = s;
                }
                r
            })
            .collect()
    }

    fn permutations(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![vec![]];
        }
        let mut out = vec![];
        for p in permutations(n - 1) {
            for i in 0..=p.len() {
                let mut q = p.clone();
                q.insert(i, n - 1);
                out.push(q);
            }
        }
        out
    }

    const MEMBERS: [(&str, Party); 3] =
        [("uma", Party::UserCommittee), ("leo", Party::Library), ("sue", Party::Supplier)];

    #[test]
    fn approval_needs_every_party_in_any_order() {
        for order in permutations(3) {
            let mut b = ballot();
            let votes: Vec<_> = order
                .iter()
                .map(|&i| (vote(MEMBERS[i].0, MEMBERS[i].1, true), Some(MEMBERS[i].1)))
                .collect();
            let states: Vec<_> = run(&mut b, &votes).into_iter().map(Result::unwrap).collect();
            assert_eq!(
                states,
                [RequestState::Submitted, RequestState::Submitted, RequestState::Approved],
                "{order:?}"
            );
        }
    }

    #[test]
    fn any_deny_denies_in_any_order_and_later_votes_are_refused() {
        for deny in 0..3 {
            for order in permutations(3) {
                let mut b = ballot();
                let votes: Vec<_> = order
                    .iter()
                    .map(|&i| (vote(MEMBERS[i].0, MEMBERS[i].1, i != deny), Some(MEMBERS[i].1)))
                    .collect();
                let results = run(&mut b, &votes);
                let at = order.iter().position(|&i| i == deny).unwrap();
                for (k, r) in results.iter().enumerate() {
                    match k.cmp(&at) {
                        std::cmp::Ordering::Less => assert_eq!(r, &Ok(RequestState::Submitted)),
                        std::cmp::Ordering::Equal => assert_eq!(r, &Ok(RequestState::Denied)),
                        std::cmp::Ordering::Greater => {
                            assert_eq!(r, &Err(VoteRefused::NotOpen(RequestState::Denied)))
                        }
                    }
                }
                assert_eq!(b.state, RequestState::Denied);
            }
        }
    }

    #[test]
    fn the_requester_never_votes_and_nobody_votes_twice_or_for_another_party() {
        let mut b = ballot();
        assert_eq!(
            cast(&b, &vote("rita", Party::Library, true), Some(Party::Library), now()),
            Err(VoteRefused::OwnRequest("rita".into()))
        );
        run(&mut b, &[(vote("leo", Party::Library, true), Some(Party::Library))]);
        assert_eq!(
            cast(&b, &vote("leo", Party::Library, true), Some(Party::Library), now()),
            Err(VoteRefused::AlreadyVoted("leo".into()))
        );
        assert_eq!(
            cast(&b, &vote("leo", Party::Supplier, true), Some(Party::Library), now()),
            Err(VoteRefused::AlreadyVoted("leo".into())),
            "a second vote for another party is a second vote"
        );
        assert_eq!(
            cast(&b, &vote("uma", Party::Supplier, true), Some(Party::UserCommittee), now()),
            Err(VoteRefused::NotOfParty { voter: "uma".into(), party: Party::Supplier })
        );
        assert_eq!(
            cast(&b, &vote("ada", Party::Supplier, true), None, now()),
            Err(VoteRefused::NotOfParty { voter: "ada".into(), party: Party::Supplier })
        );
        let mut no_reason = vote("sue", Party::Supplier, false);
        no_reason.reason = "  ".into();
        assert_eq!(
            cast(&b, &no_reason, Some(Party::Supplier), now()),
            Err(VoteRefused::DenyWithoutReason)
        );
    }

    #[test]
    fn an_expired_or_unsubmitted_request_takes_no_votes() {
        let b = Ballot { expires: now(), ..ballot() };
        assert_eq!(state_at(&b, now()), RequestState::Expired);
        assert_eq!(
            cast(&b, &vote("leo", Party::Library, true), Some(Party::Library), now()),
            Err(VoteRefused::Expired(now()))
        );
        assert_eq!(state_at(&b, now() - Duration::seconds(1)), RequestState::Submitted);
        for s in [RequestState::Draft, RequestState::Withdrawn, RequestState::Approved] {
            let b = Ballot { state: s, ..ballot() };
            assert_eq!(
                cast(&b, &vote("leo", Party::Library, true), Some(Party::Library), now()),
                Err(VoteRefused::NotOpen(s))
            );
        }
    }
}
