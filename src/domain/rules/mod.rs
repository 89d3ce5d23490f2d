//! Privacy-risk rules over the audit log and facts from the store: who read patron data without
//! consent or an approved purpose, in bulk, out of hours; exports without an approved request;
//! data kept past retention; recommendations after a withdrawal; a failed audit verification;
//! a zone out of its comfort range for longer than the response time; entries made under `--as`
//! on a database that is not a demo.
//!
//! May use: std, serde, serde_json (export details only), chrono, chrono-tz and the domain's own
//! types. No I/O, no SQL, no clock: the time of the evaluation is [`RuleContext::now`]. Loading
//! entries and folding findings into alerts is the services' work.
//!
//! Contract:
//! - [`Rules`] streams: entries arrive in `seq` order through [`Rules::observe`], and its memory
//!   is bounded by the actors and the days of the bulk baseline, never by the number of
//!   entries. Per entry it does a constant amount of work and allocates nothing unless the entry
//!   starts something that is kept (a new actor, a new finding); `details` is parsed for exports
//!   only.
//! - Each rule raises only its own finding for its scenario: a rule never re-reports what
//!   another rule is about (a recommendation after a withdrawal is not also "without consent").
//! - A finding's evidence is the `seq` numbers of its entries, ascending, at most
//!   [`MAX_EVIDENCE`]: the first and the last half of them; its `count` stays exact.
//! - Findings come out by severity, most severe first, then by `last_seen`, latest first.
//!
//! Audit conventions read here: patron data access is an allowed entry whose object is
//! `patron:<pseudonym>`; reads are `patron.read` (purpose in `purpose`), served recommendations
//! `recs.serve`, exports `data.export` (whatever the object, with `{"request": "<id>"}` in
//! `details`), consent changes `consent.change`. Denied and failed entries are never access.

mod access;
mod bulk;
mod context;
mod facts;
mod tally;
#[cfg(test)]
mod tests;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::audit::{Entry, Outcome};

pub use context::{
    BulkParams, ConsentAt, ConsentBook, ConsentMode, RetentionFact, RuleContext, UnloggedWrite,
    VerificationFact, WitnessFact, ZoneComfort,
};

use access::PerEntry;
use bulk::Bulk;
use tally::Actors;

/// Evidence kept per finding: the first 25 and the last 25 entries.
pub const MAX_EVIDENCE: usize = 50;

/// A privacy or comfort rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    AccessWithoutConsent,
    BulkAccess,
    OffHoursAccess,
    ExportWithoutRequest,
    PastRetention,
    RecsAfterWithdrawal,
    AuditVerifyFailed,
    ComfortOutOfRange,
    /// Not found by the engine: a committee reviewer judged a sampled access unjustified.
    UnjustifiedAccess,
    /// Entries made under `--as` on a database not created as a demo.
    ImpersonationOutsideDemo,
    /// Not found by the engine: who sits on the committee changed (raised escalated, so only
    /// the committee resolves it).
    CommitteeChange,
    /// A vote, a request's decision or a consent change in the tables that no audit entry
    /// accounts for: written around carrel.
    UnloggedWrite,
    /// A witness refused the log's checkpoint as inconsistent with one it cosigned: the log
    /// was rewritten, cut or forked.
    WitnessRefused,
    /// A witness has not cosigned for longer than `[audit] witness_silent_after_s` while the
    /// log grew.
    WitnessSilent,
}

impl Rule {
    pub const ALL: [Rule; 14] = [
        Rule::AccessWithoutConsent,
        Rule::BulkAccess,
        Rule::OffHoursAccess,
        Rule::ExportWithoutRequest,
        Rule::PastRetention,
        Rule::RecsAfterWithdrawal,
        Rule::AuditVerifyFailed,
        Rule::ComfortOutOfRange,
        Rule::UnjustifiedAccess,
        Rule::ImpersonationOutsideDemo,
        Rule::CommitteeChange,
        Rule::UnloggedWrite,
        Rule::WitnessRefused,
        Rule::WitnessSilent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::AccessWithoutConsent => "access-without-consent",
            Rule::BulkAccess => "bulk-access",
            Rule::OffHoursAccess => "off-hours-access",
            Rule::ExportWithoutRequest => "export-without-request",
            Rule::PastRetention => "past-retention",
            Rule::RecsAfterWithdrawal => "recs-after-withdrawal",
            Rule::AuditVerifyFailed => "audit-verify-failed",
            Rule::ComfortOutOfRange => "comfort-out-of-range",
            Rule::UnjustifiedAccess => "unjustified-access",
            Rule::ImpersonationOutsideDemo => "impersonation-outside-demo",
            Rule::CommitteeChange => "committee-change",
            Rule::UnloggedWrite => "unlogged-write",
            Rule::WitnessRefused => "witness-refused",
            Rule::WitnessSilent => "witness-silent",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::AuditVerifyFailed
            | Rule::ImpersonationOutsideDemo
            | Rule::UnloggedWrite
            | Rule::WitnessRefused => Severity::Critical,
            Rule::WitnessSilent => Severity::High,
            Rule::CommitteeChange => Severity::Medium,
            Rule::ExportWithoutRequest
            | Rule::RecsAfterWithdrawal
            | Rule::AccessWithoutConsent
            | Rule::BulkAccess
            | Rule::UnjustifiedAccess => Severity::High,
            Rule::OffHoursAccess | Rule::PastRetention => Severity::Medium,
            Rule::ComfortOutOfRange => Severity::Low,
        }
    }

    /// What the rule is about, in one line.
    pub fn title(self) -> &'static str {
        match self {
            Rule::AccessWithoutConsent => "Patron data read without consent or an approved purpose",
            Rule::BulkAccess => "Patron records accessed far above the staff member's own baseline",
            Rule::OffHoursAccess => "Patron data accessed outside working hours",
            Rule::ExportWithoutRequest => "Data exported without an approved data request",
            Rule::PastRetention => "Data kept past its retention period",
            Rule::RecsAfterWithdrawal => "Recommendations served after consent was withdrawn",
            Rule::AuditVerifyFailed => "Audit log verification failed",
            Rule::ComfortOutOfRange => "Zone comfort out of range longer than the response time",
            Rule::UnjustifiedAccess => "A reviewer judged a patron-data access unjustified",
            Rule::ImpersonationOutsideDemo => {
                "Someone acted as another person (--as) outside a demo"
            }
            Rule::CommitteeChange => "Who sits on the governance committee changed",
            Rule::UnloggedWrite => {
                "A vote, decision or consent change was written with no audit entry"
            }
            Rule::WitnessRefused => "A witness refused the audit log's checkpoint as inconsistent",
            Rule::WitnessSilent => "A witness of the audit log stopped cosigning",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] =
        [Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule broken by one subject (an actor, a patron, a data kind, a zone's spell, the log).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    /// The subject within the rule, to fold repeated evaluations into one alert:
    /// `actor:alice`, `patron:<pseudonym>`, `kind:loans:anonymise`, `zone:z1:co2:<start ms>`,
    /// `audit`.
    pub key: String,
    pub severity: Severity,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Occurrences: entries, rows or spans.
    pub count: u64,
    /// Audit entry `seq` numbers, ascending, at most [`MAX_EVIDENCE`].
    pub evidence: Vec<u64>,
    /// One line for a person.
    pub summary: String,
}

/// The streaming engine: feed it the log in `seq` order, then [`Rules::finish`].
#[derive(Debug)]
pub struct Rules<'a> {
    ctx: &'a RuleContext,
    actors: Actors,
    per_entry: PerEntry,
    bulk: Bulk,
}

/// The actions the rules read.
const READ: &str = "patron.read";
const RECS: &str = "recs.serve";
const EXPORT: &str = "data.export";

impl<'a> Rules<'a> {
    pub fn new(ctx: &'a RuleContext) -> Self {
        Self {
            ctx,
            actors: Actors::default(),
            per_entry: PerEntry::default(),
            bulk: Bulk::default(),
        }
    }

    /// Reads one entry; entries must come in `seq` order. Patron access (any allowed entry on
    /// `patron:…`) feeds the off-hours and bulk rules, reads and served recommendations also the
    /// consent rules; an allowed export, whatever its object, feeds the export rule.
    pub fn observe(&mut self, e: &Entry) {
        let n = &e.entry;
        if n.outcome != Outcome::Allowed {
            return;
        }
        let patron = n.object.strip_prefix("patron:");
        let export = n.action == EXPORT;
        if patron.is_none() && !export {
            return;
        }
        let actor = self.actors.intern(&n.actor);
        let ctx = self.ctx;
        if let Some(patron) = patron {
            let local = n.at.with_timezone(&ctx.tz);
            self.per_entry.off_hours(ctx, actor, e.seq, n.at, local.time());
            self.bulk.observe(ctx, actor, e.seq, n.at, local.date_naive());
            match n.action.as_str() {
                READ => self.per_entry.read(ctx, actor, e.seq, n.at, patron, &n.purpose),
                RECS => self.per_entry.recs(ctx, actor, e.seq, n.at, patron),
                _ => {}
            }
        }
        if export {
            self.per_entry.export(ctx, actor, e.seq, n.at, &n.object, &n.details);
        }
    }

    /// The findings of the entries seen and of the context's facts, most severe first.
    pub fn finish(self) -> Vec<Finding> {
        let ctx = self.ctx;
        let mut out = self.per_entry.findings(ctx, &self.actors);
        out.extend(self.bulk.findings(ctx, &self.actors));
        out.extend(facts::past_retention(ctx));
        out.extend(facts::audit_verify_failed(ctx));
        out.extend(facts::impersonation_outside_demo(ctx));
        out.extend(facts::unlogged_writes(ctx));
        out.extend(facts::witnesses(ctx));
        out.extend(facts::comfort_out_of_range(ctx));
        out.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.last_seen.cmp(&a.last_seen))
                .then(a.rule.cmp(&b.rule))
                .then_with(|| a.key.cmp(&b.key))
        });
        out
    }

    /// Counters the bulk rule holds, to check its memory stays bounded.
    #[cfg(test)]
    fn retained_days(&self) -> usize {
        self.bulk.retained_days()
    }
}

/// Runs every rule over `entries` (in `seq` order) and the context's facts.
pub fn evaluate(ctx: &RuleContext, entries: &[Entry]) -> Vec<Finding> {
    let mut rules = Rules::new(ctx);
    for e in entries {
        rules.observe(e);
    }
    rules.finish()
}
