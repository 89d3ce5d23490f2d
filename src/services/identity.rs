//! Who is acting: the operating-system login of whoever runs carrel, mapped to a staff row.
//! A login carrel does not know gets the read-only public view.

use serde::Serialize;

use super::ServiceError;
use crate::domain::policy;
use crate::domain::staff::{Grant, Role, StaffMember};
use crate::store::{self, Store};

/// The person behind a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub login: String,
    /// `None`: not on the staff list, so read-only and without patron data.
    pub staff: Option<StaffMember>,
    /// The operating-system login that runs this process, when it acts as `login` with `--as`
    /// (demo databases only). Every audit entry the actor makes records it.
    pub impersonator: Option<String>,
}

impl Actor {
    pub fn grants(&self) -> &[Grant] {
        self.staff.as_ref().map_or(&[], |s| &s.grants)
    }

    pub fn has(&self, role: Role) -> bool {
        self.staff.as_ref().is_some_and(|s| s.active && s.has_role(role))
    }

    pub fn is_public(&self) -> bool {
        self.staff.as_ref().is_none_or(|s| !s.active)
    }
}

/// The login of the user running this process, from the system's user database (not from
/// `$USER`, which anyone can set).
pub fn os_login() -> String {
    uzers::get_current_username()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("uid{}", uzers::get_current_uid()))
}

/// Who runs carrel against `store`: on PostgreSQL the login the server authenticated for
/// this session (no OS login, setting or flag overrides it); on SQLite the OS login.
pub fn login(store: &Store) -> Result<String, ServiceError> {
    Ok(store.session_user()?.unwrap_or_else(os_login))
}

/// The actor for `login` as the database knows them.
pub fn actor(store: &Store, login: &str) -> Result<Actor, ServiceError> {
    let staff =
        store::staff::list(store.conn())?.into_iter().find(|s| s.login == login && s.active);
    let staff = staff.map(|mut s| {
        s.grants = policy::effective_grants(&s.grants);
        s
    });
    Ok(Actor { login: login.to_owned(), staff, impersonator: None })
}

/// The actor `login`, played by whoever runs this process ([`login`]): the caller has checked
/// that the database is a demo database. The entries this actor makes name that login too,
/// unless it is `login` itself.
pub fn acting_as(store: &Store, login: &str) -> Result<Actor, ServiceError> {
    let mut a = actor(store, login)?;
    let me = self::login(store)?;
    if me != login {
        a.impersonator = Some(me);
    }
    Ok(a)
}
