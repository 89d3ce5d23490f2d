//! Scenario tests: one per rule raising exactly that rule, a clean working day raising nothing,
//! the edges (consent history, daylight-saving days, the evidence cap, new staff, the comfort
//! response time, consent tracking disabled), bounded memory, and a property test.

use std::collections::{BTreeSet, HashSet};

use chrono::{Duration, NaiveTime, TimeZone};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::*;
use crate::domain::audit::NewEntry;
use crate::domain::comfort::{Comfort, ComfortLimits, ZoneSample};
use crate::domain::layout::ZoneKind;

const TZ: Tz = chrono_tz::Europe::London;

/// A library-local time on a day without a daylight-saving change at that hour.
fn local(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    TZ.with_ymd_and_hms(y, m, d, h, mi, 0).single().unwrap().with_timezone(&Utc)
}

/// A weekday in November, library time.
fn nov(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    local(2026, 11, d, h, mi)
}

/// A patron's pseudonym: 64 lowercase hex.
fn patron(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// A log written in order; each method returns the new entry's `seq`.
#[derive(Default)]
struct Log(Vec<Entry>);

impl Log {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        at: DateTime<Utc>,
        actor: &str,
        action: &str,
        object: &str,
        purpose: &str,
        outcome: Outcome,
        details: &str,
    ) -> u64 {
        let seq = self.0.len() as u64;
        self.0.push(Entry {
            seq,
            entry: NewEntry {
                at,
                actor: actor.into(),
                role: "desk".into(),
                action: action.into(),
                object: object.into(),
                purpose: purpose.into(),
                outcome,
                details: details.into(),
                impersonator: None,
            },
        });
        seq
    }

    fn read(&mut self, at: DateTime<Utc>, actor: &str, who: u8, purpose: &str) -> u64 {
        let object = format!("patron:{}", patron(who));
        self.push(at, actor, "patron.read", &object, purpose, Outcome::Allowed, "")
    }

    fn recs(&mut self, at: DateTime<Utc>, actor: &str, who: u8) -> u64 {
        let object = format!("patron:{}", patron(who));
        self.push(at, actor, "recs.serve", &object, "recommendations", Outcome::Allowed, "")
    }

    fn export(&mut self, at: DateTime<Utc>, actor: &str, object: &str, details: &str) -> u64 {
        self.push(at, actor, "data.export", object, "", Outcome::Allowed, details)
    }

    /// `n` circulation reads of `actor` on a November day, a minute apart from 09:00.
    fn desk_day(&mut self, actor: &str, day: u32, n: u32) -> Vec<u64> {
        (0..n)
            .map(|i| {
                self.read(nov(day, 9, 0) + Duration::minutes(i.into()), actor, 1, "circulation")
            })
            .collect()
    }
}

/// A library open 07:00–22:00 in London, consent enforced, nothing recorded yet.
fn ctx() -> RuleContext {
    RuleContext {
        now: nov(21, 12, 0),
        tz: TZ,
        working_hours: (hm(7, 0), hm(22, 0)),
        consent_mode: ConsentMode::Enforced,
        consent: ConsentBook::new(),
        approved_purposes: vec!["circulation".into(), "account".into()],
        approved_requests: HashSet::from(["r1".to_owned()]),
        bulk: BulkParams::default(),
        retention: Vec::new(),
        verification: None,
        comfort: Vec::new(),
        unlogged: Vec::new(),
        witnesses: Vec::new(),
        log_size: 0,
        witness_silent_after_s: 3600,
        comfort_limits: ComfortLimits::default(),
        comfort_response_s: 120,
    }
}

const FRESH: Comfort = Comfort {
    temperature_c: Some(21.0),
    co2_ppm: Some(650.0),
    light_lux: Some(500.0),
    noise_db: Some(35.0),
};

/// A quiet zone sampled every `step_s` seconds from `start`, with CO2 from `co2`.
fn zone(start: DateTime<Utc>, step_s: i64, co2: &[f64]) -> ZoneComfort {
    let samples = co2
        .iter()
        .enumerate()
        .map(|(i, &co2_ppm)| ZoneSample {
            zone_id: "z1".into(),
            at: start + Duration::seconds(step_s * i as i64),
            comfort: Comfort { co2_ppm: Some(co2_ppm), ..FRESH },
        })
        .collect();
    ZoneComfort {
        zone_id: "z1".into(),
        zone_name: "North reading room".into(),
        kind: ZoneKind::Quiet,
        samples,
    }
}

fn rules_of(findings: &[Finding]) -> BTreeSet<Rule> {
    findings.iter().map(|f| f.rule).collect()
}

fn only(findings: &[Finding], rule: Rule) -> &Finding {
    assert_eq!(rules_of(findings), BTreeSet::from([rule]), "{findings:#?}");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    &findings[0]
}

#[test]
fn names_round_trip_and_severities_order() {
    for rule in Rule::ALL {
        assert_eq!(Rule::parse(rule.as_str()), Some(rule));
        assert!(!rule.title().is_empty());
    }
    for s in Severity::ALL {
        assert_eq!(Severity::parse(s.as_str()), Some(s));
    }
    for m in ConsentMode::ALL {
        assert_eq!(ConsentMode::parse(m.as_str()), Ok(m));
    }
    assert_eq!(Rule::parse("bulk"), None);
    assert!(Severity::Low < Severity::Medium && Severity::High < Severity::Critical);
    assert_eq!(Rule::AuditVerifyFailed.severity(), Severity::Critical);
    assert_eq!(Rule::ComfortOutOfRange.severity(), Severity::Low);
    assert_eq!(
        serde_json::to_string(&Rule::RecsAfterWithdrawal).unwrap(),
        "\"recs-after-withdrawal\""
    );
}

#[test]
fn a_normal_working_day_raises_nothing() {
    let mut c = ctx();
    c.consent.record(&patron(2), "recommendations", nov(1, 9, 0), true);
    c.verification = Some(VerificationFact {
        at: nov(20, 3, 0),
        size: 900,
        first_bad: None,
        problem: None,
        ..Default::default()
    });
    c.comfort = vec![zone(nov(20, 9, 0), 60, &[600.0; 30])];
    let mut log = Log::default();
    for day in 2..=20 {
        log.desk_day("alice", day, 30);
        log.read(nov(day, 16, 0), "bob", 3, "account");
        log.recs(nov(day, 12, 0), "alice", 2);
    }
    log.read(nov(20, 17, 0), "bob", 4, "request:r1");
    log.export(nov(20, 17, 5), "bob", "dataset:loans", r#"{"request":"r1","rows":12}"#);
    // Refused and failed attempts are not access, however they look.
    log.push(
        nov(20, 23, 50),
        "eve",
        "patron.read",
        &format!("patron:{}", patron(5)),
        "",
        Outcome::Denied,
        "",
    );
    log.push(nov(20, 23, 51), "eve", "data.export", "dataset:loans", "", Outcome::Failed, "{}");
    assert_eq!(evaluate(&c, &log.0), vec![]);
}

#[test]
fn access_without_consent_or_approved_purpose() {
    let mut log = Log::default();
    let a = log.read(nov(20, 10, 0), "bob", 1, "marketing");
    let b = log.read(nov(20, 10, 1), "bob", 1, "");
    let c = log.read(nov(20, 10, 2), "bob", 1, "request:r9");
    log.read(nov(20, 10, 3), "bob", 1, "request:r1");
    let d = log.read(nov(20, 10, 4), "bob", 2, "profiling");
    let e = log.recs(nov(20, 10, 5), "bob", 3);
    let findings = evaluate(&ctx(), &log.0);
    let f = only(&findings, Rule::AccessWithoutConsent);
    assert_eq!(f.key, "actor:bob");
    assert_eq!(f.evidence, vec![a, b, c, d, e]);
    assert_eq!(f.count, 5);
    assert_eq!((f.first_seen, f.last_seen), (nov(20, 10, 0), nov(20, 10, 5)));
    assert_eq!(f.severity, Severity::High);
    assert!(f.summary.starts_with("bob: 4 patron reads"), "{}", f.summary);
    assert!(f.summary.contains("'marketing'") && f.summary.contains("1 recommendation served"));
}

#[test]
fn bulk_access_above_the_actors_own_baseline() {
    let history = || {
        let mut log = Log::default();
        for day in 2..=11 {
            log.desk_day("alice", day, 12);
        }
        log
    };
    // Baseline 12/day: 5 × 12 = 60 is the bar, and 60 reads on a day is not above it.
    let mut log = history();
    log.desk_day("alice", 12, 60);
    assert_eq!(evaluate(&ctx(), &log.0), vec![]);

    let mut log = history();
    let flagged = log.desk_day("alice", 12, 61);
    let findings = evaluate(&ctx(), &log.0);
    let f = only(&findings, Rule::BulkAccess);
    assert_eq!(f.key, "actor:alice");
    assert_eq!(f.count, 61);
    let kept: Vec<u64> = flagged[..25].iter().chain(&flagged[36..]).copied().collect();
    assert_eq!(f.evidence, kept);
    assert_eq!((f.first_seen, f.last_seen), (nov(12, 9, 0), nov(12, 10, 0)));
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.summary, "alice accessed 61 patron records on 2026-11-12 (baseline 12.0/day)");
}

#[test]
fn flagged_days_of_an_actor_fold_into_one_finding() {
    let mut log = Log::default();
    let first = log.desk_day("alice", 2, 51);
    log.desk_day("alice", 3, 5);
    let second = log.desk_day("alice", 9, 70);
    let f = only(&evaluate(&ctx(), &log.0), Rule::BulkAccess).clone();
    assert_eq!(f.count, 51 + 70);
    assert_eq!((f.first_seen, f.last_seen), (nov(2, 9, 0), nov(9, 10, 9)));
    let kept: Vec<u64> = first[..25].iter().chain(&second[45..]).copied().collect();
    assert_eq!(f.evidence, kept);
    assert!(
        f.summary.contains("70 patron records on 2026-11-09")
            && f.summary.contains("2 days flagged")
    );
}

#[test]
fn bulk_baseline_of_a_new_staff_member() {
    // First day: no baseline, so only min_reads stands.
    let mut log = Log::default();
    log.desk_day("new", 2, 50);
    assert_eq!(evaluate(&ctx(), &log.0), vec![]);
    log.desk_day("newer", 2, 51);
    assert_eq!(only(&evaluate(&ctx(), &log.0), Rule::BulkAccess).key, "actor:newer");

    // Three days of 20: the baseline is 20, not 60 spread over 28 days, so 90 is not bulk.
    let mut log = Log::default();
    for day in 2..=4 {
        log.desk_day("new", day, 20);
    }
    log.desk_day("new", 5, 90);
    assert_eq!(evaluate(&ctx(), &log.0), vec![]);

    // Quiet days after the first count as zero: (20 + 0 + 0 + 0) / 4 = 5, so 90 is bulk.
    let mut log = Log::default();
    log.desk_day("new", 2, 20);
    let day = log.desk_day("new", 6, 90);
    let f = only(&evaluate(&ctx(), &log.0), Rule::BulkAccess).clone();
    assert_eq!((f.count, f.first_seen), (90, nov(6, 9, 0)));
    assert_eq!(f.evidence.first(), day.first());
    assert!(f.summary.contains("baseline 5.0/day"), "{}", f.summary);
}

#[test]
fn bulk_days_are_library_days() {
    // 23:00–23:59 UTC on 30 June is 00:00–00:59 on 1 July in London (BST): two library days
    // of 30 reads, though one UTC day of 60.
    let mut log = Log::default();
    let start = Utc.with_ymd_and_hms(2026, 6, 30, 22, 0, 0).unwrap();
    for i in 0..60 {
        log.read(start + Duration::minutes(i * 2), "night", 1, "circulation");
    }
    let mut c = ctx();
    c.working_hours = (hm(0, 0), hm(23, 59));
    assert!(!rules_of(&evaluate(&c, &log.0)).contains(&Rule::BulkAccess));
}

#[test]
fn off_hours_access_alone() {
    let mut log = Log::default();
    for day in 2..=6 {
        log.desk_day("carol", day, 5);
    }
    let late = log.read(nov(9, 23, 30), "carol", 1, "circulation");
    let early = log.read(nov(10, 6, 59), "carol", 1, "circulation");
    log.read(nov(10, 7, 0), "carol", 1, "circulation");
    let f = only(&evaluate(&ctx(), &log.0), Rule::OffHoursAccess).clone();
    assert_eq!(f.key, "actor:carol");
    assert_eq!((f.count, f.evidence), (2, vec![late, early]));
    assert_eq!(f.severity, Severity::Medium);
    assert!(
        f.summary.contains("carol accessed patron data 2 times outside working hours 07:00–22:00")
    );
}

#[test]
fn off_hours_follow_daylight_saving_in_london() {
    let mut log = Log::default();
    // 06:30 UTC is 06:30 GMT the day before the clocks go forward, 07:30 BST on the day.
    let before_spring =
        log.read(Utc.with_ymd_and_hms(2026, 3, 28, 6, 30, 0).unwrap(), "dan", 1, "account");
    log.read(Utc.with_ymd_and_hms(2026, 3, 29, 6, 30, 0).unwrap(), "dan", 1, "account");
    // 21:30 UTC is 22:30 BST the day before the clocks go back, 21:30 GMT on the day.
    let before_autumn =
        log.read(Utc.with_ymd_and_hms(2026, 10, 24, 21, 30, 0).unwrap(), "dan", 1, "account");
    log.read(Utc.with_ymd_and_hms(2026, 10, 25, 21, 30, 0).unwrap(), "dan", 1, "account");
    let f = only(&evaluate(&ctx(), &log.0), Rule::OffHoursAccess).clone();
    assert_eq!(f.evidence, vec![before_spring, before_autumn]);
}

#[test]
fn export_without_an_approved_request() {
    let mut log = Log::default();
    let a = log.export(nov(20, 11, 0), "dave", "dataset:loans", r#"{"request":"r9"}"#);
    let b = log.export(nov(20, 11, 1), "dave", "dataset:visits", "not json at all");
    log.export(nov(20, 11, 2), "dave", "dataset:loans", r#"{"rows":3,"request":"r1"}"#);
    log.export(nov(20, 11, 2), "dave", "dataset:loans", r#"{"request":"r\u0031"}"#);
    log.push(nov(20, 11, 2), "dave", "data.export", "dataset:loans", "", Outcome::Denied, "");
    let c = log.export(nov(20, 11, 3), "dave", &format!("patron:{}", patron(1)), "{}");
    let d = log.export(nov(20, 11, 4), "dave", "dataset:loans", r#"{"request":17}"#);
    let f = only(&evaluate(&ctx(), &log.0), Rule::ExportWithoutRequest).clone();
    assert_eq!(f.key, "actor:dave");
    assert_eq!((f.count, f.evidence), (4, vec![a, b, c, d]));
    assert!(f.summary.contains("dave made 4 exports") && f.summary.contains("dataset:loans"));
}

#[test]
fn data_past_retention() {
    let mut c = ctx();
    let fact = |kind: &str, step: &str, rows| RetentionFact {
        kind: kind.into(),
        step: step.into(),
        rows,
        first_due: nov(1, 0, 0),
        last_due: nov(15, 0, 0),
    };
    c.retention = vec![fact("loans", "anonymise", 12), fact("searches", "delete", 0)];
    let f = only(&evaluate(&c, &[]), Rule::PastRetention).clone();
    assert_eq!(f.key, "kind:loans:anonymise");
    assert_eq!((f.count, f.first_seen, f.last_seen), (12, nov(1, 0, 0), nov(15, 0, 0)));
    assert!(f.evidence.is_empty());
    assert!(
        f.summary.contains("12 loans due to be anonymised")
            && f.summary.contains("20 days overdue"),
        "{}",
        f.summary
    );
}

#[test]
fn recommendations_after_withdrawal_alone() {
    let mut c = ctx();
    c.consent.record(&patron(1), "recommendations", nov(20, 9, 0), true);
    c.consent.record(&patron(1), "recommendations", nov(20, 10, 0), false);
    let mut log = Log::default();
    log.recs(nov(20, 9, 30), "recs", 1);
    let a = log.recs(nov(20, 11, 0), "recs", 1);
    let b = log.recs(nov(20, 12, 0), "ann", 1);
    let f = only(&evaluate(&c, &log.0), Rule::RecsAfterWithdrawal).clone();
    assert_eq!(f.key, format!("patron:{}", patron(1)));
    assert_eq!((f.count, f.evidence), (2, vec![a, b]));
    assert!(f.summary.contains("last by ann"), "{}", f.summary);
}

#[test]
fn consent_granted_withdrawn_and_granted_again() {
    let mut c = ctx();
    let p = patron(1);
    c.consent.record(&p, "recommendations", nov(20, 12, 0), true);
    c.consent.record(&p, "recommendations", nov(20, 9, 0), true); // recorded out of order
    c.consent.record(&p, "recommendations", nov(20, 10, 0), false);
    assert_eq!(c.consent.state_at(&p, "recommendations", nov(20, 8, 59)), ConsentAt::Never);
    assert_eq!(c.consent.state_at(&p, "recommendations", nov(20, 9, 0)), ConsentAt::Granted);
    assert_eq!(c.consent.state_at(&p, "recommendations", nov(20, 10, 0)), ConsentAt::Withdrawn);
    assert_eq!(c.consent.state_at(&p, "recommendations", nov(20, 11, 59)), ConsentAt::Withdrawn);
    assert_eq!(c.consent.state_at(&p, "recommendations", nov(20, 12, 0)), ConsentAt::Granted);
    assert_eq!(c.consent.state_at(&p, "profiling", nov(20, 12, 0)), ConsentAt::Never);

    let mut log = Log::default();
    let never = log.recs(nov(20, 8, 0), "recs", 1);
    log.recs(nov(20, 9, 30), "recs", 1);
    let withdrawn = log.recs(nov(20, 11, 0), "recs", 1);
    let read_withdrawn = log.read(nov(20, 11, 5), "ann", 1, "recommendations");
    log.recs(nov(20, 13, 0), "recs", 1);
    log.read(nov(20, 13, 5), "ann", 1, "recommendations");
    let findings = evaluate(&c, &log.0);
    assert_eq!(findings.len(), 3, "{findings:#?}");
    let by = |rule, key: &str| findings.iter().find(|f| f.rule == rule && f.key == key).unwrap();
    assert_eq!(by(Rule::AccessWithoutConsent, "actor:recs").evidence, vec![never]);
    assert_eq!(by(Rule::AccessWithoutConsent, "actor:ann").evidence, vec![read_withdrawn]);
    assert_eq!(by(Rule::RecsAfterWithdrawal, &format!("patron:{p}")).evidence, vec![withdrawn]);
}

#[test]
fn with_consent_tracking_disabled_consent_purposes_are_approved() {
    let mut c = ctx();
    c.consent_mode = ConsentMode::Disabled;
    c.consent.record(&patron(2), "recommendations", nov(1, 9, 0), false);
    let mut log = Log::default();
    log.read(nov(20, 10, 0), "ann", 1, "profiling");
    log.read(nov(20, 10, 1), "ann", 1, "recommendations");
    log.recs(nov(20, 10, 2), "recs", 1);
    log.recs(nov(20, 10, 3), "recs", 2);
    assert_eq!(evaluate(&c, &log.0), vec![]);
    // An unapproved purpose is still one.
    let odd = log.read(nov(20, 10, 4), "ann", 1, "curiosity");
    assert_eq!(only(&evaluate(&c, &log.0), Rule::AccessWithoutConsent).evidence, vec![odd]);
    // Permissive mode allows such reads but they are findings all the same.
    c.consent_mode = ConsentMode::Permissive;
    assert_eq!(evaluate(&c, &log.0).len(), 3);
}

#[test]
fn audit_verification_failure() {
    let mut c = ctx();
    c.verification = Some(VerificationFact {
        at: nov(21, 3, 0),
        size: 900,
        first_bad: Some(17),
        problem: Some("leaf hash differs".into()),
        ..Default::default()
    });
    let f = only(&evaluate(&c, &[]), Rule::AuditVerifyFailed).clone();
    assert_eq!((f.key.as_str(), f.count, f.evidence), ("audit", 1, vec![17]));
    assert_eq!((f.first_seen, f.last_seen), (nov(21, 3, 0), nov(21, 3, 0)));
    assert_eq!(f.summary, "audit log verification failed at entry 17 of 900: leaf hash differs");

    c.verification = Some(VerificationFact {
        at: nov(21, 3, 0),
        size: 900,
        first_bad: None,
        problem: Some("checkpoint root differs".into()),
        ..Default::default()
    });
    let f = only(&evaluate(&c, &[]), Rule::AuditVerifyFailed).clone();
    assert!(f.evidence.is_empty() && f.summary.contains("checkpoint root differs"));
}

#[test]
fn entries_made_under_as_outside_a_demo_are_their_own_critical_alert() {
    let mut c = ctx();
    c.verification = Some(VerificationFact {
        at: nov(21, 3, 0),
        size: 900,
        impersonated: vec![40, 41, 42],
        impersonated_count: 3,
        impersonation: Some("3 entries were made under --as".into()),
        ..Default::default()
    });
    let findings = evaluate(&c, &[]);
    let f = only(&findings, Rule::ImpersonationOutsideDemo);
    assert_eq!(
        (f.severity, f.count, f.evidence.clone()),
        (Severity::Critical, 3, vec![40, 41, 42])
    );
    assert!(
        findings.iter().all(|f| f.rule != Rule::AuditVerifyFailed),
        "a whole log with --as entries is not a failed verification"
    );
}

#[test]
fn comfort_out_of_range_longer_than_the_response_time() {
    let mut c = ctx();
    let start = nov(20, 14, 0);
    // Out of range from 60 s to the sample back in range at 240 s: 180 s.
    c.comfort = vec![zone(
        start,
        30,
        &[700.0, 800.0, 1200.0, 1450.0, 1300.0, 1100.0, 1050.0, 1020.0, 900.0, 800.0],
    )];
    let f = only(&evaluate(&c, &[]), Rule::ComfortOutOfRange).clone();
    let begin = start + Duration::seconds(60);
    assert_eq!(f.key, format!("zone:z1:co2:{}", begin.timestamp_millis()));
    assert_eq!((f.first_seen, f.last_seen, f.count), (begin, start + Duration::seconds(240), 1));
    assert_eq!(
        f.summary,
        "co2 in North reading room (z1) out of range for 3 min from 2026-11-20 14:01: worst 1450 ppm, limit 1000 ppm"
    );
}

#[test]
fn comfort_spell_of_exactly_the_response_time_is_not_a_finding() {
    let mut c = ctx();
    let start = nov(20, 14, 0);
    c.comfort = vec![zone(start, 120, &[1200.0, 600.0])];
    assert_eq!(evaluate(&c, &[]), vec![]);
    c.comfort = vec![zone(start, 121, &[1200.0, 600.0])];
    assert_eq!(
        only(&evaluate(&c, &[]), Rule::ComfortOutOfRange).last_seen,
        start + Duration::seconds(121)
    );
    // Still out of range at the last sample: the spell ends there.
    c.comfort = vec![zone(start, 61, &[600.0, 1200.0, 1300.0, 1250.0])];
    let f = only(&evaluate(&c, &[]), Rule::ComfortOutOfRange).clone();
    assert_eq!(
        (f.first_seen, f.last_seen),
        (start + Duration::seconds(61), start + Duration::seconds(183))
    );
}

#[test]
fn evidence_keeps_the_first_and_last_25_and_the_count_stays_exact() {
    let mut log = Log::default();
    let seqs: Vec<u64> =
        (0..120).map(|i| log.read(nov(20, 10, 0) + Duration::seconds(i), "bob", 1, "")).collect();
    let mut c = ctx();
    c.bulk.min_reads = 1_000;
    let f = only(&evaluate(&c, &log.0), Rule::AccessWithoutConsent).clone();
    assert_eq!(f.count, 120);
    assert_eq!(f.evidence.len(), MAX_EVIDENCE);
    assert_eq!(f.evidence, seqs[..25].iter().chain(&seqs[95..]).copied().collect::<Vec<_>>());
}

#[test]
fn findings_come_most_severe_first_then_latest_first() {
    let mut c = ctx();
    c.verification = Some(VerificationFact {
        at: nov(1, 3, 0),
        size: 9,
        first_bad: Some(3),
        problem: None,
        ..Default::default()
    });
    c.comfort = vec![zone(nov(20, 14, 0), 200, &[1200.0, 600.0])];
    let mut log = Log::default();
    log.read(nov(20, 10, 0), "early", 1, "");
    log.read(nov(20, 11, 0), "late", 1, "");
    log.read(nov(20, 23, 0), "owl", 1, "account");
    let order: Vec<(Rule, String)> =
        evaluate(&c, &log.0).into_iter().map(|f| (f.rule, f.key)).collect();
    assert_eq!(
        order,
        vec![
            (Rule::AuditVerifyFailed, "audit".into()),
            (Rule::AccessWithoutConsent, "actor:late".into()),
            (Rule::AccessWithoutConsent, "actor:early".into()),
            (Rule::OffHoursAccess, "actor:owl".into()),
            (Rule::ComfortOutOfRange, format!("zone:z1:co2:{}", nov(20, 14, 0).timestamp_millis())),
        ]
    );
}

#[test]
fn memory_is_bounded_by_actors_and_baseline_days() {
    let mut log = Log::default();
    let start = nov(1, 9, 0);
    for day in 0..400 {
        for actor in ["a", "b", "c"] {
            for i in 0..5 {
                log.read(start + Duration::days(day) + Duration::minutes(i), actor, 1, "account");
            }
        }
    }
    let c = ctx();
    let mut rules = Rules::new(&c);
    for e in &log.0 {
        rules.observe(e);
    }
    assert!(rules.retained_days() <= 3 * 28, "{}", rules.retained_days());
    assert_eq!(rules.actors.len(), 3);
    assert_eq!(rules.finish(), vec![]);
}

#[test]
fn working_hours_may_run_across_midnight() {
    let night = (hm(22, 0), hm(6, 0));
    assert!(access::in_working_hours(night, hm(23, 0)));
    assert!(access::in_working_hours(night, hm(5, 59)));
    assert!(!access::in_working_hours(night, hm(6, 0)));
    assert!(!access::in_working_hours(night, hm(12, 0)));
}

/// Any log over a few actors, patrons, actions and days, in `seq` order with times that may
/// step back.
fn any_log() -> impl Strategy<Value = Vec<Entry>> {
    let actions = ["patron.read", "recs.serve", "data.export", "consent.change", "seat.release"];
    let objects = ["patron:p0", "patron:p1", "patron:p2", "dataset:loans", "seat:s1"];
    let purposes =
        ["", "circulation", "profiling", "recommendations", "request:r1", "request:r9", "x"];
    let details = ["", r#"{"request":"r1"}"#, r#"{"request":5}"#, "{", r#"{"request":"r9"}"#];
    let outcomes = [Outcome::Allowed, Outcome::Allowed, Outcome::Denied, Outcome::Failed];
    let entry = (0..3usize, 0..5usize, 0..5usize, 0..7usize, 0..4usize, 0..5usize, -600i64..14_400);
    proptest::collection::vec(entry, 0..400).prop_map(move |rows| {
        let mut at = nov(2, 0, 0);
        rows.into_iter()
            .enumerate()
            .map(|(seq, (actor, action, object, purpose, outcome, detail, step_s))| {
                at += Duration::seconds(step_s);
                Entry {
                    seq: seq as u64,
                    entry: NewEntry {
                        at,
                        actor: ["a", "b", "c"][actor].into(),
                        role: "-".into(),
                        action: actions[action].into(),
                        object: objects[object].into(),
                        purpose: purposes[purpose].into(),
                        outcome: outcomes[outcome],
                        details: details[detail].into(),
                        impersonator: None,
                    },
                }
            })
            .collect()
    })
}

fn any_context() -> impl Strategy<Value = RuleContext> {
    let consent =
        proptest::collection::vec((0..3u8, any::<bool>(), any::<bool>(), 0i64..500_000), 0..10);
    let co2 = proptest::collection::vec((500.0..1500.0f64, -30i64..200), 0..40);
    (0..3usize, 0..24u32, 0..24u32, 0..4u32, 0.0..6.0f64, 0..6u64, consent, co2).prop_map(
        |(mode, start, end, days, factor, min_reads, consent, co2)| {
            let mut c = ctx();
            c.consent_mode = ConsentMode::ALL[mode];
            c.working_hours = (hm(start, 0), hm(end, 0));
            c.bulk = BulkParams { baseline_days: days, factor, min_reads };
            for (p, recs, granted, s) in consent {
                let purpose = if recs { "recommendations" } else { "profiling" };
                c.consent.record(
                    &format!("p{p}"),
                    purpose,
                    nov(2, 0, 0) + Duration::seconds(s),
                    granted,
                );
            }
            let mut z = zone(nov(2, 0, 0), 0, &[]);
            let mut at = nov(2, 0, 0);
            for (co2_ppm, step) in co2 {
                at += Duration::seconds(step);
                z.samples.push(ZoneSample {
                    zone_id: "z1".into(),
                    at,
                    comfort: Comfort { co2_ppm: Some(co2_ppm), ..FRESH },
                });
            }
            c.comfort = vec![z];
            c
        },
    )
}

proptest! {
    #[test]
    fn finish_never_panics_and_evidence_is_ascending_capped_and_allowed(
        log in any_log(),
        c in any_context(),
    ) {
        let findings = evaluate(&c, &log);
        for f in &findings {
            prop_assert!(f.evidence.len() <= MAX_EVIDENCE, "{f:?}");
            prop_assert!(f.evidence.windows(2).all(|w| w[0] < w[1]), "{f:?}");
            prop_assert!(f.evidence.len() as u64 <= f.count, "{f:?}");
            prop_assert!(f.first_seen <= f.last_seen, "{f:?}");
            prop_assert_eq!(f.severity, f.rule.severity());
            for &seq in &f.evidence {
                prop_assert_eq!(log[seq as usize].entry.outcome, Outcome::Allowed);
            }
        }
        for w in findings.windows(2) {
            prop_assert!((w[0].severity, w[0].last_seen) >= (w[1].severity, w[1].last_seen));
        }
    }
}

#[test]
fn rows_no_entry_accounts_for_are_one_critical_finding_naming_the_first() {
    let mut c = ctx();
    c.unlogged = (1..=5)
        .map(|i| UnloggedWrite {
            what: "request vote".into(),
            subject: format!("request:{i} by uma"),
            at: c.now - Duration::minutes(10 - i),
        })
        .collect();
    let findings = evaluate(&c, &[]);
    let f = only(&findings, Rule::UnloggedWrite);
    assert_eq!((f.severity, f.count), (Severity::Critical, 5));
    assert!(f.summary.starts_with("5 rows with no audit entry"), "{}", f.summary);
    assert!(f.summary.contains("request:1 by uma") && f.summary.ends_with("and 2 more"));
    assert!(evaluate(&ctx(), &[]).iter().all(|f| f.rule != Rule::UnloggedWrite));
}

fn witness(name: &str) -> WitnessFact {
    WitnessFact {
        name: name.into(),
        cosigned_size: Some(40),
        cosigned_at: Some(nov(21, 11, 50)),
        attempt_at: Some(nov(21, 11, 59)),
        error: None,
        refused_at: None,
        refusal: None,
    }
}

#[test]
fn a_witness_that_refused_a_checkpoint_is_a_critical_finding() {
    let mut c = ctx();
    c.log_size = 40;
    let mut w = witness("committee.example/w");
    w.refused_at = Some(nov(21, 11, 55));
    w.refusal = Some("refused the checkpoint of 45 entries as inconsistent".into());
    c.witnesses = vec![w, witness("library.example/w")];
    let found = Rules::new(&c).finish();
    let f = only(&found, Rule::WitnessRefused);
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.key, "witness:committee.example/w:refused");
    assert!(f.summary.contains("inconsistent"), "{}", f.summary);
}

#[test]
fn a_witness_is_silent_only_when_it_is_behind_for_longer_than_allowed() {
    let mut c = ctx();
    c.witness_silent_after_s = 600;
    c.log_size = 40;
    c.witnesses = vec![witness("w1")];
    assert!(Rules::new(&c).finish().is_empty(), "up to date");
    c.log_size = 50;
    assert!(Rules::new(&c).finish().is_empty(), "behind for ten minutes only");
    c.witnesses[0].cosigned_at = Some(nov(21, 11, 0));
    c.witnesses[0].error = Some("unreachable: connection refused".into());
    let found = Rules::new(&c).finish();
    let f = only(&found, Rule::WitnessSilent);
    assert!(f.summary.contains("last cosigned 40 entries"), "{}", f.summary);
    assert!(f.summary.contains("connection refused"), "{}", f.summary);
    c.witnesses[0].attempt_at = None;
    assert!(Rules::new(&c).finish().is_empty(), "never asked: not silent");
}
