//! The rules over facts the store gathered rather than audit entries: data past retention, a
//! failed audit verification, a zone out of its comfort range for too long.

use chrono::{DateTime, Utc};

use crate::domain::comfort::{Measure, OutOfRange};
use crate::domain::layout::zone_label;
use crate::domain::units::{count, spoken_duration};

use super::context::{RuleContext, ZoneComfort};
use super::{Finding, Rule};

/// **PastRetention**: one finding per data kind and step with rows still due, from the first
/// to the last row's due time; no evidence (rows are not audit entries).
pub(super) fn past_retention(ctx: &RuleContext) -> Vec<Finding> {
    ctx.retention
        .iter()
        .filter(|f| f.rows > 0)
        .map(|f| {
            let overdue = (ctx.now - f.first_due).num_days().max(0);
            let since = f.first_due.with_timezone(&ctx.tz).date_naive();
            Finding {
                rule: Rule::PastRetention,
                key: format!("kind:{}:{}", f.kind, f.step),
                severity: Rule::PastRetention.severity(),
                first_seen: f.first_due,
                last_seen: f.last_due,
                count: f.rows,
                evidence: Vec::new(),
                summary: format!(
                    "{} {} due to be {} since {since} ({} overdue): `carrel purge`",
                    f.rows,
                    f.kind,
                    participle(&f.step),
                    count(overdue, "day", "days")
                ),
            }
        })
        .collect()
}

/// "anonymised" for the step `anonymise`: what the rows are due to be.
fn participle(step: &str) -> String {
    match step {
        "lock" => "locked".into(),
        "anonymise" => "anonymised".into(),
        "delete" => "deleted".into(),
        other => format!("{other}d"),
    }
}

/// **AuditVerifyFailed**: the last verification of the log failed. Evidence is the first bad
/// entry when the failure is at one.
pub(super) fn audit_verify_failed(ctx: &RuleContext) -> Option<Finding> {
    let v = ctx.verification.as_ref().filter(|v| v.failed())?;
    let place = match v.first_bad {
        Some(i) => format!("at entry {i} of {}", v.size),
        None => format!("over {}", count(v.size, "entry", "entries")),
    };
    let summary = match &v.problem {
        Some(problem) => format!("audit log verification failed {place}: {problem}"),
        None => format!("audit log verification failed {place}"),
    };
    Some(Finding {
        rule: Rule::AuditVerifyFailed,
        key: "audit".to_owned(),
        severity: Rule::AuditVerifyFailed.severity(),
        first_seen: v.at,
        last_seen: v.at,
        count: 1,
        evidence: v.first_bad.into_iter().collect(),
        summary,
    })
}

/// **ImpersonationOutsideDemo**: entries were made under `--as` on a database that was not
/// created as a demo — someone turned the demo mark on to act as others. Evidence is those
/// entries.
pub(super) fn impersonation_outside_demo(ctx: &RuleContext) -> Option<Finding> {
    let v = ctx.verification.as_ref().filter(|v| v.impersonated_count > 0)?;
    Some(Finding {
        rule: Rule::ImpersonationOutsideDemo,
        key: "audit:impersonation".to_owned(),
        severity: Rule::ImpersonationOutsideDemo.severity(),
        first_seen: v.at,
        last_seen: v.at,
        count: v.impersonated_count,
        evidence: v.impersonated.clone(),
        summary: v.impersonation.clone().unwrap_or_else(|| {
            format!(
                "{} made under --as on a database that is not a demo",
                count(v.impersonated_count, "entry", "entries")
            )
        }),
    })
}

/// **UnloggedWrite**: rows the audit log does not account for, one finding for all of
/// them, naming the first few. No evidence: the point is that there is no entry.
pub(super) fn unlogged_writes(ctx: &RuleContext) -> Option<Finding> {
    let first = ctx.unlogged.iter().map(|w| w.at).min()?;
    let last = ctx.unlogged.iter().map(|w| w.at).max()?;
    let named: Vec<String> =
        ctx.unlogged.iter().take(3).map(|w| format!("{} {}", w.what, w.subject)).collect();
    let more = ctx.unlogged.len().saturating_sub(named.len());
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    Some(Finding {
        rule: Rule::UnloggedWrite,
        key: "audit:unlogged".to_owned(),
        severity: Rule::UnloggedWrite.severity(),
        first_seen: first,
        last_seen: last,
        count: ctx.unlogged.len() as u64,
        evidence: Vec::new(),
        summary: format!(
            "{} with no audit entry, written around carrel: {}{more}",
            count(ctx.unlogged.len() as u64, "row", "rows"),
            named.join(", ")
        ),
    })
}

/// **WitnessRefused** and **WitnessSilent**: one finding per witness that refused a
/// checkpoint as inconsistent, and per witness that has not cosigned for longer than allowed
/// while the log grew past what it cosigned. No evidence entries: the witness's answer is
/// the evidence, in the summary.
pub(super) fn witnesses(ctx: &RuleContext) -> Vec<Finding> {
    let mut out = Vec::new();
    for w in &ctx.witnesses {
        if let (Some(at), Some(why)) = (w.refused_at, &w.refusal) {
            out.push(Finding {
                rule: Rule::WitnessRefused,
                key: format!("witness:{}:refused", w.name),
                severity: Rule::WitnessRefused.severity(),
                first_seen: at,
                last_seen: at,
                count: 1,
                evidence: Vec::new(),
                summary: format!("witness {} {why}", w.name),
            });
        }
        let Some(asked) = w.attempt_at else { continue };
        let behind = w.cosigned_size.is_none_or(|n| n < ctx.log_size);
        let since = w.cosigned_at.unwrap_or(asked);
        let silent = (ctx.now - since).num_seconds() > ctx.witness_silent_after_s;
        if behind && silent && w.cosigned_at.is_none_or(|c| c < asked) {
            let last = match (w.cosigned_size, w.cosigned_at) {
                (Some(n), Some(t)) => {
                    format!("last cosigned {} at {}", count(n, "entry", "entries"), t.to_rfc3339())
                }
                _ => "has never cosigned".to_owned(),
            };
            let error =
                w.error.as_deref().map(|e| format!("; last answer: {e}")).unwrap_or_default();
            out.push(Finding {
                rule: Rule::WitnessSilent,
                key: format!("witness:{}:silent", w.name),
                severity: Rule::WitnessSilent.severity(),
                first_seen: since,
                last_seen: asked,
                count: 1,
                evidence: Vec::new(),
                summary: format!(
                    "witness {} {last}, while the log grew to {}{error}",
                    w.name,
                    count(ctx.log_size, "entry", "entries")
                ),
            });
        }
    }
    out
}

const MEASURES: [Measure; 4] = [Measure::Temperature, Measure::Co2, Measure::Light, Measure::Noise];

/// A run of out-of-range samples of one measure.
struct Spell {
    start: DateTime<Utc>,
    /// The reading furthest beyond its limit.
    worst: OutOfRange,
}

/// **ComfortOutOfRange**: per zone and measure, a spell runs from the first sample out of range
/// to the first sample back in range (or to the last sample if it never came back); a spell
/// longer than `comfort_response_s` is a finding. Exactly the response time is not.
pub(super) fn comfort_out_of_range(ctx: &RuleContext) -> Vec<Finding> {
    let mut out = Vec::new();
    for zone in &ctx.comfort {
        zone_spells(ctx, zone, &mut out);
    }
    out
}

fn zone_spells(ctx: &RuleContext, zone: &ZoneComfort, out: &mut Vec<Finding>) {
    let mut open: [Option<Spell>; 4] = [None, None, None, None];
    for sample in &zone.samples {
        let marks = ctx.comfort_limits.assess(&sample.comfort, zone.kind);
        for (i, &measure) in MEASURES.iter().enumerate() {
            match (marks.iter().find(|m| m.measure == measure), &mut open[i]) {
                (Some(&mark), Some(spell)) => {
                    if beyond(&mark) > beyond(&spell.worst) {
                        spell.worst = mark;
                    }
                }
                (Some(&mark), slot @ None) => *slot = Some(Spell { start: sample.at, worst: mark }),
                (None, slot @ Some(_)) => {
                    if let Some(spell) = slot.take() {
                        out.extend(spell_finding(ctx, zone, &spell, sample.at));
                    }
                }
                (None, None) => {}
            }
        }
    }
    if let Some(last) = zone.samples.last() {
        for spell in open.into_iter().flatten() {
            out.extend(spell_finding(ctx, zone, &spell, last.at));
        }
    }
}

/// How far a reading is beyond the limit it broke.
fn beyond(mark: &OutOfRange) -> f64 {
    if mark.value > mark.high { mark.value - mark.high } else { mark.low - mark.value }
}

fn spell_finding(
    ctx: &RuleContext,
    zone: &ZoneComfort,
    spell: &Spell,
    end: DateTime<Utc>,
) -> Option<Finding> {
    let lasted = end - spell.start;
    if lasted.num_milliseconds() <= ctx.comfort_response_s.saturating_mul(1000) {
        return None;
    }
    let w = spell.worst;
    let (unit, decimals) = match w.measure {
        Measure::Temperature => (" °C", 1),
        Measure::Co2 => (" ppm", 0),
        Measure::Light => (" lux", 0),
        Measure::Noise => (" dB", 1),
    };
    let limit = if w.value > w.high { w.high } else { w.low };
    let start_ms = spell.start.timestamp_millis();
    let since = spell.start.with_timezone(&ctx.tz).format("%Y-%m-%d %H:%M");
    Some(Finding {
        rule: Rule::ComfortOutOfRange,
        key: format!("zone:{}:{}:{start_ms}", zone.zone_id, w.measure.as_str()),
        severity: Rule::ComfortOutOfRange.severity(),
        first_seen: spell.start,
        last_seen: end,
        count: 1,
        evidence: Vec::new(),
        summary: format!(
            "{} in {} out of range for {} from {since}: worst {:.decimals$}{unit}, \
             limit {:.decimals$}{unit}",
            w.measure.as_str(),
            zone_label(&zone.zone_id, &zone.zone_name),
            spoken_duration(lasted),
            w.value,
            limit,
        ),
    })
}
