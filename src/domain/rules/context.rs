//! What the rules know besides the audit log: the clock, the library's time zone and hours, the
//! consent registry, approved purposes and requests, and facts the store gathered (retention,
//! the last verification, comfort samples).
//!
//! Plain values filled in by the services; nothing here reads a store or a clock.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::comfort::{ComfortLimits, ZoneSample};
use crate::domain::layout::ZoneKind;

/// Everything the rules read apart from the audit entries.
#[derive(Debug, Clone)]
pub struct RuleContext {
    /// The time of the evaluation, for "overdue since" in summaries.
    pub now: DateTime<Utc>,
    /// The library's time zone: days and working hours are local.
    pub tz: Tz,
    /// Staff hours in library time, start inclusive and end exclusive, e.g. 07:00–22:00. A start
    /// after the end is read as hours across midnight rather than refused.
    pub working_hours: (NaiveTime, NaiveTime),
    pub consent_mode: ConsentMode,
    pub consent: ConsentBook,
    /// Purposes for which patron data may be read without consent, e.g. `circulation`.
    pub approved_purposes: Vec<String>,
    /// Ids of approved data requests; a read with purpose `request:<id>` or an export naming one
    /// is justified by it.
    pub approved_requests: HashSet<String>,
    pub bulk: BulkParams,
    pub retention: Vec<RetentionFact>,
    /// The last verification of the audit log, if one ran.
    pub verification: Option<VerificationFact>,
    pub comfort: Vec<ZoneComfort>,
    /// Votes, decisions and consent changes in the tables with no audit entry for them:
    /// writes made around carrel (sqlite3 or psql in hand).
    pub unlogged: Vec<UnloggedWrite>,
    /// Each configured witness of the audit log, as the ingest last heard from it.
    pub witnesses: Vec<WitnessFact>,
    /// The audit log's size now.
    pub log_size: u64,
    /// Seconds a witness may go without cosigning, while the log grows, before it is a finding.
    pub witness_silent_after_s: i64,
    pub comfort_limits: ComfortLimits,
    /// Seconds a zone may stay out of range before it is a finding (the seed's 2 minutes: 120).
    pub comfort_response_s: i64,
}

/// How the library treats consent, as Koha's `PrivacyPolicyConsent`; one type for the
/// registry, the configuration and the rules.
pub use crate::domain::consent::ConsentMode;

/// Thresholds of the bulk-access rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BulkParams {
    /// How many days before a day make its baseline.
    pub baseline_days: u32,
    /// A day is flagged above this many times the baseline...
    pub factor: f64,
    /// ...and above this many accesses, so a quiet baseline does not flag a normal day.
    pub min_reads: u64,
}

impl Default for BulkParams {
    fn default() -> Self {
        Self { baseline_days: 28, factor: 5.0, min_reads: 50 }
    }
}

/// Rows of one data kind due for one retention step and not yet through it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionFact {
    /// The data kind, e.g. `loans`.
    pub kind: String,
    /// `anonymise`, `delete` or `lock`.
    pub step: String,
    pub rows: u64,
    /// When the oldest of these rows became due.
    pub first_due: DateTime<Utc>,
    /// When the newest of these rows became due.
    pub last_due: DateTime<Utc>,
}

/// A witness of the audit log, as the ingest last heard from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WitnessFact {
    pub name: String,
    pub cosigned_size: Option<u64>,
    pub cosigned_at: Option<DateTime<Utc>>,
    /// When the ingest last asked it for a cosignature (`None`: never).
    pub attempt_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub refused_at: Option<DateTime<Utc>>,
    pub refusal: Option<String>,
}

impl WitnessFact {
    /// In one line: what it last cosigned and how long ago, and what went wrong since.
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        self.describe_parts(now).concat()
    }

    /// [`WitnessFact::describe`] in parts a narrow screen may wrap between: the name, what it
    /// cosigned, the latest failure, the latest refusal.
    pub fn describe_parts(&self, now: DateTime<Utc>) -> Vec<String> {
        use crate::domain::units::{ago, count};
        let mut parts = vec![self.name.clone()];
        parts.push(match (self.cosigned_size, self.cosigned_at) {
            (Some(n), Some(t)) => {
                format!("  cosigned {} {}", count(n, "entry", "entries"), ago(now - t))
            }
            _ if self.attempt_at.is_none() => "  not asked yet".to_owned(),
            _ => "  never cosigned".to_owned(),
        });
        // The label and the text apart, so a narrow screen wraps between them.
        if let Some(e) = &self.error {
            parts.push("  failing:".to_owned());
            parts.push(format!(" {e}"));
        }
        if let (Some(t), Some(r)) = (self.refused_at, &self.refusal) {
            parts.push(format!("  REFUSED {}:", ago(now - t)));
            parts.push(format!(" {r}"));
        }
        parts
    }
}

/// A row the audit log does not account for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnloggedWrite {
    /// What kind of row: "request vote", "seat vote", "request decision", "consent change".
    pub what: String,
    /// Which: `request:4 by uma`.
    pub subject: String,
    pub at: DateTime<Utc>,
}

/// The outcome of the last `audit verify`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VerificationFact {
    pub at: DateTime<Utc>,
    /// The log's size when verified.
    pub size: u64,
    /// The first entry that did not match, when the failure is at an entry.
    pub first_bad: Option<u64>,
    /// What went wrong; `None` together with `first_bad: None` means the log verified.
    pub problem: Option<String>,
    /// Entries made under `--as` on a database that is not a demo (first and last of them),
    /// how many, and the sentence about them; empty on a demo or when there are none.
    #[serde(default)]
    pub impersonated: Vec<u64>,
    #[serde(default)]
    pub impersonated_count: u64,
    #[serde(default)]
    pub impersonation: Option<String>,
}

impl VerificationFact {
    pub fn failed(&self) -> bool {
        self.first_bad.is_some() || self.problem.is_some()
    }
}

/// A zone's comfort samples, ascending by time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneComfort {
    pub zone_id: String,
    /// The zone's name in the layout ("North reading room"); empty when unknown.
    #[serde(default)]
    pub zone_name: String,
    pub kind: ZoneKind,
    pub samples: Vec<ZoneSample>,
}

/// A patron's consent for a purpose at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentAt {
    /// No consent was ever recorded up to then.
    Never,
    Granted,
    Withdrawn,
}

/// The history of consent per patron and purpose, to answer "was it granted then?".
///
/// Keyed by pseudonym, then purpose, so a look-up with two `&str` allocates nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsentBook {
    changes: HashMap<String, HashMap<String, ConsentHistory>>,
}

/// Changes of one patron's consent for one purpose, ascending by time: `true` is a grant.
type ConsentHistory = Vec<(DateTime<Utc>, bool)>;

impl ConsentBook {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a grant (`granted`) or a withdrawal at `at`. Changes may be recorded in any
    /// order; of two at the same instant the one recorded later counts.
    pub fn record(&mut self, pseudonym: &str, purpose: &str, at: DateTime<Utc>, granted: bool) {
        let purposes = match self.changes.get_mut(pseudonym) {
            Some(p) => p,
            None => self.changes.entry(pseudonym.to_owned()).or_default(),
        };
        let history = match purposes.get_mut(purpose) {
            Some(h) => h,
            None => purposes.entry(purpose.to_owned()).or_default(),
        };
        let place = history.partition_point(|&(t, _)| t <= at);
        history.insert(place, (at, granted));
    }

    /// The consent in force at `at`: the latest change at or before it.
    pub fn state_at(&self, pseudonym: &str, purpose: &str, at: DateTime<Utc>) -> ConsentAt {
        let Some(history) = self.changes.get(pseudonym).and_then(|p| p.get(purpose)) else {
            return ConsentAt::Never;
        };
        match history.partition_point(|&(t, _)| t <= at) {
            0 => ConsentAt::Never,
            n if history[n - 1].1 => ConsentAt::Granted,
            _ => ConsentAt::Withdrawn,
        }
    }
}
