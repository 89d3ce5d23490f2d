//! The patron desk through the services on a real database: a lookup states its purpose and is
//! logged; the profile needs consent to profiling and matches a hand-computed value; withdrawing
//! consent hides the profile and refuses recommendations at once; under the permissive mode a
//! later serving goes ahead and the privacy rules raise their alert.
#![allow(clippy::unwrap_used)]

mod common;

use carrel::domain::api::CatalogItemDto;
use carrel::domain::audit::Outcome;
use carrel::domain::consent::{ConsentMode, ConsentPurpose, ConsentSource};
use carrel::domain::crypto::Keys;
use carrel::domain::patron_csv::{LoanRecord, PatronRecord, SearchRecord, VisitRecord};
use carrel::domain::rules::Rule;
use carrel::domain::staff::Role;
use carrel::services::desk::{self, DeskSettings, Gate, Provenance};
use carrel::services::identity::{self, Actor};
use carrel::services::{ServiceError, consent, patrons};
use carrel::store::{Store, audit};
use chrono::{DateTime, Duration, TimeZone, Utc};

const CARD: &str = "29000001";

fn keys() -> Keys {
    Keys::new([3u8; 32], b"desk test site key".to_vec()).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
}

fn settings(mode: ConsentMode) -> DeskSettings {
    DeskSettings {
        consent_mode: mode,
        weights: Default::default(),
        half_life: Duration::days(30),
        zone_subjects: [("F1-Z2".to_owned(), "history".to_owned())].into(),
    }
}

/// A library with one patron who borrowed two history books (today and 30 days ago, one still
/// out), searched "rome" 60 days ago and visited the history zone 30 days ago; and two art
/// searches today.
fn library() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = common::backend::create_store(&dir.path().join("c.db"), false, "test");
    carrel::services::staff::bootstrap(&mut store, "sam", "Sam", Role::Sysadmin, None).unwrap();
    let sam = identity::actor(&store, "sam").unwrap();
    carrel::services::staff::add(&mut store, &sam, "dana", "Dana").unwrap();
    carrel::services::staff::grant(&mut store, &sam, "dana", Role::Desk, None).unwrap();
    store
        .write(|tx| {
            let item = |id: &str, title: &str, subject: &str| CatalogItemDto {
                id: id.into(),
                title: title.into(),
                subject: subject.into(),
                year: 2001,
            };
            carrel::store::catalog::upsert_items(
                tx,
                &[
                    item("h1", "A History of Rome", "history"),
                    item("h2", "Rome and Carthage", "history"),
                    item("a1", "Painting Light", "art"),
                ],
            )
        })
        .unwrap();
    let k = keys();
    let patron = PatronRecord {
        line: 2,
        card: CARD.into(),
        name: "Ada Lovelace".into(),
        email: Some(Some("ada@example.org".into())),
        category: None,
        joined: None,
        consent_recommendations: None,
        consent_profiling: None,
    };
    let src = ConsentSource::Import;
    patrons::import_patrons(&mut store, &sam, &k, &[patron], "p.csv", src).unwrap();
    let loan = |line, item: &str, days: i64, back: bool| LoanRecord {
        line,
        card: CARD.into(),
        item_id: item.into(),
        loaned: now() - Duration::days(days),
        returned: back.then(|| now() - Duration::days(days) + Duration::days(7)),
    };
    patrons::import_loans(
        &mut store,
        &sam,
        &k,
        &[loan(2, "h1", 0, false), loan(3, "h2", 30, true)],
        "l.csv",
        src,
    )
    .unwrap();
    let search = |line, q: &str, days: i64| SearchRecord {
        line,
        card: CARD.into(),
        at: now() - Duration::days(days),
        query: q.into(),
    };
    patrons::import_searches(
        &mut store,
        &sam,
        &k,
        &[search(2, "rome", 60), search(3, "painting", 0), search(4, "light", 0)],
        "s.csv",
        src,
    )
    .unwrap();
    let visit = VisitRecord {
        line: 2,
        card: CARD.into(),
        at: now() - Duration::days(30),
        zone_id: Some("F1-Z2".into()),
    };
    patrons::import_visits(&mut store, &sam, &k, &[visit], "v.csv", src).unwrap();
    (dir, store)
}

fn dana(store: &Store) -> Actor {
    identity::actor(store, "dana").unwrap()
}

fn last_entries(store: &Store, n: usize) -> Vec<(String, String, Outcome)> {
    let mut all =
        audit::entries(store.conn(), &audit::EntryFilter { limit: n, ..Default::default() })
            .unwrap();
    all.sort_by_key(|e| e.seq);
    all.into_iter().map(|e| (e.entry.action, e.entry.purpose, e.entry.outcome)).collect()
}

#[test]
fn without_consent_the_desk_sees_only_what_it_needs_and_the_refusal_is_logged() {
    let (_dir, mut store) = library();
    let who = dana(&store);
    let s = settings(ConsentMode::Enforced);
    let l = desk::lookup(&mut store, &who, &keys(), CARD, "circulation", &s, now()).unwrap();
    assert_eq!((l.patron.name.as_str(), l.patron.loans_out), ("Ada Lovelace", 1));
    assert!(matches!(l.profile_gate, Gate::Refused { .. }));
    assert!(l.profile.is_empty());
    assert!(!l.recommendations_gate.shows());
    assert_eq!(
        last_entries(&store, 2),
        [
            ("patron.read".into(), "circulation".into(), Outcome::Allowed),
            ("patron.read".into(), "profiling".into(), Outcome::Denied),
        ]
    );
    let e = desk::lookup(&mut store, &who, &keys(), CARD, "Just Looking!", &s, now());
    assert!(matches!(e, Err(ServiceError::Invalid(_))), "a purpose is a short name");
    let e = desk::lookup(&mut store, &who, &keys(), "29000002", "circulation", &s, now());
    assert!(matches!(e, Err(ServiceError::NotFound(_))));
    assert_eq!(last_entries(&store, 1)[0].2, Outcome::Failed, "an unknown card is logged too");
}

#[test]
fn the_profile_matches_the_hand_computed_value_and_withdrawal_hides_it_at_once() {
    let (_dir, mut store) = library();
    let who = dana(&store);
    let k = keys();
    for p in ConsentPurpose::ALL {
        consent::change(&mut store, &who, &k, CARD, p, true, "asked at the desk").unwrap();
    }
    let s = settings(ConsentMode::Enforced);
    let l = desk::lookup(&mut store, &who, &k, CARD, "circulation", &s, now()).unwrap();
    assert_eq!(l.profile_gate, Gate::Allowed);
    // Half-life 30 days. history: loans 1 + 0.5, search "rome" 0.25, visit 0.5
    //   = 0.35 × 1.5 + 0.41 × 0.25 + 0.24 × 0.5 = 0.7475
    // art: searches "painting" and "light" today = 0.41 × 2 = 0.82
    let got: Vec<(String, f64)> = l.profile.iter().map(|p| (p.subject.clone(), p.score)).collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, "art");
    assert!((got[0].1 - 0.82).abs() < 1e-9, "{got:?}");
    assert_eq!(got[1].0, "history");
    assert!((got[1].1 - 0.7475).abs() < 1e-9, "{got:?}");
    assert_eq!(l.unmapped, [0, 0, 0]);

    let provenance = Provenance {
        source: "api".into(),
        model_version: "v1".into(),
        training_mode: "federated".into(),
    };
    let served =
        desk::serve(&mut store, &who, &l.pseudonym, &["a1".into()], &provenance, s.consent_mode)
            .unwrap();
    assert_eq!(served, Gate::Allowed);

    consent::change(&mut store, &who, &k, CARD, ConsentPurpose::Profiling, false, "").unwrap();
    consent::change(&mut store, &who, &k, CARD, ConsentPurpose::Recommendations, false, "")
        .unwrap();
    let l = desk::lookup(&mut store, &who, &k, CARD, "circulation", &s, now()).unwrap();
    assert!(l.profile.is_empty());
    assert!(matches!(&l.profile_gate, Gate::Refused { reason } if reason.contains("withdrew")));
    let refused =
        desk::serve(&mut store, &who, &l.pseudonym, &["a1".into()], &provenance, s.consent_mode)
            .unwrap();
    assert!(!refused.shows());
    assert_eq!(
        last_entries(&store, 1)[0],
        ("recs.serve".into(), "recommendations".into(), Outcome::Denied)
    );
}

#[test]
fn under_the_permissive_mode_a_later_serving_raises_the_rules_alert() {
    let (_dir, mut store) = library();
    let who = dana(&store);
    let k = keys();
    let pseudonym = k.pseudonym(CARD);
    consent::change(&mut store, &who, &k, CARD, ConsentPurpose::Recommendations, true, "").unwrap();
    consent::change(&mut store, &who, &k, CARD, ConsentPurpose::Recommendations, false, "")
        .unwrap();
    let provenance = Provenance {
        source: "local".into(),
        model_version: "local".into(),
        training_mode: "local".into(),
    };
    let g = desk::serve(
        &mut store,
        &who,
        &pseudonym,
        &["a1".into()],
        &provenance,
        ConsentMode::Permissive,
    )
    .unwrap();
    assert_eq!(g, Gate::Flagged);
    let rules = carrel::services::alerts::RulesSettings {
        tz: chrono_tz::UTC,
        working_hours: (
            chrono::NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
            chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
        ),
        approved_purposes: vec!["circulation".into()],
        bulk: Default::default(),
        consent_mode: ConsentMode::Permissive,
        comfort_limits: Default::default(),
        comfort_response_s: 120,
        retention: carrel::config::RetentionSection::default().policy().unwrap(),
        witnesses: Vec::new(),
        witness_silent_after_s: 3600,
    };
    carrel::services::alerts::check(&mut store, &rules, Utc::now()).unwrap();
    let alerts = carrel::services::alerts::list_unchecked(&store, None).unwrap();
    assert!(alerts.iter().any(|a| a.rule == Rule::RecsAfterWithdrawal), "{alerts:?}");
}

#[test]
fn a_request_purpose_names_an_approved_request_or_the_lookup_is_refused_with_the_reason() {
    use carrel::domain::governance::{DataKind, LegalBasis, NewRequest, Scope};
    use carrel::domain::quorum::RequestState;
    let (_dir, mut store) = library();
    let new = NewRequest {
        title: "Loans by subject".into(),
        purpose: "collection planning".into(),
        kinds: vec![DataKind::Loans],
        fields: vec![],
        scope: Scope::RowLevel,
        retention_days: 30,
        legal_basis: LegalBasis::PublicTask,
        expires: now() + Duration::days(7),
        epsilon: None,
    };
    let (denied, approved) = store
        .write(|tx| {
            let gov = carrel::store::governance::insert_request;
            let denied = gov(tx, "uma", &new, RequestState::Submitted, now())?;
            carrel::store::governance::set_state(tx, denied, RequestState::Denied, now())?;
            let approved = gov(tx, "uma", &new, RequestState::Submitted, now())?;
            carrel::store::governance::set_state(tx, approved, RequestState::Approved, now())?;
            Ok::<_, carrel::store::StoreError>((denied, approved))
        })
        .unwrap();
    let who = dana(&store);
    let s = settings(ConsentMode::Enforced);
    let look = |store: &mut Store, purpose: &str| {
        desk::lookup(store, &who, &keys(), CARD, purpose, &s, now()).map(|l| l.patron.name)
    };
    for (purpose, reason) in [
        (format!("request:{denied}"), format!("data request {denied} is denied")),
        ("request:999".to_owned(), "there is no data request 999".to_owned()),
        ("request:five".to_owned(), "names a request by its number".to_owned()),
    ] {
        let e = look(&mut store, &purpose).unwrap_err();
        let ServiceError::Invalid(message) = &e else { panic!("{purpose}: {e:?}") };
        assert!(message.contains(&reason), "{purpose}: {message}");
        assert_eq!(
            last_entries(&store, 1)[0],
            ("patron.read".into(), purpose.clone(), Outcome::Denied),
            "the refused lookup is logged, and nothing was read"
        );
    }
    assert_eq!(look(&mut store, &format!("request:{approved}")).unwrap(), "Ada Lovelace");
}

/// The card the demo's Patrons tab suggests: on a demo database, the first of the given cards
/// the directory holds, with nothing logged (nothing about anyone is read); on any other
/// database, none, without looking.
#[test]
fn a_demo_card_is_suggested_only_on_a_demo_database() {
    if common::backend::on_postgres() {
        return; // demo databases are SQLite's alone
    }
    let (_dir, store) = library();
    let k = keys();
    assert_eq!(desk::demo_card(&store, &k, &[CARD.into()]).unwrap(), None, "not a demo");

    let dir = tempfile::tempdir().unwrap();
    let mut demo = common::backend::create_store(&dir.path().join("d.db"), true, "test");
    carrel::services::staff::bootstrap(&mut demo, "sam", "Sam", Role::Sysadmin, None).unwrap();
    let sam = identity::actor(&demo, "sam").unwrap();
    let patron = PatronRecord {
        line: 2,
        card: CARD.into(),
        name: "Ada Lovelace".into(),
        email: None,
        category: None,
        joined: None,
        consent_recommendations: Some(true),
        consent_profiling: Some(true),
    };
    patrons::import_patrons(&mut demo, &sam, &k, &[patron], "p.csv", ConsentSource::Demo).unwrap();
    let logged = audit::frontier(demo.conn()).unwrap();
    let cards = ["29009999".to_owned(), CARD.to_owned(), "29000002".to_owned()];
    assert_eq!(desk::demo_card(&demo, &k, &cards).unwrap().as_deref(), Some(CARD));
    assert_eq!(desk::demo_card(&demo, &k, &cards[..1]).unwrap(), None, "not in the directory");
    assert_eq!(audit::frontier(demo.conn()).unwrap(), logged, "nothing is logged");
}

/// Every test above, again with its databases on PostgreSQL.
#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
