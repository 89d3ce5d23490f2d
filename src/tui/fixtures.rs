//! A small library in plain values, for tests of `update` and the views (and the render
//! benchmark): two floors, zones of each kind, seats in every state, ghosts, comfort readings
//! with one out of range; data requests in every state with their votes, review items and an
//! ε ledger; a patron at the desk (`patrons`).

mod patrons;

pub use patrons::{
    PATRON_CARD, api_recommendations, fallback_recommendations, patron_lookup, patron_shown,
};

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::keymap::Keymap;
use super::model::{SeatsSnapshot, SystemSnapshot};
use super::state::{Health, State, Viewer};
use super::theme::{Theme, ThemeName};
use crate::domain::comfort::ZoneComfort;
use crate::domain::comfort::{Comfort, ComfortLimits, ZoneSample};
use crate::domain::freshness::FeedState;
use crate::domain::freshness::Lease;
use crate::domain::layout::{Floor, SeatState, SeatView, SensorHealth, Zone, ZoneKind};
use crate::domain::staff::{Grant, Role};
use crate::services::reads::{DatabaseStatus, SystemStatus};

/// The fixed "now" of the fixtures: a Wednesday late morning.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 18, 11, 0, 0).single().unwrap_or_default()
}

/// A desk librarian.
pub fn desk() -> Viewer {
    Viewer {
        login: "dana".into(),
        display_name: Some("Dana Desk".into()),
        grants: vec![Grant { role: Role::Desk, party: None }],
    }
}

/// An auditor: sees the privacy-risk alerts and may handle them.
pub fn auditor() -> Viewer {
    Viewer {
        login: "ines".into(),
        display_name: Some("Ines Auditor".into()),
        grants: vec![Grant { role: Role::Auditor, party: None }],
    }
}

/// Alerts of several rules, severities and states, most severe first, and the detail of the
/// first with its history and evidence.
pub fn alerts() -> (Vec<crate::domain::alerts::Alert>, crate::services::alerts::AlertDetail) {
    use crate::domain::alerts::{Alert, AlertState};
    use crate::domain::audit::{Entry, NewEntry, Outcome};
    use crate::domain::rules::Rule;
    let t = now();
    let alert = |id: u64,
                 rule: Rule,
                 key: &str,
                 state: AlertState,
                 ago_min: i64,
                 count: u64,
                 summary: &str,
                 evidence: Vec<u64>| Alert {
        id,
        rule,
        key: key.into(),
        severity: rule.severity(),
        state,
        first_seen: t - Duration::minutes(ago_min + 30),
        last_seen: t - Duration::minutes(ago_min),
        count,
        evidence,
        summary: summary.into(),
        raised: t - Duration::minutes(ago_min + 29),
        updated: t - Duration::minutes(ago_min),
    };
    let list = vec![
        alert(
            7,
            Rule::AuditVerifyFailed,
            "audit",
            AlertState::Open,
            3,
            1,
            "the audit log does not verify: entry 1204 differs from its leaf",
            vec![1204],
        ),
        alert(
            6,
            Rule::BulkAccess,
            "actor:sam",
            AlertState::Acknowledged,
            12,
            412,
            "sam read 412 patron records on 2026-11-18 (baseline 9.5/day)",
            vec![1100, 1101, 1102],
        ),
        alert(
            5,
            Rule::OffHoursAccess,
            "actor:kai",
            AlertState::Open,
            600,
            2,
            "kai accessed patron data 2 times outside 07:00–22:00",
            vec![980, 981],
        ),
        alert(
            4,
            Rule::PastRetention,
            "kind:loans:anonymise",
            AlertState::Escalated,
            60,
            1840,
            "1840 loans are past their anonymise period",
            vec![],
        ),
        alert(
            3,
            Rule::ComfortOutOfRange,
            "zone:F1-quiet:co2:1795000000000",
            AlertState::Open,
            45,
            1,
            "CO2 1260 ppm above 1000 ppm for 9 min in F1-quiet",
            vec![],
        ),
    ];
    let entry = |seq: u64, min: i64, action: &str, purpose: &str| Entry {
        seq,
        entry: NewEntry {
            at: t - Duration::minutes(min),
            actor: "sam".into(),
            role: "desk".into(),
            action: action.into(),
            object: format!("patron:{}", "ab12".repeat(16)),
            purpose: purpose.into(),
            outcome: Outcome::Allowed,
            details: String::new(),
            impersonator: None,
        },
    };
    let first = list[1].clone();
    let detail = crate::services::alerts::AlertDetail {
        alert: first,
        events: vec![
            crate::domain::alerts::AlertEvent {
                alert_id: 6,
                at: t - Duration::minutes(41),
                actor: "carrel-rules".into(),
                action: "raised".into(),
                note: "sam read 400 patron records".into(),
            },
            crate::domain::alerts::AlertEvent {
                alert_id: 6,
                at: t - Duration::minutes(20),
                actor: "ines".into(),
                action: "acknowledge".into(),
                note: "asked sam's team lead".into(),
            },
        ],
        evidence: vec![
            entry(1100, 50, "patron.read", "circulation"),
            entry(1101, 49, "patron.read", "circulation"),
            entry(1102, 48, "patron.read", ""),
        ],
    };
    (list, detail)
}

/// A committee member for the user committee, as in the demo.
pub fn committee() -> Viewer {
    Viewer {
        login: "uma".into(),
        display_name: Some("Uma (user committee)".into()),
        grants: vec![Grant {
            role: Role::Committee,
            party: Some(crate::domain::staff::Party::UserCommittee),
        }],
    }
}

/// The Governance tab's data as `viewer` sees it: requests in every state, newest first, with
/// votes of each kind; what waits for the viewer's vote worked out as the services do; two open
/// review items assigned to the viewer (when they review) and two recent verdicts; a ledger
/// with one month spent to the budget.
pub fn governance(viewer: &Viewer) -> super::model::GovernanceSnapshot {
    use crate::domain::governance::ReviewSource;
    use crate::domain::governance::{
        DataKind, DataRequest, LedgerLine, LegalBasis, MilliEps, Scope, Verdict,
    };
    use crate::domain::quorum::{RequestState, Vote};
    use crate::domain::staff::Party;
    use crate::services::review::{ReviewCase, ReviewQueue};
    use crate::store::governance::ReviewItem;
    let t = now();
    let vote = |voter: &str, party: Party, approve: bool, reason: &str, min: i64| Vote {
        voter: voter.into(),
        party: Some(party),
        approve,
        reason: reason.into(),
        at: t - Duration::minutes(min),
    };
    let request = |id: u64,
                   requester: &str,
                   title: &str,
                   state: RequestState,
                   scope: Scope,
                   kinds: Vec<DataKind>,
                   age_min: i64,
                   votes: Vec<Vote>| DataRequest {
        id,
        requester: requester.into(),
        title: title.into(),
        purpose: format!(
            "{title}: the figures are needed for the plan the board decides in December, and nothing more is kept than the fields named."
        ),
        kinds,
        fields: vec!["subject".into(), "loaned_at".into()],
        scope,
        retention_days: 90,
        legal_basis: LegalBasis::PublicTask,
        epsilon: (scope == Scope::Aggregate).then_some(MilliEps(500)),
        state,
        created: t - Duration::minutes(age_min),
        submitted: Some(t - Duration::minutes(age_min)),
        decided: state.is_final().then(|| t - Duration::minutes(age_min / 2)),
        expires: t - Duration::minutes(age_min) + Duration::days(14),
        votes,
    };
    let requests = vec![
        request(
            7,
            "uma",
            "Consent withdrawals per month for the annual report",
            RequestState::Submitted,
            Scope::Aggregate,
            vec![DataKind::Consent],
            30,
            vec![],
        ),
        request(
            6,
            "dana",
            "Loan counts by subject for the acquisitions plan",
            RequestState::Submitted,
            Scope::Aggregate,
            vec![DataKind::Loans, DataKind::Visits],
            120,
            vec![vote("leo", Party::Library, true, "counts only: minimum necessary", 60)],
        ),
        request(
            5,
            "ada",
            "Visits of the patrons in the bulk-access alert",
            RequestState::Submitted,
            Scope::RowLevel,
            vec![DataKind::Visits, DataKind::Patrons],
            300,
            vec![],
        ),
        request(
            4,
            "sam",
            "Arrivals per service for the staffing study",
            RequestState::Approved,
            Scope::Aggregate,
            vec![DataKind::Arrivals],
            2 * 1440,
            vec![
                vote("uma", Party::UserCommittee, true, "", 2000),
                vote("sue", Party::Supplier, true, "", 1900),
                vote("leo", Party::Library, true, "needed for the rota", 1800),
            ],
        ),
        request(
            3,
            "dana",
            "Search histories for recommendation tuning",
            RequestState::Denied,
            Scope::RowLevel,
            vec![DataKind::Searches],
            3 * 1440,
            vec![
                vote("uma", Party::UserCommittee, true, "", 3000),
                vote(
                    "sue",
                    Party::Supplier,
                    false,
                    "not minimum necessary: the federated model needs no raw searches",
                    2900,
                ),
            ],
        ),
        request(
            2,
            "leo",
            "Zone visits by hour for the heating schedule",
            RequestState::Expired,
            Scope::Aggregate,
            vec![DataKind::Visits],
            20 * 1440,
            vec![vote("sue", Party::Supplier, true, "", 20000)],
        ),
        request(
            1,
            "uma",
            "Patron categories by branch",
            RequestState::Withdrawn,
            Scope::Aggregate,
            vec![DataKind::Patrons],
            30 * 1440,
            vec![],
        ),
    ];
    let actor = crate::services::identity::Actor {
        login: viewer.login.clone(),
        staff: viewer.display_name.as_ref().map(|name| crate::domain::staff::StaffMember {
            login: viewer.login.clone(),
            display_name: name.clone(),
            active: true,
            grants: viewer.grants.clone(),
        }),
        impersonator: None,
    };
    let waiting = crate::services::requests::waiting_for(&requests, &actor);
    let entry = |seq: u64, min: i64, actor: &str, purpose: &str| crate::domain::audit::Entry {
        seq,
        entry: crate::domain::audit::NewEntry {
            at: t - Duration::minutes(min),
            actor: actor.into(),
            role: "desk".into(),
            action: "patron.read".into(),
            object: format!("patron:{}", "ab12".repeat(16)),
            purpose: purpose.into(),
            outcome: crate::domain::audit::Outcome::Allowed,
            details: String::new(),
            impersonator: None,
        },
    };
    let item = |id: u64, seq: u64, alert: Option<u64>, verdict: Option<(Verdict, &str, &str)>| {
        ReviewItem {
            id,
            seq,
            source: if alert.is_some() { ReviewSource::Alert } else { ReviewSource::Sample },
            alert_id: alert,
            day: alert.is_none().then(|| "2026-11-17".into()),
            assignee: Some(verdict.map_or(viewer.login.clone(), |(_, who, _)| who.to_owned())),
            added: t - Duration::minutes(300),
            verdict: verdict.map(|(v, _, _)| v),
            reviewer: verdict.map(|(_, who, _)| who.to_owned()),
            note: verdict.map(|(_, _, note)| note.to_owned()),
            reviewed: verdict.map(|_| t - Duration::minutes(90)),
            raised: verdict.and_then(|(v, _, _)| (v == Verdict::Unjustified).then_some(9)),
        }
    };
    let review = viewer.may(crate::domain::policy::Permission::ReviewAccess).then(|| ReviewQueue {
        mine: vec![
            ReviewCase {
                item: item(12, 1100, None, None),
                entry: Some(entry(1100, 19 * 60 + 18, "dana", "circulation")),
            },
            ReviewCase {
                item: item(13, 981, Some(5), None),
                entry: Some(entry(981, 13 * 60, "kai", "")),
            },
        ],
        open: 5,
        recent: vec![
            ReviewCase {
                item: item(
                    9,
                    900,
                    None,
                    Some((Verdict::Justified, "ada", "hold placed at the desk")),
                ),
                entry: Some(entry(900, 26 * 60, "dana", "holds")),
            },
            ReviewCase {
                item: item(
                    8,
                    880,
                    None,
                    Some((Verdict::Unjustified, "leo", "no loan or hold that day")),
                ),
                entry: Some(entry(880, 27 * 60, "kai", "")),
            },
        ],
    });
    let line = |dataset: &str, month: &str, spent: u64| LedgerLine {
        dataset: dataset.into(),
        month: month.into(),
        spent: MilliEps(spent),
        budget: MilliEps(2000),
    };
    super::model::GovernanceSnapshot {
        requests,
        waiting,
        review,
        ledger: vec![
            line("loans", "2026-09", 1500),
            line("loans", "2026-10", 2000),
            line("visits", "2026-10", 500),
            line("arrivals", "2026-10", 250),
        ],
        budget: MilliEps(2000),
    }
}

/// Someone carrel does not know.
pub fn stranger() -> Viewer {
    Viewer { login: "guest".into(), display_name: None, grants: vec![] }
}

/// `per_floor` seats on each of `floors` floors, in rows of 20 with an aisle every 5 seats.
pub fn seats_snapshot(floors: usize, per_floor: usize, hostile: bool) -> SeatsSnapshot {
    seats_snapshot_rows(floors, per_floor, 20, hostile)
}

/// Like [`seats_snapshot`] with rows of `row` seats (a big library has long rows).
pub fn seats_snapshot_rows(
    floors: usize,
    per_floor: usize,
    row: usize,
    hostile: bool,
) -> SeatsSnapshot {
    let kinds = ZoneKind::ALL;
    let floor_rows: Vec<Floor> = (0..floors)
        .map(|f| Floor { id: format!("F{f}"), name: format!("Floor {f}"), level: f as i32 })
        .collect();
    let mut zones = vec![];
    let mut seats = vec![];
    let mut comfort = vec![];
    for f in 0..floors {
        for (zi, kind) in kinds.iter().enumerate() {
            let name = if hostile && zi == 0 {
                format!("\u{1b}]0;pwned\u{7}閱覽室 Ｗｉｄｅ {}\u{202e}gnol", "x".repeat(300))
            } else {
                format!("{} room {f}{zi}", kind.as_str())
            };
            zones.push(Zone {
                id: format!("F{f}-Z{zi}"),
                floor_id: format!("F{f}"),
                name,
                kind: *kind,
            });
            let reading = Comfort {
                temperature_c: Some(21.0 + zi as f64),
                co2_ppm: Some(if zi == 1 { 1250.0 } else { 650.0 }),
                light_lux: Some(500.0),
                noise_db: Some(38.0),
            };
            comfort.push(ZoneComfort {
                zone_id: format!("F{f}-Z{zi}"),
                zone_name: String::new(),
                floor_id: format!("F{f}"),
                kind: *kind,
                latest: Some(ZoneSample {
                    zone_id: format!("F{f}-Z{zi}"),
                    at: now(),
                    comfort: reading,
                }),
            });
        }
        for i in 0..per_floor {
            let zi = (i / 5) % kinds.len();
            let state = match i % 11 {
                0..=2 => SeatState::Free,
                3..=6 => SeatState::Occupied,
                7..=8 => SeatState::Away,
                9 => SeatState::Reserved,
                _ => SeatState::OutOfService,
            };
            let away_for = if i % 22 == 7 { 95 } else { 10 };
            let label = if hostile && i == 7 {
                "\u{1b}[2J\u{9b}31mEVIL\u{1b}]8;;http://x/\u{7}".into()
            } else {
                format!("{f}-{i:03}")
            };
            seats.push(SeatView {
                id: format!("F{f}-S{i:04}"),
                label,
                floor_id: format!("F{f}"),
                zone_id: format!("F{f}-Z{zi}"),
                zone_kind: kinds[zi],
                x: (i % row + i % row / 5) as u32,
                y: (i / row * 2) as u32,
                power: i % 3 == 0,
                accessible: i % 7 == 0,
                state: Some(state),
                since: Some(
                    now() - Duration::minutes(if state == SeatState::Away { away_for } else { 40 }),
                ),
                sensor: Some(if i % 37 == 5 { SensorHealth::Offline } else { SensorHealth::Ok }),
            });
        }
    }
    SeatsSnapshot::build(
        &floor_rows,
        &zones,
        seats,
        crate::tui::model::ZoneReports {
            comfort: &comfort,
            head_counts: &[],
            limits: &ComfortLimits::default(),
        },
        now(),
        Duration::minutes(30),
    )
}

/// Every feed of an ingest with both APIs: the environment failing with a long error, the
/// seats recovered from an error forty minutes ago, the forecasts made five minutes ago.
pub fn system_snapshot() -> SystemSnapshot {
    let t = now();
    let feed = |name: &str, ok_s: i64, fails: u32, error: Option<(&str, i64)>| FeedState {
        feed: name.into(),
        cursor: None,
        last_attempt: Some(t - Duration::seconds(if fails > 0 { 2 } else { ok_s })),
        last_success: Some(t - Duration::seconds(ok_s)),
        last_error: error.map(|(e, _)| e.to_owned()),
        last_error_at: error.map(|(_, ago)| t - Duration::seconds(ago)),
        consecutive_failures: fails,
        server_offset_ms: Some(-1_200),
        records_ok: 600,
        records_quarantined: u64::from(fails),
    };
    SystemSnapshot {
        status: SystemStatus {
            database: DatabaseStatus {
                path: "/var/lib/carrel/carrel.db".into(),
                size_bytes: 2_400_000,
                schema_version: 1,
                demo: false,
                id: None,
            },
            lease: Some(Lease {
                holder: "desk-3:4242:1".into(),
                acquired: t,
                renewed: t,
                expires: t + Duration::seconds(15),
            }),
            feeds: vec![
                feed("engine.forecasts", 300, 0, None),
                feed("engine.rules", 20, 0, None),
                feed("recs.catalog", 1200, 0, None),
                feed("recs.model", 30, 0, None),
                feed("sensor.arrivals", 100, 0, None),
                feed(
                    "sensor.environment",
                    400,
                    3,
                    Some((
                        "HTTP 503: sensor gateway overloaded; the building management system \
                         is being restarted, retry after 11:30",
                        2,
                    )),
                ),
                feed("sensor.layout", 600, 0, None),
                feed("sensor.seats", 3, 0, Some(("timed out", 2400))),
                feed("sensor.service_points", 3, 0, None),
            ],
            quarantined: [("sensor.environment".to_owned(), 3)].into_iter().collect(),
            audit: crate::services::audit::AuditSummary {
                size: 1234,
                root: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328".into(),
                last_checkpoint: None,
                log_key: None,
                witnesses: vec![
                    crate::domain::rules::WitnessFact {
                        name: "committee.example/witness".into(),
                        cosigned_size: Some(1230),
                        cosigned_at: Some(t - Duration::minutes(4)),
                        attempt_at: Some(t - Duration::minutes(4)),
                        error: None,
                        refused_at: None,
                        refusal: None,
                    },
                    crate::domain::rules::WitnessFact {
                        name: "supplier.example/witness".into(),
                        cosigned_size: Some(1100),
                        cosigned_at: Some(t - Duration::hours(3)),
                        attempt_at: Some(t - Duration::minutes(4)),
                        error: Some("unreachable: connection refused".into()),
                        refused_at: None,
                        refusal: None,
                    },
                ],
                last_verification: Some(crate::domain::audit::VerificationRecord {
                    at: t - Duration::minutes(30),
                    size: 1200,
                    root: "ab".repeat(32),
                    ok: true,
                    first_bad: None,
                    message: "ok".into(),
                }),
            },
        },
        sources: vec![("carrel", "https://sensors.library.example/".into())],
        feed_sources: [
            "sensor.layout",
            "sensor.seats",
            "sensor.environment",
            "sensor.service_points",
            "sensor.arrivals",
        ]
        .into_iter()
        .map(|f| (f, "carrel"))
        .collect(),
        recs_url: None,
        own_holder: None,
        staleness: crate::domain::freshness::Staleness::new(
            60,
            1800,
            &[
                ("sensor.layout", 3600),
                ("sensor.seats", 5),
                ("sensor.service_points", 5),
                ("sensor.environment", 60),
                ("sensor.arrivals", 300),
                ("engine.forecasts", 900),
                ("recs.model", 600),
                ("recs.catalog", 3600),
                ("engine.rules", 60),
            ],
        ),
        recent_quarantine: vec![],
    }
}

/// Three services: circulation busy enough to want a window more, enquiries short of windows,
/// returns quiet; four hours of forecasts.
pub fn queue_overview() -> crate::services::queues::QueueOverview {
    use crate::domain::queueing::{Queue, ServiceTarget};
    use crate::domain::service_point::ServicePoint;
    use crate::services::queues::{Advice, QueueOverview, ServiceQueue, SlotPlan, WindowNow};
    let t = now();
    let target = ServiceTarget { within_s: 300.0, share: 0.8, max_occupancy: 0.85 };
    let point = |id: &str,
                 name: &str,
                 service: &str,
                 open: bool,
                 staff: Option<&str>,
                 queue: u32,
                 aht: f64,
                 served: u32| WindowNow {
        point: ServicePoint {
            id: id.into(),
            name: name.into(),
            service: service.into(),
            open,
            staff: staff.map(str::to_owned),
            queue_length: queue,
            oldest_waiting_since: (queue > 0).then(|| t - Duration::minutes(6)),
            served_today: served,
            mean_service_s: aht,
            updated_at: t,
        },
        wait_now_s: (queue > 0).then(|| f64::from(queue) * aht),
    };
    let slots = |base: f64, open: u32, rec: &dyn Fn(usize) -> u32| -> Vec<SlotPlan> {
        (0..16)
            .map(|i| {
                let a = base * (1.0 + (i as f64 * 0.45).sin() * 0.4);
                SlotPlan {
                    start: t + Duration::minutes(15 * i as i64),
                    arrivals: a,
                    lower: a * 0.7,
                    upper: a * 1.3,
                    recommended: rec(i),
                    meets_target: true,
                    planned: open,
                    planned_wait_s: Some(60.0 + i as f64),
                }
            })
            .collect()
    };
    let circ = ServiceQueue {
        service: "circulation".into(),
        windows: vec![
            point("circ-1", "Circulation desk 1", "circulation", true, Some("ana"), 4, 150.0, 66),
            point("circ-2", "Circulation desk 2", "circulation", true, Some("ben"), 3, 142.0, 52),
            point("circ-3", "Circulation desk 3", "circulation", true, Some("eli"), 5, 158.0, 23),
            point("circ-4", "Circulation desk 4", "circulation", false, None, 0, 165.0, 0),
        ],
        open: 3,
        aht_s: 150.0,
        slots: slots(14.0, 3, &|i| if (3..10).contains(&i) { 4 } else { 3 }),
        now: Some(Queue { arrivals_per_hour: 76.0, aht_s: 150.0, servers: 3 }.outlook(300.0)),
        advice: Some(Advice {
            action: "open",
            window: "circ-4".into(),
            window_name: "Circulation desk 4".into(),
            wait_now_s: Some(842.0),
            wait_after_s: Some(95.0),
        }),
    };
    let enq = ServiceQueue {
        service: "enquiries".into(),
        windows: vec![
            point("enq-1", "Enquiries desk 1", "enquiries", true, Some("chloe"), 2, 300.0, 11),
            point("enq-2", "Enquiries desk 2", "enquiries", false, None, 0, 285.0, 0),
        ],
        open: 1,
        aht_s: 300.0,
        slots: slots(2.0, 1, &|_| 1),
        now: Some(Queue { arrivals_per_hour: 8.0, aht_s: 300.0, servers: 1 }.outlook(300.0)),
        advice: None,
    };
    let ret = ServiceQueue {
        service: "returns".into(),
        windows: vec![point("ret-1", "Returns desk", "returns", true, Some("dev"), 0, 60.0, 86)],
        open: 1,
        aht_s: 60.0,
        slots: slots(7.0, 1, &|_| 1),
        now: Some(Queue { arrivals_per_hour: 28.0, aht_s: 60.0, servers: 1 }.outlook(300.0)),
        advice: None,
    };
    QueueOverview {
        now: t,
        step_s: 900,
        target,
        staff_on_duty: vec![
            "ana".into(),
            "ben".into(),
            "chloe".into(),
            "dev".into(),
            "eli".into(),
            "kai".into(),
        ],
        services: vec![circ, enq, ret],
        models: vec![],
    }
}

/// A console state showing the fixtures, at `size`, in monochrome.
pub fn state(size: (u16, u16), viewer: Viewer) -> State {
    let mut s = State::new(
        viewer,
        "Central Library".into(),
        chrono_tz::UTC,
        Keymap::defaults(),
        Theme::new(ThemeName::Mono),
        now(),
    );
    s.size = size;
    s.seats.snapshot = Some(seats_snapshot(2, 120, false));
    s.system.snapshot = Some(system_snapshot());
    s.queues.overview = Some(queue_overview());
    let (list, detail) = alerts();
    s.alerts.active = Some(list.len() as u64);
    s.alerts.list = Some(list);
    s.alerts.sel = 1;
    s.alerts.detail = Some(detail);
    s.governance.snapshot = Some(governance(&s.viewer));
    super::update::governance::clamp(&mut s);
    s.health = Health { sensor: super::model::ApiHealth::Ok, recs: super::model::ApiHealth::Off };
    s
}
