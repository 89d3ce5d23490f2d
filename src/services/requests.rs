//! Data requests to the governance committee: filing, submitting, withdrawing, and the votes
//! of the three parties. Each vote is checked by the quorum rules inside the transaction that
//! records it (an immediate transaction, so votes from several consoles are applied one after
//! another and each sees the ones before), and the decision, the vote and its audit entry are
//! committed together.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use crate::domain::audit::Outcome;
use crate::domain::governance::{self, DataRequest, NewRequest};
use crate::domain::policy::Permission;
use crate::domain::quorum::{self, Ballot, Needed, RequestState, Vote, VoteRefused};
use crate::domain::sanitize::clean_text;
use crate::domain::staff::{Party, Role};
use crate::store::{self, Store, StoreError, audit as log};

fn object(id: u64) -> String {
    format!("request:{id}")
}

/// The request as of `now`: a submitted one past its expiry reads expired.
fn as_of(mut r: DataRequest, now: DateTime<Utc>) -> DataRequest {
    r.state = quorum::state_at(&ballot(&r), now);
    r
}

fn ballot(r: &DataRequest) -> Ballot {
    Ballot {
        requester: r.requester.clone(),
        barred: Vec::new(),
        state: r.state,
        expires: r.expires,
        votes: r.votes.clone(),
        needs: Needed::every_party(),
    }
}

/// Every request, newest first, optionally only those in `state`.
pub fn list(
    store: &mut Store,
    actor: &Actor,
    state: Option<RequestState>,
    now: DateTime<Utc>,
) -> Result<Vec<DataRequest>, ServiceError> {
    audit::authorize(store, actor, Permission::ViewRequests, "requests")?;
    list_unchecked(store, state, now)
}

/// The list, for a caller that has already checked the viewer may see it.
pub fn list_unchecked(
    store: &Store,
    state: Option<RequestState>,
    now: DateTime<Utc>,
) -> Result<Vec<DataRequest>, ServiceError> {
    Ok(store::governance::list_requests(store.conn())?
        .into_iter()
        .map(|r| as_of(r, now))
        .filter(|r| state.is_none_or(|s| r.state == s))
        .collect())
}

pub fn show(
    store: &mut Store,
    actor: &Actor,
    id: u64,
    now: DateTime<Utc>,
) -> Result<DataRequest, ServiceError> {
    audit::authorize(store, actor, Permission::ViewRequests, &object(id))?;
    show_unchecked(store, id, now)
}

pub fn show_unchecked(
    store: &Store,
    id: u64,
    now: DateTime<Utc>,
) -> Result<DataRequest, ServiceError> {
    let r = store::governance::get_request(store.conn(), id)?
        .ok_or_else(|| ServiceError::NotFound(format!("no data request {id}")))?;
    Ok(as_of(r, now))
}

/// The party `actor` sits for on the committee, if any.
pub fn party_of(actor: &Actor) -> Option<Party> {
    if actor.is_public() {
        return None;
    }
    actor.grants().iter().find(|g| g.role == Role::Committee).and_then(|g| g.party)
}

/// Submitted requests waiting for the vote of `actor`'s party that `actor` may cast: not their
/// own, not voted on by them, and their party has not voted yet.
pub fn waiting_for(requests: &[DataRequest], actor: &Actor) -> Vec<u64> {
    let Some(party) = party_of(actor) else { return Vec::new() };
    requests
        .iter()
        .filter(|r| {
            r.state == RequestState::Submitted
                && r.requester != actor.login
                && !r.votes.iter().any(|v| v.voter == actor.login || v.party == Some(party))
        })
        .map(|r| r.id)
        .collect()
}

/// Files a request by `actor`: submitted for votes at once, or kept as a draft.
pub fn file(
    store: &mut Store,
    actor: &Actor,
    request: &NewRequest,
    draft: bool,
    now: DateTime<Utc>,
) -> Result<DataRequest, ServiceError> {
    let role = audit::authorize(store, actor, Permission::FileRequest, "requests")?;
    let mut r = request.clone();
    r.title = clean_text(&r.title, 120);
    r.purpose = clean_text(&r.purpose, 2000);
    governance::validate(&r, now).map_err(ServiceError::Invalid)?;
    let state = if draft { RequestState::Draft } else { RequestState::Submitted };
    let id = store.write(|tx| {
        let now = log::not_before_last(tx, now)?;
        let id = store::governance::insert_request(tx, &actor.login, &r, state, now)?;
        let details = serde_json::json!({
            "state": state,
            "title": r.title,
            "scope": r.scope,
            "kinds": r.kinds,
            "epsilon": r.epsilon,
        })
        .to_string();
        let mut e =
            entry(actor, &role, Permission::FileRequest, &object(id), Outcome::Allowed, details);
        e.purpose = r.purpose.chars().take(200).collect();
        log::append(tx, e)?;
        Ok::<_, StoreError>(id)
    })?;
    show_unchecked(store, id, now)
}

/// Submits `actor`'s own draft for votes.
pub fn submit(
    store: &mut Store,
    actor: &Actor,
    id: u64,
    now: DateTime<Utc>,
) -> Result<DataRequest, ServiceError> {
    own_step(store, actor, id, now, RequestState::Submitted, "submit", &[RequestState::Draft])
}

/// Withdraws `actor`'s own request while it is a draft or waiting for votes.
pub fn withdraw(
    store: &mut Store,
    actor: &Actor,
    id: u64,
    now: DateTime<Utc>,
) -> Result<DataRequest, ServiceError> {
    own_step(
        store,
        actor,
        id,
        now,
        RequestState::Withdrawn,
        "withdraw",
        &[RequestState::Draft, RequestState::Submitted],
    )
}

fn own_step(
    store: &mut Store,
    actor: &Actor,
    id: u64,
    now: DateTime<Utc>,
    to: RequestState,
    verb: &str,
    from: &[RequestState],
) -> Result<DataRequest, ServiceError> {
    let role = audit::authorize(store, actor, Permission::FileRequest, &object(id))?;
    let outcome = store.write(|tx| {
        let now = log::not_before_last(tx, now)?;
        let Some(r) = store::governance::get_request(tx, id)? else {
            return Ok(Err(ServiceError::NotFound(format!("no data request {id}"))));
        };
        let r = as_of(r, now);
        let refusal = if r.requester != actor.login {
            Some(ServiceError::Denied(format!(
                "{} may not {verb} request {id}: only its requester, {}, may",
                actor.login, r.requester
            )))
        } else if !from.contains(&r.state) {
            Some(ServiceError::Conflict(format!(
                "request {id} is {}; only a {} request can be {}",
                r.state.as_str(),
                from.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or "),
                if verb == "submit" { "submitted" } else { "withdrawn" }
            )))
        } else {
            None
        };
        let (outcome, details) = match &refusal {
            Some(e) => {
                (Outcome::Denied, serde_json::json!({ "step": verb, "refused": e.to_string() }))
            }
            None => {
                (Outcome::Allowed, serde_json::json!({ "step": verb, "from": r.state, "to": to }))
            }
        };
        if refusal.is_none() {
            store::governance::set_state(tx, id, to, now)?;
        }
        log::append(
            tx,
            entry(actor, &role, Permission::FileRequest, &object(id), outcome, details.to_string()),
        )?;
        Ok::<_, StoreError>(refusal.map_or(Ok(()), Err))
    })?;
    outcome?;
    show_unchecked(store, id, now)
}

/// What a vote did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoteOutcome {
    pub request: DataRequest,
    /// Set when this vote decided the request.
    pub decided: Option<RequestState>,
}

/// `actor` votes on request `id` for their party. The quorum rules are applied to the votes
/// as stored inside the same immediate transaction, so of several votes at once each sees
/// those committed before it, and the request is decided exactly once. A refused vote is
/// audited as denied and changes nothing else (except marking an expired request expired).
pub fn vote(
    store: &mut Store,
    actor: &Actor,
    id: u64,
    approve: bool,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<VoteOutcome, ServiceError> {
    let role = audit::authorize(store, actor, Permission::VoteRequest, &object(id))?;
    let reason = clean_text(reason, 500);
    let sits_for = party_of(actor);
    let outcome = store.write(|tx| {
        let now = log::not_before_last(tx, now)?;
        let Some(r) = store::governance::get_request(tx, id)? else {
            return Ok(Err(ServiceError::NotFound(format!("no data request {id}"))));
        };
        let party = sits_for;
        let v =
            Vote { voter: actor.login.clone(), party, approve, reason: reason.clone(), at: now };
        let verb = if approve { "approve" } else { "deny" };
        match quorum::cast(&ballot(&r), &v, sits_for, now) {
            Ok(next) => {
                store::governance::add_vote(tx, id, &v)?;
                let decided = (next != RequestState::Submitted).then_some(next);
                if let Some(state) = decided {
                    store::governance::set_state(tx, id, state, now)?;
                }
                let details = serde_json::json!({
                    "vote": verb, "party": party, "reason": reason, "decided": decided,
                })
                .to_string();
                log::append(
                    tx,
                    entry(
                        actor,
                        &role,
                        Permission::VoteRequest,
                        &object(id),
                        Outcome::Allowed,
                        details,
                    ),
                )?;
                Ok(Ok(decided))
            }
            Err(refused) => {
                if let VoteRefused::Expired(_) = refused
                    && r.state == RequestState::Submitted
                {
                    store::governance::set_state(tx, id, RequestState::Expired, now)?;
                }
                let details =
                    serde_json::json!({ "vote": verb, "refused": refused.to_string() }).to_string();
                log::append(
                    tx,
                    entry(
                        actor,
                        &role,
                        Permission::VoteRequest,
                        &object(id),
                        Outcome::Denied,
                        details,
                    ),
                )?;
                let e = match refused {
                    VoteRefused::OwnRequest(_) | VoteRefused::NotOfParty { .. } => {
                        ServiceError::Denied(format!("request {id}: {refused}"))
                    }
                    VoteRefused::DenyWithoutReason => {
                        ServiceError::Invalid(format!("request {id}: {refused}"))
                    }
                    _ => ServiceError::Conflict(format!("request {id}: {refused}")),
                };
                Ok::<_, StoreError>(Err(e))
            }
        }
    })?;
    let decided = outcome?;
    Ok(VoteOutcome { request: show_unchecked(store, id, now)?, decided })
}

/// Ids of approved requests, for the privacy rules (exports and reads under `request:ID`).
pub fn approved_ids(store: &Store) -> Result<Vec<u64>, ServiceError> {
    Ok(store::governance::approved_ids(store.conn())?)
}
