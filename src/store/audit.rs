//! The audit log: entries as leaves of an RFC 6962 Merkle tree, the tree's right edge, signed
//! checkpoints, and the record of verifications.
//!
//! [`append`] writes an entry and updates the tree's right edge in the caller's transaction,
//! so an action and its entry commit together or not at all. [`verify`] recomputes every leaf
//! from its entry's columns and the root from the leaves, and checks both against what was
//! recorded and against checkpoints.

use std::collections::BTreeMap;

use super::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoreResult;
use super::layout::parse_column;
use super::{from_ms, to_ms};
use crate::domain::audit::{Creation, Entry, NewEntry, Outcome};
use crate::domain::audit_bindings::{BindingReport, Bindings, Marks};
use crate::domain::checkpoint::SignedCheckpoint;
use crate::domain::log_key::{self, LogKeys};
use crate::domain::merkle::{self, Frontier, Hash};
use crate::domain::rules::UnloggedWrite;
use crate::domain::staff::Grant;

/// The tree's right edge as recorded (empty for a new log).
pub fn frontier(conn: &Connection) -> StoreResult<Frontier> {
    let bytes: Option<Vec<u8>> = conn
        .prepare_cached("SELECT frontier FROM audit_state WHERE id = 1")?
        .query_row((), |r| r.get(0))
        .optional()?;
    Ok(bytes.and_then(|b| Frontier::from_bytes(&b)).unwrap_or_default())
}

/// `at`, or the time of the log's latest entry if that is later. A change stamped with this
/// inside its transaction never carries a time before something the log already holds, so the
/// times stored with votes and decisions follow the log's order even when a clock read before
/// the transaction waited for the write lock.
pub fn not_before_last(conn: &Connection, at: DateTime<Utc>) -> StoreResult<DateTime<Utc>> {
    let last: Option<i64> = conn
        .prepare_cached("SELECT at_ms FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row((), |r| r.get(0))
        .optional()?;
    Ok(last.map_or(at, |ms| at.max(from_ms(ms))))
}

/// Appends an entry in the caller's transaction; returns it with its index.
pub fn append(conn: &Connection, entry: NewEntry) -> StoreResult<Entry> {
    let mut tree = frontier(conn)?;
    let entry = Entry { seq: tree.size(), entry };
    let leaf = entry.leaf();
    let e = &entry.entry;
    conn.prepare_cached(
        "INSERT INTO audit_log(seq, at_ms, actor, role, action, object, purpose, outcome, details, leaf, impersonator)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        i64::try_from(entry.seq).unwrap_or(i64::MAX),
        to_ms(e.at),
        e.actor,
        e.role,
        e.action,
        e.object,
        e.purpose,
        e.outcome.as_str(),
        e.details,
        leaf.as_slice(),
        e.impersonator
    ])?;
    tree.push(leaf);
    conn.prepare_cached(
        "INSERT INTO audit_state(id, frontier) VALUES (1, ?1)
         ON CONFLICT(id) DO UPDATE SET frontier = excluded.frontier",
    )?
    .execute([tree.to_bytes()])?;
    Ok(entry)
}

const SELECT: &str = "SELECT seq, at_ms, actor, role, action, object, purpose, outcome, details, impersonator, leaf FROM audit_log";

/// An entry from the first ten columns of [`SELECT`].
fn entry_of(r: &super::db::Row<'_>) -> super::db::Result<Entry> {
    let outcome: String = r.get(7)?;
    let seq: i64 = r.get(0)?;
    Ok(Entry {
        seq: seq.max(0).unsigned_abs(),
        entry: NewEntry {
            at: from_ms(r.get(1)?),
            actor: r.get(2)?,
            role: r.get(3)?,
            action: r.get(4)?,
            object: r.get(5)?,
            purpose: r.get(6)?,
            outcome: parse_column::<Outcome>(&outcome, 7)?,
            details: r.get(8)?,
            impersonator: r.get(9)?,
        },
    })
}

fn row(r: &super::db::Row<'_>) -> super::db::Result<(Entry, Vec<u8>)> {
    Ok((entry_of(r)?, r.get(10)?))
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub limit: usize,
}

/// Entries matching the filter, oldest first, at most `limit` (the latest ones).
pub fn entries(conn: &Connection, f: &EntryFilter) -> StoreResult<Vec<Entry>> {
    let limit = i64::try_from(f.limit.max(1)).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT * FROM ({SELECT} WHERE (CAST(?1 AS TEXT) IS NULL OR actor = ?1) AND (CAST(?2 AS TEXT) IS NULL OR action = ?2)
           AND (CAST(?3 AS BIGINT) IS NULL OR at_ms >= ?3) ORDER BY seq DESC LIMIT ?4) AS recent ORDER BY seq"
    ))?;
    let rows = stmt.query_map(params![f.actor, f.action, f.since.map(to_ms), limit], |r| {
        row(r).map(|(e, _)| e)
    })?;
    rows.collect::<super::db::Result<_>>()
}

/// Calls `f` with every entry in order, reading one row at a time: memory stays flat however
/// long the log is.
pub fn for_each(conn: &Connection, mut f: impl FnMut(&Entry)) -> StoreResult<u64> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at_ms, actor, role, action, object, purpose, outcome, details, impersonator FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query(())?;
    let mut n = 0;
    while let Some(r) = rows.next_row()? {
        f(&entry_of(&r)?);
        n += 1;
    }
    Ok(n)
}

/// Entries by index, in order; numbers not in the log are left out.
pub fn entries_by_seq(conn: &Connection, seqs: &[u64]) -> StoreResult<Vec<Entry>> {
    let mut out = Vec::with_capacity(seqs.len());
    for &s in seqs {
        if let Some(e) = entry(conn, s)? {
            out.push(e);
        }
    }
    Ok(out)
}

/// One entry by index.
pub fn entry(conn: &Connection, seq: u64) -> StoreResult<Option<Entry>> {
    conn.prepare_cached(&format!("{SELECT} WHERE seq = ?1"))?
        .query_row([i64::try_from(seq).unwrap_or(i64::MAX)], |r| row(r).map(|(e, _)| e))
        .optional()
}

/// Every leaf hash in order, for building proofs.
pub fn leaves(conn: &Connection) -> StoreResult<Vec<Hash>> {
    conn.prepare_cached("SELECT leaf FROM audit_log ORDER BY seq")?
        .query_map((), |r| {
            let b: Vec<u8> = r.get(0)?;
            Ok(b.try_into().unwrap_or([0u8; 32]))
        })?
        .collect::<super::db::Result<_>>()
}

/// A checkpoint to check the log against: its size and root (already signature-checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub size: u64,
    pub root: Hash,
    /// Where it came from, for the report ("kept checkpoint FILE", "checkpoint #3").
    pub name: String,
    /// Also check it with a consistency proof and the independent verifier (a party's kept
    /// checkpoint); the largest anchor always is.
    pub prove: bool,
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub ok: bool,
    /// Entries read.
    pub size: u64,
    /// Hex of the root recomputed from the entries.
    pub root: String,
    /// The first index at which the log is not what it was.
    pub first_bad: Option<u64>,
    /// What is wrong, in sentences; empty when all is well.
    pub problems: Vec<String>,
    /// Checkpoints the log was checked against and extends.
    pub anchors_checked: Vec<String>,
    /// Entries made under `--as` on a database not created as a demo: what is wrong, the
    /// first and last of them, and how many there are. Not among `problems`: the log itself
    /// may be whole; its own alert reports it (`impersonation-outside-demo`).
    pub impersonation: Option<String>,
    pub impersonated: Vec<u64>,
    pub impersonated_count: u64,
}

/// Recomputes the log: every leaf from its entry, the root from the leaves, the recorded right
/// edge, and each anchor (the log's first `size` leaves must have the anchor's root, shown
/// with a consistency proof). Stops at the first entry that is not what was written. A log
/// read whole is then checked for what it binds (`domain::audit_bindings`): the database's
/// demo mark and id against its creation entry, `--as` only on a demo, and the staff table
/// against the grants and revocations in the log.
///
/// `authentic` is the log's leaves as the stored checkpoints kept them (each stretch checked
/// against its signed root by the caller): when an anchor shows a rewrite, the first entry
/// whose leaf differs from these is where the rewrite starts.
pub fn verify(
    conn: &Connection,
    anchors: &[Anchor],
    authentic: &[Hash],
) -> StoreResult<Verification> {
    let mut bindings = Bindings::new();
    let mut tree = Frontier::new();
    let mut problems = Vec::new();
    let mut first_bad: Option<u64> = None;
    let wanted: BTreeMap<u64, ()> = anchors.iter().map(|a| (a.size, ())).collect();
    let mut roots_at: BTreeMap<u64, Hash> = BTreeMap::new();
    if wanted.contains_key(&0) {
        roots_at.insert(0, merkle::empty_root());
    }
    let keep_leaves = !anchors.is_empty() || !authentic.is_empty();
    let mut leaves: Vec<Hash> = Vec::new();
    {
        let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY seq"))?;
        let mut rows = stmt.query(())?;
        while let Some(r) = rows.next_row()? {
            let expected = tree.size();
            let (entry, stored) = match row(&r) {
                Ok(x) => x,
                Err(e) => {
                    first_bad = Some(expected);
                    problems.push(format!("entry {expected} cannot be read: {e}"));
                    break;
                }
            };
            if entry.seq != expected {
                first_bad = Some(expected);
                problems.push(if entry.seq > expected {
                    format!("entry {expected} is missing (the next entry is {})", entry.seq)
                } else {
                    format!("entry {expected} is out of order (it says {})", entry.seq)
                });
                break;
            }
            let leaf = entry.leaf();
            if stored.as_slice() != leaf.as_slice() {
                first_bad = Some(expected);
                problems.push(format!("entry {expected} was changed after it was written (its leaf hash does not match)"));
                break;
            }
            bindings.observe(&entry);
            tree.push(leaf);
            if keep_leaves {
                leaves.push(leaf);
            }
            if wanted.contains_key(&tree.size()) {
                roots_at.insert(tree.size(), tree.root());
            }
        }
    }
    let size = tree.size();
    let root = tree.root();
    if first_bad.is_none() {
        let recorded = frontier(conn)?;
        if recorded.size() != size {
            first_bad = Some(size.min(recorded.size()));
            problems.push(format!(
                "the log holds {size} entries but {} were appended: entries from {} on are gone",
                recorded.size(),
                size.min(recorded.size())
            ));
        } else if recorded.root() != root {
            problems.push(
                "the recorded root does not match the entries: the tree's right edge was altered"
                    .into(),
            );
        }
    }
    let mut bound = BindingReport::default();
    if first_bad.is_none() {
        bound = bindings.check(&marks(conn)?, &staff_roles(conn)?);
        problems.extend(bound.problems.iter().cloned());
    }
    let mut checked = Vec::new();
    let mut sorted: Vec<&Anchor> = anchors.iter().collect();
    sorted.sort_by_key(|a| a.size);
    let largest_size = sorted.last().map(|a| a.size);
    let mut last_good = 0u64;
    for a in sorted {
        if first_bad.is_some_and(|b| b < a.size) {
            break;
        }
        if a.size > size {
            let bad = first_bad.map_or(size, |b| b.min(size));
            first_bad = Some(bad);
            problems.push(format!(
                "{} has {} entries but the log has {size}: the log was cut at entry {size}",
                a.name, a.size
            ));
            break;
        }
        // The first `size` leaves having the anchor's root is the check. A consistency proof,
        // checked by the independent verifier, confirms it for the largest anchor and a kept
        // one: making one costs a pass over the leaves, too much to repeat for every stored
        // checkpoint.
        let prove = a.prove || Some(a.size) == largest_size;
        let ok = roots_at.get(&a.size) == Some(&a.root)
            && (!prove || a.size == 0 || {
                let proof = merkle::consistency_proof(
                    &leaves,
                    usize::try_from(a.size).unwrap_or(usize::MAX),
                );
                merkle::verify_consistency(a.size, size, &a.root, &root, &proof)
            });
        if ok {
            checked.push(a.name.clone());
            last_good = a.size;
        } else {
            // The leaves the checkpoints kept say where the rewrite starts, when they reach it.
            let changed = leaves.iter().zip(authentic).position(|(now, then)| now != then);
            match changed.map(|i| i as u64).filter(|&i| i < a.size) {
                Some(k) => {
                    first_bad = Some(first_bad.map_or(k, |b| b.min(k)));
                    problems.push(format!(
                        "the log does not extend {}: entry {k} was rewritten (its leaf is not the one the checkpoints kept), and the entries after it were made to match",
                        a.name
                    ));
                }
                None => {
                    first_bad = Some(first_bad.map_or(last_good, |b| b.min(last_good)));
                    problems.push(format!(
                        "the log does not extend {}: some entry between {last_good} and {} was rewritten",
                        a.name, a.size
                    ));
                }
            }
            break;
        }
    }
    Ok(Verification {
        ok: problems.is_empty() && bound.impersonation.is_none(),
        size,
        root: hex::encode(root),
        first_bad,
        problems,
        anchors_checked: checked,
        impersonation: bound.impersonation,
        impersonated: bound.impersonated,
        impersonated_count: bound.impersonated_count,
    })
}

/// The database's marks about itself, to check against its creation entry.
fn marks(conn: &Connection) -> StoreResult<Marks> {
    Ok(Marks {
        demo: super::meta::get(conn, super::meta::DEMO)?,
        database_id: super::meta::get(conn, super::meta::DATABASE_ID)?,
    })
}

fn staff_roles(conn: &Connection) -> StoreResult<Vec<(String, Grant)>> {
    Ok(super::staff::list(conn)?
        .into_iter()
        .flat_map(|m| m.grants.into_iter().map(move |g| (m.login.clone(), g)))
        .collect())
}

/// How the database was made, from its first entry, provided that entry is as it was written
/// (its stored leaf hash matches). `None` for a log without a creation entry (made before
/// carrel recorded one) or whose first entry was altered.
pub fn creation(conn: &Connection) -> StoreResult<Option<Creation>> {
    let first =
        conn.prepare_cached(&format!("{SELECT} WHERE seq = 0"))?.query_row((), row).optional()?;
    Ok(first.and_then(
        |(e, stored)| {
            if stored.as_slice() == e.leaf().as_slice() { e.creation() } else { None }
        },
    ))
}

/// The log's keys as its creation and key entries name them, reading only those entries;
/// an entry whose stored leaf does not match its columns is passed over (verification
/// reports it).
pub fn log_keys(conn: &Connection) -> StoreResult<LogKeys> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE seq = 0 OR action = ?1 OR action = ?2 ORDER BY seq"
    ))?;
    let rows = stmt.query_map(params![log_key::CREATE_ACTION, log_key::ROTATE_ACTION], row)?;
    let mut keys = LogKeys::new();
    for r in rows {
        let (e, stored) = r?;
        if stored.as_slice() == e.leaf().as_slice() {
            keys.observe(&e);
        }
    }
    Ok(keys)
}

/// A checkpoint as stored: its signed note (`None` for one of the old `carrel-checkpoint/1`
/// form, which is not checked) and the leaf hashes it added to the one before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub id: i64,
    pub size: u64,
    /// When it was stored (not signed; the note's own time line is).
    pub stored_at: DateTime<Utc>,
    pub note: Option<String>,
    /// Leaf hashes from the previous checkpoint's size to this one's, 32 bytes each.
    pub leaves: Option<Vec<u8>>,
}

impl StoredCheckpoint {
    /// The signed checkpoint, when the note parses.
    pub fn signed(&self) -> Option<SignedCheckpoint> {
        self.note.as_deref().and_then(|n| SignedCheckpoint::parse(n).ok())
    }
}

/// Stores a signed checkpoint with the leaves it added since the previous one; returns its id.
pub fn add_checkpoint(
    conn: &Connection,
    cp: &SignedCheckpoint,
    new_leaves: &[Hash],
) -> StoreResult<i64> {
    let c = &cp.checkpoint;
    let log_line = cp.note.sigs.first().map(|s| s.line()).unwrap_or_default();
    let leaves: Vec<u8> = new_leaves.iter().flat_map(|h| h.iter().copied()).collect();
    conn.prepare_cached(
        "INSERT INTO audit_checkpoints(size, root, at_ms, public_key, signature, origin, note, leaves)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        i64::try_from(c.size).unwrap_or(i64::MAX),
        hex::encode(c.root),
        to_ms(c.time.unwrap_or_else(Utc::now)),
        cp.note.sigs.first().map(|s| s.name.clone()).unwrap_or_default(),
        log_line.trim_end(),
        c.origin,
        cp.to_note_string(),
        leaves
    ])?;
    Ok(conn.last_insert_rowid())
}

const CHECKPOINT_SELECT: &str = "SELECT id, size, at_ms, note, leaves FROM audit_checkpoints";

fn stored_checkpoint(r: &super::db::Row<'_>) -> super::db::Result<StoredCheckpoint> {
    Ok(StoredCheckpoint {
        id: r.get(0)?,
        size: r.get::<_, i64>(1)?.max(0).unsigned_abs(),
        stored_at: from_ms(r.get(2)?),
        note: r.get(3)?,
        leaves: r.get(4)?,
    })
}

/// Every checkpoint stored so far, oldest first.
pub fn checkpoints(conn: &Connection) -> StoreResult<Vec<StoredCheckpoint>> {
    conn.prepare_cached(&format!("{CHECKPOINT_SELECT} ORDER BY id"))?
        .query_map((), stored_checkpoint)?
        .collect::<super::db::Result<_>>()
}

/// The latest checkpoint in the signed-note form.
pub fn latest_checkpoint(conn: &Connection) -> StoreResult<Option<StoredCheckpoint>> {
    conn.prepare_cached(&format!(
        "{CHECKPOINT_SELECT} WHERE note IS NOT NULL ORDER BY id DESC LIMIT 1"
    ))?
    .query_row((), stored_checkpoint)
    .optional()
}

/// The checkpoint in the signed-note form to prove entry `seq` in: the latest that holds it
/// and has a witness's cosignature, else the latest that holds it.
pub fn checkpoint_holding(conn: &Connection, seq: u64) -> StoreResult<Option<StoredCheckpoint>> {
    conn.prepare_cached(&format!(
        "{CHECKPOINT_SELECT} WHERE note IS NOT NULL AND size > ?1
          ORDER BY CASE WHEN EXISTS (SELECT 1 FROM audit_cosignatures c
                                      WHERE c.checkpoint_id = audit_checkpoints.id)
                        THEN 1 ELSE 0 END DESC, id DESC
          LIMIT 1"
    ))?
    .query_row([i64::try_from(seq).unwrap_or(i64::MAX)], stored_checkpoint)
    .optional()
}

/// Leaf hashes of entries `from` to `to` (exclusive), in order.
pub fn leaves_between(conn: &Connection, from: u64, to: u64) -> StoreResult<Vec<Hash>> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    conn.prepare_cached("SELECT leaf FROM audit_log WHERE seq >= ?1 AND seq < ?2 ORDER BY seq")?
        .query_map(params![n(from), n(to)], |r| {
            let b: Vec<u8> = r.get(0)?;
            Ok(b.try_into().unwrap_or([0u8; 32]))
        })?
        .collect::<super::db::Result<_>>()
}

/// Keeps a witness's cosignature line on a checkpoint (the first it gave; kept, never changed).
pub fn add_cosignature(
    conn: &Connection,
    checkpoint_id: i64,
    witness: &str,
    line: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO audit_cosignatures(checkpoint_id, witness, line, at_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(checkpoint_id, witness) DO NOTHING",
    )?
    .execute(params![checkpoint_id, witness, line, to_ms(at)])?;
    Ok(())
}

/// The cosignature lines kept for a checkpoint, by witness name.
pub fn cosignatures(conn: &Connection, checkpoint_id: i64) -> StoreResult<Vec<(String, String)>> {
    conn.prepare_cached(
        "SELECT witness, line FROM audit_cosignatures WHERE checkpoint_id = ?1 ORDER BY witness",
    )?
    .query_map([checkpoint_id], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect::<super::db::Result<_>>()
}

/// A witness's latest answer, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WitnessRecord {
    pub name: String,
    /// The size of the latest checkpoint it cosigned for this log.
    pub cosigned_size: Option<u64>,
    pub cosigned_at: Option<DateTime<Utc>>,
    pub attempt_at: DateTime<Utc>,
    /// Why the latest attempt failed; `None` after a cosignature.
    pub error: Option<String>,
    /// When it last refused a checkpoint as inconsistent with what it had cosigned, and why.
    pub refused_at: Option<DateTime<Utc>>,
    pub refusal: Option<String>,
}

pub fn witness_records(conn: &Connection) -> StoreResult<Vec<WitnessRecord>> {
    conn.prepare_cached(
        "SELECT name, cosigned_size, cosigned_ms, attempt_ms, error, refused_ms, refusal FROM audit_witnesses ORDER BY name",
    )?
    .query_map((), |r| {
        Ok(WitnessRecord {
            name: r.get(0)?,
            cosigned_size: r.get::<_, Option<i64>>(1)?.map(|v| v.max(0).unsigned_abs()),
            cosigned_at: r.get::<_, Option<i64>>(2)?.map(from_ms),
            attempt_at: from_ms(r.get(3)?),
            error: r.get(4)?,
            refused_at: r.get::<_, Option<i64>>(5)?.map(from_ms),
            refusal: r.get(6)?,
        })
    })?
    .collect::<super::db::Result<_>>()
}

/// Records a witness's cosignature of a tree of `size` entries.
pub fn record_witness_cosigned(
    conn: &Connection,
    name: &str,
    size: u64,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO audit_witnesses(name, cosigned_size, cosigned_ms, attempt_ms, error) VALUES (?1, ?2, ?3, ?3, NULL)
         ON CONFLICT(name) DO UPDATE SET cosigned_size = excluded.cosigned_size,
           cosigned_ms = excluded.cosigned_ms, attempt_ms = excluded.attempt_ms, error = NULL",
    )?
    .execute(params![name, i64::try_from(size).unwrap_or(i64::MAX), to_ms(at)])?;
    Ok(())
}

/// Records a failed attempt; a `refusal` (the witness found the log inconsistent with what
/// it cosigned) is kept apart, for its alert.
pub fn record_witness_failure(
    conn: &Connection,
    name: &str,
    at: DateTime<Utc>,
    error: &str,
    refusal: bool,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO audit_witnesses(name, attempt_ms, error, refused_ms, refusal) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(name) DO UPDATE SET attempt_ms = excluded.attempt_ms, error = excluded.error,
           refused_ms = COALESCE(excluded.refused_ms, audit_witnesses.refused_ms),
           refusal = COALESCE(excluded.refusal, audit_witnesses.refusal)",
    )?
    .execute(params![
        name,
        to_ms(at),
        error,
        refusal.then(|| to_ms(at)),
        refusal.then(|| error.to_owned())
    ])?;
    Ok(())
}

pub use crate::domain::audit::VerificationRecord;

pub fn record_verification(
    conn: &Connection,
    v: &Verification,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let message = if v.ok { "ok".to_owned() } else { v.problems.join("; ") };
    conn.prepare_cached(
        "INSERT INTO audit_verifications(at_ms, size, root, ok, first_bad, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        to_ms(at),
        i64::try_from(v.size).unwrap_or(i64::MAX),
        v.root,
        v.ok,
        v.first_bad.map(|b| i64::try_from(b).unwrap_or(i64::MAX)),
        message
    ])?;
    Ok(())
}

pub fn latest_verification(conn: &Connection) -> StoreResult<Option<VerificationRecord>> {
    conn.prepare_cached(
        "SELECT at_ms, size, root, ok, first_bad, message FROM audit_verifications ORDER BY id DESC LIMIT 1",
    )?
    .query_row((), |r| {
        Ok(VerificationRecord {
            at: from_ms(r.get(0)?),
            size: r.get::<_, i64>(1)?.max(0).unsigned_abs(),
            root: r.get(2)?,
            ok: r.get(3)?,
            first_bad: r.get::<_, Option<i64>>(4)?.map(|b| b.max(0).unsigned_abs()),
            message: r.get(5)?,
        })
    })
    .optional()
}

/// Votes, decisions and desk consent changes with no audit entry that accounts for them
/// (the rule `unlogged-write`): every such row carrel writes, it writes with its entry in the
/// same transaction, so a row without one was written around carrel.
pub fn unlogged_writes(conn: &Connection) -> StoreResult<Vec<UnloggedWrite>> {
    const SQL: &str = r#"
SELECT 'request vote', 'request:' || v.request_id || ' by ' || v.voter, v.at_ms
  FROM request_votes v
 WHERE NOT EXISTS (SELECT 1 FROM audit_log a
                    WHERE a.action = 'request.vote' AND a.outcome = 'allowed'
                      AND a.object = ('request:' || v.request_id) AND a.actor = v.voter)
UNION ALL
SELECT 'seat vote', 'staff:' || c.login || ' by ' || v.voter, v.at_ms
  FROM seat_votes v JOIN seat_changes c ON c.id = v.change_id
 WHERE NOT EXISTS (SELECT 1 FROM audit_log a
                    WHERE a.action = 'committee.vote' AND a.outcome = 'allowed'
                      AND a.object = ('staff:' || c.login) AND a.actor = v.voter)
UNION ALL
SELECT 'request decision', 'request:' || r.id || ' ' || r.state, COALESCE(r.decided_ms, r.created_ms)
  FROM data_requests r
 WHERE r.state IN ('approved', 'denied')
   AND NOT EXISTS (SELECT 1 FROM audit_log a
                    WHERE a.action = 'request.vote' AND a.outcome = 'allowed'
                      AND a.object = ('request:' || r.id)
                      AND a.details LIKE ('%"decided":"' || r.state || '"%'))
UNION ALL
SELECT 'consent change', 'patron:' || c.pseudonym || ' ' || c.purpose, c.at_ms
  FROM consent_changes c
 WHERE c.source = 'desk'
   AND NOT EXISTS (SELECT 1 FROM audit_log a
                    WHERE a.action = 'consent.change' AND a.outcome = 'allowed'
                      AND a.object = ('patron:' || c.pseudonym) AND a.actor = c."by"
                      AND a.purpose = c.purpose)
ORDER BY 3
LIMIT 1000"#;
    conn.prepare_cached(SQL)?
        .query_map((), |r| {
            Ok(UnloggedWrite { what: r.get(0)?, subject: r.get(1)?, at: from_ms(r.get(2)?) })
        })?
        .collect()
}
