//! Moving a site: every row of one carrel database into a new one, SQLite or PostgreSQL
//! either way, the audit log byte for byte (so `audit verify` gives the same root and a
//! checkpoint kept before the move still verifies after it).
//!
//! The destination must not exist. Its schema and every row go in together: on PostgreSQL
//! one transaction makes the schema, the roles' grants and the rows; on SQLite the file is
//! removed again if anything fails. Nothing half-copied is left either way.

use super::db::{Connection, Value};
use super::{Location, Store, StoreError, StoreOptions, audit, meta, migrations, pg};

/// Every table, parents before children.
pub const TABLES: &[&str] = &[
    "meta",
    "floors",
    "zones",
    "seats",
    "seat_events",
    "environment_samples",
    "zone_occupancy",
    "service_points",
    "window_assignments",
    "staff_on_duty",
    "staff",
    "staff_roles",
    "arrival_buckets",
    "feed_state",
    "quarantine",
    "ingest_lease",
    "catalog_items",
    "recs_model",
    "recs_choice",
    "audit_log",
    "audit_state",
    "audit_checkpoints",
    "audit_cosignatures",
    "audit_witnesses",
    "audit_verifications",
    "forecasts",
    "forecast_models",
    "patrons",
    "loans",
    "searches",
    "visits",
    "consent_changes",
    "alerts",
    "alert_events",
    "data_requests",
    "request_votes",
    "review_items",
    "review_days",
    "epsilon_ledger",
    "seat_changes",
    "seat_votes",
];

/// `meta` keys that describe the backend, not the library: each side keeps its own.
const BACKEND_KEYS: [&str; 2] = ["application", "schema_version"];

/// What a copy moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Rows per table, in [`TABLES`] order.
    pub rows: Vec<(&'static str, u64)>,
    /// The audit log's root on the source and on the copy (the same, or the copy fails).
    pub root: String,
    pub entries: u64,
}

/// Copies `from` into a new database at `to`. `system` names the actors carrel's engine
/// writes audit entries as (for the PostgreSQL row-level security).
pub fn copy(from: &Store, to: &Location, system: &[&str]) -> Result<Copied, StoreError> {
    match to {
        Location::File(path) => {
            let dest = Store::create_schema_only(path, StoreOptions::default())?;
            let done = (|| {
                let tx = dest.conn.begin(true)?;
                let rows = copy_rows(from.conn(), &tx)?;
                tx.commit()?;
                finish(from, &dest, rows)
            })();
            if done.is_err() {
                drop(dest);
                super::remove_database_files(path);
            }
            done
        }
        Location::Server(target) => {
            let dest = Store::connect_server(target)?;
            dest.refuse_existing_schema()?;
            let tx = dest.conn.begin(true)?;
            tx.execute_batch(pg::SCHEMA)?;
            let schema: String = tx.query_row("SELECT current_schema()::text", (), |r| r.get(0))?;
            tx.execute_batch(&pg::privileges_sql(&schema, system))?;
            meta::set(&tx, "application", "carrel")?;
            meta::set(&tx, "schema_version", &migrations::latest_version().to_string())?;
            let rows = copy_rows(from.conn(), &tx)?;
            restart_identities(&tx)?;
            tx.commit()?;
            finish(from, &dest, rows)
        }
    }
}

fn copy_rows(from: &Connection, to: &Connection) -> Result<Vec<(&'static str, u64)>, StoreError> {
    let mut counts = Vec::with_capacity(TABLES.len());
    for &table in TABLES {
        let mut read = from.prepare(&format!("SELECT * FROM {table}"))?;
        let mut rows = read.query(())?;
        let mut n = 0u64;
        let mut insert: Option<String> = None;
        while let Some(row) = rows.next_row()? {
            let width = row.column_count();
            let values: Vec<Value> =
                (0..width).map(|i| row.get::<_, Value>(i)).collect::<Result<_, _>>()?;
            if table == "meta"
                && let Some(Value::Text(key)) = values.first()
                && BACKEND_KEYS.contains(&key.as_str())
            {
                continue;
            }
            let sql = insert.get_or_insert_with(|| {
                let marks: Vec<String> = (1..=width).map(|i| format!("?{i}")).collect();
                format!("INSERT INTO {table} VALUES ({})", marks.join(", "))
            });
            to.prepare_cached(sql)?.execute(values)?;
            n += 1;
        }
        counts.push((table, n));
    }
    Ok(counts)
}

/// PostgreSQL's identity columns go on from the largest id copied, as SQLite's rowids do.
fn restart_identities(conn: &Connection) -> Result<(), StoreError> {
    let columns: Vec<(String, String)> = conn
        .prepare(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
              WHERE table_schema = current_schema() AND is_identity = 'YES'",
        )?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (table, column) in columns {
        conn.execute_batch(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
        ))?;
    }
    Ok(())
}

/// Checks the copy's log against the source's: the same size and root.
fn finish(
    from: &Store,
    dest: &Store,
    rows: Vec<(&'static str, u64)>,
) -> Result<Copied, StoreError> {
    let before = audit::verify(from.conn(), &[], &[])?;
    let after = audit::verify(dest.conn(), &[], &[])?;
    if (before.size, &before.root) != (after.size, &after.root) {
        return Err(StoreError::Invalid(format!(
            "the copy's audit log does not match: {} entries with root {} became {} with root {}",
            before.size, before.root, after.size, after.root
        )));
    }
    Ok(Copied { rows, root: after.root, entries: after.size })
}
