//! The consent registry at the desk: show a patron's consent with its history, record a grant
//! or a withdrawal. The patron is named by card number, which becomes a pseudonym at once;
//! every call writes an audit entry on `patron:<pseudonym>` with the consent purpose, never a
//! card or a name. A withdrawal takes effect at once: it is the latest change.
//!
//! May use: domain, store.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use crate::domain::audit::Outcome;
use crate::domain::consent::{self, ConsentChange, ConsentPurpose, ConsentSource};
use crate::domain::crypto::Keys;
use crate::domain::patron_csv::CARD_LEN;
use crate::domain::policy::Permission;
use crate::domain::pseudonym::normalise_card;
use crate::domain::sanitize::clean_text;
use crate::store::{Store, audit as log, consent as registry, patrons as directory};

/// Longest note kept with a change, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// A patron's consent to one purpose now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrentConsent {
    pub purpose: ConsentPurpose,
    /// `None`: never recorded, which counts as not given.
    pub granted: Option<bool>,
    pub since: Option<DateTime<Utc>>,
}

/// A patron's consent and its history, oldest change first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentView {
    pub pseudonym: String,
    pub current: Vec<CurrentConsent>,
    pub history: Vec<ConsentChange>,
}

/// The pseudonym of a card typed at the desk.
pub(super) fn pseudonym_of(keys: &Keys, card: &str) -> Result<String, ServiceError> {
    if !CARD_LEN.contains(&normalise_card(card).len()) {
        return Err(ServiceError::Invalid(format!(
            "not a card number ({} to {} letters or digits)",
            CARD_LEN.start(),
            CARD_LEN.end()
        )));
    }
    Ok(keys.pseudonym(card))
}

fn no_patron() -> ServiceError {
    ServiceError::NotFound("no patron with that card".into())
}

fn purposes_label(purpose: Option<ConsentPurpose>) -> String {
    match purpose {
        Some(p) => p.as_str().to_owned(),
        None => ConsentPurpose::ALL.map(ConsentPurpose::as_str).join(","),
    }
}

/// A patron's consent to `purpose` (or to every purpose) with its history. The reading is
/// logged, and so is a card the directory does not hold.
pub fn show(
    store: &mut Store,
    actor: &Actor,
    keys: &Keys,
    card: &str,
    purpose: Option<ConsentPurpose>,
) -> Result<ConsentView, ServiceError> {
    let pseudonym = pseudonym_of(keys, card)?;
    let object = format!("patron:{pseudonym}");
    let role = audit::authorize(store, actor, Permission::ViewConsent, &object)?;
    let view = store.write(|tx| {
        registry::seal_plain_notes(tx, keys)?;
        let found = directory::exists(tx, &pseudonym)?;
        let history: Vec<ConsentChange> = if found {
            registry::for_patron_with_notes(tx, keys, &pseudonym)?
                .into_iter()
                .filter(|c| purpose.is_none_or(|p| p == c.purpose))
                .collect()
        } else {
            Vec::new()
        };
        let (outcome, details) = if found {
            (Outcome::Allowed, serde_json::json!({ "changes": history.len() }))
        } else {
            (Outcome::Failed, serde_json::json!({ "found": false }))
        };
        let mut e =
            entry(actor, &role, Permission::ViewConsent, &object, outcome, details.to_string());
        e.purpose = purposes_label(purpose);
        log::append(tx, e)?;
        Ok::<_, ServiceError>(found.then_some(history))
    })?;
    let history = view.ok_or_else(no_patron)?;
    let current = ConsentPurpose::ALL
        .into_iter()
        .filter(|p| purpose.is_none_or(|q| q == *p))
        .map(|p| {
            let c = consent::current(&history, p);
            CurrentConsent { purpose: p, granted: c.map(|c| c.granted), since: c.map(|c| c.at) }
        })
        .collect();
    Ok(ConsentView { pseudonym, current, history })
}

/// Records that the patron with `card` grants (`granted`) or withdraws consent to `purpose`,
/// with an optional note. The change and its audit entry are one transaction.
pub fn change(
    store: &mut Store,
    actor: &Actor,
    keys: &Keys,
    card: &str,
    purpose: ConsentPurpose,
    granted: bool,
    note: &str,
) -> Result<ConsentChange, ServiceError> {
    let pseudonym = pseudonym_of(keys, card)?;
    let object = format!("patron:{pseudonym}");
    let role = audit::authorize(store, actor, Permission::ChangeConsent, &object)?;
    let change = ConsentChange {
        pseudonym: pseudonym.clone(),
        purpose,
        granted,
        at: Utc::now(),
        by: actor.login.clone(),
        source: ConsentSource::Desk,
        note: clean_text(note, MAX_NOTE_CHARS),
    };
    let done = store.write(|tx| {
        registry::seal_plain_notes(tx, keys)?;
        let found = directory::exists(tx, &pseudonym)?;
        if found {
            registry::append(tx, keys, &change)?;
        }
        let (outcome, details) = if found {
            (Outcome::Allowed, serde_json::json!({ "granted": granted }))
        } else {
            (Outcome::Failed, serde_json::json!({ "granted": granted, "found": false }))
        };
        let mut e =
            entry(actor, &role, Permission::ChangeConsent, &object, outcome, details.to_string());
        e.purpose = purpose.as_str().to_owned();
        log::append(tx, e)?;
        Ok::<_, ServiceError>(found)
    })?;
    if done { Ok(change) } else { Err(no_patron()) }
}
