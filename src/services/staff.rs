//! The staff directory: who may use carrel and with which roles. Changes need the sysadmin
//! role, keep separation of duties, and are logged.

use chrono::Utc;

use super::ServiceError;
use super::audit::{self, entry};
use super::identity::Actor;
use crate::domain::audit::Outcome;
use crate::domain::policy::{self, Permission};
use crate::domain::sanitize::{clean_text, valid_id};
use crate::domain::staff::{Party, Role, StaffMember};
use crate::store::audit as log;
use crate::store::{Store, StoreError, staff, to_ms};

pub fn list(store: &mut Store, actor: &Actor) -> Result<Vec<StaffMember>, ServiceError> {
    audit::authorize(store, actor, Permission::ViewStaff, "staff")?;
    Ok(staff::list(store.conn())?)
}

fn check_login(login: &str) -> Result<(), ServiceError> {
    if valid_id(login) {
        Ok(())
    } else {
        Err(ServiceError::Invalid(format!(
            "'{}' is not a valid login (letters, digits, . _ - :)",
            clean_text(login, 40)
        )))
    }
}

/// Adds a staff member (no roles yet) or renames one.
pub fn add(store: &mut Store, actor: &Actor, login: &str, name: &str) -> Result<(), ServiceError> {
    check_login(login)?;
    let object = format!("staff:{login}");
    let role = audit::authorize(store, actor, Permission::ManageStaff, &object)?;
    let name = clean_text(name, 80);
    store.write(|tx| {
        staff::upsert(tx, login, &name, to_ms(Utc::now()))?;
        staff::admit_login(tx, login)?;
        let details = serde_json::json!({ "display_name": name }).to_string();
        log::append(
            tx,
            entry(actor, &role, Permission::ManageStaff, &object, Outcome::Allowed, details),
        )?;
        Ok::<_, StoreError>(())
    })?;
    Ok(())
}

fn find(store: &Store, login: &str) -> Result<StaffMember, ServiceError> {
    staff::list(store.conn())?.into_iter().find(|s| s.login == login).ok_or_else(|| {
        ServiceError::NotFound(format!(
            "no staff member '{login}' (add them with `carrel staff add`)"
        ))
    })
}

/// Grants a role other than committee (a committee seat is a proposal the committee approves:
/// `services::committee::propose`).
pub fn grant(
    store: &mut Store,
    actor: &Actor,
    login: &str,
    role: Role,
    party: Option<Party>,
) -> Result<(), ServiceError> {
    let object = format!("staff:{login}");
    if role == Role::Committee {
        return Err(ServiceError::Invalid(
            "a committee seat takes effect only when the committee approves it; propose it with services::committee::propose".into(),
        ));
    }
    let by = audit::authorize(store, actor, Permission::ManageStaff, &object)?;
    let member = find(store, login)?;
    if party.is_some() {
        return Err(ServiceError::Invalid("--party applies to the committee role only".into()));
    }
    let held: Vec<Role> = member.grants.iter().map(|g| g.role).collect();
    if let Some(c) = policy::conflict(&held, role) {
        return Err(ServiceError::Conflict(format!(
            "{login} holds the {c} role, which may not be combined with {role} (separation of duties)"
        )));
    }
    store.write(|tx| {
        staff::grant(tx, login, role, party)?;
        let details = serde_json::json!({ "grant": role, "party": party }).to_string();
        log::append(
            tx,
            entry(actor, &by, Permission::ManageStaff, &object, Outcome::Allowed, details),
        )?;
        Ok::<_, StoreError>(())
    })?;
    Ok(())
}

/// Revokes a role other than committee (whose end the committee approves, as its start). The
/// last sysadmin cannot lose the role: someone must be able to manage staff.
pub fn revoke(
    store: &mut Store,
    actor: &Actor,
    login: &str,
    role: Role,
) -> Result<(), ServiceError> {
    let object = format!("staff:{login}");
    if role == Role::Committee {
        return Err(ServiceError::Invalid(
            "a committee seat ends only when the committee approves it; propose it with services::committee::propose".into(),
        ));
    }
    let by = audit::authorize(store, actor, Permission::ManageStaff, &object)?;
    let member = find(store, login)?;
    if !member.has_role(role) {
        return Err(ServiceError::NotFound(format!("{login} does not hold the {role} role")));
    }
    if role == Role::Sysadmin {
        let sysadmins = staff::list(store.conn())?
            .iter()
            .filter(|s| s.active && s.has_role(Role::Sysadmin))
            .count();
        if sysadmins <= 1 {
            return Err(ServiceError::Conflict(format!(
                "{login} is the last sysadmin; grant the role to someone else first"
            )));
        }
    }
    store.write(|tx| {
        staff::revoke(tx, login, role)?;
        let details = serde_json::json!({ "revoke": role }).to_string();
        log::append(
            tx,
            entry(actor, &by, Permission::ManageStaff, &object, Outcome::Allowed, details),
        )?;
        Ok::<_, StoreError>(())
    })?;
    Ok(())
}

/// Creates the first sysadmin of a new database: nobody can authorize that, so it is logged as
/// the bootstrap of the directory.
pub fn bootstrap(
    store: &mut Store,
    login: &str,
    name: &str,
    role: Role,
    party: Option<Party>,
) -> Result<(), ServiceError> {
    check_login(login)?;
    let actor = Actor { login: login.to_owned(), staff: None, impersonator: None };
    store.write(|tx| {
        staff::upsert(tx, login, name, to_ms(Utc::now()))?;
        staff::admit_login(tx, login)?;
        staff::grant(tx, login, role, party)?;
        let details =
            serde_json::json!({ "grant": role, "party": party, "bootstrap": true }).to_string();
        log::append(
            tx,
            entry(
                &actor,
                "-",
                Permission::ManageStaff,
                &format!("staff:{login}"),
                Outcome::Allowed,
                details,
            ),
        )?;
        Ok::<_, StoreError>(())
    })?;
    Ok(())
}
