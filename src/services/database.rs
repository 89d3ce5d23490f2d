//! Moving a site (`carrel db copy`): the whole database to a new place, SQLite or
//! PostgreSQL, with the move recorded in the log it carries.

use serde::Serialize;

use super::ServiceError;
use super::audit::{authorize, entry, record};
use super::identity::Actor;
use crate::domain::audit::Outcome;
use crate::domain::policy::Permission;
use crate::store::{self, Location, Store};

/// The actors carrel's own engine writes audit entries as: on PostgreSQL any staff login may
/// add entries in these names besides its own.
pub const SYSTEM_ACTORS: [&str; 2] = [super::alerts::ENGINE, super::review::SAMPLER];

/// What a copy did, for the caller to show.
#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    pub to: String,
    /// Rows per table.
    pub rows: Vec<(String, u64)>,
    pub entries: u64,
    /// The audit log's root, the same on both sides.
    pub root: String,
}

/// Copies the whole of `store` to a new database at `to`. The move is logged in `store`
/// first, so the copy carries its own record of it; a copy that fails is logged as failed,
/// and nothing of it is left at `to`.
pub fn copy(store: &mut Store, actor: &Actor, to: &Location) -> Result<CopyReport, ServiceError> {
    let object = "database";
    let role = authorize(store, actor, Permission::CopyDatabase, object)?;
    let shown = to.shown();
    let logged = |outcome, details: serde_json::Value| {
        entry(actor, &role, Permission::CopyDatabase, object, outcome, details.to_string())
    };
    record(store, &logged(Outcome::Allowed, serde_json::json!({ "to": shown })))?;
    match store::copy::copy(store, to, &SYSTEM_ACTORS) {
        Ok(c) => Ok(CopyReport {
            to: shown,
            rows: c.rows.into_iter().map(|(t, n)| (t.to_owned(), n)).collect(),
            entries: c.entries,
            root: c.root,
        }),
        Err(e) => {
            let failed = serde_json::json!({ "to": shown, "error": e.to_string() });
            record(store, &logged(Outcome::Failed, failed))?;
            Err(e.into())
        }
    }
}
