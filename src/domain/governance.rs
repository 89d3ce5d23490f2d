//! Data requests to the governance committee, the review verdicts on sampled accesses, and the
//! privacy-loss (ε) ledger of transparency reports.
//!
//! A data request says who wants which patron data, for what, on what legal basis, row by row
//! or only in aggregate, how long the result is kept and until when the committee may decide
//! it. The votes and their rules are in [`super::quorum`].
//!
//! The ε ledger is kept per dataset and per calendar month of the data: every count of a
//! report falls in one month, so a report over a quarter spends its ε on each of the quarter's
//! three months, and two reports over overlapping periods add up where they overlap. A month of
//! a dataset whose spending would pass the budget refuses the report.
//!
//! Pure: no I/O, no clock.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Serialize, Serializer};

use super::dlaplace::Epsilon;
use super::quorum::{RequestState, Vote};

/// The kinds of patron-linked data a request may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    /// The patron directory: card, name, e-mail, category.
    Patrons,
    Loans,
    Searches,
    Visits,
    Consent,
    /// Arrivals at the service windows (counts, no patron link).
    Arrivals,
}

impl DataKind {
    pub const ALL: [DataKind; 6] = [
        DataKind::Patrons,
        DataKind::Loans,
        DataKind::Searches,
        DataKind::Visits,
        DataKind::Consent,
        DataKind::Arrivals,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::Patrons => "patrons",
            DataKind::Loans => "loans",
            DataKind::Searches => "searches",
            DataKind::Visits => "visits",
            DataKind::Consent => "consent",
            DataKind::Arrivals => "arrivals",
        }
    }

    pub fn parse(s: &str) -> Option<DataKind> {
        DataKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Row-level data (each patron's rows) or aggregates only (counts, with noise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    RowLevel,
    Aggregate,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::RowLevel => "row_level",
            Scope::Aggregate => "aggregate",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "row_level" | "row-level" | "row" => Some(Scope::RowLevel),
            "aggregate" => Some(Scope::Aggregate),
            _ => None,
        }
    }
}

/// The lawful bases of processing (GDPR art. 6(1)), which the whitepaper's accountability
/// principle asks every use of patron data to name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LegalBasis {
    Consent,
    Contract,
    LegalObligation,
    VitalInterests,
    PublicTask,
    LegitimateInterests,
}

impl LegalBasis {
    pub const ALL: [LegalBasis; 6] = [
        LegalBasis::Consent,
        LegalBasis::Contract,
        LegalBasis::LegalObligation,
        LegalBasis::VitalInterests,
        LegalBasis::PublicTask,
        LegalBasis::LegitimateInterests,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LegalBasis::Consent => "consent",
            LegalBasis::Contract => "contract",
            LegalBasis::LegalObligation => "legal-obligation",
            LegalBasis::VitalInterests => "vital-interests",
            LegalBasis::PublicTask => "public-task",
            LegalBasis::LegitimateInterests => "legitimate-interests",
        }
    }

    pub fn parse(s: &str) -> Option<LegalBasis> {
        LegalBasis::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn names() -> String {
        LegalBasis::ALL.map(LegalBasis::as_str).join(", ")
    }
}

/// ε in thousandths, the unit the ledger adds up exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MilliEps(pub u64);

impl MilliEps {
    pub fn of(e: Epsilon) -> MilliEps {
        // Epsilon::parse keeps at most three decimals, so den divides 1000.
        MilliEps(e.num * (1000 / e.den))
    }

    /// The ε to sample with; `None` for zero.
    pub fn epsilon(self) -> Option<Epsilon> {
        Epsilon::parse(&self.to_string()).ok()
    }
}

impl fmt::Display for MilliEps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (w, r) = (self.0 / 1000, self.0 % 1000);
        let text = if r == 0 {
            w.to_string()
        } else {
            format!("{w}.{}", format!("{r:03}").trim_end_matches('0'))
        };
        f.pad(&text)
    }
}

impl Serialize for MilliEps {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0 as f64 / 1000.0)
    }
}

/// What someone files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub title: String,
    pub purpose: String,
    pub kinds: Vec<DataKind>,
    pub fields: Vec<String>,
    pub scope: Scope,
    pub retention_days: u32,
    pub legal_basis: LegalBasis,
    pub expires: DateTime<Utc>,
    pub epsilon: Option<MilliEps>,
}

/// A request as stored, with its votes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataRequest {
    pub id: u64,
    pub requester: String,
    pub title: String,
    pub purpose: String,
    pub kinds: Vec<DataKind>,
    pub fields: Vec<String>,
    pub scope: Scope,
    pub retention_days: u32,
    pub legal_basis: LegalBasis,
    /// ε asked, for aggregates.
    pub epsilon: Option<MilliEps>,
    /// The state at the time it was read: a submitted request past its expiry reads expired.
    pub state: RequestState,
    pub created: DateTime<Utc>,
    pub submitted: Option<DateTime<Utc>>,
    pub decided: Option<DateTime<Utc>>,
    pub expires: DateTime<Utc>,
    pub votes: Vec<Vote>,
}

impl DataRequest {
    /// The parties that have not voted yet.
    pub fn waiting_for(&self) -> Vec<super::staff::Party> {
        super::staff::Party::ALL
            .into_iter()
            .filter(|p| !self.votes.iter().any(|v| v.party == Some(*p)))
            .collect()
    }
}

/// The longest a request may stay open.
pub const MAX_OPEN_DAYS: i64 = 366;

/// Checks what is filed; the message names the field.
pub fn validate(r: &NewRequest, now: DateTime<Utc>) -> Result<(), String> {
    let text = |name: &str, v: &str, max: usize| -> Result<(), String> {
        if v.trim().is_empty() {
            return Err(format!("{name}: must not be empty"));
        }
        if v.chars().count() > max {
            return Err(format!("{name}: longer than {max} characters"));
        }
        Ok(())
    };
    text("title", &r.title, 120)?;
    text("purpose", &r.purpose, 2000)?;
    if r.kinds.is_empty() {
        return Err(format!(
            "data kinds: name at least one of {}",
            DataKind::ALL.map(DataKind::as_str).join(", ")
        ));
    }
    if r.fields.is_empty() {
        return Err("fields: name the fields wanted (minimum necessary)".into());
    }
    for f in &r.fields {
        let ok = !f.is_empty()
            && f.len() <= 40
            && f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
        if !ok {
            return Err(format!("fields: '{f}' is not a field name (letters, digits, _ and .)"));
        }
    }
    if !(1..=3650).contains(&r.retention_days) {
        return Err(format!("retention: {} days is out of range 1..=3650 days", r.retention_days));
    }
    match (r.scope, r.epsilon) {
        (Scope::Aggregate, None) => {
            return Err("epsilon: an aggregate request states the ε it asks for".into());
        }
        (Scope::RowLevel, Some(_)) => {
            return Err(
                "epsilon: only aggregate requests spend ε; a row-level request has none".into()
            );
        }
        _ => {}
    }
    if r.expires <= now {
        return Err(format!("expires: {} is not in the future", r.expires.format("%Y-%m-%d")));
    }
    if r.expires > now + chrono::Duration::days(MAX_OPEN_DAYS) {
        return Err(format!("expires: more than {MAX_OPEN_DAYS} days ahead"));
    }
    Ok(())
}

/// A period a transparency report covers: whole calendar months, in library time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportPeriod {
    pub label: String,
    /// First day.
    pub start: NaiveDate,
    /// The day after the last.
    pub end: NaiveDate,
}

impl ReportPeriod {
    /// `2026-10` (a month), `2026-Q4` (a quarter) or `2026` (a year).
    pub fn parse(s: &str) -> Result<ReportPeriod, String> {
        let bad = || format!("'{s}' is not a period: YYYY-MM, YYYY-Qn or YYYY");
        let s = s.trim();
        let year = |y: &str| -> Result<i32, String> {
            if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            y.parse().map_err(|_| bad())
        };
        let (start, months) = if let Some((y, q)) = s.split_once("-Q") {
            let q: u32 = q.parse().map_err(|_| bad())?;
            if !(1..=4).contains(&q) {
                return Err(bad());
            }
            (NaiveDate::from_ymd_opt(year(y)?, 3 * q - 2, 1).ok_or_else(bad)?, 3)
        } else if let Some((y, m)) = s.split_once('-') {
            if m.len() != 2 {
                return Err(bad());
            }
            let m: u32 = m.parse().map_err(|_| bad())?;
            (NaiveDate::from_ymd_opt(year(y)?, m, 1).ok_or_else(bad)?, 1)
        } else {
            (NaiveDate::from_ymd_opt(year(s)?, 1, 1).ok_or_else(bad)?, 12)
        };
        let end = start.checked_add_months(Months::new(months)).ok_or_else(bad)?;
        Ok(ReportPeriod { label: s.to_owned(), start, end })
    }

    /// The months covered, as `YYYY-MM`.
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = self.start;
        while d < self.end {
            out.push(format!("{:04}-{:02}", d.year(), d.month()));
            d = d.checked_add_months(Months::new(1)).unwrap_or(self.end);
        }
        out
    }
}

/// What the ledger holds for one dataset and month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerLine {
    pub dataset: String,
    pub month: String,
    pub spent: MilliEps,
    pub budget: MilliEps,
}

/// Why a spend is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "ε overspend: {dataset} for {month} has spent {spent} of its budget {budget}; {asked} more would pass it"
)]
pub struct Overspend {
    pub dataset: String,
    pub month: String,
    pub spent: MilliEps,
    pub asked: MilliEps,
    pub budget: MilliEps,
}

/// Checks spending `asked` on each (dataset, month) of `wanted`, given what is `spent`: the
/// first cell it would push past `budget`, if any.
pub fn check_spend(
    spent: &BTreeMap<(String, String), MilliEps>,
    wanted: &[(String, String)],
    asked: MilliEps,
    budget: MilliEps,
) -> Result<(), Overspend> {
    for (dataset, month) in wanted {
        let s = spent.get(&(dataset.clone(), month.clone())).copied().unwrap_or_default();
        if s.0 + asked.0 > budget.0 {
            return Err(Overspend {
                dataset: dataset.clone(),
                month: month.clone(),
                spent: s,
                asked,
                budget,
            });
        }
    }
    Ok(())
}

/// A reviewer's verdict on a sampled access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Justified,
    Unjustified,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Justified => "justified",
            Verdict::Unjustified => "unjustified",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "justified" => Some(Verdict::Justified),
            "unjustified" => Some(Verdict::Unjustified),
            _ => None,
        }
    }
}

/// Where a review item comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewSource {
    /// The daily random sample of patron-data accesses.
    Sample,
    /// Evidence of an alert.
    Alert,
}

impl ReviewSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewSource::Sample => "sample",
            ReviewSource::Alert => "alert",
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap()
    }

    fn request() -> NewRequest {
        NewRequest {
            title: "Loan counts by subject".into(),
            purpose: "Collection planning".into(),
            kinds: vec![DataKind::Loans],
            fields: vec!["subject".into(), "loaned_at".into()],
            scope: Scope::Aggregate,
            retention_days: 90,
            legal_basis: LegalBasis::PublicTask,
            expires: now() + Duration::days(14),
            epsilon: Some(MilliEps(500)),
        }
    }

    #[test]
    fn a_complete_request_is_valid_and_each_gap_is_named() {
        assert_eq!(validate(&request(), now()), Ok(()));
        let cases: Vec<(NewRequest, &str)> = vec![
            (NewRequest { purpose: " ".into(), ..request() }, "purpose"),
            (NewRequest { kinds: vec![], ..request() }, "data kinds"),
            (NewRequest { fields: vec![], ..request() }, "fields"),
            (NewRequest { fields: vec!["a b".into()], ..request() }, "fields"),
            (NewRequest { retention_days: 0, ..request() }, "retention"),
            (NewRequest { epsilon: None, ..request() }, "epsilon"),
            (NewRequest { scope: Scope::RowLevel, ..request() }, "epsilon"),
            (NewRequest { expires: now(), ..request() }, "expires"),
            (NewRequest { expires: now() + Duration::days(400), ..request() }, "expires"),
        ];
        for (r, field) in cases {
            let e = validate(&r, now()).unwrap_err();
            assert!(e.starts_with(field), "{e}");
        }
    }

    #[test]
    fn periods_are_whole_months() {
        let p = ReportPeriod::parse("2026-Q4").unwrap();
        assert_eq!(p.months(), ["2026-10", "2026-11", "2026-12"]);
        assert_eq!(p.end, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        assert_eq!(ReportPeriod::parse("2026-02").unwrap().months(), ["2026-02"]);
        assert_eq!(ReportPeriod::parse("2025").unwrap().months().len(), 12);
        for bad in ["2026-13", "2026-Q5", "26", "2026-1", "x", "", "2026-Q0"] {
            assert!(ReportPeriod::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn milli_epsilon_is_exact() {
        assert_eq!(MilliEps::of(Epsilon::parse("0.125").unwrap()), MilliEps(125));
        assert_eq!(MilliEps::of(Epsilon::parse("2").unwrap()), MilliEps(2000));
        assert_eq!(MilliEps(1500).to_string(), "1.5");
        assert_eq!(MilliEps(30).to_string(), "0.03");
        assert_eq!(MilliEps(250).epsilon(), Some(Epsilon { num: 1, den: 4 }));
        assert_eq!(MilliEps(0).epsilon(), None);
    }

    #[test]
    fn the_ledger_refuses_the_month_that_would_pass_the_budget() {
        let mut spent = BTreeMap::new();
        spent.insert(("loans".to_owned(), "2026-10".to_owned()), MilliEps(1500));
        let want = vec![
            ("loans".to_owned(), "2026-09".to_owned()),
            ("loans".to_owned(), "2026-10".to_owned()),
        ];
        assert_eq!(check_spend(&spent, &want, MilliEps(500), MilliEps(2000)), Ok(()));
        let e = check_spend(&spent, &want, MilliEps(501), MilliEps(2000)).unwrap_err();
        assert_eq!(e.month, "2026-10");
        assert_eq!(e.spent, MilliEps(1500));
    }
}
