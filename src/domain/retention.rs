//! How long patron data is kept: a period per step and kind, and what a purge does.
//!
//! Analytics rows (loans, searches, visits) are anonymised (their pseudonym removed, so they
//! count in statistics but name nobody) after the first period and deleted after the second.
//! A patron's directory entry, measured from their last activity, is locked, then anonymised
//! (card, name and email erased), then deleted with their consent history: the order Koha
//! follows (lock → anonymise → delete).
//!
//! Pure. May use: chrono, serde.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// A retention period, in whole days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Period {
    pub days: u32,
}

impl Period {
    /// `30d`, `12w`, `2y` (a year is 365 days).
    pub fn parse(s: &str) -> Result<Period, String> {
        let s = s.trim();
        let bad = || format!("'{s}' is not a period (e.g. 30d, 12w, 2y)");
        let unit = s.chars().last().ok_or_else(bad)?;
        let n: u32 = s[..s.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
        let days = match unit {
            'd' => n,
            'w' => n.checked_mul(7).ok_or_else(bad)?,
            'y' => n.checked_mul(365).ok_or_else(bad)?,
            _ => return Err(bad()),
        };
        if days == 0 || days > 365 * 100 {
            return Err(format!("'{s}' must be between 1 day and 100 years"));
        }
        Ok(Period { days })
    }

    pub fn duration(self) -> Duration {
        Duration::days(i64::from(self.days))
    }

    /// The time before which a row is due for this step at `now`.
    pub fn cutoff(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.duration()
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.days.is_multiple_of(365) {
            write!(f, "{}y", self.days / 365)
        } else if self.days.is_multiple_of(7) {
            write!(f, "{}w", self.days / 7)
        } else {
            write!(f, "{}d", self.days)
        }
    }
}

/// The periods of one kind of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Steps {
    /// Patrons only: locked (no lending, no lookup without a data request) after this.
    pub lock: Option<Period>,
    pub anonymise: Period,
    pub delete: Period,
}

/// Kinds of patron data with a retention period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    Loans,
    Searches,
    Visits,
    Patrons,
}

impl DataKind {
    pub const ALL: [DataKind; 4] =
        [DataKind::Loans, DataKind::Searches, DataKind::Visits, DataKind::Patrons];

    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::Loans => "loans",
            DataKind::Searches => "searches",
            DataKind::Visits => "visits",
            DataKind::Patrons => "patrons",
        }
    }
}

/// What a purge does to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PurgeStep {
    Lock,
    Anonymise,
    Delete,
}

impl PurgeStep {
    pub fn as_str(self) -> &'static str {
        match self {
            PurgeStep::Lock => "lock",
            PurgeStep::Anonymise => "anonymise",
            PurgeStep::Delete => "delete",
        }
    }

    /// What was done: "locked", "anonymised", "deleted".
    pub fn done(self) -> &'static str {
        match self {
            PurgeStep::Lock => "locked",
            PurgeStep::Anonymise => "anonymised",
            PurgeStep::Delete => "deleted",
        }
    }
}

/// Every kind's periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetentionPolicy {
    pub loans: Steps,
    pub searches: Steps,
    pub visits: Steps,
    pub patrons: Steps,
}

impl RetentionPolicy {
    pub fn steps(&self, kind: DataKind) -> Steps {
        match kind {
            DataKind::Loans => self.loans,
            DataKind::Searches => self.searches,
            DataKind::Visits => self.visits,
            DataKind::Patrons => self.patrons,
        }
    }

    /// The steps of `kind` in the order a purge takes them, with their periods. Deleting
    /// comes first so a row is never anonymised and deleted in the same purge.
    pub fn order(&self, kind: DataKind) -> Vec<(PurgeStep, Period)> {
        let s = self.steps(kind);
        let mut out = vec![(PurgeStep::Delete, s.delete), (PurgeStep::Anonymise, s.anonymise)];
        if let Some(lock) = s.lock {
            out.push((PurgeStep::Lock, lock));
        }
        out
    }
}

/// Rows of one kind due for one step: what a dry run lists and a confirmed purge does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurgeBatch {
    pub kind: DataKind,
    pub step: PurgeStep,
    pub period: Period,
    /// Row ids (analytics) or pseudonyms (patrons), in order.
    pub rows: Vec<String>,
    /// When the oldest and newest of them fell due.
    pub first_due: Option<DateTime<Utc>>,
    pub last_due: Option<DateTime<Utc>>,
}

/// A whole purge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurgePlan {
    pub now: DateTime<Utc>,
    pub batches: Vec<PurgeBatch>,
}

impl PurgePlan {
    pub fn total(&self) -> usize {
        self.batches.iter().map(|b| b.rows.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_days_weeks_and_years() {
        assert_eq!(Period::parse("30d"), Ok(Period { days: 30 }));
        assert_eq!(Period::parse("12w"), Ok(Period { days: 84 }));
        assert_eq!(Period::parse("2y"), Ok(Period { days: 730 }));
        assert_eq!(Period::parse("2y").unwrap().to_string(), "2y");
        assert_eq!(Period { days: 84 }.to_string(), "12w");
        for bad in ["", "y", "30", "3m", "-1d", "0d", "1000y", "ten d", "é"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deletion_is_planned_before_anonymising() {
        let s = Steps {
            lock: Some(Period { days: 1 }),
            anonymise: Period { days: 2 },
            delete: Period { days: 3 },
        };
        let p = RetentionPolicy { loans: s, searches: s, visits: s, patrons: s };
        let order: Vec<PurgeStep> = p.order(DataKind::Patrons).into_iter().map(|x| x.0).collect();
        assert_eq!(order, [PurgeStep::Delete, PurgeStep::Anonymise, PurgeStep::Lock]);
    }
}
