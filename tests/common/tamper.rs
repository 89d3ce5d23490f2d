//! Tampering with an audit log as its owner would, with the source in hand.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use carrel::domain::merkle::Frontier;

use super::backend::{as_owner, open_store, owner_blobs, sql_blob, sql_text};

/// Rewrites entry `seq`'s details on `db` and makes the log match again: its leaf and the
/// tree's recorded right edge. Only a checkpoint signed before shows it.
pub fn rewrite_consistently(db: &Path, seq: u64) {
    let mut e = {
        let store = open_store(db);
        carrel::store::audit::entry(store.conn(), seq).unwrap().unwrap()
    };
    e.entry.details = format!("{} (rewritten)", e.entry.details);
    as_owner(
        db,
        &format!(
            "UPDATE audit_log SET details = {}, leaf = {} WHERE seq = {}",
            sql_text(&e.entry.details),
            sql_blob(&e.leaf()),
            e.seq
        ),
    );
    let mut tree = Frontier::new();
    for l in owner_blobs(db, "SELECT leaf FROM audit_log ORDER BY seq") {
        tree.push(l.try_into().unwrap());
    }
    let frontier = sql_blob(&tree.to_bytes());
    as_owner(db, &format!("UPDATE audit_state SET frontier = {frontier} WHERE id = 1"));
}
