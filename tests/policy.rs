//! Every role against every permission, through the services: allowed or denied exactly as the
//! policy table says, and every denial in the audit log.
#![allow(clippy::unwrap_used)]

mod common;

use carrel::domain::audit::Outcome;
use carrel::domain::consent::{ConsentPurpose, ConsentSource};
use carrel::domain::crypto::Keys;
use carrel::domain::dlaplace::Epsilon;
use carrel::domain::governance::{DataKind, LegalBasis, MilliEps, NewRequest, ReportPeriod, Scope};
use carrel::domain::layout::SeatEvent;
use carrel::domain::layout::{Floor, Seat, SeatState, SensorHealth, Zone, ZoneKind};
use carrel::domain::patron_csv::PatronRecord;
use carrel::domain::policy::{POLICY, Permission};
use carrel::domain::quorum::RequestState;
use carrel::domain::staff::{Grant, Party, Role, StaffMember};
use carrel::services::identity::Actor;
use carrel::services::{ServiceError, audit, committee, consent, patrons, requests, seats, staff};
use carrel::store::audit::EntryFilter;
use carrel::store::{Store, layout};
use chrono::Utc;

fn actor(role: Option<Role>) -> Actor {
    let Some(role) = role else {
        return Actor { login: "stranger".into(), staff: None, impersonator: None };
    };
    let party = (role == Role::Committee).then_some(Party::Library);
    Actor {
        login: format!("as-{role}"),
        staff: Some(StaffMember {
            login: format!("as-{role}"),
            display_name: role.to_string(),
            active: true,
            grants: vec![Grant { role, party }],
        }),
        impersonator: None,
    }
}

/// A store with an away seat and a staff member to act on.
fn store() -> Store {
    let mut s = common::backend::scratch_store();
    s.write(|tx| {
        let floors = [Floor { id: "F0".into(), name: "G".into(), level: 0 }];
        let zones = [Zone {
            id: "Z".into(),
            floor_id: "F0".into(),
            name: "Z".into(),
            kind: ZoneKind::Quiet,
        }];
        let seat = Seat {
            id: "S1".into(),
            zone_id: "Z".into(),
            label: "A1".into(),
            x: 0,
            y: 0,
            power: false,
            accessible: false,
        };
        layout::apply(tx, &floors, &zones, &[seat], true, layout::Positions::Given, 0)?;
        carrel::store::seats::append_events(
            tx,
            &[SeatEvent {
                seat_id: "S1".into(),
                state: SeatState::Away,
                since: Utc::now(),
                sensor: SensorHealth::Ok,
                observed: Utc::now(),
            }],
        )?;
        carrel::store::staff::upsert(tx, "target", "Target", 0)?;
        carrel::store::patrons::upsert(
            tx,
            &carrel::store::patrons::PatronRow {
                pseudonym: keys().pseudonym(CARD),
                card_enc: None,
                name_enc: None,
                email_enc: None,
                category: "adult".into(),
                joined: Utc::now(),
                last_active: Utc::now(),
                state: carrel::domain::patron::PatronState::Active,
                state_since: Utc::now(),
            },
        )
    })
    .unwrap();
    s
}

/// The card of the one patron in [`store`].
const CARD: &str = "29000001";

fn keys() -> Keys {
    Keys::new([1u8; 32], b"policy test site key".to_vec()).unwrap()
}

/// Attempts what `p` permits, through the service that does it.
fn attempt(store: &mut Store, who: &Actor, p: Permission) -> Result<(), ServiceError> {
    let key = carrel::domain::log_key::LogKeySeed([7u8; 32]).signer("policy");
    match p {
        Permission::ViewOperations | Permission::ChangeWindow => {
            audit::authorize(store, who, p, "x").map(|_| ())
        }
        Permission::ReleaseSeat => seats::check_release(store, who, "S1").map(|_| ()),
        Permission::ViewStaff => staff::list(store, who).map(|_| ()),
        Permission::ManageStaff => staff::add(store, who, "target", "Renamed"),
        Permission::ReadAudit => {
            audit::read(store, who, &EntryFilter { limit: 5, ..Default::default() }).map(|_| ())
        }
        Permission::VerifyAudit => audit::verify(store, who, None, None).map(|_| ()),
        Permission::SignCheckpoint => {
            // The scratch database has no log key: a sysadmin gives it one first.
            audit::create_key(store, &actor(Some(Role::Sysadmin)), &key.vkey())?;
            audit::checkpoint(store, who, &key).map(|_| ())
        }
        Permission::RotateLogKey => audit::create_key(store, who, &key.vkey()).map(|_| ()),
        Permission::AnnotateAudit => audit::note(store, who, "hello").map(|_| ()),
        Permission::ImportArrivals => {
            let t = Utc::now();
            carrel::services::arrivals::import(store, who, "W1", 900, &[(t, 3.0)], "test.csv")
                .map(|_| ())
        }
        Permission::ImportPatrons => {
            let row = PatronRecord {
                line: 2,
                card: "29000002".into(),
                name: "Someone".into(),
                email: None,
                category: None,
                joined: None,
                consent_recommendations: Some(true),
                consent_profiling: None,
            };
            patrons::import_patrons(store, who, &keys(), &[row], "test.csv", ConsentSource::Import)
                .map(|_| ())
        }
        Permission::ViewConsent => consent::show(store, who, &keys(), CARD, None).map(|_| ()),
        Permission::ChangeConsent => {
            consent::change(store, who, &keys(), CARD, ConsentPurpose::Recommendations, true, "")
                .map(|_| ())
        }
        Permission::ViewAlerts => carrel::services::alerts::list(store, who, None).map(|_| ()),
        Permission::HandleAlerts => {
            // A fresh alert each time, so the lifecycle never stands in the way.
            let f = carrel::domain::rules::Finding {
                rule: carrel::domain::rules::Rule::OffHoursAccess,
                key: format!("actor:{}", who.login),
                severity: carrel::domain::rules::Severity::Medium,
                first_seen: Utc::now(),
                last_seen: Utc::now(),
                count: 1,
                evidence: vec![],
                summary: "test".into(),
            };
            let (raised, _) = carrel::services::alerts::apply(store, &[f], Utc::now()).unwrap();
            let id = raised.first().copied().unwrap_or(1);
            carrel::services::alerts::act(
                store,
                who,
                id,
                carrel::domain::alerts::AlertAction::Escalate,
                "",
                Utc::now(),
            )
            .map(|_| ())
        }
        Permission::CheckRules => {
            let settings = carrel::services::alerts::RulesSettings {
                tz: chrono_tz::UTC,
                working_hours: (
                    chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
                    chrono::NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
                ),
                approved_purposes: vec!["circulation".into()],
                bulk: Default::default(),
                consent_mode: Default::default(),
                comfort_limits: Default::default(),
                comfort_response_s: 120,
                retention: carrel::config::RetentionSection::default().policy().unwrap(),
                witnesses: Vec::new(),
                witness_silent_after_s: 3600,
            };
            carrel::services::alerts::check_now(store, who, &settings, Utc::now()).map(|_| ())
        }
        Permission::PurgeData => {
            let policy = carrel::config::RetentionSection::default().policy().unwrap();
            carrel::services::retention::plan(store, who, &policy, Utc::now()).map(|_| ())
        }
        Permission::ViewRequests => requests::list(store, who, None, Utc::now()).map(|_| ()),
        Permission::FileRequest => {
            requests::file(store, who, &new_request(), false, Utc::now()).map(|_| ())
        }
        Permission::VoteRequest => {
            // Filed by someone else, so the requester rule never stands in the way.
            let id = store
                .write(|tx| {
                    carrel::store::governance::insert_request(
                        tx,
                        "target",
                        &new_request(),
                        RequestState::Submitted,
                        Utc::now(),
                    )
                })
                .unwrap();
            requests::vote(store, who, id, true, "", Utc::now()).map(|_| ())
        }
        Permission::ReviewAccess => carrel::services::review::queue(store, who).map(|_| ()),
        Permission::TransparencyReport => {
            use rand::SeedableRng;
            let settings = carrel::services::transparency::ReportSettings {
                tz: chrono_tz::UTC,
                budget: MilliEps(2000),
            };
            carrel::services::transparency::transparency(
                store,
                who,
                settings,
                &ReportPeriod::parse("2026-10").unwrap(),
                Epsilon::parse("0.5").unwrap(),
                None,
                Utc::now(),
                &mut rand_chacha::ChaCha20Rng::seed_from_u64(1),
            )
            .map(|_| ())
        }
        Permission::LookupPatron => {
            let settings = carrel::services::desk::DeskSettings {
                consent_mode: carrel::domain::consent::ConsentMode::Enforced,
                weights: Default::default(),
                half_life: chrono::Duration::days(90),
                zone_subjects: Default::default(),
            };
            carrel::services::desk::lookup(
                store,
                who,
                &keys(),
                CARD,
                "circulation",
                &settings,
                Utc::now(),
            )
            .map(|_| ())
        }
        Permission::DecideSeat => {
            // A library member sits (so the change waits for the library, not for the person
            // concerned), and a sysadmin proposed a library seat for the target.
            carrel::services::staff::bootstrap(
                store,
                "sitting",
                "Sitting",
                Role::Committee,
                Some(Party::Library),
            )
            .unwrap();
            let id = store
                .write(|tx| {
                    carrel::store::committee::insert(
                        tx,
                        "admin",
                        "target",
                        carrel::domain::committee::SeatChangeKind::Grant,
                        Party::Library,
                        Utc::now(),
                        Utc::now() + chrono::Duration::days(7),
                    )
                })
                .unwrap();
            committee::vote(store, who, id, true, "", Utc::now()).map(|_| ())
        }
        Permission::ImportLayout => {
            let file = carrel::domain::layout_csv::parse(
                b"seat_id,floor,zone,x,y\nL1,F0,Z,5,5\nL2,F0,Z,,\n",
                b',',
            )
            .unwrap();
            carrel::services::layout::import(store, who, &file, "layout.csv").map(|_| ())
        }
        Permission::CopyDatabase => {
            let dir = tempfile::tempdir().unwrap();
            let to = carrel::store::Location::File(dir.path().join("copy.db"));
            carrel::services::database::copy(store, who, &to).map(|_| ())
        }
        Permission::ServeRecommendations => {
            let provenance = carrel::services::desk::Provenance {
                source: "local".into(),
                model_version: "test".into(),
                training_mode: "local".into(),
            };
            carrel::services::desk::serve(
                store,
                who,
                &keys().pseudonym(CARD),
                &[],
                &provenance,
                carrel::domain::consent::ConsentMode::Disabled,
            )
            .map(|_| ())
        }
    }
}

fn new_request() -> NewRequest {
    NewRequest {
        title: "Loans by subject".into(),
        purpose: "Collection planning".into(),
        kinds: vec![DataKind::Loans],
        fields: vec!["subject".into()],
        scope: Scope::Aggregate,
        retention_days: 30,
        legal_basis: LegalBasis::PublicTask,
        expires: Utc::now() + chrono::Duration::days(7),
        epsilon: Some(MilliEps(500)),
    }
}

#[test]
fn every_role_gets_exactly_what_the_policy_table_says() {
    let roles: Vec<Option<Role>> =
        std::iter::once(None).chain(Role::ALL.into_iter().map(Some)).collect();
    for role in roles {
        for p in Permission::ALL {
            let mut s = store();
            let who = actor(role);
            let (_, public, allowed_roles) = POLICY.iter().find(|(q, _, _)| *q == p).unwrap();
            let expected = match role {
                None => *public,
                Some(r) => allowed_roles.contains(&r),
            };
            let before = carrel::store::audit::frontier(s.conn()).unwrap().size();
            let result = attempt(&mut s, &who, p);
            assert_eq!(result.is_ok(), expected, "{role:?} / {p:?}: {result:?}");
            if !expected {
                assert!(
                    matches!(result, Err(ServiceError::Denied(_))),
                    "{role:?} / {p:?}: {result:?}"
                );
                let log = carrel::store::audit::entries(
                    s.conn(),
                    &EntryFilter { limit: 100, ..Default::default() },
                )
                .unwrap();
                let denial =
                    log.iter().find(|e| e.seq >= before && e.entry.outcome == Outcome::Denied);
                let denial = denial
                    .unwrap_or_else(|| panic!("{role:?} / {p:?}: the denial is not in the log"));
                assert_eq!(denial.entry.actor, who.login);
                assert_eq!(denial.entry.action, p.action());
            }
            let v = carrel::store::audit::verify(s.conn(), &[], &[]).unwrap();
            assert!(v.ok, "{role:?} / {p:?}: {v:?}");
        }
    }
}

#[test]
fn separation_of_duties_holds() {
    use carrel::domain::committee::SeatChangeKind;
    let mut s = store();
    let admin = actor(Some(Role::Sysadmin));
    let propose = |s: &mut Store, login: &str, party| {
        committee::propose(s, &admin, login, SeatChangeKind::Grant, Some(party), 14, Utc::now())
    };
    staff::grant(&mut s, &admin, "target", Role::Desk, None).unwrap();
    let e = staff::grant(&mut s, &admin, "target", Role::Sysadmin, None).unwrap_err();
    assert!(e.to_string().contains("separation of duties"), "{e}");
    // A committee seat is never granted at once, only proposed.
    let e =
        staff::grant(&mut s, &admin, "target", Role::Committee, Some(Party::Supplier)).unwrap_err();
    assert!(e.to_string().contains("committee approves"), "{e}");
    // A sysadmin never sits on the committee.
    carrel::services::staff::bootstrap(&mut s, "admin", "Admin", Role::Sysadmin, None).unwrap();
    let e = propose(&mut s, "admin", Party::Library).unwrap_err();
    assert!(e.to_string().contains("separation of duties"), "{e}");
    // One person sits for one party.
    carrel::services::staff::bootstrap(&mut s, "leo", "Leo", Role::Committee, Some(Party::Library))
        .unwrap();
    let e = propose(&mut s, "leo", Party::Supplier).unwrap_err();
    assert!(e.to_string().contains("one person sits for one party"), "{e}");
    let pending = propose(&mut s, "target", Party::Supplier).unwrap();
    assert_eq!(pending.change.state, RequestState::Submitted);
    let target = carrel::store::staff::list(s.conn())
        .unwrap()
        .into_iter()
        .find(|m| m.login == "target")
        .unwrap();
    assert!(!target.has_role(Role::Committee), "a proposal changes nothing yet");
    // The last sysadmin keeps the role.
    let e = staff::revoke(&mut s, &admin, "admin", Role::Sysadmin).unwrap_err();
    assert!(e.to_string().contains("last sysadmin"), "{e}");
    // Every pair of the separation-of-duties table, from both sides.
    for (a, b) in carrel::domain::policy::CONFLICTS {
        for (held, adding) in [(*a, *b), (*b, *a)] {
            let login = format!("sod-{held}-{adding}");
            let party = (held == Role::Committee).then_some(Party::Supplier);
            carrel::services::staff::bootstrap(&mut s, &login, "SoD", held, party).unwrap();
            let e = if adding == Role::Committee {
                propose(&mut s, &login, Party::Library).unwrap_err()
            } else {
                staff::grant(&mut s, &admin, &login, adding, None).unwrap_err()
            };
            assert!(e.to_string().contains("separation of duties"), "{held} + {adding}: {e}");
        }
    }
}

/// Every test above, again with its databases on PostgreSQL.
#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
