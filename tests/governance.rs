//! Governance through the services on a real database: nine committee members in nine
//! processes voting at once on 100 requests (each decided exactly once, consistently with its
//! votes, and the log verifies); the ε ledger refusing an overspend and recording nothing for
//! it; who may run a transparency report; the review queue's daily sample and verdicts; and an
//! export under an approved request no longer alerting.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use carrel::domain::audit::{NewEntry, Outcome};
use carrel::domain::dlaplace::Epsilon;
use carrel::domain::governance::{
    DataKind, LegalBasis, MilliEps, NewRequest, ReportPeriod, Scope, Verdict,
};
use carrel::domain::quorum::RequestState;
use carrel::domain::rules::Rule;
use carrel::domain::staff::{Party, Role};
use carrel::services::identity::{self, Actor};
use carrel::services::review::{self, ReviewSettings};
use carrel::services::transparency::{self, ReportSettings};
use carrel::services::{ServiceError, requests};
use carrel::store::{Store, audit};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::SeedableRng;

const REQUESTS: u64 = 100;

/// Three members per party.
fn members() -> Vec<(String, Party)> {
    Party::ALL
        .into_iter()
        .flat_map(|p| (1..=3).map(move |i| (format!("{}{i}", p.as_str()), p)))
        .collect()
}

/// A demo database (so `--as` works for the binary) with a requester, an auditor, a sysadmin
/// and three committee members per party.
fn library(dir: &std::path::Path) -> (std::path::PathBuf, Store) {
    let db = dir.join("c.db");
    let mut store = common::backend::create_store(&db, true, "test");
    carrel::services::staff::bootstrap(&mut store, "sam", "Sam", Role::Sysadmin, None).unwrap();
    let sam = identity::actor(&store, "sam").unwrap();
    let mut people: Vec<(String, Role, Option<Party>)> = vec![
        ("dana".into(), Role::Desk, None),
        ("ada".into(), Role::Auditor, None),
        ("rita".into(), Role::Auditor, None),
    ];
    people.extend(members().into_iter().map(|(l, p)| (l, Role::Committee, Some(p))));
    for (login, role, party) in people {
        if role == Role::Committee {
            // The founding committee, seated as a new database's first members are.
            carrel::services::staff::bootstrap(&mut store, &login, &login, role, party).unwrap();
            continue;
        }
        carrel::services::staff::add(&mut store, &sam, &login, &login).unwrap();
        carrel::services::staff::grant(&mut store, &sam, &login, role, party).unwrap();
    }
    (db, store)
}

fn aggregate(eps: u64) -> NewRequest {
    NewRequest {
        title: "Loans and visits by subject and zone".into(),
        purpose: "Collection and space planning".into(),
        kinds: vec![DataKind::Loans, DataKind::Visits],
        fields: vec!["subject".into(), "zone".into()],
        scope: Scope::Aggregate,
        retention_days: 90,
        legal_basis: LegalBasis::PublicTask,
        expires: Utc::now() + Duration::days(7),
        epsilon: Some(MilliEps(eps)),
    }
}

fn who(store: &Store, login: &str) -> Actor {
    identity::actor(store, login).unwrap()
}

/// Supplier member 2 denies every fourth request; everyone else approves. Whether such a
/// request ends approved or denied depends on which votes land first, so the test checks the
/// outcome against the votes as stored, not against a fixed answer.
fn denies(login: &str, id: u64) -> bool {
    login == "supplier2" && id.is_multiple_of(4)
}

#[test]
fn three_processes_per_party_decide_each_request_exactly_once() {
    if let Ok(db) = std::env::var("CARREL_VOTER_DB") {
        let login = std::env::var("CARREL_VOTER").unwrap();
        let mut store = common::backend::open_store(std::path::Path::new(&db));
        let me = who(&store, &login);
        // Each voter goes through the requests in its own order.
        let mut ids: Vec<u64> = (1..=REQUESTS).collect();
        let salt: u64 = login.bytes().map(u64::from).sum();
        ids.sort_by_key(|id| (id * 7919 + salt * 104_729) % 1_000_003);
        for id in ids {
            let deny = denies(&login, id);
            let reason = if deny { "not the minimum necessary" } else { "" };
            match requests::vote(&mut store, &me, id, !deny, reason, Utc::now()) {
                Ok(_) | Err(ServiceError::Conflict(_)) => {}
                Err(e) => {
                    eprintln!("{login}: vote on {id} failed: {e}");
                    std::process::exit(3);
                }
            }
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (db, mut store) = library(dir.path());
    let dana = who(&store, "dana");
    for _ in 0..REQUESTS {
        requests::file(&mut store, &dana, &aggregate(500), false, Utc::now()).unwrap();
    }
    drop(store);
    let exe = std::env::current_exe().unwrap();
    // Start all nine before waiting for any, so they really vote at the same time.
    let running: Vec<_> = members()
        .into_iter()
        .map(|(login, _)| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "three_processes_per_party_decide_each_request_exactly_once",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("CARREL_VOTER_DB", &db)
                .env("CARREL_VOTER", &login)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in running {
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "a voter failed: {err}");
        assert!(!err.contains("locked"), "a voter saw a lock error: {err}");
    }

    let store = common::backend::open_store(&db);
    let all = requests::list_unchecked(&store, None, Utc::now()).unwrap();
    assert_eq!(all.len() as u64, REQUESTS);
    // The vote entries of the log, per request, in log order.
    let entries = audit::entries(
        store.conn(),
        &audit::EntryFilter {
            action: Some("request.vote".into()),
            limit: 100_000,
            ..Default::default()
        },
    )
    .unwrap();
    let mut by_request: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    let mut allowed_votes: BTreeMap<String, usize> = BTreeMap::new();
    let mut ordered = entries;
    ordered.sort_by_key(|e| e.seq);
    for e in &ordered {
        let d: serde_json::Value = serde_json::from_str(&e.entry.details).unwrap();
        if e.entry.outcome == Outcome::Allowed {
            *allowed_votes.entry(e.entry.object.clone()).or_default() += 1;
            by_request.entry(e.entry.object.clone()).or_default().push(d);
        }
    }
    let (mut approved, mut denied) = (0, 0);
    for r in &all {
        let object = format!("request:{}", r.id);
        let votes = &r.votes;
        let logged = &by_request[&object];
        assert_eq!(logged.len(), votes.len(), "request {}: every stored vote is logged once", r.id);
        assert_eq!(allowed_votes[&object], votes.len());
        // Decided exactly once, by the last accepted vote.
        let decisions: Vec<&serde_json::Value> =
            logged.iter().filter(|d| !d["decided"].is_null()).collect();
        assert_eq!(decisions.len(), 1, "request {} decided {} times", r.id, decisions.len());
        assert!(
            !logged.last().unwrap()["decided"].is_null(),
            "request {}: votes after the decision",
            r.id
        );
        assert_eq!(decisions[0]["decided"], serde_json::json!(r.state), "request {}", r.id);
        let denies: Vec<_> = votes.iter().filter(|v| !v.approve).collect();
        match r.state {
            RequestState::Approved => {
                approved += 1;
                assert!(denies.is_empty(), "request {}: approved with a deny", r.id);
                for p in Party::ALL {
                    assert!(votes.iter().any(|v| v.party == Some(p)), "request {}: no {p:?}", r.id);
                }
            }
            RequestState::Denied => {
                denied += 1;
                assert_eq!(denies.len(), 1, "request {}: one deny decides", r.id);
                assert!(denies[0].voter == "supplier2" && r.id.is_multiple_of(4));
                assert!(
                    !Party::ALL
                        .iter()
                        .all(|p| votes.iter().any(|v| v.party == Some(*p) && v.approve)),
                    "request {}: denied although every party had approved first",
                    r.id
                );
            }
            other => panic!("request {} ended {other:?}", r.id),
        }
        let decided = r.decided.unwrap();
        for v in votes {
            assert!(
                v.at <= decided,
                "request {}: decided at {decided}, before {}'s vote at {}",
                r.id,
                v.voter,
                v.at
            );
        }
    }
    eprintln!("approved {approved}, denied {denied}");
    assert_eq!(approved + denied, REQUESTS);
    assert!(approved >= REQUESTS * 3 / 4, "only requests with a deny may end denied");

    std::fs::write(dir.path().join("none.toml"), "").unwrap();
    let verify = Command::new(env!("CARGO_BIN_EXE_carrel"))
        .args(common::backend::db_args_as(&db, "ada"))
        .args(["audit", "verify"])
        .env("CARREL_CONFIG", dir.path().join("none.toml"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "audit verify: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

fn report_settings() -> ReportSettings {
    ReportSettings { tz: chrono_tz::UTC, budget: MilliEps(1000) }
}

fn report(
    store: &mut Store,
    actor: &Actor,
    period: &str,
    eps: &str,
    request: Option<u64>,
) -> Result<transparency::Report, ServiceError> {
    transparency::transparency(
        store,
        actor,
        report_settings(),
        &ReportPeriod::parse(period).unwrap(),
        Epsilon::parse(eps).unwrap(),
        request,
        Utc::now(),
        &mut rand_chacha::ChaCha20Rng::seed_from_u64(7),
    )
}

fn ledger_rows(store: &Store) -> i64 {
    store.conn().query_row("SELECT COUNT(*) FROM epsilon_ledger", (), |r| r.get(0)).unwrap()
}

#[test]
fn the_ledger_refuses_an_overspend_and_records_nothing_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, mut store) = library(dir.path());
    let uma = who(&store, "user_committee1");
    let first = report(&mut store, &uma, "2026-Q3", "0.6", None).unwrap();
    assert_eq!(first.noise.epsilon, MilliEps(600));
    assert!((first.noise.scale - 1.0 / 0.6).abs() < 1e-12);
    assert_eq!(first.tables.len(), 3);
    assert_eq!(ledger_rows(&store), 9, "three datasets × three months");

    // 0.6 + 0.5 passes the budget of 1 in September; nothing at all is recorded.
    let before_log = audit::frontier(store.conn()).unwrap().size();
    let e = report(&mut store, &uma, "2026-09", "0.5", None).unwrap_err();
    assert!(
        matches!(&e, ServiceError::Conflict(m) if m.contains("overspend") && m.contains("2026-09")),
        "{e}"
    );
    assert_eq!(ledger_rows(&store), 9);
    let after =
        audit::entries(store.conn(), &audit::EntryFilter { limit: 10, ..Default::default() })
            .unwrap();
    let newest = after.iter().max_by_key(|e| e.seq).unwrap();
    assert_eq!(audit::frontier(store.conn()).unwrap().size(), before_log + 1, "only the refusal");
    assert_eq!(
        (newest.entry.action.as_str(), newest.entry.outcome),
        ("report.transparency", Outcome::Denied)
    );

    // Exactly up to the budget is allowed; October is untouched by the quarter.
    report(&mut store, &uma, "2026-09", "0.4", None).unwrap();
    report(&mut store, &uma, "2026-10", "1", None).unwrap();
    assert!(report(&mut store, &uma, "2026", "0.001", None).is_err());
}

#[test]
fn only_the_committee_or_an_approved_aggregate_request_runs_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, mut store) = library(dir.path());
    let dana = who(&store, "dana");
    assert!(matches!(
        report(&mut store, &dana, "2026-10", "0.1", None),
        Err(ServiceError::Denied(_))
    ));

    let id = requests::file(&mut store, &dana, &aggregate(300), false, Utc::now()).unwrap().id;
    assert!(
        matches!(report(&mut store, &dana, "2026-10", "0.1", Some(id)), Err(ServiceError::Denied(m)) if m.contains("submitted")),
        "not before it is approved"
    );
    for p in Party::ALL {
        let m = who(&store, &format!("{}1", p.as_str()));
        requests::vote(&mut store, &m, id, true, "", Utc::now()).unwrap();
    }
    let ada = who(&store, "ada");
    assert!(
        matches!(
            report(&mut store, &ada, "2026-10", "0.1", Some(id)),
            Err(ServiceError::Denied(_))
        ),
        "only its requester"
    );
    let r = report(&mut store, &dana, "2026-10", "0.2", Some(id)).unwrap();
    let datasets: Vec<DataKind> = r.tables.iter().map(|t| t.dataset).collect();
    assert_eq!(datasets, [DataKind::Loans, DataKind::Visits], "the request's datasets only");
    report(&mut store, &dana, "2026-11", "0.1", Some(id)).unwrap();
    let e = report(&mut store, &dana, "2026-12", "0.1", Some(id)).unwrap_err();
    assert!(e.to_string().contains("granted ε 0.3"), "{e}");
}

fn patron_read(store: &mut Store, actor: &str, at: DateTime<Utc>) -> u64 {
    store
        .write(|tx| {
            audit::append(
                tx,
                NewEntry {
                    at,
                    actor: actor.into(),
                    role: "desk".into(),
                    action: "patron.read".into(),
                    object: format!("patron:{}", "ab".repeat(32)),
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

#[test]
fn each_day_is_sampled_once_and_an_unjustified_verdict_raises_an_alert() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, mut store) = library(dir.path());
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap();
    let yesterday = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
    for i in 0..30 {
        patron_read(&mut store, "dana", yesterday + Duration::minutes(i));
    }
    patron_read(&mut store, "dana", now - Duration::minutes(5)); // today: not yet sampled
    let settings = ReviewSettings { tz: chrono_tz::UTC, per_day: 10, lookback_days: 3 };
    let filled = review::fill(&mut store, settings, now).unwrap();
    assert_eq!(filled.days, ["2026-11-18", "2026-11-19", "2026-11-20"]);
    assert_eq!(filled.sampled, 10);
    assert_eq!(
        review::fill(&mut store, settings, now).unwrap(),
        Default::default(),
        "once per day"
    );

    let uma = who(&store, "user_committee1");
    let q = review::queue_unchecked(&store, "user_committee1", 10).unwrap();
    assert_eq!(q.open, 10);
    assert!(!q.mine.is_empty(), "assigned in turn to the eleven reviewers");
    let item = q.mine[0].item.clone();
    assert_eq!(q.mine[0].entry.as_ref().unwrap().entry.actor, "dana");

    let e = review::mark(&mut store, &uma, item.id, Verdict::Unjustified, "", now).unwrap_err();
    assert!(matches!(e, ServiceError::Invalid(_)), "a note is needed");
    let marked =
        review::mark(&mut store, &uma, item.id, Verdict::Unjustified, "no loan at that time", now)
            .unwrap();
    let alert_id = marked.item.raised.expect("an alert");
    let alert = carrel::services::alerts::detail_unchecked(&store, alert_id).unwrap();
    assert_eq!(alert.alert.rule, Rule::UnjustifiedAccess);
    assert_eq!(alert.alert.evidence, vec![item.seq]);
    assert!(matches!(
        review::mark(&mut store, &uma, item.id, Verdict::Justified, "", now),
        Err(ServiceError::Conflict(_))
    ));

    // Alert evidence joins the queue, once; the desk cannot review.
    let before = review::queue_unchecked(&store, "x", 0).unwrap().open;
    let again = review::fill(&mut store, settings, now).unwrap();
    assert_eq!(again.evidence, 0, "the unjustified alert's own evidence is already reviewed");
    assert_eq!(review::queue_unchecked(&store, "x", 0).unwrap().open, before);
    let dana = who(&store, "dana");
    assert!(matches!(review::queue(&mut store, &dana), Err(ServiceError::Denied(_))));
}

#[test]
fn a_reviewer_never_judges_their_own_access() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, mut store) = library(dir.path());
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap();
    let seq = patron_read(&mut store, "ada", now - Duration::hours(20));
    let settings = ReviewSettings { tz: chrono_tz::UTC, per_day: 5, lookback_days: 1 };
    review::fill(&mut store, settings, now).unwrap();
    let q = review::queue_unchecked(&store, "ada", 0).unwrap();
    assert!(q.mine.is_empty(), "not assigned to the person who made the access");
    let id: u64 = store
        .conn()
        .query_row("SELECT id FROM review_items WHERE seq = ?1", [seq as i64], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as u64;
    let ada = who(&store, "ada");
    assert!(matches!(
        review::mark(&mut store, &ada, id, Verdict::Justified, "", now),
        Err(ServiceError::Denied(_))
    ));
}

fn carrel(
    dir: &std::path::Path,
    db: &std::path::Path,
    who: &str,
    args: &[&str],
) -> std::process::Output {
    let config = dir.join("none.toml");
    std::fs::write(&config, "").unwrap();
    Command::new(env!("CARGO_BIN_EXE_carrel"))
        .args(common::backend::db_args_as(db, who))
        .args(args)
        .env("CARREL_CONFIG", config)
        .output()
        .unwrap()
}

#[test]
fn headless_requests_file_vote_and_refuse_bad_input_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let (db, store) = library(dir.path());
    drop(store);
    let file = [
        "requests",
        "file",
        "--title",
        "Visits per zone",
        "--purpose",
        "Opening hours review",
        "--kinds",
        "visits",
        "--fields",
        "zone,at",
        "--scope",
        "aggregate",
        "--epsilon",
        "0.25",
        "--retention-days",
        "30",
        "--legal-basis",
        "public-task",
        "--json",
    ];
    let out = carrel(dir.path(), &db, "dana", &file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let filed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(filed["state"], "submitted");
    let id = filed["id"].as_u64().unwrap().to_string();

    let bad: [(&str, &[&str], &str); 4] = [
        (
            "dana",
            &[
                "requests",
                "file",
                "--title",
                "x",
                "--purpose",
                "y",
                "--kinds",
                "loans",
                "--fields",
                "a",
                "--scope",
                "row_level",
                "--epsilon",
                "1",
                "--retention-days",
                "5",
                "--legal-basis",
                "consent",
            ],
            "epsilon",
        ),
        (
            "dana",
            &[
                "requests",
                "file",
                "--title",
                "x",
                "--purpose",
                "y",
                "--kinds",
                "books",
                "--fields",
                "a",
                "--scope",
                "aggregate",
                "--retention-days",
                "5",
                "--legal-basis",
                "consent",
            ],
            "books",
        ),
        ("user_committee1", &["requests", "deny", &id], "--reason"),
        (
            "user_committee1",
            &["report", "transparency", "--period", "2026-Q5", "--epsilon", "1"],
            "2026-Q5",
        ),
    ];
    for (who, args, named) in bad {
        let out = carrel(dir.path(), &db, who, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?}: {err}");
    }

    let out = carrel(dir.path(), &db, "dana", &["requests", "approve", &id]);
    assert_eq!(out.status.code(), Some(1), "the desk does not vote");
    for p in Party::ALL {
        let out =
            carrel(dir.path(), &db, &format!("{}2", p.as_str()), &["requests", "approve", &id]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let out = carrel(dir.path(), &db, "ada", &["requests", "show", &id, "--json"]);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["state"], "approved");
    assert_eq!(shown["votes"].as_array().unwrap().len(), 3);
    let out = carrel(dir.path(), &db, "supplier1", &["requests", "deny", &id, "--reason", "late"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("approved"));
}

fn export(store: &mut Store, request: u64, at: DateTime<Utc>) {
    store
        .write(|tx| {
            audit::append(
                tx,
                NewEntry {
                    at,
                    actor: "dana".into(),
                    role: "desk".into(),
                    action: "data.export".into(),
                    object: "loans".into(),
                    purpose: String::new(),
                    outcome: Outcome::Allowed,
                    details: format!("{{\"request\": \"{request}\"}}"),
                    impersonator: None,
                },
            )
        })
        .unwrap();
}

#[test]
fn an_export_under_an_approved_request_raises_no_alert() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, mut store) = library(dir.path());
    let settings = carrel::services::alerts::RulesSettings {
        tz: chrono_tz::UTC,
        working_hours: (
            chrono::NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
            chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
        ),
        approved_purposes: vec![],
        bulk: Default::default(),
        consent_mode: Default::default(),
        comfort_limits: Default::default(),
        comfort_response_s: 120,
        retention: carrel::config::RetentionSection::default().policy().unwrap(),
        witnesses: Vec::new(),
        witness_silent_after_s: 3600,
    };
    let dana = who(&store, "dana");
    let approved =
        requests::file(&mut store, &dana, &aggregate(100), false, Utc::now()).unwrap().id;
    let pending = requests::file(&mut store, &dana, &aggregate(100), false, Utc::now()).unwrap().id;
    for p in Party::ALL {
        let m = who(&store, &format!("{}3", p.as_str()));
        requests::vote(&mut store, &m, approved, true, "", Utc::now()).unwrap();
    }
    let now = Utc::now();
    export(&mut store, approved, now - Duration::minutes(2));
    carrel::services::alerts::check(&mut store, &settings, now).unwrap();
    let rules = |store: &Store| -> Vec<Rule> {
        carrel::services::alerts::list_unchecked(store, None)
            .unwrap()
            .iter()
            .map(|a| a.rule)
            .collect()
    };
    assert!(!rules(&store).contains(&Rule::ExportWithoutRequest), "{:?}", rules(&store));
    export(&mut store, pending, now - Duration::minutes(1));
    carrel::services::alerts::check(&mut store, &settings, now).unwrap();
    assert!(rules(&store).contains(&Rule::ExportWithoutRequest));
}

#[test]
fn counts_per_zone_carry_the_zones_name_from_the_layout() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, mut store) = library(dir.path());
    store
        .conn()
        .execute_batch(
            "INSERT INTO floors (id, name, level) VALUES ('F0', 'Ground floor', 0);
             INSERT INTO zones (id, floor_id, name, kind)
                 VALUES ('F0-Z1', 'F0', 'North reading room', 'quiet');",
        )
        .unwrap();
    let uma = who(&store, "user_committee1");
    let r = report(&mut store, &uma, "2026-Q3", "0.5", None).unwrap();
    let visits = r.tables.iter().find(|t| t.by == "zone").unwrap();
    let names: Vec<(&str, Option<&str>)> =
        visits.counts.iter().map(|c| (c.key.as_str(), c.name.as_deref())).collect();
    assert_eq!(names, [("F0-Z1", Some("North reading room")), ("unknown", None)]);
    let loans = r.tables.iter().find(|t| t.by == "subject").unwrap();
    assert!(loans.counts.iter().all(|c| c.name.is_none()), "only zones have names");
}

/// Every test above, again with its databases on PostgreSQL.
#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
