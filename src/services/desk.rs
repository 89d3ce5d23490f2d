//! The patron desk: a librarian looks a patron up by card with a stated purpose; the interest
//! profile comes only with the patron's consent to profiling, recommendations only with their
//! consent to recommendations. Every read lands in the audit log in the transaction that
//! reads: the lookup as `patron.read` with the stated purpose, the profile as `patron.read`
//! for `profiling`, served recommendations as `recs.serve`; a refusal for want of consent is
//! logged as denied.
//!
//! Consent follows `[privacy] consent_mode`: enforced refuses without consent; permissive goes
//! ahead and the privacy rules flag it; disabled does not check.
//!
//! May use: domain, store.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ServiceError;
use super::audit::{self, entry};
use super::consent::{CurrentConsent, pseudonym_of};
use super::identity::Actor;
use crate::domain::audit::Outcome;
use crate::domain::consent::{self, ConsentDecision, ConsentMode, ConsentPurpose};
use crate::domain::crypto::Keys;
use crate::domain::interest::{self, Event, Source, SubjectInterest, Weights};
use crate::domain::patron;
use crate::domain::policy::Permission;
use crate::domain::quorum::RequestState;
use crate::store::{self, Store, StoreError, audit as log};

/// What the desk reads with, from the configuration.
#[derive(Debug, Clone)]
pub struct DeskSettings {
    pub consent_mode: ConsentMode,
    pub weights: Weights,
    pub half_life: chrono::Duration,
    pub zone_subjects: BTreeMap<String, String>,
}

/// What the desk needs about a patron, whatever they consented to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatronCard {
    pub card: String,
    pub name: String,
    pub email: Option<String>,
    pub category: String,
    pub state: crate::domain::patron::PatronState,
    pub joined: DateTime<Utc>,
    pub last_active: DateTime<Utc>,
    pub loans_out: u64,
    pub consent: Vec<CurrentConsent>,
}

/// Whether something consent-bound may be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Gate {
    /// Consent given (or consent not tracked).
    Allowed,
    /// No consent, shown anyway under the permissive mode; the privacy rules flag it.
    Flagged,
    /// No consent: withheld, and the refusal logged.
    Refused { reason: String },
}

impl Gate {
    pub fn shows(&self) -> bool {
        !matches!(self, Gate::Refused { .. })
    }
}

/// A lookup: the desk's view, and the profile when the patron consented to profiling.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lookup {
    pub pseudonym: String,
    pub patron: PatronCard,
    pub profile_gate: Gate,
    /// Empty unless the gate shows it.
    pub profile: Vec<SubjectInterest>,
    /// Events that fed the profile per source (loans, searches, visits), and those that mapped
    /// to no subject.
    pub unmapped: [u64; 3],
    /// Whether recommendations may be served (checked again when they are).
    pub recommendations_gate: Gate,
}

fn gate(mode: ConsentMode, granted: Option<bool>, purpose: ConsentPurpose) -> Gate {
    match consent::decide(mode, granted) {
        ConsentDecision::Allowed => Gate::Allowed,
        ConsentDecision::Flagged => Gate::Flagged,
        ConsentDecision::Refused => Gate::Refused {
            reason: match granted {
                Some(false) => format!("the patron withdrew consent to {}", purpose.as_str()),
                _ => format!("the patron has not consented to {}", purpose.as_str()),
            },
        },
    }
}

/// A stated purpose: a short lowercase name (`circulation`, `account`, `request:12`).
fn check_purpose(purpose: &str) -> Result<(), ServiceError> {
    let ok = !purpose.is_empty()
        && purpose.len() <= 40
        && purpose
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_:".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::Invalid(format!(
            "purpose '{}': state why in a short lowercase name, e.g. circulation, account or request:ID",
            crate::domain::sanitize::clean_text(purpose, 40)
        )))
    }
}

/// Why a `request:ID` purpose cannot be stated, if it cannot: only a data request the committee
/// approved is a purpose for reading a patron. Other purposes are the desk's own and pass.
fn request_purpose_refusal(
    conn: &crate::store::Conn,
    purpose: &str,
) -> Result<Option<String>, StoreError> {
    let Some(id) = purpose.strip_prefix("request:") else {
        return Ok(None);
    };
    let Ok(id) = id.parse::<u64>() else {
        return Ok(Some("a request purpose names a request by its number, e.g. request:12".into()));
    };
    Ok(match store::governance::get_request(conn, id)? {
        None => Some(format!("there is no data request {id}")),
        Some(r) if r.state == RequestState::Approved => None,
        Some(r) => Some(format!(
            "data request {id} is {}; only a request the committee approved is a purpose",
            r.state.as_str()
        )),
    })
}

/// The events of one patron mapped to subjects, and how many mapped to none per source.
fn events(
    conn: &crate::store::Conn,
    pseudonym: &str,
    loans: Vec<store::activity::PatronLoan>,
    zone_subjects: &BTreeMap<String, String>,
) -> Result<(Vec<Event>, [u64; 3]), StoreError> {
    let mut out = Vec::new();
    let mut unmapped = [0u64; 3];
    for (subject, at, _) in loans {
        match subject {
            Some(subject) => out.push(Event { source: Source::Loans, subject, at }),
            None => unmapped[0] += 1,
        }
    }
    let searches = store::activity::patron_searches(conn, pseudonym)?;
    if !searches.is_empty() {
        let catalogue = store::activity::catalogue_subjects(conn)?;
        for (query, at) in searches {
            match interest::subject_of_query(&query, &catalogue) {
                Some(subject) => out.push(Event { source: Source::Searches, subject, at }),
                None => unmapped[1] += 1,
            }
        }
    }
    for (zone, at) in store::activity::patron_visits(conn, pseudonym)? {
        match zone.and_then(|z| zone_subjects.get(&z).cloned()) {
            Some(subject) => out.push(Event { source: Source::Visits, subject, at }),
            None => unmapped[2] += 1,
        }
    }
    Ok((out, unmapped))
}

/// Looks up the patron with `card` for `purpose` (desk role). The lookup, the profile read or
/// its refusal, and a card the directory does not hold are all logged, in the transaction
/// that reads.
pub fn lookup(
    store: &mut Store,
    actor: &Actor,
    keys: &Keys,
    card: &str,
    purpose: &str,
    settings: &DeskSettings,
    now: DateTime<Utc>,
) -> Result<Lookup, ServiceError> {
    check_purpose(purpose)?;
    let pseudonym = pseudonym_of(keys, card)?;
    let object = format!("patron:{pseudonym}");
    let role = audit::authorize(store, actor, Permission::LookupPatron, &object)?;
    let read = |outcome, purpose: &str, details: serde_json::Value| {
        let mut e =
            entry(actor, &role, Permission::LookupPatron, &object, outcome, details.to_string());
        e.purpose = purpose.to_owned();
        e
    };
    store.write(|tx| {
        if let Some(reason) = request_purpose_refusal(tx, purpose)? {
            log::append(
                tx,
                read(Outcome::Denied, purpose, serde_json::json!({ "refused": reason })),
            )?;
            return Ok(Err(ServiceError::Invalid(format!("purpose '{purpose}': {reason}"))));
        }
        let Some(row) = store::patrons::get(tx, &pseudonym)? else {
            log::append(tx, read(Outcome::Failed, purpose, serde_json::json!({ "found": false })))?;
            return Ok(Err(ServiceError::NotFound("no patron with that card".into())));
        };
        let open = |column: &str, v: &Option<Vec<u8>>| -> Result<Option<String>, ServiceError> {
            v.as_ref().map(|b| keys.open(column, &pseudonym, b)).transpose().map_err(Into::into)
        };
        let opened = (|| {
            Ok::<_, ServiceError>((
                open(patron::CARD, &row.card_enc)?,
                open(patron::NAME, &row.name_enc)?,
                open(patron::EMAIL, &row.email_enc)?,
            ))
        })();
        let (card_text, name, email) = match opened {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let history = store::consent::for_patron(tx, &pseudonym)?;
        let current: Vec<CurrentConsent> = ConsentPurpose::ALL
            .into_iter()
            .map(|p| {
                let c = consent::current(&history, p);
                CurrentConsent { purpose: p, granted: c.map(|c| c.granted), since: c.map(|c| c.at) }
            })
            .collect();
        let granted =
            |p: ConsentPurpose| current.iter().find(|c| c.purpose == p).and_then(|c| c.granted);
        let loans = store::activity::patron_loans(tx, &pseudonym)?;
        let loans_out = loans.iter().filter(|(_, _, returned)| returned.is_none()).count() as u64;
        log::append(tx, read(Outcome::Allowed, purpose, serde_json::json!({ "fields": "desk" })))?;

        let profile_gate = gate(
            settings.consent_mode,
            granted(ConsentPurpose::Profiling),
            ConsentPurpose::Profiling,
        );
        let (profile, unmapped) = if profile_gate.shows() {
            let (evs, unmapped) = events(tx, &pseudonym, loans, &settings.zone_subjects)?;
            let p = interest::profile(&evs, settings.weights, settings.half_life, now);
            log::append(
                tx,
                read(
                    Outcome::Allowed,
                    ConsentPurpose::Profiling.as_str(),
                    serde_json::json!({ "subjects": p.len(), "events": evs.len() }),
                ),
            )?;
            (p, unmapped)
        } else {
            let Gate::Refused { reason } = &profile_gate else { unreachable!() };
            log::append(
                tx,
                read(
                    Outcome::Denied,
                    ConsentPurpose::Profiling.as_str(),
                    serde_json::json!({ "refused": reason }),
                ),
            )?;
            (Vec::new(), [0; 3])
        };
        let recommendations_gate = gate(
            settings.consent_mode,
            granted(ConsentPurpose::Recommendations),
            ConsentPurpose::Recommendations,
        );
        Ok::<_, StoreError>(Ok(Lookup {
            pseudonym: pseudonym.clone(),
            patron: PatronCard {
                card: card_text.unwrap_or_default(),
                name: name.unwrap_or_default(),
                email,
                category: row.category.clone(),
                state: row.state,
                joined: row.joined,
                last_active: row.last_active,
                loans_out,
                consent: current,
            },
            profile_gate,
            profile,
            unmapped,
            recommendations_gate,
        }))
    })?
}

/// Where served recommendations came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// `api` or `local`.
    pub source: String,
    pub model_version: String,
    pub training_mode: String,
}

/// Records serving `items` recommendations to the patron `pseudonym` (desk role), after
/// checking their consent to recommendations at this moment: refused (and logged) without it
/// under the enforced mode. Returns the gate that applied.
pub fn serve(
    store: &mut Store,
    actor: &Actor,
    pseudonym: &str,
    items: &[String],
    provenance: &Provenance,
    consent_mode: ConsentMode,
) -> Result<Gate, ServiceError> {
    let object = format!("patron:{pseudonym}");
    let role = audit::authorize(store, actor, Permission::ServeRecommendations, &object)?;
    let outcome = store.write(|tx| {
        let history = store::consent::for_patron(tx, pseudonym)?;
        let granted =
            consent::current(&history, ConsentPurpose::Recommendations).map(|c| c.granted);
        let g = gate(consent_mode, granted, ConsentPurpose::Recommendations);
        let (outcome, details) = match &g {
            Gate::Refused { reason } => (Outcome::Denied, serde_json::json!({ "refused": reason })),
            _ => (
                Outcome::Allowed,
                serde_json::json!({
                    "items": items, "source": provenance.source,
                    "model_version": provenance.model_version,
                }),
            ),
        };
        let mut e = entry(
            actor,
            &role,
            Permission::ServeRecommendations,
            &object,
            outcome,
            details.to_string(),
        );
        e.purpose = ConsentPurpose::Recommendations.as_str().to_owned();
        log::append(tx, e)?;
        Ok::<_, StoreError>(g)
    })?;
    Ok(outcome)
}

/// One recommendation as the desk shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeskRecommendation {
    pub item_id: String,
    pub title: String,
    pub score: f64,
    /// Reason codes (`similar_to_loans`, `popular`, …) and, for the local model, the item it
    /// is like.
    pub reasons: Vec<String>,
}

/// The first of `cards` that the directory holds, on a demo database only: the card the
/// Patrons tab suggests trying. `cards` are the demo's own made-up patrons, computed from the
/// seed it was seeded with (the caller's to know); this checks each one is really there (not
/// yet seeded, or purged since, it is passed over).
///
/// Not logged as a patron read: nothing about anyone is read, only whether a row exists for a
/// pseudonym computed from a card the caller already holds, and only where every patron is
/// made up. On any other database it answers `None` without looking.
pub fn demo_card(
    store: &Store,
    keys: &Keys,
    cards: &[String],
) -> Result<Option<String>, ServiceError> {
    if cards.is_empty() || !store.is_demo()? {
        return Ok(None);
    }
    for card in cards {
        if store::patrons::exists(store.conn(), &keys.pseudonym(card))? {
            return Ok(Some(card.clone()));
        }
    }
    Ok(None)
}

/// The recommendation model's provenance as the recommendation feed last stored it.
pub fn model(store: &Store) -> Result<Option<crate::domain::api::ModelInfo>, ServiceError> {
    Ok(store::catalog::model(store.conn())?)
}
