//! carrel's staff directory: logins, names and role grants.

use std::collections::BTreeMap;

use super::db::{Connection, params};

use super::db::Backend;
use super::layout::parse_column;
use super::{StoreError, StoreResult, pg};
use crate::domain::staff::{Grant, Party, Role, StaffMember};

/// Adds a staff member, or updates the display name and re-activates an existing one.
pub fn upsert(conn: &Connection, login: &str, display_name: &str, now_ms: i64) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO staff(login, display_name, created_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT(login) DO UPDATE SET display_name = excluded.display_name, active = 1",
    )?
    .execute(params![login, display_name, now_ms])?;
    Ok(())
}

/// On PostgreSQL, where the staff login is the server's own login role: checks that role
/// exists and grants it `carrel_staff` (see `store::pg`). Nothing to do on SQLite.
pub fn admit_login(conn: &Connection, login: &str) -> StoreResult<()> {
    if conn.backend() == Backend::Sqlite {
        return Ok(());
    }
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?1 AND rolcanlogin)",
        [login],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(StoreError::Invalid(format!(
            "no database login '{login}': staff sign in to PostgreSQL as themselves, so create the login first (CREATE ROLE {} LOGIN, with a password or certificate) and add it again",
            pg::quote_ident(login)
        )));
    }
    // Roles are the server's, shared by its databases: another database may grant the same
    // login at the same moment, which is no error.
    conn.execute_batch(&format!(
        "DO $$ BEGIN GRANT {} TO {}; EXCEPTION WHEN unique_violation THEN NULL; END $$",
        pg::STAFF_ROLE,
        pg::quote_ident(login)
    ))?;
    Ok(())
}

/// Grants a role; committee grants name the party.
pub fn grant(conn: &Connection, login: &str, role: Role, party: Option<Party>) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO staff_roles(login, role, party) VALUES (?1, ?2, ?3)
         ON CONFLICT(login, role) DO UPDATE SET party = excluded.party",
    )?
    .execute(params![login, role.as_str(), party.map(Party::as_str)])?;
    Ok(())
}

/// Takes a role away.
pub fn revoke(conn: &Connection, login: &str, role: Role) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM staff_roles WHERE login = ?1 AND role = ?2")?
        .execute(params![login, role.as_str()])?;
    Ok(())
}

/// Every staff member with their grants, by login.
pub fn list(conn: &Connection) -> StoreResult<Vec<StaffMember>> {
    let mut members: BTreeMap<String, StaffMember> = conn
        .prepare_cached("SELECT login, display_name, active FROM staff")?
        .query_map((), |r| {
            Ok(StaffMember {
                login: r.get(0)?,
                display_name: r.get(1)?,
                active: r.get(2)?,
                grants: vec![],
            })
        })?
        .map(|m| m.map(|m| (m.login.clone(), m)))
        .collect::<super::db::Result<_>>()?;
    let mut stmt =
        conn.prepare_cached("SELECT login, role, party FROM staff_roles ORDER BY login, role")?;
    let grants = stmt.query_map((), |r| {
        let role: String = r.get(1)?;
        let party: Option<String> = r.get(2)?;
        Ok((
            r.get::<_, String>(0)?,
            Grant {
                role: parse_column(&role, 1)?,
                party: party.as_deref().map(|p| parse_column(p, 2)).transpose()?,
            },
        ))
    })?;
    for g in grants {
        let (login, grant) = g?;
        if let Some(m) = members.get_mut(&login) {
            m.grants.push(grant);
        }
    }
    Ok(members.into_values().collect())
}
