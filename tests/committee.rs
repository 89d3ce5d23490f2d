//! Dual control over the approvers: a sysadmin never sits on the committee, a seat granted or
//! revoked by anyone waits for its party's approval, every change raises an alert only the
//! committee resolves, and the sock-puppet approval — a sysadmin seating new logins to approve
//! their own data request — is impossible. Through the services on a real database file, and
//! through the binary on a demo database.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use carrel::domain::alerts::{AlertAction, AlertState};
use carrel::domain::committee::SeatChangeKind;
use carrel::domain::governance::{DataKind, LegalBasis, NewRequest, Scope};
use carrel::domain::quorum::{Needed, RequestState};
use carrel::domain::rules::Rule;
use carrel::domain::staff::{Party, Role};
use carrel::services::identity::Actor;
use carrel::services::{ServiceError, alerts, committee, identity, requests, staff};
use carrel::store::Store;
use chrono::{Duration, Utc};

fn who(store: &Store, login: &str) -> Actor {
    identity::actor(store, login).unwrap()
}

fn sits_for(store: &Store, login: &str) -> Option<Party> {
    who(store, login).staff.and_then(|s| s.party())
}

fn propose(store: &mut Store, by: &str, login: &str, party: Party) -> u64 {
    let sam = who(store, by);
    committee::propose(store, &sam, login, SeatChangeKind::Grant, Some(party), 14, Utc::now())
        .unwrap()
        .change
        .id
}

fn vote(
    store: &mut Store,
    login: &str,
    id: u64,
    approve: bool,
) -> Result<committee::SeatVoteOutcome, ServiceError> {
    let voter = who(store, login);
    committee::vote(store, &voter, id, approve, if approve { "" } else { "no" }, Utc::now())
}

/// A new database with its sysadmin and a desk member, and an empty committee.
fn library(dir: &Path) -> Store {
    let mut store = common::backend::create_store(&dir.join("c.db"), false, "root");
    staff::bootstrap(&mut store, "sam", "Sam", Role::Sysadmin, None).unwrap();
    let sam = who(&store, "sam");
    for login in ["uma", "leo", "sue", "dana", "x1", "x2", "x3"] {
        staff::add(&mut store, &sam, login, login).unwrap();
    }
    staff::grant(&mut store, &sam, "dana", Role::Desk, None).unwrap();
    store
}

/// The founding committee: each of uma, leo and sue accepts or is approved in turn.
fn seat_founders(store: &mut Store) {
    let id = propose(store, "sam", "uma", Party::UserCommittee);
    let c = committee::show(store, id, Utc::now()).unwrap();
    assert_eq!(c.waiting_for, vec![Needed::Person("uma".into())], "nobody sits: uma accepts");
    assert!(matches!(vote(store, "sam", id, true), Err(ServiceError::Denied(_))));
    assert_eq!(vote(store, "uma", id, true).unwrap().decided, Some(RequestState::Approved));
    assert_eq!(sits_for(store, "uma"), Some(Party::UserCommittee));

    let id = propose(store, "sam", "leo", Party::Library);
    let c = committee::show(store, id, Utc::now()).unwrap();
    assert_eq!(c.waiting_for, vec![Needed::Party(Party::UserCommittee)]);
    let e = vote(store, "leo", id, true).unwrap_err();
    assert!(matches!(e, ServiceError::Denied(_)), "leo cannot approve his own seat: {e}");
    assert_eq!(vote(store, "uma", id, true).unwrap().decided, Some(RequestState::Approved));

    let id = propose(store, "sam", "sue", Party::Supplier);
    assert_eq!(vote(store, "uma", id, true).unwrap().decided, None, "the library must agree too");
    assert_eq!(vote(store, "leo", id, true).unwrap().decided, Some(RequestState::Approved));
    assert_eq!(sits_for(store, "sue"), Some(Party::Supplier));
}

#[test]
fn the_founding_committee_is_seated_by_its_own_members() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = library(dir.path());
    seat_founders(&mut store);
    let v = carrel::store::audit::verify(store.conn(), &[], &[]).unwrap();
    assert!(v.ok, "the directory is what the log built: {v:?}");
}

fn row_level_request() -> NewRequest {
    NewRequest {
        title: "Everything about everyone".into(),
        purpose: "Marketing".into(),
        kinds: vec![DataKind::Patrons, DataKind::Searches],
        fields: vec!["name".into(), "email".into(), "card".into(), "query".into()],
        scope: Scope::RowLevel,
        retention_days: 3650,
        legal_basis: LegalBasis::LegitimateInterests,
        expires: Utc::now() + Duration::days(7),
        epsilon: None,
    }
}

#[test]
fn a_sysadmin_cannot_seat_sock_puppets_to_approve_his_own_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = library(dir.path());
    seat_founders(&mut store);
    let sam = who(&store, "sam");

    // sam may not sit himself.
    let e = committee::propose(
        &mut store,
        &sam,
        "sam",
        SeatChangeKind::Grant,
        Some(Party::Library),
        14,
        Utc::now(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("separation of duties"), "{e}");

    // Three new logins, one per party: each waits for a real member of its party.
    let ids: Vec<u64> =
        [("x1", Party::UserCommittee), ("x2", Party::Library), ("x3", Party::Supplier)]
            .into_iter()
            .map(|(login, party)| propose(&mut store, "sam", login, party))
            .collect();
    for (id, login) in ids.iter().zip(["x1", "x2", "x3"]) {
        assert_eq!(sits_for(&store, login), None, "{login} does not sit yet");
        assert!(matches!(vote(&mut store, login, *id, true), Err(ServiceError::Denied(_))));
        assert!(matches!(vote(&mut store, "sam", *id, true), Err(ServiceError::Denied(_))));
    }

    // The request the puppets were for: none of them can vote on it.
    let filed = requests::file(&mut store, &sam, &row_level_request(), false, Utc::now()).unwrap();
    for login in ["x1", "x2", "x3"] {
        let puppet = who(&store, login);
        let e = requests::vote(&mut store, &puppet, filed.id, true, "", Utc::now()).unwrap_err();
        assert!(matches!(e, ServiceError::Denied(_)), "{login}: {e}");
    }
    assert_eq!(
        requests::show_unchecked(&store, filed.id, Utc::now()).unwrap().state,
        RequestState::Submitted
    );

    // The library denies x2: nothing changes, and the change is over.
    assert_eq!(vote(&mut store, "leo", ids[1], false).unwrap().decided, Some(RequestState::Denied));
    assert_eq!(sits_for(&store, "x2"), None);
    let v = carrel::store::audit::verify(store.conn(), &[], &[]).unwrap();
    assert!(v.ok, "{v:?}");
}

#[test]
fn every_change_raises_an_alert_that_only_the_committee_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = library(dir.path());
    seat_founders(&mut store);
    let id = propose(&mut store, "sam", "x2", Party::Library);
    let out = vote(&mut store, "leo", id, true).unwrap();
    assert_eq!(sits_for(&store, "x2"), Some(Party::Library));
    let alert_id = out.alert.unwrap();
    let a = alerts::detail_unchecked(&store, alert_id).unwrap().alert;
    assert_eq!((a.rule, a.state), (Rule::CommitteeChange, AlertState::Escalated));
    assert!(a.summary.contains("x2 now sits for the library"), "{}", a.summary);

    let sam = who(&store, "sam");
    let e = alerts::act(&mut store, &sam, alert_id, AlertAction::Resolve, "fine", Utc::now())
        .unwrap_err();
    assert!(matches!(e, ServiceError::Denied(_)), "{e}");
    let sue = who(&store, "sue");
    alerts::act(
        &mut store,
        &sue,
        alert_id,
        AlertAction::Resolve,
        "agreed at the meeting",
        Utc::now(),
    )
    .unwrap();

    // The end of a seat is a change too: x2 leaves when another library member approves.
    let sam = who(&store, "sam");
    let id =
        committee::propose(&mut store, &sam, "x2", SeatChangeKind::Revoke, None, 14, Utc::now())
            .unwrap()
            .change
            .id;
    assert!(matches!(vote(&mut store, "x2", id, true), Err(ServiceError::Denied(_))));
    let out = vote(&mut store, "leo", id, true).unwrap();
    assert_eq!(out.decided, Some(RequestState::Approved));
    assert_eq!(sits_for(&store, "x2"), None);
    assert!(out.alert.is_some());
    let v = carrel::store::audit::verify(store.conn(), &[], &[]).unwrap();
    assert!(v.ok, "{v:?}");
}

fn carrel(dir: &Path, db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carrel"))
        .args(["--db", db.to_str().unwrap()])
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("cfg"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout)
}

#[test]
fn through_the_binary_a_committee_grant_waits_for_the_party() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let o = carrel(dir.path(), &db, &["init", "--demo"]);
    assert!(o.status.success(), "{}", text(&o));

    let o = carrel(
        dir.path(),
        &db,
        &["--as", "sam", "staff", "grant", "sam", "committee", "--party", "library"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("separation of duties"), "{}", text(&o));

    assert!(
        carrel(dir.path(), &db, &["--as", "sam", "staff", "add", "x2", "--name", "X"])
            .status
            .success()
    );
    let o = carrel(
        dir.path(),
        &db,
        &["--as", "sam", "staff", "grant", "x2", "committee", "--party", "library"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("when a member of the library approves it"), "{}", text(&o));
    let o = carrel(dir.path(), &db, &["--as", "sam", "staff", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let x2 = list.as_array().unwrap().iter().find(|m| m["login"] == "x2").unwrap();
    assert_eq!(x2["grants"], serde_json::json!([]), "not seated yet");

    let o = carrel(dir.path(), &db, &["--as", "leo", "staff", "changes", "--json"]);
    let changes: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let id = changes[0]["id"].as_u64().unwrap().to_string();
    let o = carrel(dir.path(), &db, &["--as", "leo", "staff", "approve", &id]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("approved and in effect"), "{}", text(&o));
    let o = carrel(dir.path(), &db, &["--as", "uma", "alerts", "--json"]);
    let alerts: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["rule"] == "committee-change" && a["state"] == "escalated"),
        "{alerts}"
    );
    let o = carrel(dir.path(), &db, &["--as", "ada", "audit", "verify"]);
    assert!(o.status.success(), "{}", text(&o));
}

/// Every test above, again with its databases on PostgreSQL.
#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
