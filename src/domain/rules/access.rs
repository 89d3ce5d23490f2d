//! The rules that judge one entry at a time: access without consent or an approved purpose,
//! recommendations after a withdrawal, off-hours access, exports without an approved request.
//!
//! Each rule is a pure predicate over the entry and the context; [`PerEntry`] only counts what
//! the predicates flag, per actor (or per patron for withdrawals).

use crate::domain::units::count;
use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, NaiveTime, Utc};
use serde::Deserialize;

use super::context::{ConsentAt, ConsentMode, RuleContext};
use super::tally::{Actors, PerActor, Tally, note_in};
use super::{Finding, Rule};

/// Purposes that need the patron's consent rather than an approval.
const CONSENT_PURPOSES: [&str; 2] = ["profiling", "recommendations"];

/// The consent purpose of a served recommendation.
const RECOMMENDATIONS: &str = "recommendations";

/// **AccessWithoutConsent**, for reads: is a `patron.read` of `patron` for `purpose` at `at`
/// justified? A consent purpose needs consent granted at that moment (with consent tracking
/// disabled it counts as approved); any other purpose must be one of the approved purposes or
/// `request:<id>` naming an approved request. An empty purpose justifies nothing.
pub(super) fn read_is_justified(
    ctx: &RuleContext,
    patron: &str,
    purpose: &str,
    at: DateTime<Utc>,
) -> bool {
    if CONSENT_PURPOSES.contains(&purpose) {
        return ctx.consent_mode == ConsentMode::Disabled
            || ctx.consent.state_at(patron, purpose, at) == ConsentAt::Granted;
    }
    if purpose.is_empty() {
        return false;
    }
    if ctx.approved_purposes.iter().any(|p| p == purpose) {
        return true;
    }
    purpose.strip_prefix("request:").is_some_and(|id| ctx.approved_requests.contains(id))
}

/// **AccessWithoutConsent** and **RecsAfterWithdrawal**, for served recommendations: the rule a
/// `recs.serve` to `patron` at `at` breaks, if any. Never consented is access without consent;
/// consent withdrawn is a recommendation after withdrawal, and only that. With consent tracking
/// disabled neither applies.
pub(super) fn recs_breaks(ctx: &RuleContext, patron: &str, at: DateTime<Utc>) -> Option<Rule> {
    if ctx.consent_mode == ConsentMode::Disabled {
        return None;
    }
    match ctx.consent.state_at(patron, RECOMMENDATIONS, at) {
        ConsentAt::Granted => None,
        ConsentAt::Never => Some(Rule::AccessWithoutConsent),
        ConsentAt::Withdrawn => Some(Rule::RecsAfterWithdrawal),
    }
}

/// **OffHoursAccess**: is a library-local time of day within staff hours? The start is
/// inclusive and the end exclusive; hours whose start is after their end run across midnight.
pub(super) fn in_working_hours(hours: (NaiveTime, NaiveTime), t: NaiveTime) -> bool {
    let (start, end) = hours;
    if start < end { start <= t && t < end } else { t >= start || t < end }
}

/// The part of an export's details the rule reads. Other fields are ignored. A `Cow` borrows
/// the id from the details unless it holds escapes (serde cannot borrow through an `Option`,
/// so a missing request is the empty id).
#[derive(Deserialize)]
struct ExportDetails<'a> {
    #[serde(borrow, default)]
    request: Cow<'a, str>,
}

/// **ExportWithoutRequest**: does an export's `details` name an approved request? Details that
/// are not a JSON object with a string `request` name none.
pub(super) fn export_is_justified(ctx: &RuleContext, details: &str) -> bool {
    match serde_json::from_str::<ExportDetails<'_>>(details) {
        Ok(ExportDetails { request }) => {
            !request.is_empty() && ctx.approved_requests.contains(request.as_ref())
        }
        Err(_) => false,
    }
}

/// Unjustified accesses of one actor.
#[derive(Debug)]
struct Unjustified {
    tally: Tally,
    reads: u64,
    recs: u64,
    /// The purpose of the first unjustified read, kept for the summary.
    first_purpose: Option<String>,
}

/// Served recommendations after a withdrawal, for one patron.
#[derive(Debug)]
struct AfterWithdrawal {
    tally: Tally,
    last_actor: usize,
}

/// The per-entry rules' counts.
#[derive(Debug, Default)]
pub(super) struct PerEntry {
    unjustified: PerActor<Unjustified>,
    off_hours: PerActor<Tally>,
    exports: PerActor<(Tally, String)>,
    withdrawn: HashMap<String, AfterWithdrawal>,
}

impl PerEntry {
    pub(super) fn read(
        &mut self,
        ctx: &RuleContext,
        actor: usize,
        seq: u64,
        at: DateTime<Utc>,
        patron: &str,
        purpose: &str,
    ) {
        if read_is_justified(ctx, patron, purpose, at) {
            return;
        }
        let u = self.unjustified(actor, at);
        u.tally.note(seq, at);
        u.reads += 1;
        u.first_purpose.get_or_insert_with(|| purpose.to_owned());
    }

    pub(super) fn recs(
        &mut self,
        ctx: &RuleContext,
        actor: usize,
        seq: u64,
        at: DateTime<Utc>,
        patron: &str,
    ) {
        match recs_breaks(ctx, patron, at) {
            Some(Rule::AccessWithoutConsent) => {
                let u = self.unjustified(actor, at);
                u.tally.note(seq, at);
                u.recs += 1;
            }
            Some(_) => {
                let w = match self.withdrawn.get_mut(patron) {
                    Some(w) => w,
                    None => self
                        .withdrawn
                        .entry(patron.to_owned())
                        .or_insert(AfterWithdrawal { tally: Tally::new(at), last_actor: actor }),
                };
                w.tally.note(seq, at);
                w.last_actor = actor;
            }
            None => {}
        }
    }

    pub(super) fn off_hours(
        &mut self,
        ctx: &RuleContext,
        actor: usize,
        seq: u64,
        at: DateTime<Utc>,
        local: NaiveTime,
    ) {
        if !in_working_hours(ctx.working_hours, local) {
            note_in(self.off_hours.slot(actor), seq, at);
        }
    }

    pub(super) fn export(
        &mut self,
        ctx: &RuleContext,
        actor: usize,
        seq: u64,
        at: DateTime<Utc>,
        object: &str,
        details: &str,
    ) {
        if export_is_justified(ctx, details) {
            return;
        }
        let (tally, _) =
            self.exports.slot(actor).get_or_insert_with(|| (Tally::new(at), object.to_owned()));
        tally.note(seq, at);
    }

    fn unjustified(&mut self, actor: usize, at: DateTime<Utc>) -> &mut Unjustified {
        self.unjustified.slot(actor).get_or_insert_with(|| Unjustified {
            tally: Tally::new(at),
            reads: 0,
            recs: 0,
            first_purpose: None,
        })
    }

    pub(super) fn findings(self, ctx: &RuleContext, actors: &Actors) -> Vec<Finding> {
        let mut out = Vec::new();
        for (id, u) in self.unjustified.into_entries() {
            let name = actors.name(id);
            let mut parts = Vec::new();
            if u.reads > 0 {
                let purpose = match u.first_purpose.as_deref() {
                    None | Some("") => "no purpose".to_owned(),
                    Some(p) => format!("purpose '{p}'"),
                };
                parts.push(format!(
                    "{} without consent or an approved purpose (first with {purpose})",
                    count(u.reads, "patron read", "patron reads")
                ));
            }
            if u.recs > 0 {
                parts.push(format!(
                    "{} to patrons who never consented",
                    count(u.recs, "recommendation served", "recommendations served")
                ));
            }
            let summary = format!("{name}: {}", parts.join("; "));
            out.push(u.tally.into_finding(
                Rule::AccessWithoutConsent,
                format!("actor:{name}"),
                summary,
            ));
        }
        for (id, tally) in self.off_hours.into_entries() {
            let name = actors.name(id);
            let (start, end) = ctx.working_hours;
            let summary = format!(
                "{name} accessed patron data {} outside working hours {}–{} ({})",
                if tally.count == 1 { "once".to_owned() } else { format!("{} times", tally.count) },
                start.format("%H:%M"),
                end.format("%H:%M"),
                ctx.tz.name(),
            );
            out.push(tally.into_finding(Rule::OffHoursAccess, format!("actor:{name}"), summary));
        }
        for (id, (tally, object)) in self.exports.into_entries() {
            let name = actors.name(id);
            let summary = format!(
                "{name} made {} without an approved request, the first of '{object}'",
                count(tally.count, "export", "exports"),
            );
            out.push(tally.into_finding(
                Rule::ExportWithoutRequest,
                format!("actor:{name}"),
                summary,
            ));
        }
        let mut withdrawn: Vec<_> = self.withdrawn.into_iter().collect();
        withdrawn.sort_by(|a, b| a.0.cmp(&b.0));
        for (patron, w) in withdrawn {
            let short = match patron.get(..12) {
                Some(head) if patron.len() > 12 => format!("{head}…"),
                _ => patron.clone(),
            };
            let summary = format!(
                "{} to patron {short} after consent to recommendations was withdrawn (last by {})",
                count(w.tally.count, "recommendation served", "recommendations served"),
                actors.name(w.last_actor),
            );
            out.push(w.tally.into_finding(
                Rule::RecsAfterWithdrawal,
                format!("patron:{patron}"),
                summary,
            ));
        }
        out
    }
}
