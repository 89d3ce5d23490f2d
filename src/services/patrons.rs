//! Imports of the patron directory and of patron activity (loans, searches, visits).
//!
//! Card numbers become pseudonyms on the way in; names, cards and emails are sealed field by
//! field before they reach the store. Each import is one transaction holding every row and one
//! audit entry, whose details give the file and the counts, never a card or a name. Activity
//! for a card the directory does not hold refuses the whole file, saying how many rows but not
//! which: naming the lines would make an import a way to test card numbers. A refused import,
//! for that or any other reason, is logged as a failed entry with counts only. Importing the
//! same file again changes nothing: directory rows are compared with their opened fields.
//!
//! May use: domain, store.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use super::keys::nonce;
use crate::domain::audit::Outcome;
use crate::domain::consent::{ConsentChange, ConsentPurpose, ConsentSource};
use crate::domain::crypto::Keys;
use crate::domain::patron::{self, PatronState};
use crate::domain::patron_csv::{
    DEFAULT_CATEGORY, LoanRecord, PatronRecord, SearchRecord, VisitRecord,
};
use crate::domain::policy::Permission;
use crate::store::activity::{self, Written};
use crate::store::patrons::{self as directory, PatronRow};
use crate::store::{Store, audit as log, consent};

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ImportSummary {
    pub rows: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Consent changes recorded from the file's consent columns (directory imports only).
    pub consent_changes: usize,
    /// Rows of patrons retention has anonymised, left as they are (directory imports only).
    pub anonymised_kept: usize,
}

impl ImportSummary {
    fn count(&mut self, w: Written) {
        match w {
            Written::New => self.new += 1,
            Written::Changed => self.changed += 1,
            Written::Unchanged => self.unchanged += 1,
        }
    }
}

/// A refused import in counts only, as its audit entry gives it: never a card, a name or a
/// cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Refusal {
    /// Data rows read.
    pub rows: usize,
    /// Problems found: bad or repeated rows, a bad header, a file that cannot be read, rows
    /// naming an unknown card.
    pub problems: usize,
    /// Rows naming a card the directory does not hold; counted only in a file whose rows are
    /// all well formed.
    pub unknown_cards: usize,
}

fn refusal_details(file: &str, r: &Refusal) -> String {
    serde_json::json!({
        "file": file, "rows": r.rows, "problems": r.problems,
        "unknown_cards": r.unknown_cards, "refused": true,
    })
    .to_string()
}

/// Logs an import refused before any row was written (a file that cannot be read, a bad
/// header, bad or repeated rows) as one failed entry on `object` (`patrons`, `loans`,
/// `searches` or `visits`). An actor who may not import at all is denied instead, and the
/// denial is what is logged.
pub fn refuse_import(
    store: &mut Store,
    actor: &Actor,
    object: &str,
    file: &str,
    refusal: &Refusal,
) -> Result<(), ServiceError> {
    let role = audit::authorize(store, actor, Permission::ImportPatrons, object)?;
    let details = refusal_details(file, refusal);
    let e = entry(actor, &role, Permission::ImportPatrons, object, Outcome::Failed, details);
    store.write(|tx| log::append(tx, e.clone()))?;
    Ok(())
}

/// What a refusal for unknown cards says: how many rows, never which.
fn unknown_cards(n: usize) -> String {
    let (rows, name) = if n == 1 { ("row", "names") } else { ("rows", "name") };
    format!(
        "{n} {rows} {name} a card that is not in the directory (lines are not named, so that \
         an import cannot test card numbers); import the patrons first"
    )
}

/// The opened fields of a directory row.
struct Opened {
    card: String,
    name: String,
    email: Option<String>,
}

fn open_row(keys: &Keys, row: &PatronRow) -> Result<Option<Opened>, ServiceError> {
    let (Some(card), Some(name)) = (&row.card_enc, &row.name_enc) else { return Ok(None) };
    let p = &row.pseudonym;
    Ok(Some(Opened {
        card: keys.open(patron::CARD, p, card)?,
        name: keys.open(patron::NAME, p, name)?,
        email: row.email_enc.as_deref().map(|e| keys.open(patron::EMAIL, p, e)).transpose()?,
    }))
}

fn seal_row(
    keys: &Keys,
    pseudonym: &str,
    card: &str,
    name: &str,
    email: Option<&str>,
) -> (Vec<u8>, Vec<u8>, Option<Vec<u8>>) {
    (
        keys.seal(patron::CARD, pseudonym, card, nonce()),
        keys.seal(patron::NAME, pseudonym, name, nonce()),
        email.map(|e| keys.seal(patron::EMAIL, pseudonym, e, nonce())),
    )
}

/// Imports the patron directory from `rows` (read from `file`). A card not yet known becomes
/// a new patron (category `adult` and joined now unless the file says otherwise); a known one
/// is updated where the file differs, and columns the file lacks leave it as it is. Consent
/// columns record a change, from `source`, where they differ from the current consent.
pub fn import_patrons(
    store: &mut Store,
    actor: &Actor,
    keys: &Keys,
    rows: &[PatronRecord],
    file: &str,
    source: ConsentSource,
) -> Result<ImportSummary, ServiceError> {
    let role = audit::authorize(store, actor, Permission::ImportPatrons, "patrons")?;
    let now = Utc::now();
    store.write(|tx| {
        let mut summary = ImportSummary { rows: rows.len(), ..ImportSummary::default() };
        for r in rows {
            let pseudonym = keys.pseudonym(&r.card);
            let written = write_patron(tx, keys, &pseudonym, r, now, &mut summary)?;
            summary.count(written);
            for (purpose, wanted) in [
                (ConsentPurpose::Recommendations, r.consent_recommendations),
                (ConsentPurpose::Profiling, r.consent_profiling),
            ] {
                let Some(granted) = wanted else { continue };
                let current = consent::current(tx, &pseudonym, purpose)?.map(|c| c.granted);
                if current != Some(granted) {
                    consent::append(
                        tx,
                        keys,
                        &ConsentChange {
                            pseudonym: pseudonym.clone(),
                            purpose,
                            granted,
                            at: now,
                            by: actor.login.clone(),
                            source,
                            note: format!("line {} of {}", r.line, file_name(file)),
                        },
                    )?;
                    summary.consent_changes += 1;
                }
            }
        }
        let details = details(file, source, &summary);
        log::append(
            tx,
            entry(actor, &role, Permission::ImportPatrons, "patrons", Outcome::Allowed, details),
        )?;
        Ok(summary)
    })
}

fn write_patron(
    tx: &crate::store::Tx<'_>,
    keys: &Keys,
    pseudonym: &str,
    r: &PatronRecord,
    now: DateTime<Utc>,
    summary: &mut ImportSummary,
) -> Result<Written, ServiceError> {
    let email_in_file = r.email.as_ref().map(|e| e.as_deref());
    let Some(known) = directory::get(tx, pseudonym)? else {
        let (card_enc, name_enc, email_enc) =
            seal_row(keys, pseudonym, &r.card, &r.name, email_in_file.flatten());
        let joined = r.joined.unwrap_or(now);
        directory::upsert(
            tx,
            &PatronRow {
                pseudonym: pseudonym.to_owned(),
                card_enc: Some(card_enc),
                name_enc: Some(name_enc),
                email_enc,
                category: r.category.clone().unwrap_or_else(|| DEFAULT_CATEGORY.to_owned()),
                joined,
                last_active: joined,
                state: PatronState::Active,
                state_since: now,
            },
        )?;
        directory::refresh_last_active(tx, pseudonym)?;
        return Ok(Written::New);
    };
    let Some(opened) = open_row(keys, &known)? else {
        // Retention has removed this patron's identity; an old file must not bring it back.
        summary.anonymised_kept += 1;
        return Ok(Written::Unchanged);
    };
    let email = match email_in_file {
        Some(e) => e.map(str::to_owned),
        None => opened.email.clone(),
    };
    let category = r.category.clone().unwrap_or_else(|| known.category.clone());
    let joined = r.joined.unwrap_or(known.joined);
    if opened.card == r.card
        && opened.name == r.name
        && opened.email == email
        && category == known.category
        && joined == known.joined
    {
        return Ok(Written::Unchanged);
    }
    let (card_enc, name_enc, email_enc) =
        seal_row(keys, pseudonym, &r.card, &r.name, email.as_deref());
    directory::upsert(
        tx,
        &PatronRow {
            card_enc: Some(card_enc),
            name_enc: Some(name_enc),
            email_enc,
            category,
            joined,
            ..known
        },
    )?;
    directory::refresh_last_active(tx, pseudonym)?;
    Ok(Written::Changed)
}

fn file_name(file: &str) -> &str {
    std::path::Path::new(file).file_name().and_then(|n| n.to_str()).unwrap_or(file)
}

fn details(file: &str, source: ConsentSource, s: &ImportSummary) -> String {
    serde_json::json!({
        "file": file, "source": source, "rows": s.rows, "new": s.new, "changed": s.changed,
        "unchanged": s.unchanged, "consent_changes": s.consent_changes,
        "anonymised_kept": s.anonymised_kept,
    })
    .to_string()
}

/// Imports loans. Every card must be in the directory.
pub fn import_loans(
    store: &mut Store,
    actor: &Actor,
    keys: &Keys,
    rows: &[LoanRecord],
    file: &str,
    source: ConsentSource,
) -> Result<ImportSummary, ServiceError> {
    let cards: Vec<&str> = rows.iter().map(|r| r.card.as_str()).collect();
    import_activity(store, actor, keys, &cards, file, source, "loans", |tx, i, pseudonym| {
        let r = &rows[i];
        activity::write_loan(
            tx,
            &activity::Loan {
                pseudonym: pseudonym.to_owned(),
                item_id: r.item_id.clone(),
                loaned: r.loaned,
                returned: r.returned,
            },
        )
    })
}

/// Imports catalogue searches. Every card must be in the directory.
pub fn import_searches(
    store: &mut Store,
    actor: &Actor,
    keys: &Keys,
    rows: &[SearchRecord],
    file: &str,
    source: ConsentSource,
) -> Result<ImportSummary, ServiceError> {
    let cards: Vec<&str> = rows.iter().map(|r| r.card.as_str()).collect();
    import_activity(store, actor, keys, &cards, file, source, "searches", |tx, i, pseudonym| {
        let r = &rows[i];
        activity::write_search(
            tx,
            &activity::Search { pseudonym: pseudonym.to_owned(), at: r.at, query: r.query.clone() },
        )
    })
}

/// Imports visits. Every card must be in the directory.
pub fn import_visits(
    store: &mut Store,
    actor: &Actor,
    keys: &Keys,
    rows: &[VisitRecord],
    file: &str,
    source: ConsentSource,
) -> Result<ImportSummary, ServiceError> {
    let cards: Vec<&str> = rows.iter().map(|r| r.card.as_str()).collect();
    import_activity(store, actor, keys, &cards, file, source, "visits", |tx, i, pseudonym| {
        let r = &rows[i];
        activity::write_visit(
            tx,
            &activity::Visit {
                pseudonym: pseudonym.to_owned(),
                at: r.at,
                zone_id: r.zone_id.clone(),
            },
        )
    })
}

/// Writes activity rows (given by their cards; `write` stores row `i` under its pseudonym)
/// with one audit entry, after checking every card is in the directory. A file naming an
/// unknown card is refused whole, with its failed entry written.
#[allow(clippy::too_many_arguments)]
fn import_activity(
    store: &mut Store,
    actor: &Actor,
    keys: &Keys,
    cards: &[&str],
    file: &str,
    source: ConsentSource,
    object: &str,
    mut write: impl FnMut(&crate::store::Tx<'_>, usize, &str) -> crate::store::StoreResult<Written>,
) -> Result<ImportSummary, ServiceError> {
    let role = audit::authorize(store, actor, Permission::ImportPatrons, object)?;
    // One HMAC per distinct card, not per row.
    let mut by_card: HashMap<&str, String> = HashMap::new();
    let pseudonyms: Vec<String> = cards
        .iter()
        .map(|card| by_card.entry(card).or_insert_with(|| keys.pseudonym(card)).clone())
        .collect();
    let done = store.write(|tx| {
        let mut known: HashMap<&str, bool> = HashMap::new();
        let mut unknown = 0;
        for p in &pseudonyms {
            let exists = match known.get(p.as_str()) {
                Some(&e) => e,
                None => {
                    let e = directory::exists(tx, p)?;
                    known.insert(p, e);
                    e
                }
            };
            if !exists {
                unknown += 1;
            }
        }
        if unknown > 0 {
            let refusal = Refusal { rows: cards.len(), problems: unknown, unknown_cards: unknown };
            let details = refusal_details(file, &refusal);
            log::append(
                tx,
                entry(actor, &role, Permission::ImportPatrons, object, Outcome::Failed, details),
            )?;
            return Ok(Err(unknown));
        }
        let mut summary = ImportSummary { rows: cards.len(), ..ImportSummary::default() };
        let mut touched: HashSet<&str> = HashSet::new();
        for (i, p) in pseudonyms.iter().enumerate() {
            let w = write(tx, i, p)?;
            if w != Written::Unchanged {
                touched.insert(p);
            }
            summary.count(w);
        }
        for p in touched {
            directory::refresh_last_active(tx, p)?;
        }
        let details = details(file, source, &summary);
        log::append(
            tx,
            entry(actor, &role, Permission::ImportPatrons, object, Outcome::Allowed, details),
        )?;
        Ok::<_, ServiceError>(Ok(summary))
    })?;
    done.map_err(|unknown| ServiceError::Invalid(unknown_cards(unknown)))
}

/// How many rows the patron tables hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PatronCounts {
    pub patrons: u64,
    pub loans: u64,
    pub searches: u64,
    pub visits: u64,
    pub consent_changes: u64,
}

/// Counts reveal no patron, so anyone may read them.
pub fn counts(store: &Store) -> Result<PatronCounts, ServiceError> {
    let c = store.conn();
    let a = activity::counts(c)?;
    Ok(PatronCounts {
        patrons: directory::count(c)?,
        loans: a.loans,
        searches: a.searches,
        visits: a.visits,
        consent_changes: consent::count(c)?,
    })
}
