//! What the audit log binds besides its own hashes: how the database was made (a demo or not,
//! its id), that `--as` was used only where that is allowed (a demo), and who holds which role
//! (the staff directory as the log's grants and revocations built it). The database's own
//! marks and its staff table are checked against these, so a row changed with sqlite3 is
//! caught by verification even though no entry's hash changed.
//!
//! Pure and streaming: entries arrive in `seq` order through [`Bindings::observe`]; memory is
//! bounded by the number of role grants and [`MAX_EVIDENCE`], never by the log's length.
//!
//! Audit conventions read here: entry 0 is the creation entry (`database.create`, details
//! [`Creation`]); role changes are allowed entries of action `staff.manage` or
//! [`SEAT_ACTION`] on object `staff:<login>` whose details hold `{"grant": role, "party": p}`
//! or `{"revoke": role}`.

use crate::domain::units::count;
use std::collections::BTreeMap;

use serde_json::Value;

use super::audit::{Creation, Entry, Outcome};
use super::rules::MAX_EVIDENCE;
use super::staff::{Grant, Party, Role};

/// The action of the entry that applies an approved change of a committee seat.
pub const SEAT_ACTION: &str = "committee.seat";

/// The marks the database keeps about itself, as read from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    /// `Some("1")` on a database marked a demo.
    pub demo: Option<String>,
    pub database_id: Option<String>,
}

/// What the bindings found wrong, in sentences, and the entries made under `--as` where that
/// is not allowed (kept apart: it is its own alert, not a broken log).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BindingReport {
    pub problems: Vec<String>,
    /// The sentence about entries made under `--as` on a database that is not a demo.
    pub impersonation: Option<String>,
    /// Entries made under `--as` on a database not created as a demo: the first and last
    /// halves of [`MAX_EVIDENCE`], ascending.
    pub impersonated: Vec<u64>,
    /// How many there are in all.
    pub impersonated_count: u64,
}

/// A role as the log granted it: the party, and the entry that granted it.
type Granted = (Option<Party>, u64);

/// The bindings of one pass over the log.
#[derive(Debug, Default)]
pub struct Bindings {
    creation: Option<Creation>,
    impersonated: Vec<u64>,
    impersonated_count: u64,
    first_impersonator: Option<String>,
    roles: BTreeMap<(String, Role), Granted>,
}

impl Bindings {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next entry of the log.
    pub fn observe(&mut self, e: &Entry) {
        if e.seq == 0 {
            self.creation = e.creation();
        }
        if let Some(login) = &e.entry.impersonator {
            self.impersonated_count += 1;
            self.first_impersonator.get_or_insert_with(|| login.clone());
            keep_evidence(&mut self.impersonated, e.seq);
        }
        if e.entry.outcome == Outcome::Allowed
            && (e.entry.action == "staff.manage" || e.entry.action == SEAT_ACTION)
            && let Some(login) = e.entry.object.strip_prefix("staff:")
        {
            self.apply_role_change(login, &e.entry.details, e.seq);
        }
    }

    fn apply_role_change(&mut self, login: &str, details: &str, seq: u64) {
        let Ok(Value::Object(d)) = serde_json::from_str::<Value>(details) else { return };
        let role = |key: &str| d.get(key).and_then(Value::as_str).and_then(|r| r.parse().ok());
        if let Some(role) = role("grant") {
            let party = d.get("party").and_then(Value::as_str).and_then(|p| p.parse().ok());
            self.roles.insert((login.to_owned(), role), (party, seq));
        } else if let Some(role) = role("revoke") {
            self.roles.remove(&(login.to_owned(), role));
        }
    }

    /// How the database was made, if its first entry says so.
    pub fn creation(&self) -> Option<&Creation> {
        self.creation.as_ref()
    }

    /// Checks the database's marks and its staff table (`login`, grant) against what the log
    /// built.
    pub fn check(&self, marks: &Marks, staff_roles: &[(String, Grant)]) -> BindingReport {
        let mut problems = Vec::new();
        let marked_demo = marks.demo.as_deref() == Some("1");
        let created_demo = self.creation.as_ref().is_some_and(|c| c.demo);
        match &self.creation {
            None if marked_demo => problems.push(
                "the database is marked a demo, but entry 0 does not record it was created as one: the mark was set after it was made"
                    .to_owned(),
            ),
            None => {}
            Some(c) => {
                if marked_demo != c.demo {
                    problems.push(format!(
                        "the database is marked {}, but entry 0 records it was created as {}: the mark was changed after it was made",
                        demo_name(marked_demo),
                        demo_name(c.demo)
                    ));
                }
                if marks.database_id.as_deref() != Some(c.database_id.as_str()) {
                    problems.push(format!(
                        "the database's id is {}, but entry 0 records {}: the id was changed after it was made",
                        marks.database_id.as_deref().unwrap_or("missing"),
                        c.database_id
                    ));
                }
            }
        }
        let mut impersonation = None;
        if !created_demo && self.impersonated_count > 0 {
            impersonation = Some(format!(
                "{} made under --as on a database that is not a demo (the first is entry {}, run by the login {})",
                count(self.impersonated_count, "entry was", "entries were"),
                self.impersonated.first().copied().unwrap_or_default(),
                self.first_impersonator.as_deref().unwrap_or("?")
            ));
        }
        problems.extend(self.role_problems(staff_roles));
        BindingReport {
            problems,
            impersonation,
            impersonated: if created_demo { Vec::new() } else { self.impersonated.clone() },
            impersonated_count: if created_demo { 0 } else { self.impersonated_count },
        }
    }

    fn role_problems(&self, staff_roles: &[(String, Grant)]) -> Vec<String> {
        let mut out = Vec::new();
        let table: BTreeMap<(String, Role), Option<Party>> =
            staff_roles.iter().map(|(l, g)| ((l.clone(), g.role), g.party)).collect();
        for ((login, role), party) in &table {
            match self.roles.get(&(login.clone(), *role)) {
                None => out.push(format!(
                    "the staff table gives {login} the {} role, which no audit entry granted: the directory was changed outside carrel",
                    grant_name(*role, *party)
                )),
                Some((granted, seq)) if granted != party => out.push(format!(
                    "the staff table gives {login} the {} role, but entry {seq} granted {}: the directory was changed outside carrel",
                    grant_name(*role, *party),
                    grant_name(*role, *granted)
                )),
                Some(_) => {}
            }
        }
        for ((login, role), (party, seq)) in &self.roles {
            if !table.contains_key(&(login.clone(), *role)) {
                out.push(format!(
                    "entry {seq} granted {login} the {} role and no entry revoked it, but the staff table does not hold it: the directory was changed outside carrel",
                    grant_name(*role, *party)
                ));
            }
        }
        out
    }
}

fn demo_name(demo: bool) -> &'static str {
    if demo { "a demo" } else { "a real database" }
}

fn grant_name(role: Role, party: Option<Party>) -> String {
    match party {
        Some(p) => format!("{role} ({})", p.label()),
        None => role.to_string(),
    }
}

/// Keeps the first and the last halves of [`MAX_EVIDENCE`] entry numbers.
fn keep_evidence(kept: &mut Vec<u64>, seq: u64) {
    let half = MAX_EVIDENCE / 2;
    if kept.len() < MAX_EVIDENCE {
        kept.push(seq);
    } else {
        kept.remove(half);
        kept.push(seq);
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::audit::{CREATION_ACTION, NewEntry};

    fn entry(seq: u64, action: &str, object: &str, details: &str) -> Entry {
        Entry {
            seq,
            entry: NewEntry {
                at: chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
                actor: "root".into(),
                role: "-".into(),
                action: action.into(),
                object: object.into(),
                purpose: String::new(),
                outcome: Outcome::Allowed,
                details: details.into(),
                impersonator: None,
            },
        }
    }

    fn created(demo: bool) -> Entry {
        entry(0, CREATION_ACTION, "database", &format!(r#"{{"demo":{demo},"database_id":"ab12"}}"#))
    }

    fn marks(demo: &str) -> Marks {
        Marks { demo: Some(demo.into()), database_id: Some("ab12".into()) }
    }

    #[test]
    fn a_demo_mark_set_after_creation_is_found() {
        let mut b = Bindings::new();
        b.observe(&created(false));
        assert!(b.check(&marks("0"), &[]).problems.is_empty());
        let r = b.check(&marks("1"), &[]);
        assert_eq!(r.problems.len(), 1, "{r:?}");
        assert!(r.problems[0].contains("created as a real database"), "{r:?}");
        let mut other_id = marks("0");
        other_id.database_id = Some("ff".into());
        assert!(b.check(&other_id, &[]).problems[0].contains("id was changed"));
    }

    #[test]
    fn a_log_without_a_creation_entry_is_never_a_demo() {
        let mut b = Bindings::new();
        b.observe(&entry(0, "staff.manage", "staff:sam", r#"{"grant":"sysadmin","party":null}"#));
        let grants = [("sam".to_owned(), Grant { role: Role::Sysadmin, party: None })];
        assert!(b.check(&Marks::default(), &grants).problems.is_empty());
        assert!(b.check(&marks("1"), &grants).problems[0].contains("does not record"));
    }

    #[test]
    fn impersonation_counts_only_outside_a_demo() {
        for demo in [false, true] {
            let mut b = Bindings::new();
            b.observe(&created(demo));
            assert!(b.check(&marks(if demo { "1" } else { "0" }), &[]).problems.is_empty());
            for seq in 1..=60 {
                let mut e = entry(seq, "request.vote", "request:1", "{}");
                e.entry.impersonator = Some("root".into());
                b.observe(&e);
            }
            let r = b.check(&marks(if demo { "1" } else { "0" }), &[]);
            if demo {
                assert!(r.impersonation.is_none() && r.impersonated.is_empty(), "{r:?}");
            } else {
                assert_eq!(r.impersonated_count, 60);
                assert_eq!(r.impersonated.len(), MAX_EVIDENCE);
                assert_eq!((r.impersonated[0], r.impersonated[MAX_EVIDENCE - 1]), (1, 60));
                let said = r.impersonation.unwrap();
                assert!(said.contains("60 entries were made under --as"), "{said}");
                assert!(said.contains("entry 1, run by the login root"), "{said}");
            }
        }
    }

    #[test]
    fn the_staff_table_must_be_what_the_log_built() {
        let mut b = Bindings::new();
        b.observe(&created(false));
        b.observe(&entry(
            1,
            "staff.manage",
            "staff:sam",
            r#"{"grant":"sysadmin","party":null,"bootstrap":true}"#,
        ));
        b.observe(&entry(2, "staff.manage", "staff:dana", r#"{"grant":"desk","party":null}"#));
        b.observe(&entry(
            3,
            SEAT_ACTION,
            "staff:uma",
            r#"{"grant":"committee","party":"user_committee","change":1}"#,
        ));
        b.observe(&entry(4, "staff.manage", "staff:dana", r#"{"revoke":"desk"}"#));
        let mut denied = entry(5, "staff.manage", "staff:eve", r#"{"grant":"desk","party":null}"#);
        denied.entry.outcome = Outcome::Denied;
        b.observe(&denied);
        let g = |l: &str, role, party| (l.to_owned(), Grant { role, party });
        let honest =
            [g("sam", Role::Sysadmin, None), g("uma", Role::Committee, Some(Party::UserCommittee))];
        assert!(b.check(&marks("0"), &honest).problems.is_empty());

        let forged = [
            g("sam", Role::Sysadmin, None),
            g("uma", Role::Committee, Some(Party::Library)),
            g("eve", Role::Committee, Some(Party::Supplier)),
        ];
        let p = b.check(&marks("0"), &forged).problems;
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.iter().any(|m| m.contains("eve") && m.contains("no audit entry granted")));
        assert!(p.iter().any(|m| m.contains("uma") && m.contains("entry 3 granted")));

        let dropped = [g("uma", Role::Committee, Some(Party::UserCommittee))];
        let p = b.check(&marks("0"), &dropped).problems;
        assert!(p[0].contains("entry 1 granted sam the sysadmin role"), "{p:?}");
    }
}
