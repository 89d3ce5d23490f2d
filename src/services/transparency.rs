//! Transparency reports: how much the library's data was used, per subject (loans), per zone
//! (visits) and per service (arrivals at the windows), with discrete Laplace noise so no one
//! patron's presence can be read from them.
//!
//! Privacy unit: one event (a loan, a visit, an arrival). Each table is a histogram over a
//! fixed list of categories (every catalogue subject, zone or service, listed even when zero),
//! so one event changes one count by one: sensitivity 1, and noise of scale 1/ε gives ε-DP per
//! table. Noisy counts are published as drawn, negative ones included, so sums stay unbiased.
//!
//! The ε ledger is charged per dataset and month in the same transaction that reads the counts
//! and writes the report's audit entry; a report that would pass the budget of any month of any
//! of its datasets is refused, and the ledger records nothing for it.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rand::{CryptoRng, RngCore};
use serde::Serialize;

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use crate::domain::audit::Outcome;
use crate::domain::dlaplace::{self, Epsilon};
use crate::domain::governance::{self, DataKind, LedgerLine, MilliEps, ReportPeriod, Scope};
use crate::domain::policy::Permission;
use crate::domain::quorum::RequestState;
use crate::store::{self, Store, StoreError, audit as log};

/// The datasets a report draws from, in the order they are reported.
pub const DATASETS: [DataKind; 3] = [DataKind::Loans, DataKind::Visits, DataKind::Arrivals];

fn grouped_by(k: DataKind) -> &'static str {
    match k {
        DataKind::Loans => "subject",
        DataKind::Visits => "zone",
        _ => "service",
    }
}

/// One noisy count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoisyCount {
    pub key: String,
    /// The zone's name in the layout, for counts per zone (the key is its id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub count: i64,
}

/// One table of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportTable {
    pub dataset: DataKind,
    pub by: &'static str,
    pub counts: Vec<NoisyCount>,
}

/// The noise, stated with the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Noise {
    pub mechanism: &'static str,
    pub sensitivity: u32,
    pub epsilon: MilliEps,
    /// b = 1/ε: P(noise = y) ∝ exp(−|y|/b).
    pub scale: f64,
    pub variance: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub period: ReportPeriod,
    pub request: Option<u64>,
    pub noise: Noise,
    pub tables: Vec<ReportTable>,
    /// The ledger of the datasets and months this report spent on, after it.
    pub ledger: Vec<LedgerLine>,
    pub generated: DateTime<Utc>,
}

/// What reports are charged against.
#[derive(Debug, Clone, Copy)]
pub struct ReportSettings {
    pub tz: Tz,
    pub budget: MilliEps,
}

fn local_midnight(tz: Tz, d: NaiveDate) -> DateTime<Utc> {
    let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive).earliest().map_or_else(|| naive.and_utc(), |t| t.to_utc())
}

/// Runs a report for `actor`: as a committee member, over every dataset; or under approved
/// aggregate request `request` of which `actor` is the requester, over the request's datasets
/// and within the ε it was granted. `rng` must be a cryptographic source.
#[allow(clippy::too_many_arguments)]
pub fn transparency<R: RngCore + CryptoRng>(
    store: &mut Store,
    actor: &Actor,
    settings: ReportSettings,
    period: &ReportPeriod,
    eps: Epsilon,
    request: Option<u64>,
    now: DateTime<Utc>,
    rng: &mut R,
) -> Result<Report, ServiceError> {
    let object = format!("report:{}", period.label);
    let asked = MilliEps::of(eps);
    let (role, datasets) = match request {
        None => {
            let role = audit::authorize(store, actor, Permission::TransparencyReport, &object)?;
            (role, DATASETS.to_vec())
        }
        Some(id) => match under_request(store, actor, id, now) {
            Ok(kinds) => ("requester".to_owned(), kinds),
            Err(e) => {
                refuse(store, actor, &object, &e)?;
                return Err(e);
            }
        },
    };
    let cells: Vec<(String, String)> = datasets
        .iter()
        .flat_map(|d| period.months().into_iter().map(move |m| (d.as_str().to_owned(), m)))
        .collect();
    let from = local_midnight(settings.tz, period.start);
    let to = local_midnight(settings.tz, period.end);
    let result = store.write(|tx| {
        // Checked again here, inside the transaction, so two reports at once under one request
        // cannot both fit in what is left of its ε.
        if let Some(id) = request {
            let granted = store::governance::get_request(tx, id)?
                .and_then(|r| r.epsilon)
                .unwrap_or_default();
            let used = store::governance::spent_by_request(tx, id)?;
            if used.0 + asked.0 > granted.0 {
                return Ok(Err(format!(
                    "request {id} was granted ε {granted} and has used {used}; {asked} more would pass it"
                )));
            }
        }
        let spent = store::governance::spent(tx)?;
        if let Err(over) = governance::check_spend(&spent, &cells, asked, settings.budget) {
            return Ok(Err(over.to_string()));
        }
        let zone_names: std::collections::HashMap<String, String> =
            store::layout::zones(tx)?.into_iter().map(|z| (z.id, z.name)).collect();
        let mut tables = Vec::new();
        for d in &datasets {
            let exact = match d {
                DataKind::Loans => store::governance::loans_by_subject(tx, from, to)?,
                DataKind::Visits => store::governance::visits_by_zone(tx, from, to)?,
                _ => store::governance::arrivals_by_service(tx, from, to)?,
            };
            let counts = exact
                .into_iter()
                .map(|(key, n)| NoisyCount {
                    name: (*d == DataKind::Visits).then(|| zone_names.get(&key).cloned()).flatten(),
                    key,
                    count: (n as i64).saturating_add(dlaplace::sample(rng, eps)),
                })
                .collect();
            tables.push(ReportTable { dataset: *d, by: grouped_by(*d), counts });
        }
        store::governance::spend(tx, &cells, asked, &actor.login, request, &period.label, now)?;
        let details = serde_json::json!({
            "period": period.label, "epsilon": asked, "datasets": datasets, "request": request,
        })
        .to_string();
        log::append(
            tx,
            entry(actor, &role, Permission::TransparencyReport, &object, Outcome::Allowed, details),
        )?;
        Ok::<_, StoreError>(Ok(tables))
    })?;
    let tables = match result {
        Ok(t) => t,
        Err(over) => {
            let e = ServiceError::Conflict(over);
            refuse(store, actor, &object, &e)?;
            return Err(e);
        }
    };
    let ledger = store::governance::ledger(store.conn(), settings.budget)?
        .into_iter()
        .filter(|l| cells.iter().any(|(d, m)| *d == l.dataset && *m == l.month))
        .collect();
    Ok(Report {
        period: period.clone(),
        request,
        noise: Noise {
            mechanism: "discrete Laplace",
            sensitivity: 1,
            epsilon: asked,
            scale: eps.scale(),
            variance: eps.variance(),
        },
        tables,
        ledger,
        generated: now,
    })
}

fn refuse(
    store: &mut Store,
    actor: &Actor,
    object: &str,
    e: &ServiceError,
) -> Result<(), ServiceError> {
    let role = actor.grants().first().map_or(audit::PUBLIC.to_owned(), |g| g.role.to_string());
    let details = serde_json::json!({ "refused": e.to_string() }).to_string();
    audit::record(
        store,
        &entry(actor, &role, Permission::TransparencyReport, object, Outcome::Denied, details),
    )?;
    Ok(())
}

/// The datasets `actor` may report on under request `id`.
fn under_request(
    store: &Store,
    actor: &Actor,
    id: u64,
    now: DateTime<Utc>,
) -> Result<Vec<DataKind>, ServiceError> {
    if actor.is_public() {
        return Err(ServiceError::Denied(format!(
            "{} is not on the staff list and may not run a transparency report",
            actor.login
        )));
    }
    let r = super::requests::show_unchecked(store, id, now)?;
    if r.requester != actor.login {
        return Err(ServiceError::Denied(format!(
            "request {id} is {}'s; only its requester may report under it",
            r.requester
        )));
    }
    if r.state != RequestState::Approved {
        return Err(ServiceError::Denied(format!(
            "request {id} is {}, not approved",
            r.state.as_str()
        )));
    }
    if r.scope != Scope::Aggregate {
        return Err(ServiceError::Denied(format!(
            "request {id} is row-level; transparency reports run under aggregate requests"
        )));
    }
    // What is left of the request's ε is checked in the transaction that spends it.
    let kinds: Vec<DataKind> = DATASETS.into_iter().filter(|d| r.kinds.contains(d)).collect();
    if kinds.is_empty() {
        return Err(ServiceError::Denied(format!(
            "request {id} asks for none of loans, visits, arrivals"
        )));
    }
    Ok(kinds)
}

/// The whole ledger against the budget.
pub fn ledger(
    store: &mut Store,
    actor: &Actor,
    budget: MilliEps,
) -> Result<Vec<LedgerLine>, ServiceError> {
    audit::authorize(store, actor, Permission::ViewRequests, "ledger")?;
    Ok(store::governance::ledger(store.conn(), budget)?)
}

/// The ledger, for a caller that has already checked the viewer may see it.
pub fn ledger_unchecked(store: &Store, budget: MilliEps) -> Result<Vec<LedgerLine>, ServiceError> {
    Ok(store::governance::ledger(store.conn(), budget)?)
}
