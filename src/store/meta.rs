//! Key–value facts about the database itself (when it was made, whether it is a demo).

use super::StoreResult;
use super::db::{Connection, OptionalExtension, params};

/// Creation time, milliseconds since the epoch.
pub const CREATED_MS: &str = "created_ms";
/// "1" on databases made by `carrel init --demo`. Impersonation (`--as`) is allowed only where
/// this mark and the creation entry of the audit log both say so (`Store::is_demo`).
pub const DEMO: &str = "demo";
/// The subject each zone's shelves hold, as JSON, for a database seeded as a demo; the
/// configuration's `[patrons.zone_subjects]` wins when it has any.
pub const ZONE_SUBJECTS: &str = "zone_subjects";
/// A random id naming the database, also recorded in its creation entry.
pub const DATABASE_ID: &str = "database_id";
/// Id of the key that encrypts the patron directory (`domain::crypto::key_id`).
pub const PATRON_KEY_ID: &str = "patron_key_id";
/// Id of the key that makes pseudonyms.
pub const PSEUDONYM_KEY_ID: &str = "pseudonym_key_id";

pub fn get(conn: &Connection, key: &str) -> StoreResult<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()
}

pub fn set(conn: &Connection, key: &str, value: &str) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
