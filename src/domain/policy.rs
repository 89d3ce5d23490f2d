//! Who may do what: one table of permissions by role, in one place. Services check it before
//! every change and every read of patron-linked data; `carrel staff policy` prints it.
//!
//! Separation of duties is part of the policy: sysadmins run the system but never read patron
//! data, no one may hold the sysadmin role together with the desk role, and a sysadmin never
//! sits on the committee (NIST SP 800-53 AC-5): whoever manages the staff directory is not
//! among those who approve. A committee seat is granted or revoked only with the approval of
//! the committee (`domain::quorum`, `services::seats`).

use serde::Serialize;

use super::staff::{Grant, Role};

/// Something the policy allows or denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Seats, queues, feed health: shown to anyone, the read-only public view included.
    ViewOperations,
    /// Release a ghost seat.
    ReleaseSeat,
    /// Open, close or staff a service window.
    ChangeWindow,
    /// List staff and their roles.
    ViewStaff,
    /// Add staff, grant and revoke roles.
    ManageStaff,
    /// Read the audit log.
    ReadAudit,
    /// Recompute and check the audit log.
    VerifyAudit,
    /// Sign a checkpoint of the audit log.
    SignCheckpoint,
    /// Give the audit log its key, or hand it on to a new one.
    RotateLogKey,
    /// Add an operator's note to the audit log (a backup taken, a key moved).
    AnnotateAudit,
    /// Import arrival history from a CSV file.
    ImportArrivals,
    /// Import the patron directory and patron activity (loans, searches, visits) from CSV.
    /// The importer writes patron data but never reads it back.
    ImportPatrons,
    /// See a patron's consent and its history.
    ViewConsent,
    /// Record a patron's grant or withdrawal of consent.
    ChangeConsent,
    /// See privacy-risk alerts and their evidence.
    ViewAlerts,
    /// Acknowledge, resolve or escalate an alert.
    HandleAlerts,
    /// Run the privacy rules now.
    CheckRules,
    /// Anonymise and delete patron data past its retention period.
    PurgeData,
    /// See data requests, their votes and the ε ledger.
    ViewRequests,
    /// File a data request (and submit or withdraw one's own).
    FileRequest,
    /// Vote on a data request, for the party one sits for.
    VoteRequest,
    /// See the audit review queue and give verdicts on sampled accesses.
    ReviewAccess,
    /// Run a transparency report, spending ε. The requester of an approved aggregate request
    /// may too, within the request's ε (checked by the service, not this table).
    TransparencyReport,
    /// Look a patron up at the desk, with a stated purpose (and their profile, with consent).
    LookupPatron,
    /// Serve a patron recommendations, with their consent.
    ServeRecommendations,
    /// Approve or deny a change to who sits on the committee, for the party one sits for.
    DecideSeat,
    /// Copy the whole database to a new place, SQLite or PostgreSQL (`carrel db copy`).
    CopyDatabase,
    /// Import a layout file: map a source's seat ids onto floors, zones and the floor plan
    /// (`carrel import layout`).
    ImportLayout,
}

impl Permission {
    pub const ALL: [Permission; 28] = [
        Permission::ViewOperations,
        Permission::ReleaseSeat,
        Permission::ChangeWindow,
        Permission::ViewStaff,
        Permission::ManageStaff,
        Permission::ReadAudit,
        Permission::VerifyAudit,
        Permission::SignCheckpoint,
        Permission::RotateLogKey,
        Permission::AnnotateAudit,
        Permission::ImportArrivals,
        Permission::ImportPatrons,
        Permission::ViewConsent,
        Permission::ChangeConsent,
        Permission::ViewAlerts,
        Permission::HandleAlerts,
        Permission::CheckRules,
        Permission::PurgeData,
        Permission::ViewRequests,
        Permission::FileRequest,
        Permission::VoteRequest,
        Permission::ReviewAccess,
        Permission::TransparencyReport,
        Permission::LookupPatron,
        Permission::ServeRecommendations,
        Permission::DecideSeat,
        Permission::CopyDatabase,
        Permission::ImportLayout,
    ];

    /// The name used in audit entries.
    pub fn action(self) -> &'static str {
        match self {
            Permission::ViewOperations => "operations.view",
            Permission::ReleaseSeat => "seat.release",
            Permission::ChangeWindow => "window.change",
            Permission::ViewStaff => "staff.view",
            Permission::ManageStaff => "staff.manage",
            Permission::ReadAudit => "audit.read",
            Permission::VerifyAudit => "audit.verify",
            Permission::SignCheckpoint => "audit.checkpoint",
            Permission::RotateLogKey => "audit.key",
            Permission::AnnotateAudit => "audit.note",
            Permission::ImportArrivals => "arrivals.import",
            Permission::ImportPatrons => "patrons.import",
            Permission::ViewConsent => "consent.view",
            Permission::ChangeConsent => "consent.change",
            Permission::ViewAlerts => "alerts.view",
            Permission::HandleAlerts => "alert.handle",
            Permission::CheckRules => "alerts.check",
            Permission::PurgeData => "data.purge",
            Permission::ViewRequests => "requests.view",
            Permission::FileRequest => "request.file",
            Permission::VoteRequest => "request.vote",
            Permission::ReviewAccess => "review.mark",
            Permission::TransparencyReport => "report.transparency",
            Permission::LookupPatron => "patron.read",
            Permission::ServeRecommendations => "recs.serve",
            Permission::DecideSeat => "committee.vote",
            Permission::CopyDatabase => "database.copy",
            Permission::ImportLayout => "layout.import",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Permission::ViewOperations => "see seats, queues and feed health",
            Permission::ReleaseSeat => "release a ghost seat",
            Permission::ChangeWindow => "open, close or staff a service window",
            Permission::ViewStaff => "list staff and their roles",
            Permission::ManageStaff => "add staff, grant and revoke roles",
            Permission::ReadAudit => "read the audit log",
            Permission::VerifyAudit => "verify the audit log",
            Permission::SignCheckpoint => "sign a checkpoint of the audit log",
            Permission::RotateLogKey => "give the audit log its key or rotate it",
            Permission::AnnotateAudit => "add a note to the audit log",
            Permission::ImportArrivals => "import arrival history",
            Permission::ImportPatrons => "import patrons, loans, searches and visits",
            Permission::ViewConsent => "see a patron's consent",
            Permission::ChangeConsent => "record a patron's consent",
            Permission::ViewAlerts => "see privacy-risk alerts",
            Permission::HandleAlerts => "acknowledge, resolve or escalate an alert",
            Permission::CheckRules => "run the privacy rules",
            Permission::PurgeData => "purge patron data past its retention",
            Permission::ViewRequests => "see data requests and the ε ledger",
            Permission::FileRequest => "file a data request",
            Permission::VoteRequest => "vote on a data request",
            Permission::ReviewAccess => "review sampled patron-data accesses",
            Permission::TransparencyReport => "run a transparency report",
            Permission::LookupPatron => "look a patron up",
            Permission::ServeRecommendations => "serve a patron recommendations",
            Permission::DecideSeat => "approve or deny a change to who sits on the committee",
            Permission::CopyDatabase => "copy the whole database to a new place",
            Permission::ImportLayout => "import a layout file",
        }
    }
}

/// The policy: for each permission, the roles that hold it. `None` in the public column means
/// a login carrel does not know may do it too.
pub const POLICY: &[(Permission, bool, &[Role])] = &[
    (
        Permission::ViewOperations,
        true,
        &[Role::Desk, Role::Sysadmin, Role::Committee, Role::Auditor],
    ),
    (Permission::ReleaseSeat, false, &[Role::Desk]),
    (Permission::ChangeWindow, false, &[Role::Desk]),
    (Permission::ViewStaff, false, &[Role::Sysadmin, Role::Committee, Role::Auditor]),
    (Permission::ManageStaff, false, &[Role::Sysadmin]),
    (Permission::ReadAudit, false, &[Role::Committee, Role::Auditor]),
    (Permission::VerifyAudit, false, &[Role::Sysadmin, Role::Committee, Role::Auditor]),
    (Permission::SignCheckpoint, false, &[Role::Sysadmin, Role::Committee, Role::Auditor]),
    (Permission::RotateLogKey, false, &[Role::Sysadmin]),
    (Permission::AnnotateAudit, false, &[Role::Sysadmin, Role::Auditor]),
    (Permission::ImportArrivals, false, &[Role::Sysadmin]),
    (Permission::ImportPatrons, false, &[Role::Sysadmin]),
    (Permission::ViewConsent, false, &[Role::Desk, Role::Committee, Role::Auditor]),
    (Permission::ChangeConsent, false, &[Role::Desk]),
    (Permission::ViewAlerts, false, &[Role::Sysadmin, Role::Committee, Role::Auditor]),
    (Permission::HandleAlerts, false, &[Role::Sysadmin, Role::Committee, Role::Auditor]),
    (Permission::CheckRules, false, &[Role::Sysadmin, Role::Auditor]),
    (Permission::PurgeData, false, &[Role::Sysadmin]),
    (
        Permission::ViewRequests,
        false,
        &[Role::Desk, Role::Sysadmin, Role::Committee, Role::Auditor],
    ),
    (Permission::FileRequest, false, &[Role::Desk, Role::Sysadmin, Role::Committee, Role::Auditor]),
    (Permission::VoteRequest, false, &[Role::Committee]),
    (Permission::ReviewAccess, false, &[Role::Committee, Role::Auditor]),
    (Permission::TransparencyReport, false, &[Role::Committee]),
    (Permission::LookupPatron, false, &[Role::Desk]),
    (Permission::ServeRecommendations, false, &[Role::Desk]),
    (Permission::DecideSeat, false, &[Role::Committee]),
    (Permission::CopyDatabase, false, &[Role::Sysadmin]),
    (Permission::ImportLayout, false, &[Role::Sysadmin]),
];

/// Whether the public (a login carrel does not know) may do it.
pub fn public_may(p: Permission) -> bool {
    POLICY.iter().any(|(q, public, _)| *q == p && *public)
}

/// The role that permits `p` for someone holding `grants`, if any.
pub fn permitting_role(grants: &[Grant], p: Permission) -> Option<Role> {
    let roles = POLICY.iter().find(|(q, _, _)| *q == p).map(|(_, _, r)| *r).unwrap_or(&[]);
    grants.iter().map(|g| g.role).find(|r| roles.contains(r))
}

/// Roles that one person may not hold together (separation of duties).
pub const CONFLICTS: &[(Role, Role)] =
    &[(Role::Sysadmin, Role::Desk), (Role::Sysadmin, Role::Committee)];

/// The grants a person acts with: all of them, except that roles held against [`CONFLICTS`]
/// (which carrel never grants, so only a directory changed outside carrel or one from before a
/// conflict was declared holds them) are all dropped. Failing closed keeps a forged pair from
/// giving its holder both sides.
pub fn effective_grants(grants: &[Grant]) -> Vec<Grant> {
    let held: Vec<Role> = grants.iter().map(|g| g.role).collect();
    grants.iter().filter(|g| conflict(&held, g.role).is_none()).copied().collect()
}

/// The role among `held` that conflicts with `adding`, if any.
pub fn conflict(held: &[Role], adding: Role) -> Option<Role> {
    CONFLICTS.iter().find_map(|&(a, b)| {
        if a == adding && held.contains(&b) {
            Some(b)
        } else if b == adding && held.contains(&a) {
            Some(a)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_is_in_the_table_once() {
        for p in Permission::ALL {
            assert_eq!(POLICY.iter().filter(|(q, _, _)| *q == p).count(), 1, "{p:?}");
        }
    }

    #[test]
    fn sysadmins_never_act_at_the_desk() {
        let sysadmin = [Grant { role: Role::Sysadmin, party: None }];
        assert_eq!(permitting_role(&sysadmin, Permission::ReleaseSeat), None);
        assert_eq!(permitting_role(&sysadmin, Permission::ManageStaff), Some(Role::Sysadmin));
        assert_eq!(conflict(&[Role::Desk], Role::Sysadmin), Some(Role::Desk));
        assert_eq!(conflict(&[Role::Sysadmin], Role::Desk), Some(Role::Sysadmin));
        assert_eq!(conflict(&[Role::Auditor], Role::Committee), None);
    }

    #[test]
    fn a_sysadmin_never_sits_on_the_committee() {
        assert_eq!(conflict(&[Role::Sysadmin], Role::Committee), Some(Role::Sysadmin));
        assert_eq!(conflict(&[Role::Committee], Role::Sysadmin), Some(Role::Committee));
        let forged = [
            Grant { role: Role::Sysadmin, party: None },
            Grant { role: Role::Committee, party: Some(super::super::staff::Party::Library) },
            Grant { role: Role::Auditor, party: None },
        ];
        assert_eq!(effective_grants(&forged), vec![Grant { role: Role::Auditor, party: None }]);
        assert_eq!(effective_grants(&forged[2..]), forged[2..].to_vec());
    }
}
