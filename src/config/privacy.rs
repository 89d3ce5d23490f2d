//! `[alerts]`, `[retention]` and `[governance]`: when the privacy rules run and what they look
//! for, how long each kind of patron data is kept, and the committee's review sample and ε
//! budget.

use serde::{Deserialize, Serialize};

use crate::domain::retention::{Period, RetentionPolicy, Steps};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsSection {
    /// How often the ingesting process runs the privacy rules, in seconds.
    pub every_s: u64,
    /// Staff working hours in library time, `HH:MM-HH:MM`.
    pub working_hours: String,
    /// Purposes a patron read may give without the patron's consent.
    pub approved_purposes: Vec<String>,
    /// A day's reads above this multiple of the reader's own daily mean are bulk access…
    pub bulk_factor: f64,
    /// …and above this many at least.
    pub bulk_min_reads: u64,
    /// Days the daily mean is taken over.
    pub bulk_baseline_days: u32,
    /// A comfort reading out of range for longer than this, in seconds, raises an alert.
    pub comfort_response_s: u32,
}

impl Default for AlertsSection {
    fn default() -> Self {
        Self {
            every_s: 60,
            working_hours: "07:00-22:00".into(),
            approved_purposes: vec!["circulation".into(), "account".into(), "consent".into()],
            bulk_factor: 5.0,
            bulk_min_reads: 50,
            bulk_baseline_days: 28,
            comfort_response_s: 120,
        }
    }
}

/// Two periods of an analytics table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindRetention {
    pub anonymise_after: String,
    pub delete_after: String,
}

/// The three periods of the patron directory, from a patron's last activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatronRetention {
    pub lock_after: String,
    pub anonymise_after: String,
    pub delete_after: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSection {
    pub loans: KindRetention,
    pub searches: KindRetention,
    pub visits: KindRetention,
    pub patrons: PatronRetention,
}

fn kind(a: &str, d: &str) -> KindRetention {
    KindRetention { anonymise_after: a.into(), delete_after: d.into() }
}

impl Default for RetentionSection {
    fn default() -> Self {
        Self {
            loans: kind("1y", "3y"),
            searches: kind("30d", "180d"),
            visits: kind("90d", "1y"),
            patrons: PatronRetention {
                lock_after: "2y".into(),
                anonymise_after: "3y".into(),
                delete_after: "5y".into(),
            },
        }
    }
}

type Invalid = (&'static str, &'static str, String);

impl RetentionSection {
    /// The periods, checked: each parses, and each step comes after the one before.
    pub fn policy(&self) -> Result<RetentionPolicy, Invalid> {
        let period = |table: &'static str, key: &'static str, s: &str| {
            Period::parse(s).map_err(|e| (table, key, e))
        };
        let two = |table: &'static str, k: &KindRetention| -> Result<Steps, Invalid> {
            let anonymise = period(table, "anonymise_after", &k.anonymise_after)?;
            let delete = period(table, "delete_after", &k.delete_after)?;
            if delete.days <= anonymise.days {
                return Err((
                    table,
                    "delete_after",
                    format!("{} must be longer than anonymise_after ({anonymise})", k.delete_after),
                ));
            }
            Ok(Steps { lock: None, anonymise, delete })
        };
        let p = &self.patrons;
        let lock = period("retention.patrons", "lock_after", &p.lock_after)?;
        let anonymise = period("retention.patrons", "anonymise_after", &p.anonymise_after)?;
        let delete = period("retention.patrons", "delete_after", &p.delete_after)?;
        if anonymise.days <= lock.days {
            return Err((
                "retention.patrons",
                "anonymise_after",
                format!("{} must be longer than lock_after ({lock})", p.anonymise_after),
            ));
        }
        if delete.days <= anonymise.days {
            return Err((
                "retention.patrons",
                "delete_after",
                format!("{} must be longer than anonymise_after ({anonymise})", p.delete_after),
            ));
        }
        Ok(RetentionPolicy {
            loans: two("retention.loans", &self.loans)?,
            searches: two("retention.searches", &self.searches)?,
            visits: two("retention.visits", &self.visits)?,
            patrons: Steps { lock: Some(lock), anonymise, delete },
        })
    }
}

impl AlertsSection {
    /// Checks the values: (table, key, message) of the first bad one.
    pub fn validate(&self) -> Result<(), Invalid> {
        const T: &str = "alerts";
        if !(10..=86_400).contains(&self.every_s) {
            return Err((T, "every_s", format!("{} is out of range 10..=86400", self.every_s)));
        }
        self.hours().map_err(|e| (T, "working_hours", e))?;
        if !(self.bulk_factor.is_finite() && self.bulk_factor >= 1.0) {
            return Err((
                T,
                "bulk_factor",
                format!("{} is not a factor of at least 1", self.bulk_factor),
            ));
        }
        if !(1..=365).contains(&self.bulk_baseline_days) {
            return Err((
                T,
                "bulk_baseline_days",
                format!("{} is out of range 1..=365", self.bulk_baseline_days),
            ));
        }
        if !(10..=86_400).contains(&self.comfort_response_s) {
            return Err((
                T,
                "comfort_response_s",
                format!("{} is out of range 10..=86400", self.comfort_response_s),
            ));
        }
        if let Some(p) = self.approved_purposes.iter().find(|p| {
            p.is_empty() || !p.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
        }) {
            return Err((
                T,
                "approved_purposes",
                format!("'{p}' is not a purpose name (lowercase letters, - and _)"),
            ));
        }
        Ok(())
    }

    /// The working hours as (start, end) in library time.
    pub fn hours(&self) -> Result<(chrono::NaiveTime, chrono::NaiveTime), String> {
        super::sections::parse_hours(&self.working_hours)
    }
}

/// `[governance]`: data requests, the audit review sample and the ε budget of transparency
/// reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GovernanceSection {
    /// Days a filed request stays open for votes unless `--expires` says otherwise.
    pub request_open_days: u32,
    /// Patron-data accesses sampled for review per library day.
    pub review_sample_per_day: u32,
    /// How many past days the first sampling run goes back (later runs continue from the last
    /// sampled day).
    pub review_lookback_days: u32,
    /// ε each dataset may spend per month of data, over all transparency reports.
    pub epsilon_budget: f64,
}

impl Default for GovernanceSection {
    fn default() -> Self {
        Self {
            request_open_days: 14,
            review_sample_per_day: 20,
            review_lookback_days: 7,
            epsilon_budget: 2.0,
        }
    }
}

impl GovernanceSection {
    pub fn validate(&self) -> Result<(), Invalid> {
        const T: &str = "governance";
        let within = |key: &'static str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err((T, key, format!("{v} is out of range {lo}..={hi}")))
            }
        };
        within("request_open_days", self.request_open_days, 1, 366)?;
        within("review_sample_per_day", self.review_sample_per_day, 0, 10_000)?;
        within("review_lookback_days", self.review_lookback_days, 1, 366)?;
        self.budget().map_err(|m| (T, "epsilon_budget", m))?;
        Ok(())
    }

    /// The budget in thousandths of ε: a number from 0.001 to 100 with at most three decimals.
    pub fn budget(&self) -> Result<crate::domain::governance::MilliEps, String> {
        let v = self.epsilon_budget;
        let milli = (v * 1000.0).round();
        if !(v.is_finite()
            && (1.0..=100_000.0).contains(&milli)
            && (v * 1000.0 - milli).abs() < 1e-6)
        {
            return Err(format!("{v} is not an ε from 0.001 to 100 with at most three decimals"));
        }
        Ok(crate::domain::governance::MilliEps(milli as u64))
    }
}

/// `[patrons]`: the desk's interest profile and recommendations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PatronsSection {
    /// An event this many days old counts half in the interest profile.
    pub half_life_days: u32,
    /// Context weights of the three sources (seed 003: 0.35, 0.41, 0.24).
    pub weight_loans: f64,
    pub weight_searches: f64,
    pub weight_visits: f64,
    /// The subject each zone's shelves hold, for the spatial part of the profile; visits to a
    /// zone not listed count toward no subject.
    pub zone_subjects: std::collections::BTreeMap<String, String>,
    /// Recommendations shown at the desk.
    pub recommendations: u32,
    /// How often the ingest looks whether the linked loans changed and, when they did,
    /// backtests the local recommenders on them and records the one the desk's fallback uses
    /// (`engine.recs`).
    pub local_model_every_s: u64,
}

impl Default for PatronsSection {
    fn default() -> Self {
        Self {
            half_life_days: 90,
            weight_loans: 0.35,
            weight_searches: 0.41,
            weight_visits: 0.24,
            zone_subjects: Default::default(),
            recommendations: 10,
            local_model_every_s: 300,
        }
    }
}

impl PatronsSection {
    pub fn validate(&self) -> Result<(), Invalid> {
        const T: &str = "patrons";
        if !(1..=3650).contains(&self.half_life_days) {
            return Err((
                T,
                "half_life_days",
                format!("{} is out of range 1..=3650", self.half_life_days),
            ));
        }
        for (key, w) in [
            ("weight_loans", self.weight_loans),
            ("weight_searches", self.weight_searches),
            ("weight_visits", self.weight_visits),
        ] {
            if !(w.is_finite() && (0.0..=1.0).contains(&w)) {
                return Err((T, key, format!("{w} is not a weight from 0 to 1")));
            }
        }
        if self.weight_loans + self.weight_searches + self.weight_visits <= 0.0 {
            return Err((T, "weight_loans", "the three weights are all 0".into()));
        }
        if !(1..=50).contains(&self.recommendations) {
            return Err((
                T,
                "recommendations",
                format!("{} is out of range 1..=50", self.recommendations),
            ));
        }
        if !(10..=86_400).contains(&self.local_model_every_s) {
            return Err((
                T,
                "local_model_every_s",
                format!("{} is out of range 10..=86400", self.local_model_every_s),
            ));
        }
        Ok(())
    }

    pub fn weights(&self) -> crate::domain::interest::Weights {
        crate::domain::interest::Weights {
            loans: self.weight_loans,
            searches: self.weight_searches,
            visits: self.weight_visits,
        }
    }
}
