//! Changes to who sits on the governance committee: proposed by a sysadmin (`carrel staff grant
//! LOGIN committee --party P`, `staff revoke LOGIN committee`), in effect only once the
//! committee approves them (`domain::committee` says whose approval; `domain::quorum` counts the
//! votes). Each vote is checked against the committee and the votes as stored, inside the
//! immediate transaction that records it; the deciding vote changes the staff directory, writes
//! the `committee.seat` entry the audit log replays, and raises a `committee-change` alert
//! already escalated, so only the committee resolves it — all in that one transaction.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use crate::domain::alerts::AlertEvent;
use crate::domain::alerts::{AlertState, NewAlert};
use crate::domain::audit::Outcome;
use crate::domain::audit_bindings::SEAT_ACTION;
use crate::domain::committee::{self, SeatChange, SeatChangeKind};
use crate::domain::policy::{self, Permission};
use crate::domain::quorum::{self, Ballot, Needed, RequestState, Vote, VoteRefused};
use crate::domain::rules::Rule;
use crate::domain::sanitize::clean_text;
use crate::domain::staff::{Party, Role};
use crate::store::{self, Store, StoreError, audit as log};

fn object(login: &str) -> String {
    format!("staff:{login}")
}

/// Who sits on the committee now, by the grants each member acts with.
fn sitting(conn: &crate::store::Conn) -> Result<Vec<(String, Party)>, StoreError> {
    Ok(store::staff::list(conn)?
        .into_iter()
        .filter(|m| m.active)
        .flat_map(|m| {
            policy::effective_grants(&m.grants)
                .into_iter()
                .filter(|g| g.role == Role::Committee)
                .filter_map(move |g| g.party.map(|p| (m.login.clone(), p)))
                .collect::<Vec<_>>()
        })
        .collect())
}

/// The change as of `now`: one waiting past its expiry reads expired.
fn as_of(mut c: SeatChange, now: DateTime<Utc>) -> SeatChange {
    if c.state == RequestState::Submitted && now >= c.expires {
        c.state = RequestState::Expired;
    }
    c
}

fn ballot(c: &SeatChange, sitting: &[(String, Party)]) -> Ballot {
    let (needs, barred) = committee::needs(&c.login, &c.proposer, c.party, sitting);
    Ballot {
        requester: c.proposer.clone(),
        barred,
        state: c.state,
        expires: c.expires,
        votes: c.votes.clone(),
        needs,
    }
}

/// A change with whose approval it still waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatChangeView {
    #[serde(flatten)]
    pub change: SeatChange,
    /// Empty once decided.
    pub waiting_for: Vec<Needed>,
}

fn view(c: SeatChange, sitting: &[(String, Party)], now: DateTime<Utc>) -> SeatChangeView {
    let c = as_of(c, now);
    let waiting_for = if c.state == RequestState::Submitted {
        quorum::waiting_for(&ballot(&c, sitting))
    } else {
        Vec::new()
    };
    SeatChangeView { change: c, waiting_for }
}

/// Every change, newest first (staff viewers: sysadmins, the committee, auditors).
pub fn list(
    store: &mut Store,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<SeatChangeView>, ServiceError> {
    audit::authorize(store, actor, Permission::ViewStaff, "committee")?;
    let conn = store.conn();
    let sitting = sitting(conn)?;
    Ok(store::committee::list(conn)?.into_iter().map(|c| view(c, &sitting, now)).collect())
}

/// Proposes a seat for `login` (`Grant`, for `party`) or the end of their seat (`Revoke`; the
/// party is the one they sit for). Nothing changes in the directory until it is approved.
pub fn propose(
    store: &mut Store,
    actor: &Actor,
    login: &str,
    kind: SeatChangeKind,
    party: Option<Party>,
    open_days: u32,
    now: DateTime<Utc>,
) -> Result<SeatChangeView, ServiceError> {
    let object = object(login);
    let role = audit::authorize(store, actor, Permission::ManageStaff, &object)?;
    let member = store::staff::list(store.conn())?
        .into_iter()
        .find(|s| s.login == login)
        .ok_or_else(|| {
            ServiceError::NotFound(format!(
                "no staff member '{login}' (add them with `carrel staff add`)"
            ))
        })?;
    let sits_for = member.party();
    let party = match (kind, party, sits_for) {
        (SeatChangeKind::Grant, None, _) => {
            return Err(ServiceError::Invalid(
                "a committee role needs --party user_committee, library or supplier".into(),
            ));
        }
        (SeatChangeKind::Grant, Some(p), Some(q)) if p == q => {
            return Err(ServiceError::Conflict(format!(
                "{login} already sits for the {}",
                p.label()
            )));
        }
        (SeatChangeKind::Grant, Some(_), Some(q)) => {
            return Err(ServiceError::Conflict(format!(
                "{login} already sits for the {}; one person sits for one party",
                q.label()
            )));
        }
        (SeatChangeKind::Grant, Some(p), None) => {
            let held: Vec<Role> = member.grants.iter().map(|g| g.role).collect();
            if let Some(c) = policy::conflict(&held, Role::Committee) {
                return Err(ServiceError::Conflict(format!(
                    "{login} holds the {c} role, which may not be combined with committee (separation of duties: whoever manages staff does not approve)"
                )));
            }
            p
        }
        (SeatChangeKind::Revoke, _, None) => {
            return Err(ServiceError::NotFound(format!("{login} does not sit on the committee")));
        }
        (SeatChangeKind::Revoke, _, Some(q)) => q,
    };
    let expires = now + Duration::days(i64::from(open_days.max(1)));
    let id = store.write(|tx| {
        let now = log::not_before_last(tx, now)?;
        if let Some(waiting) = store::committee::list(tx)?
            .into_iter()
            .map(|c| as_of(c, now))
            .find(|c| c.login == login && c.state == RequestState::Submitted)
        {
            return Ok(Err(ServiceError::Conflict(format!(
                "a change to {login}'s seat is already waiting for the committee (#{}: {})",
                waiting.id,
                waiting.describe()
            ))));
        }
        let id = store::committee::insert(tx, &actor.login, login, kind, party, now, expires)?;
        let details = serde_json::json!({
            "propose": kind, "role": Role::Committee, "party": party, "change": id,
        })
        .to_string();
        log::append(
            tx,
            entry(actor, &role, Permission::ManageStaff, &object, Outcome::Allowed, details),
        )?;
        Ok::<_, StoreError>(Ok(id))
    })??;
    show(store, id, now)
}

/// One change, for a caller that has already checked the viewer may see it.
pub fn show(store: &Store, id: u64, now: DateTime<Utc>) -> Result<SeatChangeView, ServiceError> {
    let conn = store.conn();
    let c = store::committee::get(conn, id)?
        .ok_or_else(|| ServiceError::NotFound(format!("no seat change {id}")))?;
    Ok(view(c, &sitting(conn)?, now))
}

/// What a vote did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatVoteOutcome {
    pub change: SeatChangeView,
    /// Set when this vote decided the change.
    pub decided: Option<RequestState>,
    /// The `committee-change` alert raised when it took effect.
    pub alert: Option<u64>,
}

/// `actor` approves or denies change `id`: as a member of the party it waits for, or — for a
/// founding seat — as the person taking it.
pub fn vote(
    store: &mut Store,
    actor: &Actor,
    id: u64,
    approve: bool,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<SeatVoteOutcome, ServiceError> {
    let current = show(store, id, now)?;
    let object = object(&current.change.login);
    let as_themselves = current.waiting_for.contains(&Needed::Person(actor.login.clone()));
    let role = if as_themselves {
        "self".to_owned()
    } else {
        audit::authorize(store, actor, Permission::DecideSeat, &object)?
    };
    let reason = clean_text(reason, 500);
    let sits_for = super::requests::party_of(actor);
    let verb = if approve { "approve" } else { "deny" };
    let outcome = store.write(|tx| {
        let now = log::not_before_last(tx, now)?;
        let Some(c) = store::committee::get(tx, id)? else {
            return Ok(Err(ServiceError::NotFound(format!("no seat change {id}"))));
        };
        let sitting = sitting(tx)?;
        let b = ballot(&c, &sitting);
        let v = Vote {
            voter: actor.login.clone(),
            party: if as_themselves { None } else { sits_for },
            approve,
            reason: reason.clone(),
            at: now,
        };
        let next = match quorum::cast(&b, &v, sits_for, now) {
            Ok(next) => next,
            Err(refused) => {
                if let VoteRefused::Expired(_) = refused
                    && c.state == RequestState::Submitted
                {
                    store::committee::set_state(tx, id, RequestState::Expired, now)?;
                }
                let details =
                    serde_json::json!({ "vote": verb, "change": id, "refused": refused.to_string() })
                        .to_string();
                log::append(
                    tx,
                    entry(actor, &role, Permission::DecideSeat, &object, Outcome::Denied, details),
                )?;
                let e = match refused {
                    VoteRefused::OwnRequest(_)
                    | VoteRefused::Barred(_)
                    | VoteRefused::NotOfParty { .. }
                    | VoteRefused::NotNeeded { .. } => {
                        ServiceError::Denied(format!("seat change {id}: {refused}"))
                    }
                    VoteRefused::DenyWithoutReason => {
                        ServiceError::Invalid(format!("seat change {id}: {refused}"))
                    }
                    _ => ServiceError::Conflict(format!("seat change {id}: {refused}")),
                };
                return Ok(Err(e));
            }
        };
        store::committee::add_vote(tx, id, &v)?;
        let decided = (next != RequestState::Submitted).then_some(next);
        let details = serde_json::json!({
            "vote": verb, "change": id, "party": v.party, "reason": reason, "decided": decided,
        })
        .to_string();
        let vote_entry = log::append(
            tx,
            entry(actor, &role, Permission::DecideSeat, &object, Outcome::Allowed, details),
        )?;
        let mut alert = None;
        if let Some(state) = decided {
            store::committee::set_state(tx, id, state, now)?;
            if state == RequestState::Approved {
                alert = Some(take_effect(tx, actor, &c, vote_entry.seq, now)?);
            }
        }
        Ok::<_, StoreError>(Ok((decided, alert)))
    })?;
    let (decided, alert) = outcome?;
    Ok(SeatVoteOutcome { change: show(store, id, now)?, decided, alert })
}

/// Applies an approved change to the directory, logs it as the entry the log's replay of the
/// staff directory reads, and raises the committee's alert about it.
fn take_effect(
    tx: &crate::store::Tx<'_>,
    actor: &Actor,
    c: &SeatChange,
    deciding_vote: u64,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let details = match c.change {
        SeatChangeKind::Grant => {
            store::staff::grant(tx, &c.login, Role::Committee, Some(c.party))?;
            serde_json::json!({ "grant": Role::Committee, "party": c.party, "change": c.id })
        }
        SeatChangeKind::Revoke => {
            store::staff::revoke(tx, &c.login, Role::Committee)?;
            serde_json::json!({ "revoke": Role::Committee, "party": c.party, "change": c.id })
        }
    };
    let mut applied = entry(
        actor,
        "committee",
        Permission::DecideSeat,
        &object(&c.login),
        Outcome::Allowed,
        details.to_string(),
    );
    applied.action = SEAT_ACTION.to_owned();
    let applied = log::append(tx, applied)?;
    let summary = format!(
        "{}, proposed by {} and approved by {}",
        c.describe().replace(" to sit for ", " now sits for ").replace(" to leave ", " left "),
        c.proposer,
        c.votes
            .iter()
            .map(|v| v.voter.as_str())
            .chain([actor.login.as_str()])
            .collect::<Vec<_>>()
            .join(", ")
    );
    let alert = NewAlert {
        rule: Rule::CommitteeChange,
        key: format!("seat:{}", c.id),
        severity: Rule::CommitteeChange.severity(),
        first_seen: now,
        last_seen: now,
        count: 1,
        evidence: vec![deciding_vote, applied.seq],
        summary: summary.clone(),
    };
    let id = store::alerts::insert(tx, &alert, now)?;
    store::alerts::set_state(tx, id, AlertState::Escalated, now)?;
    store::alerts::add_event(
        tx,
        &AlertEvent {
            alert_id: id,
            at: now,
            actor: actor.login.clone(),
            action: "raised".into(),
            note: summary,
        },
    )?;
    Ok(id)
}

/// Changes waiting for `actor`'s vote: their party is needed (and they are neither proposer nor
/// the person concerned), or it is their own founding seat to accept.
pub fn waiting_for_me(changes: &[SeatChangeView], actor: &Actor) -> Vec<u64> {
    let party = super::requests::party_of(actor);
    changes
        .iter()
        .filter(|c| {
            let ch = &c.change;
            ch.state == RequestState::Submitted
                && ch.proposer != actor.login
                && !ch.votes.iter().any(|v| v.voter == actor.login)
                && c.waiting_for.iter().any(|n| match n {
                    Needed::Party(p) => party == Some(*p) && ch.login != actor.login,
                    Needed::Person(l) => *l == actor.login,
                })
        })
        .map(|c| c.change.id)
        .collect()
}
