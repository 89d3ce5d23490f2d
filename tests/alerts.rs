//! Privacy-risk alerts through the services on a real database: the rules over the log fold
//! into one alert per problem, grow, stay resolved, and come back only with what is new; a
//! tampered log raises the verification alert naming the entry; the lifecycle is role-checked
//! and every step is in the audit log.
#![allow(clippy::unwrap_used)]

mod common;

use carrel::domain::alerts::{AlertAction, AlertState};
use carrel::domain::audit::{NewEntry, Outcome};
use carrel::domain::rules::{BulkParams, ConsentMode, Rule};
use carrel::domain::staff::{Party, Role};
use carrel::services::ServiceError;
use carrel::services::alerts::{self, RulesSettings};
use carrel::services::identity;
use carrel::store::{Store, audit};
use chrono::{DateTime, NaiveTime, TimeZone, Utc};

fn settings() -> RulesSettings {
    RulesSettings {
        tz: chrono_tz::UTC,
        working_hours: (
            NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
        ),
        approved_purposes: vec!["circulation".into()],
        bulk: BulkParams { baseline_days: 28, factor: 5.0, min_reads: 50 },
        consent_mode: ConsentMode::Enforced,
        comfort_limits: Default::default(),
        comfort_response_s: 120,
        retention: carrel::config::RetentionSection::default().policy().unwrap(),
        witnesses: Vec::new(),
        witness_silent_after_s: 3600,
    }
}

fn at(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, h, m, 0).unwrap()
}

fn read(store: &mut Store, who: &str, when: DateTime<Utc>) -> u64 {
    store
        .write(|tx| {
            audit::append(
                tx,
                NewEntry {
                    at: when,
                    actor: who.into(),
                    role: "desk".into(),
                    action: "patron.read".into(),
                    object: format!("patron:{}", "c0ffee".repeat(10) + "0000"),
                    purpose: "circulation".into(),
                    outcome: Outcome::Allowed,
                    details: String::new(),
                    impersonator: None,
                },
            )
        })
        .unwrap()
        .seq
}

fn library() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = common::backend::create_store(&dir.path().join("c.db"), false, "test");
    carrel::services::staff::bootstrap(&mut store, "sam", "Sam", Role::Sysadmin, None).unwrap();
    let sam = identity::actor(&store, "sam").unwrap();
    for (login, role, party) in [
        ("dana", Role::Desk, None),
        ("ada", Role::Auditor, None),
        ("uma", Role::Committee, Some(Party::UserCommittee)),
    ] {
        if role == Role::Committee {
            carrel::services::staff::bootstrap(&mut store, login, login, role, party).unwrap();
            continue;
        }
        carrel::services::staff::add(&mut store, &sam, login, login).unwrap();
        carrel::services::staff::grant(&mut store, &sam, login, role, party).unwrap();
    }
    (dir, store)
}

#[test]
fn one_problem_is_one_alert_that_grows_stays_resolved_and_returns_only_with_what_is_new() {
    let (_dir, mut store) = library();
    let now = at(20, 12, 0);
    for h in 9..12 {
        read(&mut store, "dana", at(19, h, 0));
    }
    assert_eq!(
        alerts::check(&mut store, &settings(), now).unwrap().raised,
        Vec::<u64>::new(),
        "a clean day raises nothing"
    );

    let first = read(&mut store, "dana", at(19, 23, 40));
    let report = alerts::check(&mut store, &settings(), now).unwrap();
    assert_eq!(report.raised.len(), 1);
    let list = alerts::list_unchecked(&store, None).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].rule, list[0].key.as_str(), list[0].count),
        (Rule::OffHoursAccess, "actor:dana", 1)
    );
    assert_eq!(list[0].evidence, vec![first]);

    let again = alerts::check(&mut store, &settings(), now).unwrap();
    assert!(
        again.raised.is_empty() && again.updated.is_empty(),
        "the same finding folds into the alert"
    );

    let second = read(&mut store, "dana", at(20, 5, 10));
    let grown = alerts::check(&mut store, &settings(), now).unwrap();
    assert_eq!((grown.raised.len(), grown.updated.len()), (0, 1));
    let a = &alerts::list_unchecked(&store, None).unwrap()[0];
    assert_eq!((a.count, a.evidence.clone()), (2, vec![first, second]));

    let ada = identity::actor(&store, "ada").unwrap();
    let err = alerts::act(&mut store, &ada, a.id, AlertAction::Resolve, " ", now).unwrap_err();
    assert!(err.to_string().contains("needs a note"), "{err}");
    alerts::act(
        &mut store,
        &ada,
        a.id,
        AlertAction::Resolve,
        "rota changed; dana covered the late desk",
        now,
    )
    .unwrap();
    let after = alerts::check(&mut store, &settings(), now).unwrap();
    assert!(after.raised.is_empty() && after.updated.is_empty(), "a resolved alert stays resolved");

    let third = read(&mut store, "dana", at(20, 6, 0));
    let back = alerts::check(&mut store, &settings(), now).unwrap();
    assert_eq!(back.raised.len(), 1);
    let new = alerts::detail_unchecked(&store, back.raised[0]).unwrap();
    assert_eq!((new.alert.count, new.alert.evidence.clone()), (1, vec![third]), "only what is new");
    assert_eq!(new.evidence.len(), 1);
    assert_eq!(new.evidence[0].entry.actor, "dana");
}

#[test]
fn a_tampered_log_raises_the_verification_alert_naming_the_entry() {
    let (dir, mut store) = library();
    for h in 9..15 {
        read(&mut store, "dana", at(19, h, 0));
    }
    let victim = read(&mut store, "dana", at(19, 15, 0));
    read(&mut store, "dana", at(19, 16, 0));
    drop(store);
    common::backend::as_owner(
        &dir.path().join("c.db"),
        &format!("UPDATE audit_log SET actor = 'someone-else' WHERE seq = {victim}"),
    );
    let mut store = common::backend::open_store(&dir.path().join("c.db"));
    let report = alerts::check(&mut store, &settings(), at(20, 12, 0)).unwrap();
    assert_eq!(report.raised.len(), 1);
    let a = &alerts::list_unchecked(&store, None).unwrap()[0];
    assert_eq!(a.rule, Rule::AuditVerifyFailed);
    assert_eq!(a.evidence, vec![victim]);
    assert!(a.summary.contains(&victim.to_string()), "{}", a.summary);
}

#[test]
fn the_lifecycle_is_role_checked_and_audited() {
    let (_dir, mut store) = library();
    read(&mut store, "dana", at(19, 2, 0));
    let id = alerts::check(&mut store, &settings(), at(20, 12, 0)).unwrap().raised[0];
    let dana = identity::actor(&store, "dana").unwrap();
    let ada = identity::actor(&store, "ada").unwrap();
    let uma = identity::actor(&store, "uma").unwrap();
    let now = at(20, 12, 5);

    assert!(matches!(alerts::list(&mut store, &dana, None), Err(ServiceError::Denied(_))));
    assert!(matches!(
        alerts::act(&mut store, &dana, id, AlertAction::Acknowledge, "", now),
        Err(ServiceError::Denied(_))
    ));
    let a = alerts::act(&mut store, &ada, id, AlertAction::Acknowledge, "looking", now).unwrap();
    assert_eq!(a.state, AlertState::Acknowledged);
    let again = alerts::act(&mut store, &ada, id, AlertAction::Acknowledge, "", now).unwrap_err();
    assert!(again.to_string().contains("already acknowledged"), "{again}");
    alerts::act(&mut store, &ada, id, AlertAction::Escalate, "needs the committee", now).unwrap();
    let theirs = alerts::act(&mut store, &ada, id, AlertAction::Resolve, "done", now).unwrap_err();
    assert!(matches!(theirs, ServiceError::Denied(_)), "{theirs}");
    let done =
        alerts::act(&mut store, &uma, id, AlertAction::Resolve, "talked to dana", now).unwrap();
    assert_eq!(done.state, AlertState::Resolved);

    let d = alerts::detail_unchecked(&store, id).unwrap();
    let steps: Vec<&str> = d.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(steps, ["raised", "acknowledge", "escalate", "resolve"]);
    let log =
        audit::entries(store.conn(), &audit::EntryFilter { limit: 100, ..Default::default() })
            .unwrap();
    let handled: Vec<(&str, Outcome)> = log
        .iter()
        .filter(|e| e.entry.object == format!("alert:{id}"))
        .map(|e| (e.entry.actor.as_str(), e.entry.outcome))
        .collect();
    assert_eq!(
        handled,
        [
            ("dana", Outcome::Denied),
            ("ada", Outcome::Allowed),
            ("ada", Outcome::Allowed),
            ("ada", Outcome::Denied),
            ("uma", Outcome::Allowed)
        ]
    );
    assert!(
        log.iter().any(|e| e.entry.action == "alerts.raise" && e.entry.actor == alerts::ENGINE)
    );
}

/// Every test above, again with its databases on PostgreSQL.
#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
