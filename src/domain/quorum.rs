//! Approval by the governance committee, for data requests and for changes to who sits on the
//! committee. A decision waits for approvals ([`Needed`]): a data request for a member of each
//! party (user committee, library, supplier); a change to a committee seat for a member of that
//! party (see `domain::committee`). Any deny, with its reason, denies. The requester (or
//! proposer) never votes, nor does anyone [`Ballot::barred`] (the person whose seat it is),
//! a person votes once and only as what they are (the party they sit for, or themselves), and
//! nothing is accepted once the matter is decided, withdrawn or past its expiry.
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
    /// The party the voter sits for; `None` for someone voting as themselves (a founding
    /// member accepting their seat).
    pub party: Option<Party>,
    pub approve: bool,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// An approval a decision waits for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Needed {
    /// A member of this party.
    Party(Party),
    /// This person, as themselves.
    Person(String),
}

impl Needed {
    /// A data request's needs: a member of each party.
    pub fn every_party() -> Vec<Needed> {
        Party::ALL.iter().map(|p| Needed::Party(*p)).collect()
    }

    /// Whether `vote` is one this need waits for.
    pub fn met_by(&self, vote: &Vote) -> bool {
        match self {
            Needed::Party(p) => vote.party == Some(*p),
            Needed::Person(login) => vote.voter == *login,
        }
    }

    /// "the library", "uma".
    pub fn describe(&self) -> String {
        match self {
            Needed::Party(p) => format!("the {}", p.label()),
            Needed::Person(login) => login.clone(),
        }
    }
}

/// A request (or seat change) as far as voting goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub requester: String,
    /// Who else may not vote on it.
    pub barred: Vec<String>,
    pub state: RequestState,
    pub expires: DateTime<Utc>,
    pub votes: Vec<Vote>,
    pub needs: Vec<Needed>,
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
    #[error("{0} may not vote on a change to their own seat")]
    Barred(String),
    #[error("{voter} does not sit for the {} party", .party.as_str())]
    NotOfParty { voter: String, party: Party },
    #[error("{voter}'s vote is not one this waits for: it waits for {waits_for}")]
    NotNeeded { voter: String, waits_for: String },
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

/// The decision the votes make: denied by any deny, approved when every need is met by an
/// approval, otherwise still submitted.
pub fn decide(votes: &[Vote], needs: &[Needed]) -> RequestState {
    if votes.iter().any(|v| !v.approve) {
        return RequestState::Denied;
    }
    if needs.iter().all(|n| votes.iter().any(|v| v.approve && n.met_by(v))) {
        return RequestState::Approved;
    }
    RequestState::Submitted
}

/// The needs no approval has met yet, for "waiting for …".
pub fn waiting_for(b: &Ballot) -> Vec<Needed> {
    b.needs.iter().filter(|n| !b.votes.iter().any(|v| v.approve && n.met_by(v))).cloned().collect()
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
    if b.barred.contains(&vote.voter) {
        return Err(VoteRefused::Barred(vote.voter.clone()));
    }
    if b.votes.iter().any(|v| v.voter == vote.voter) {
        return Err(VoteRefused::AlreadyVoted(vote.voter.clone()));
    }
    if let Some(party) = vote.party.filter(|p| sits_for != Some(*p)) {
        return Err(VoteRefused::NotOfParty { voter: vote.voter.clone(), party });
    }
    if !b.needs.iter().any(|n| n.met_by(vote)) {
        let waits_for: Vec<String> = b.needs.iter().map(Needed::describe).collect();
        return Err(VoteRefused::NotNeeded {
            voter: vote.voter.clone(),
            waits_for: waits_for.join(" and "),
        });
    }
    if !vote.approve && vote.reason.trim().is_empty() {
        return Err(VoteRefused::DenyWithoutReason);
    }
    let mut all = b.votes.clone();
    all.push(vote.clone());
    Ok(decide(&all, &b.needs))
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
            barred: vec![],
            state: RequestState::Submitted,
            expires: now() + Duration::days(7),
            votes: vec![],
            needs: Needed::every_party(),
        }
    }

    fn vote(voter: &str, party: Party, approve: bool) -> Vote {
        Vote {
            voter: voter.into(),
            party: Some(party),
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
    fn a_seat_change_waits_for_its_party_and_bars_the_person_concerned() {
        let mut b = Ballot {
            requester: "sam".into(),
            barred: vec!["newbie".into()],
            needs: vec![Needed::Party(Party::Library)],
            ..ballot()
        };
        assert_eq!(
            cast(&b, &vote("sam", Party::Library, true), Some(Party::Library), now()),
            Err(VoteRefused::OwnRequest("sam".into()))
        );
        assert_eq!(
            cast(&b, &vote("newbie", Party::Library, true), Some(Party::Library), now()),
            Err(VoteRefused::Barred("newbie".into()))
        );
        assert_eq!(
            cast(&b, &vote("uma", Party::UserCommittee, true), Some(Party::UserCommittee), now()),
            Err(VoteRefused::NotNeeded { voter: "uma".into(), waits_for: "the library".into() })
        );
        assert_eq!(waiting_for(&b), vec![Needed::Party(Party::Library)]);
        let r = run(&mut b, &[(vote("leo", Party::Library, true), Some(Party::Library))]);
        assert_eq!(r, vec![Ok(RequestState::Approved)]);
        assert!(waiting_for(&b).is_empty());
    }

    #[test]
    fn a_founding_seat_waits_for_the_person_taking_it() {
        let b = Ballot {
            requester: "sam".into(),
            needs: vec![Needed::Person("uma".into())],
            ..ballot()
        };
        let mut accept = vote("uma", Party::UserCommittee, true);
        accept.party = None;
        assert_eq!(cast(&b, &accept, None, now()), Ok(RequestState::Approved));
        let mut other = vote("eve", Party::UserCommittee, true);
        other.party = None;
        assert!(matches!(cast(&b, &other, None, now()), Err(VoteRefused::NotNeeded { .. })));
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
