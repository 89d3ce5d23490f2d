//! The audit trail of actions: permission checks that log denials, entries written in the
//! same transaction as the change they record, and the audit commands (verify, prove,
//! checkpoint, log, note).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::Utc;
use serde::Serialize;

use super::ServiceError;
use super::identity::Actor;
use crate::domain::audit::{Entry, NewEntry, Outcome};
use crate::domain::checkpoint::{Checkpoint, SignedCheckpoint};
use crate::domain::log_key::{self, KeyChange, LogKeys};
use crate::domain::merkle::{self, Frontier, Hash};
use crate::domain::note::{SigLine, Signer, Vkey};
use crate::domain::policy::{self, Permission};
use crate::domain::proof::{PROOF_FORMAT, ProofBundle};
use crate::domain::rules::WitnessFact;
use crate::store::audit::{self as log, Anchor, EntryFilter, Verification};
use crate::store::{Conn, Store, StoreError};

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
    pub last_checkpoint: Option<CheckpointSummary>,
    pub last_verification: Option<log::VerificationRecord>,
    /// The log's key now, as a verifier key (`None` for a log that has none yet).
    pub log_key: Option<String>,
    /// Each configured witness, as the ingest last heard from it.
    pub witnesses: Vec<WitnessFact>,
}

/// A stored checkpoint, for display: its size, the time it was signed and its cosigners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointSummary {
    pub size: u64,
    pub time: chrono::DateTime<Utc>,
    pub cosigned_by: Vec<String>,
}

/// Reading the summary reveals no entry, so anyone may. `witnesses` are the names in
/// `[audit] witnesses`.
pub fn summary(store: &Store, witnesses: &[String]) -> Result<AuditSummary, ServiceError> {
    let conn = store.conn();
    let tree = log::frontier(conn)?;
    let last_checkpoint = match log::latest_checkpoint(conn)? {
        Some(cp) => Some(CheckpointSummary {
            size: cp.size,
            time: cp.signed().and_then(|s| s.checkpoint.time).unwrap_or(cp.stored_at),
            cosigned_by: log::cosignatures(conn, cp.id)?.into_iter().map(|(w, _)| w).collect(),
        }),
        None => None,
    };
    Ok(AuditSummary {
        size: tree.size(),
        root: hex::encode(tree.root()),
        last_checkpoint,
        last_verification: log::latest_verification(conn)?,
        log_key: log::log_keys(conn)?.current().map(ToString::to_string),
        witnesses: self::witnesses(store, witnesses)?,
    })
}

/// What the ingest last heard from each witness named (those in `[audit] witnesses`); one
/// it never asked has nothing recorded.
pub fn witnesses(store: &Store, names: &[String]) -> Result<Vec<WitnessFact>, ServiceError> {
    let records = log::witness_records(store.conn())?;
    Ok(names
        .iter()
        .map(|name| {
            let r = records.iter().find(|r| &r.name == name);
            WitnessFact {
                name: name.clone(),
                cosigned_size: r.and_then(|r| r.cosigned_size),
                cosigned_at: r.and_then(|r| r.cosigned_at),
                attempt_at: r.map(|r| r.attempt_at),
                error: r.and_then(|r| r.error.clone()),
                refused_at: r.and_then(|r| r.refused_at),
                refusal: r.and_then(|r| r.refusal.clone()),
            }
        })
        .collect())
}

/// How many witnesses must have cosigned the latest checkpoint, of which.
#[derive(Debug, Clone)]
pub struct WitnessPolicy {
    pub needed: usize,
    pub witnesses: Vec<Vkey>,
}

/// What `audit verify` found about the witnesses of the latest checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Witnessed {
    pub checkpoint_size: u64,
    pub needed: usize,
    pub of: usize,
    /// Each witness: `ok`, or why its cosignature does not count.
    pub witnesses: Vec<(String, String)>,
    pub valid: usize,
}

/// What verification found, with what the checkpoints and witnesses add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub log: Verification,
    /// What was not checked, and why (old checkpoints whose key was never recorded).
    pub notices: Vec<String>,
    pub witnessed: Option<Witnessed>,
}

/// Verifies the log against every checkpoint stored here (each checked against the log's key
/// first) and `kept` (one a party kept; refused unless the log's key signed it), and, with a
/// policy, counts the witnesses' cosignatures on the latest checkpoint. The result is
/// recorded and logged.
pub fn verify(
    store: &mut Store,
    actor: &Actor,
    kept: Option<(&str, &SignedCheckpoint)>,
    policy: Option<&WitnessPolicy>,
) -> Result<Report, ServiceError> {
    let role = authorize(store, actor, Permission::VerifyAudit, "audit")?;
    let kept = match kept {
        Some((name, cp)) => {
            let keys = log::log_keys(store.conn())?;
            let c = &cp.checkpoint;
            let key = keys.at(c.size).or(keys.current()).ok_or_else(|| {
                ServiceError::Invalid(format!(
                    "checkpoint {name}: this log has no key to check it by"
                ))
            })?;
            cp.verify(key).map_err(|why| {
                ServiceError::Invalid(format!(
                    "checkpoint {name}: not signed by this log's key {key}: {why}"
                ))
            })?;
            Some(Anchor {
                size: c.size,
                root: c.root,
                name: format!("the kept checkpoint {name} (size {})", c.size),
                prove: true,
            })
        }
        None => None,
    };
    let (mut v, notices) = check_log(store, kept)?;
    let witnessed = policy.map(|p| witnessed(store, p)).transpose()?;
    if let Some(w) = &witnessed
        && w.valid < w.needed
    {
        let each: Vec<String> = w.witnesses.iter().map(|(n, s)| format!("{n}: {s}")).collect();
        v.problems.push(format!(
            "the latest checkpoint (size {}) has {} valid cosignature(s) of the {} the policy {}-of-{} demands ({})",
            w.checkpoint_size,
            w.valid,
            w.needed,
            w.needed,
            w.of,
            each.join("; ")
        ));
    }
    v.ok = v.problems.is_empty() && v.impersonation.is_none();
    let details =
        serde_json::json!({ "size": v.size, "ok": v.ok, "first_bad": v.first_bad }).to_string();
    store.write(|tx| {
        log::record_verification(tx, &v, Utc::now())?;
        log::append(
            tx,
            entry(
                actor,
                &role,
                Permission::VerifyAudit,
                "audit",
                Outcome::Allowed,
                details.clone(),
            ),
        )
    })?;
    Ok(Report { log: v, notices, witnessed })
}

/// The log checked against every stored checkpoint whose signature holds (and `extra`), with
/// what is wrong with the log's key entries and the other checkpoints among its problems; and
/// what was not checked. Nothing is recorded: the rules run this on every pass.
pub fn check_log(
    store: &Store,
    extra: Option<Anchor>,
) -> Result<(Verification, Vec<String>), ServiceError> {
    let keys = log::log_keys(store.conn())?;
    let mut found = stored_anchors(store, &keys)?;
    found.anchors.extend(extra);
    let mut v = log::verify(store.conn(), &found.anchors, &found.authentic)?;
    v.problems.extend(keys.problems().iter().cloned());
    v.problems.extend(found.problems);
    v.ok = v.problems.is_empty() && v.impersonation.is_none();
    Ok((v, found.notices))
}

/// The witnesses' cosignatures on the latest checkpoint, counted under `policy`.
fn witnessed(store: &Store, policy: &WitnessPolicy) -> Result<Witnessed, ServiceError> {
    let conn = store.conn();
    let Some(latest) = log::latest_checkpoint(conn)? else {
        return Err(ServiceError::Conflict(
            "no checkpoint has been signed yet, so none is witnessed".into(),
        ));
    };
    let mut signed = latest.signed().ok_or_else(|| {
        ServiceError::Conflict(format!(
            "the latest checkpoint (size {}) does not parse",
            latest.size
        ))
    })?;
    for (_, line) in log::cosignatures(conn, latest.id)? {
        if let Ok(l) = SigLine::parse(&line) {
            signed.note.sigs.push(l);
        }
    }
    let witnesses: Vec<(String, String)> = signed
        .cosignatures(&policy.witnesses)
        .map(|(w, r)| (w.name().to_owned(), r.map_or_else(|why| why, |_| "ok".to_owned())))
        .collect();
    let valid = witnesses.iter().filter(|(_, s)| s == "ok").count();
    Ok(Witnessed {
        checkpoint_size: latest.size,
        needed: policy.needed,
        of: policy.witnesses.len(),
        witnesses,
        valid,
    })
}

/// The stored checkpoints that hold, as anchors; the leaves they kept (as far as each stretch
/// matches its signed root); and what is wrong with the others.
struct Anchors {
    anchors: Vec<Anchor>,
    authentic: Vec<Hash>,
    problems: Vec<String>,
    notices: Vec<String>,
}

/// Every stored checkpoint, its signature checked against the key the log named for a tree
/// of its size: a checkpoint with a bad signature is a problem, not an anchor.
fn stored_anchors(store: &Store, keys: &LogKeys) -> Result<Anchors, ServiceError> {
    let mut out = Anchors {
        anchors: Vec::new(),
        authentic: Vec::new(),
        problems: Vec::new(),
        notices: Vec::new(),
    };
    let mut legacy = 0usize;
    let mut chain = Frontier::new();
    let mut chain_open = true;
    for (i, cp) in log::checkpoints(store.conn())?.iter().enumerate() {
        let name = format!("checkpoint #{} (size {})", i + 1, cp.size);
        let Some(note) = &cp.note else {
            legacy += 1;
            continue;
        };
        let signed = match SignedCheckpoint::parse(note) {
            Ok(s) => s,
            Err(why) => {
                out.problems.push(format!("{name} is not a signed checkpoint: {why}"));
                continue;
            }
        };
        let c = &signed.checkpoint;
        if c.size != cp.size {
            out.problems
                .push(format!("{name} is stored with size {} but signed for {}", cp.size, c.size));
            continue;
        }
        let Some(key) = keys.at(c.size) else {
            out.problems
                .push(format!("{name}: the log had no key for a tree of {} entries", c.size));
            continue;
        };
        if let Err(why) = signed.verify(key) {
            out.problems.push(format!("{name}: its signature is not the log key's ({key}): {why}"));
            continue;
        }
        out.anchors.push(Anchor { size: c.size, root: c.root, name: name.clone(), prove: false });
        // Extend the kept leaves while each stretch leads to its checkpoint's signed root.
        if chain_open {
            let stretch: Vec<Hash> = cp
                .leaves
                .as_deref()
                .unwrap_or_default()
                .chunks_exact(32)
                .filter_map(|h| h.try_into().ok())
                .collect();
            let start = chain.size();
            if c.size < start {
                continue;
            }
            if start + stretch.len() as u64 != c.size {
                chain_open = false;
                continue;
            }
            let mut next = chain.clone();
            for h in &stretch {
                next.push(*h);
            }
            if next.root() == c.root {
                chain = next;
                out.authentic.extend(stretch);
            } else {
                chain_open = false;
            }
        }
    }
    if legacy > 0 {
        out.notices.push(format!(
            "{legacy} checkpoint(s) of the old carrel-checkpoint/1 form were not checked: the key that signed them was never recorded in the log"
        ));
    }
    Ok(out)
}

/// Signs a checkpoint of the log as it is now with the log's key and stores it with the
/// leaves it adds (in the caller's transaction). The key must be the one the log names now.
fn sign_in(tx: &Conn, key: &Signer) -> Result<(i64, SignedCheckpoint), StoreError> {
    let current = log::log_keys(tx)?.current().cloned();
    if current.as_ref() != Some(&key.vkey()) {
        return Err(StoreError::Invalid(match current {
            Some(k) => format!("the key offered is not the log's key {k}"),
            None => "the log has no key".into(),
        }));
    }
    let tree = log::frontier(tx)?;
    // A log never signs a checkpoint inconsistent with one it signed (c2sp.org/tlog-checkpoint):
    // the latest must still be the root of the log's first entries.
    let latest = log::latest_checkpoint(tx)?;
    if let Some(signed) = latest.as_ref().and_then(|c| c.signed()) {
        let c = &signed.checkpoint;
        if c.size > tree.size() {
            return Err(StoreError::Invalid(format!(
                "the log holds {} entries, fewer than the {} of its latest checkpoint: it was cut; carrel signs no checkpoint that contradicts one it signed (run `carrel audit verify`)",
                tree.size(),
                c.size
            )));
        }
        if merkle::root(&log::leaves_between(tx, 0, c.size)?) != c.root {
            return Err(StoreError::Invalid(format!(
                "the log's first {} entries are no longer those its latest checkpoint signed: they were rewritten; carrel signs no checkpoint that contradicts one it signed (run `carrel audit verify`)",
                c.size
            )));
        }
    }
    let from = latest.map_or(0, |c| c.size).min(tree.size());
    let added = log::leaves_between(tx, from, tree.size())?;
    let cp = Checkpoint::new(key.name(), tree.size(), tree.root(), Utc::now()).sign(key);
    let id = log::add_checkpoint(tx, &cp, &added)?;
    Ok((id, cp))
}

/// Signs a checkpoint of the log as it is now, keeps it, and logs the signing.
pub fn checkpoint(
    store: &mut Store,
    actor: &Actor,
    key: &Signer,
) -> Result<SignedCheckpoint, ServiceError> {
    let role = authorize(store, actor, Permission::SignCheckpoint, "audit")?;
    store
        .write(|tx| {
            let (_, cp) = sign_in(tx, key)?;
            let details = serde_json::json!({
                "size": cp.checkpoint.size, "root": hex::encode(cp.checkpoint.root)
            })
            .to_string();
            log::append(
                tx,
                entry(actor, &role, Permission::SignCheckpoint, "audit", Outcome::Allowed, details),
            )?;
            Ok::<_, StoreError>(cp)
        })
        .map_err(ServiceError::from)
}

/// The latest checkpoint, signing a new one first when the log has grown past it: what the
/// ingest submits to the witnesses. Not an entry of its own (each would grow the log and call
/// for the next); the checkpoint itself is the record, checked by every verification.
pub fn latest_or_new_checkpoint(
    store: &mut Store,
    key: &Signer,
) -> Result<(i64, SignedCheckpoint), ServiceError> {
    store
        .write(|tx| {
            let size = log::frontier(tx)?.size();
            let root = log::frontier(tx)?.root();
            if let Some(latest) = log::latest_checkpoint(tx)?
                && latest.size == size
                && let Some(signed) = latest.signed()
                && signed.checkpoint.root == root
                && signed.checkpoint.origin == key.name()
                && signed.verify(&key.vkey()).is_ok()
            {
                return Ok((latest.id, signed));
            }
            sign_in(tx, key)
        })
        .map_err(ServiceError::from)
}

/// Keeps `witness`'s cosignature of the checkpoint stored as `checkpoint_id`: the first line
/// of `lines` that is a valid cosignature by its key. `false`, with the failure recorded, when
/// none is. Witnessing is the log's own bookkeeping, not an entry: each would grow the log and
/// call for another checkpoint.
pub fn record_cosignature(
    store: &mut Store,
    checkpoint_id: i64,
    cp: &SignedCheckpoint,
    witness: &Vkey,
    lines: &[SigLine],
) -> Result<bool, ServiceError> {
    let now = Utc::now();
    let valid =
        lines.iter().find_map(|l| witness.verify(&cp.note.text, l).ok().flatten().map(|t| (l, t)));
    let Some((line, t)) = valid else {
        let why = format!("answered without a valid cosignature by its key {witness}");
        record_witness_failure(store, witness.name(), &why, false)?;
        return Ok(false);
    };
    let at = chrono::DateTime::from_timestamp(i64::try_from(t).unwrap_or(0), 0).unwrap_or(now);
    let text = line.line();
    let size = cp.checkpoint.size;
    store.write(|tx| {
        log::add_cosignature(tx, checkpoint_id, witness.name(), text.trim_end(), at)?;
        log::record_witness_cosigned(tx, witness.name(), size, now)
    })?;
    Ok(true)
}

/// Records that `name` did not cosign, and why; a `refusal` is kept for its alert.
pub fn record_witness_failure(
    store: &mut Store,
    name: &str,
    why: &str,
    refusal: bool,
) -> Result<(), ServiceError> {
    let why = crate::domain::sanitize::clean_text(why, 300);
    store.write(|tx| log::record_witness_failure(tx, name, Utc::now(), &why, refusal))?;
    Ok(())
}

/// Rotates the log's key: the old key signs the hand-over, the entry names both keys, and
/// from the next checkpoint on the new key signs. The caller has written the new key's file.
pub fn rotate_key(
    store: &mut Store,
    actor: &Actor,
    old: &Signer,
    new: &Vkey,
) -> Result<Entry, ServiceError> {
    let role = authorize(store, actor, Permission::RotateLogKey, "audit")?;
    let (o, n) = (old.vkey().to_string(), new.to_string());
    let signature = B64.encode(old.sign_bytes(&log_key::rotation_statement(&o, &n)));
    let details =
        serde_json::to_string(&KeyChange { key: n, old: Some(o), signature: Some(signature) })
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let old_key = old.vkey();
    key_entry(store, actor, &role, log_key::ROTATE_ACTION, &details, |current| {
        (current != Some(&old_key))
            .then(|| "the key offered is not the log's key; only the log's key hands it on".into())
    })
}

/// Appends a key entry (`action`, `details`) when `refused`, given the log's key now, says
/// nothing against it; both in one transaction.
fn key_entry(
    store: &mut Store,
    actor: &Actor,
    role: &str,
    action: &str,
    details: &str,
    refused: impl Fn(Option<&Vkey>) -> Option<String>,
) -> Result<Entry, ServiceError> {
    store
        .write(|tx| {
            if let Some(why) = refused(log::log_keys(tx)?.current()) {
                return Err(StoreError::Invalid(why));
            }
            let p = Permission::RotateLogKey;
            let mut e = entry(actor, role, p, "audit", Outcome::Allowed, details.to_owned());
            e.action = action.into();
            log::append(tx, e)
        })
        .map_err(ServiceError::from)
}

/// Gives a key to a log that has none (a database made before carrel kept one).
/// On a database nobody is staff of yet (`carrel init` on a database made without one), the
/// one setting it up may, as `init` makes its first sysadmin.
pub fn create_key(store: &mut Store, actor: &Actor, key: &Vkey) -> Result<Entry, ServiceError> {
    let role = match permitted(actor, Permission::RotateLogKey) {
        Some(role) => role,
        None if crate::store::staff::list(store.conn())?.is_empty() => "-".to_owned(),
        None => authorize(store, actor, Permission::RotateLogKey, "audit")?,
    };
    let details =
        serde_json::to_string(&KeyChange { key: key.to_string(), old: None, signature: None })
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    key_entry(store, actor, &role, log_key::CREATE_ACTION, &details, |current| {
        current.map(|k| {
            format!("the log has a key already ({k}); only `carrel audit key rotate` changes it")
        })
    })
}

pub fn prove(store: &mut Store, actor: &Actor, seq: u64) -> Result<ProofBundle, ServiceError> {
    let role = authorize(store, actor, Permission::VerifyAudit, &format!("audit:{seq}"))?;
    let conn = store.conn();
    let n = log::frontier(conn)?.size();
    if seq >= n {
        return Err(ServiceError::NotFound(format!(
            "no entry {seq}: the log has {n} (0 to {})",
            n.saturating_sub(1)
        )));
    }
    let Some(cp) = log::checkpoint_holding(conn, seq)? else {
        return Err(ServiceError::Conflict(format!(
            "entry {seq} is in no checkpoint yet: `carrel audit checkpoint` signs one (the ingest signs one for its witnesses every [audit] checkpoint_every_s)"
        )));
    };
    let mut signed = cp.signed().ok_or_else(|| {
        ServiceError::Conflict(format!("checkpoint of size {} does not parse", cp.size))
    })?;
    for (_, line) in log::cosignatures(conn, cp.id)? {
        if let Ok(l) = SigLine::parse(&line)
            && !signed.note.sigs.contains(&l)
        {
            signed.note.sigs.push(l);
        }
    }
    let keys = log::log_keys(conn)?;
    let key = keys
        .at(cp.size)
        .cloned()
        .ok_or_else(|| ServiceError::Conflict("the log had no key for that checkpoint".into()))?;
    let leaves = log::leaves_between(conn, 0, cp.size)?;
    let e =
        log::entry(conn, seq)?.ok_or_else(|| ServiceError::NotFound(format!("no entry {seq}")))?;
    let index =
        usize::try_from(seq).map_err(|_| ServiceError::NotFound(format!("no entry {seq}")))?;
    let path = merkle::inclusion_proof(&leaves, index);
    let root = signed.checkpoint.root;
    let verified = merkle::verify_inclusion(seq, cp.size, &e.leaf(), &path, &root)
        && e.leaf() == leaves[index];
    let details = serde_json::json!({ "index": seq, "tree_size": cp.size }).to_string();
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
    Ok(ProofBundle {
        format: PROOF_FORMAT.into(),
        leaf: hex::encode(e.leaf()),
        entry: e,
        index: seq,
        tree_size: cp.size,
        root: hex::encode(root),
        path: path.iter().map(hex::encode).collect(),
        checkpoint: signed.to_note_string(),
        log_key: key.to_string(),
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
