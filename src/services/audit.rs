//! The audit trail of actions: permission checks that log denials, entries written in the
//! same transaction as the change they record, and the audit commands (verify, prove,
//! checkpoint, log, note).

use chrono::Utc;
use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;

use super::ServiceError;
use super::identity::Actor;
use crate::domain::audit::{CHECKPOINT_FORMAT, Checkpoint, Entry, NewEntry, Outcome};
use crate::domain::merkle::{self, Hash};
use crate::domain::policy::{self, Permission};
use crate::store::audit::{self as log, Anchor, EntryFilter, Verification};
use crate::store::{Store, StoreError};

/// The role name recorded for an actor the staff list does not know.
pub const PUBLIC: &str = "public";

/// An entry about `actor` doing `p` to `object`.
pub fn entry(
    actor: &Actor,
    role: &str,
    p: Permission,
    object: &str,
    outcome: Outcome,
    details: String,
) -> NewEntry {
    NewEntry {
        at: Utc::now(),
        actor: actor.login.clone(),
        role: role.to_owned(),
        action: p.action().to_owned(),
        object: object.to_owned(),
        purpose: String::new(),
        outcome,
        details,
        impersonator: actor.impersonator.clone(),
    }
}

/// Checks the policy. When it denies, the attempt is logged (its own transaction, since
/// nothing else happens) and `Denied` is returned. When it allows, returns the permitting role
/// for the entry the caller writes with its change.
pub fn authorize(
    store: &mut Store,
    actor: &Actor,
    p: Permission,
    object: &str,
) -> Result<String, ServiceError> {
    if let Some(role) = permitted(actor, p) {
        return Ok(role);
    }
    let refusal = format!("{} may not {} ({})", actor.login, p.description(), who_may(p));
    if store.is_read_only() {
        // Nobody who may only read the file can change anything, this attempt included; and
        // what cannot be written cannot be logged.
        return Err(ServiceError::Denied(format!("{refusal}; the database is read-only for you")));
    }
    let role = actor.grants().first().map_or(PUBLIC.to_owned(), |g| g.role.to_string());
    store.write(|tx| {
        log::append(tx, entry(actor, &role, p, object, Outcome::Denied, String::new()))
    })?;
    Err(ServiceError::Denied(refusal))
}

/// The role under which `actor` may do `p`, if any.
pub fn permitted(actor: &Actor, p: Permission) -> Option<String> {
    if actor.is_public() {
        return policy::public_may(p).then(|| PUBLIC.to_owned());
    }
    policy::permitting_role(actor.grants(), p).map(|r| r.to_string())
}

fn who_may(p: Permission) -> String {
    let roles: Vec<String> = policy::POLICY
        .iter()
        .find(|(q, _, _)| *q == p)
        .map(|(_, _, r)| r.iter().map(ToString::to_string).collect())
        .unwrap_or_default();
    if roles.is_empty() {
        "nobody may".into()
    } else {
        format!("needs the {} role", roles.join(" or "))
    }
}

/// Writes one entry in a transaction of its own: for what changes nothing else (a read, a
/// refusal, a run that found nothing to change).
pub fn record(store: &mut Store, e: &NewEntry) -> Result<Entry, ServiceError> {
    Ok(store.write(|tx| log::append(tx, e.clone()))?)
}

/// Logs an attempt the console refused before sending it anywhere (it knew the answer): the
/// log must hold every denied attempt, not only those that reached a service.
pub fn record_refusal(
    store: &mut Store,
    actor: &Actor,
    p: Permission,
    object: &str,
) -> Result<(), ServiceError> {
    match authorize(store, actor, p, object) {
        Ok(_) => Ok(()),
        Err(ServiceError::Denied(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The audit log's size, root and latest checkpoint and verification, for the System tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditSummary {
    pub size: u64,
    pub root: String,
    pub last_checkpoint: Option<Checkpoint>,
    pub last_verification: Option<log::VerificationRecord>,
}

/// Reading the summary reveals no entry, so anyone may.
pub fn summary(store: &Store) -> Result<AuditSummary, ServiceError> {
    let tree = log::frontier(store.conn())?;
    Ok(AuditSummary {
        size: tree.size(),
        root: hex::encode(tree.root()),
        last_checkpoint: log::checkpoints(store.conn())?.pop(),
        last_verification: log::latest_verification(store.conn())?,
    })
}

/// Verifies the log against every checkpoint signed here and `kept` (one a party kept); the
/// result is recorded and logged.
pub fn verify(
    store: &mut Store,
    actor: &Actor,
    kept: Option<&Checkpoint>,
) -> Result<Verification, ServiceError> {
    let role = authorize(store, actor, Permission::VerifyAudit, "audit")?;
    let mut anchors = stored_anchors(store)?;
    if let Some(cp) = kept {
        check_signature(cp)?;
        let root = parse_root(&cp.root)
            .ok_or_else(|| ServiceError::Invalid("the checkpoint's root is not a hash".into()))?;
        anchors.push(Anchor {
            size: cp.size,
            root,
            name: format!("the kept checkpoint (size {})", cp.size),
        });
    }
    let v = log::verify(store.conn(), &anchors)?;
    let details =
        serde_json::json!({ "size": v.size, "ok": v.ok, "first_bad": v.first_bad }).to_string();
    let outcome = Outcome::Allowed;
    store.write(|tx| {
        log::record_verification(tx, &v, Utc::now())?;
        log::append(
            tx,
            entry(actor, &role, Permission::VerifyAudit, "audit", outcome, details.clone()),
        )
    })?;
    Ok(v)
}

/// The checkpoints signed here, as anchors to verify the log against.
pub(crate) fn stored_anchors(store: &Store) -> Result<Vec<Anchor>, ServiceError> {
    let mut anchors = Vec::new();
    for (i, cp) in log::checkpoints(store.conn())?.iter().enumerate() {
        if let Some(root) = parse_root(&cp.root) {
            anchors.push(Anchor {
                size: cp.size,
                root,
                name: format!("checkpoint #{} (size {})", i + 1, cp.size),
            });
        }
    }
    Ok(anchors)
}

fn parse_root(hex_root: &str) -> Option<Hash> {
    hex::decode(hex_root).ok()?.try_into().ok()
}

/// Checks a checkpoint's format and signature.
pub fn check_signature(cp: &Checkpoint) -> Result<(), ServiceError> {
    let bad = |why: &str| ServiceError::Invalid(format!("checkpoint: {why}"));
    if cp.format != CHECKPOINT_FORMAT {
        return Err(bad(&format!("unknown format '{}'", cp.format)));
    }
    let key: [u8; 32] = hex::decode(&cp.public_key)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| bad("bad public key"))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| bad("bad public key"))?;
    let sig: [u8; 64] = hex::decode(&cp.signature)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad("bad signature"))?;
    key.verify_strict(&cp.message(), &ed25519_dalek::Signature::from_bytes(&sig))
        .map_err(|_| bad("the signature does not match its contents"))
}

/// Signs a checkpoint of the log as it is now, keeps it, and logs the signing.
pub fn checkpoint(
    store: &mut Store,
    actor: &Actor,
    key: &SigningKey,
    origin: &str,
) -> Result<Checkpoint, ServiceError> {
    let role = authorize(store, actor, Permission::SignCheckpoint, "audit")?;
    store
        .write(|tx| {
            let tree = log::frontier(tx)?;
            let root = hex::encode(tree.root());
            let time = Utc::now();
            let signature = key.sign(&Checkpoint::signed_message(origin, tree.size(), &root, time));
            let cp = Checkpoint {
                format: CHECKPOINT_FORMAT.into(),
                origin: origin.to_owned(),
                size: tree.size(),
                root,
                time,
                public_key: hex::encode(key.verifying_key().to_bytes()),
                signature: hex::encode(signature.to_bytes()),
            };
            log::add_checkpoint(tx, &cp)?;
            let details = serde_json::json!({ "size": cp.size, "root": cp.root }).to_string();
            log::append(
                tx,
                entry(actor, &role, Permission::SignCheckpoint, "audit", Outcome::Allowed, details),
            )?;
            Ok::<_, StoreError>(cp)
        })
        .map_err(ServiceError::from)
}

/// An inclusion proof of entry `seq` in the current tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InclusionProof {
    pub index: u64,
    pub tree_size: u64,
    pub leaf: String,
    pub root: String,
    pub path: Vec<String>,
    /// The proof checked out with the independent verifier.
    pub verified: bool,
}

pub fn prove(store: &mut Store, actor: &Actor, seq: u64) -> Result<InclusionProof, ServiceError> {
    let role = authorize(store, actor, Permission::VerifyAudit, &format!("audit:{seq}"))?;
    let leaves = log::leaves(store.conn())?;
    let n = leaves.len() as u64;
    if seq >= n {
        return Err(ServiceError::NotFound(format!(
            "no entry {seq}: the log has {n} (0 to {})",
            n.saturating_sub(1)
        )));
    }
    let index =
        usize::try_from(seq).map_err(|_| ServiceError::NotFound(format!("no entry {seq}")))?;
    let path = merkle::inclusion_proof(&leaves, index);
    let root = merkle::root(&leaves);
    let verified = merkle::verify_inclusion(seq, n, &leaves[index], &path, &root);
    let details = serde_json::json!({ "index": seq, "tree_size": n }).to_string();
    record(
        store,
        &entry(
            actor,
            &role,
            Permission::VerifyAudit,
            &format!("audit:{seq}"),
            Outcome::Allowed,
            details,
        ),
    )?;
    Ok(InclusionProof {
        index: seq,
        tree_size: n,
        leaf: hex::encode(leaves[index]),
        root: hex::encode(root),
        path: path.iter().map(hex::encode).collect(),
        verified,
    })
}

/// Entries of the log; the reading is itself logged.
pub fn read(
    store: &mut Store,
    actor: &Actor,
    filter: &EntryFilter,
) -> Result<Vec<Entry>, ServiceError> {
    let role = authorize(store, actor, Permission::ReadAudit, "audit")?;
    let entries = log::entries(store.conn(), filter)?;
    let details = serde_json::json!({
        "actor": filter.actor, "action": filter.action, "since": filter.since, "returned": entries.len()
    })
    .to_string();
    store.write(|tx| {
        log::append(
            tx,
            entry(actor, &role, Permission::ReadAudit, "audit", Outcome::Allowed, details.clone()),
        )
    })?;
    Ok(entries)
}

/// Adds an operator's note (a backup taken, a key moved) to the log.
pub fn note(store: &mut Store, actor: &Actor, text: &str) -> Result<Entry, ServiceError> {
    let role = authorize(store, actor, Permission::AnnotateAudit, "audit")?;
    let text = crate::domain::sanitize::clean_text(text, 500);
    record(store, &entry(actor, &role, Permission::AnnotateAudit, "audit", Outcome::Allowed, text))
}
