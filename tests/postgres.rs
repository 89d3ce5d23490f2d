//! What only PostgreSQL has, tried as an attacker would: a desk's login with the server's own
//! client (psql) cannot rewrite the audit log or vote in another's name; a vote written around
//! carrel by the owner raises a critical alert while the log still verifies; the login is the
//! server's, never `--as`; and a site moves SQLite → PostgreSQL → SQLite with its log, so a
//! checkpoint kept before the move verifies after it; the ingest's witnessing works as a staff
//! login, which cannot take back the checkpoints and cosignatures it kept.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Output;

use carrel::domain::rules::Rule;
use carrel::services::{identity, requests};
use carrel::store::{Location, Store, StoreOptions};
use chrono::Utc;

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn refused(o: &Output, why: &str) {
    assert!(!o.status.success(), "should be refused: {}", text(o));
    assert!(text(o).contains(why), "expected '{why}' in: {}", text(o));
}

#[test]
fn a_desk_login_with_psql_cannot_rewrite_the_log_or_vote_as_another() {
    let Some((pg, url, mut store)) = common::backend::pg_library() else { return };
    let dana = identity::actor(&store, "dana").unwrap();
    let id =
        requests::file(&mut store, &dana, &common::backend::row_level_request(), false, Utc::now())
            .unwrap()
            .id;
    drop(store);

    let desk = pg.url_as(&url, "dana");
    refused(&pg.psql(&desk, "UPDATE audit_log SET actor = 'x' WHERE seq = 1"), "permission denied");
    refused(&pg.psql(&desk, "DELETE FROM audit_log WHERE seq = 1"), "permission denied");
    refused(&pg.psql(&desk, "TRUNCATE audit_log"), "permission denied");
    refused(
        &pg.psql(
            &desk,
            &format!("INSERT INTO request_votes VALUES ({id}, 'uma', 'user_committee', 1, '', 0)"),
        ),
        "row-level security",
    );
    // A committee member may not vote in another member's name either, nor seat themselves.
    let uma = pg.url_as(&url, "uma");
    refused(
        &pg.psql(
            &uma,
            &format!("INSERT INTO request_votes VALUES ({id}, 'leo', 'library', 1, '', 0)"),
        ),
        "row-level security",
    );
    refused(
        &pg.psql(&desk, "INSERT INTO staff_roles VALUES ('dana', 'sysadmin', NULL)"),
        "row-level security",
    );
    refused(
        &pg.psql(&desk, "INSERT INTO audit_log(seq, at_ms, actor, role, action, object, purpose, outcome, details, leaf) VALUES (999, 0, 'sam', 'sysadmin', 'x', 'x', '', 'allowed', '', '\\x00')"),
        "row-level security",
    );

    // The owner can write around carrel: the row is there, no entry accounts for it.
    let o = pg.psql(
        &url,
        &format!("INSERT INTO request_votes VALUES ({id}, 'leo', 'library', 1, '', 0)"),
    );
    assert!(o.status.success(), "{}", text(&o));
    let home = tempfile::tempdir().unwrap();
    let auditor = pg.url_as(&url, "ada");
    let run = |args: &[&str]| {
        common::carrel_in(home.path()).args(["--db", &auditor]).args(args).output().unwrap()
    };
    let o = run(&["alerts", "check"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&["alerts", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let unlogged = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == Rule::UnloggedWrite.as_str())
        .unwrap_or_else(|| panic!("no unlogged-write alert in {listed}"));
    assert_eq!(unlogged["severity"], "critical");
    let summary = unlogged["summary"].as_str().unwrap();
    assert!(summary.contains(&format!("request:{id} by leo")), "{summary}");
    let o = run(&["audit", "verify"]);
    assert!(o.status.success(), "the log itself is whole: {}", text(&o));
}

#[test]
fn the_login_is_the_servers_and_never_as() {
    let Some((pg, url, store)) = common::backend::pg_library() else { return };
    drop(store);
    let home = tempfile::tempdir().unwrap();
    let run = |url: &str, args: &[&str]| {
        common::carrel_in(home.path()).args(["--db", url]).args(args).output().unwrap()
    };
    let o = run(&pg.url_as(&url, "sam"), &["staff", "list", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&pg.url_as(&url, "dana"), &["staff", "list"]);
    refused(&o, "dana may not");
    let o = run(&pg.url_as(&url, "dana"), &["--as", "sam", "staff", "list"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    refused(&o, "only on demo databases");
    let o = run(&pg.url_as(&url, "sam"), &["staff", "add", "nobody", "--name", "No One"]);
    refused(&o, "CREATE ROLE");
    let o = run(&pg.url_as(&url, "sam"), &["init", "--demo"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    refused(&o, "demo databases are SQLite");
    let o = run("postgres://sam:secret@localhost/x", &["status"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!text(&o).contains("secret"), "{}", text(&o));
}

/// The root `audit verify` prints.
fn root(o: &Output) -> String {
    let out = text(o);
    assert!(o.status.success(), "{out}");
    out.split("root ").nth(1).unwrap().split_whitespace().next().unwrap().to_owned()
}

#[test]
fn a_site_moves_to_postgres_and_back_with_its_log() {
    let Some(_) = common::pg::server() else { return };
    let pg = common::backend::server_with_logins();
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| common::carrel_in(home.path()).args(args).output().unwrap();
    let file = home.path().join("site.db");
    let file = file.to_str().unwrap();
    let o = run(&["init", "--demo", "--db", file]);
    assert!(o.status.success(), "{}", text(&o));
    let kept = home.path().join("kept.json");
    let o =
        run(&["--db", file, "--as", "ada", "audit", "checkpoint", "--out", kept.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let before = root(&run(&["--db", file, "--as", "ada", "audit", "verify"]));

    let url = pg.fresh_database();
    let o = run(&["--db", file, "--as", "sam", "db", "copy", "--to", &url]);
    assert!(o.status.success(), "{}", text(&o));
    // The staff who sign in to the server: their own logins, made members of carrel_staff.
    pg.admin("GRANT carrel_staff TO sam, ada");
    let on_server = pg.url_as(&url, "ada");
    let o = run(&["--db", &on_server, "audit", "verify", "--checkpoint", kept.to_str().unwrap()]);
    let moved = root(&o);
    assert_ne!(moved, before, "the copy is logged before it is made");
    assert!(text(&o).contains("kept.json") || text(&o).contains("checkpoint"), "{}", text(&o));
    // The copy's own entry is in the source too: both logs are the same.
    assert_eq!(root(&run(&["--db", file, "--as", "ada", "audit", "verify"])), moved);

    let back = home.path().join("back.db");
    let o = run(&["--db", &pg.url_as(&url, "sam"), "db", "copy", "--to", back.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let home_root = root(&run(&["--db", &on_server, "audit", "verify"]));
    let back_root = root(&run(&[
        "--db",
        back.to_str().unwrap(),
        "--as",
        "ada",
        "audit",
        "verify",
        "--checkpoint",
        kept.to_str().unwrap(),
    ]));
    assert_eq!(back_root, home_root);
    // A destination that exists is refused, and left as it was.
    let o = run(&["--db", file, "--as", "sam", "db", "copy", "--to", back.to_str().unwrap()]);
    refused(&o, "already exists");
    let reopened = Store::open_at(&Location::File(back), StoreOptions::default()).unwrap();
    assert!(reopened.is_demo().unwrap(), "a demo copied to SQLite is still a demo");
}

/// The two schemas are written apart (SQLite's migrations, PostgreSQL's schema file), and
/// `db copy` moves rows column by column: every table has the same columns in the same order on
/// both, and the copy's list names every table there is.
#[test]
fn both_schemas_have_the_same_tables_and_columns_in_order() {
    let Some((_, _, server)) = common::backend::pg_library() else { return };
    let file = Store::open_in_memory().unwrap();
    let columns = |store: &Store, sql: &str, table: &str| -> Vec<String> {
        store
            .conn()
            .prepare(sql)
            .unwrap()
            .query_map([table], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    for table in carrel::store::copy::TABLES {
        let sqlite = columns(&file, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", table);
        let postgres = columns(
            &server,
            "SELECT column_name::text FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
            table,
        );
        assert!(!sqlite.is_empty(), "{table} on SQLite");
        assert_eq!(sqlite, postgres, "{table}");
    }
    let count = |store: &Store, sql: &str| -> i64 {
        store.conn().query_row(sql, (), |r| r.get(0)).unwrap()
    };
    let tables = carrel::store::copy::TABLES.len() as i64;
    assert_eq!(
        count(
            &file,
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ),
        tables
    );
    assert_eq!(
        count(&server, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"),
        tables
    );
}

/// A server database made by the previous carrel: a staff login is told its owner must
/// upgrade it, and the owner's first command does, in place, to the schema a new one has.
#[test]
fn a_server_database_of_the_previous_version_is_upgraded_by_its_owner() {
    let Some((pg, url, store)) = common::backend::pg_library() else { return };
    drop(store);
    let latest = carrel::store::migrations::latest_version();
    // Version 7, as the first carrel on PostgreSQL made it.
    assert_eq!(latest, 10, "this test takes 10 down to 7; write the step for {latest}");
    let mut owner = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    owner
        .batch_execute(
            "DROP TABLE recs_choice;
             DROP TABLE audit_cosignatures; DROP TABLE audit_witnesses;
             ALTER TABLE audit_checkpoints DROP COLUMN note, DROP COLUMN leaves;
             GRANT UPDATE, DELETE ON audit_checkpoints TO carrel_staff;
             DROP TABLE zone_occupancy;
             ALTER TABLE environment_samples DROP CONSTRAINT environment_samples_some_measure,
                 ALTER COLUMN temperature_c SET NOT NULL, ALTER COLUMN co2_ppm SET NOT NULL,
                 ALTER COLUMN light_lux SET NOT NULL, ALTER COLUMN noise_db SET NOT NULL;
             UPDATE meta SET value = '7' WHERE key = 'schema_version';",
        )
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let run = |url: &str, args: &[&str]| {
        common::carrel_in(home.path()).args(["--db", url]).args(args).output().unwrap()
    };
    let o = run(&pg.url_as(&url, "dana"), &["seats", "--json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    refused(&o, &format!("must be upgraded to {latest} by its owner, postgres"));

    let o = run(&url, &["status", "--json"]);
    assert!(o.status.success() || o.status.code() == Some(3), "{}", text(&o));
    let version: String =
        owner.query_one("SELECT value FROM meta WHERE key = 'schema_version'", &[]).unwrap().get(0);
    assert_eq!(version, latest.to_string());
    let nullable: Vec<String> = owner
        .query(
            "SELECT column_name::text FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = 'environment_samples'
                AND is_nullable = 'YES' ORDER BY ordinal_position",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(nullable, ["temperature_c", "co2_ppm", "light_lux", "noise_db"]);
    // What the upgrade made, staff may use as they may a new database's.
    let o = pg.psql(
        &pg.url_as(&url, "dana"),
        "INSERT INTO floors (id, name, level) VALUES ('F9', 'Nine', 9);
         INSERT INTO zones (id, floor_id, name, kind) VALUES ('Z9', 'F9', 'Z', 'quiet');
         INSERT INTO zone_occupancy (zone_id, people, at_ms) VALUES ('Z9', 3, 0);",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = pg.psql(
        &pg.url_as(&url, "dana"),
        "INSERT INTO recs_choice (id, model, ndcg, popularity_ndcg, users_evaluated, loans,
                                  computed_ms) VALUES (1, 'ease', 0.1, 0.01, 3, 9, 0);",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&pg.url_as(&url, "dana"), &["seats", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    // Witnesses' answers may be recorded; checkpoints are kept, never changed, by staff.
    let o = pg.psql(
        &pg.url_as(&url, "dana"),
        "INSERT INTO audit_witnesses (name, attempt_ms) VALUES ('w', 0);
         UPDATE audit_witnesses SET error = 'x' WHERE name = 'w';",
    );
    assert!(o.status.success(), "{}", text(&o));
    for sql in ["UPDATE audit_checkpoints SET note = NULL", "DELETE FROM audit_checkpoints"] {
        let o = pg.psql(&pg.url_as(&url, "dana"), sql);
        assert!(!o.status.success(), "{sql}: {}", text(&o));
        assert!(text(&o).contains("permission denied"), "{sql}: {}", text(&o));
    }
}

/// The ingest's witnessing as a staff login (not the owner): it signs checkpoints, keeps a
/// witness's cosignature and records a failing one; it cannot take back what it kept; and an
/// auditor's verification with a 1-of-1 policy counts the cosignature.
#[test]
fn a_staff_login_keeps_checkpoints_and_cosignatures_it_cannot_take_back() {
    use carrel::domain::log_key::LogKeySeed;
    use carrel::domain::note::{Alg, Signer};
    use carrel::services::audit::{self, WitnessPolicy};
    let Some((pg, url, mut store)) = common::backend::pg_library() else { return };
    let sam = identity::actor(&store, "sam").unwrap();
    let key = LogKeySeed([8; 32]).signer("pg-test");
    audit::create_key(&mut store, &sam, &key.vkey()).unwrap();
    drop(store);
    let open_as = |login: &str| {
        let target = carrel::store::pg::PgTarget::parse(&pg.url_as(&url, login), None, None);
        Store::open_at(&Location::Server(target.unwrap()), StoreOptions::default()).unwrap()
    };
    let mut ingest = open_as("dana");
    let (id, cp) = audit::latest_or_new_checkpoint(&mut ingest, &key).unwrap();
    let witness = Signer::from_seed("w.example/pg", Alg::Cosignature, [9; 32]).unwrap();
    let line = witness.sign(&cp.note.text, 1_800_000_000);
    assert!(audit::record_cosignature(&mut ingest, id, &cp, &witness.vkey(), &[line]).unwrap());
    audit::record_witness_failure(&mut ingest, "w2.example/pg", "unreachable", false).unwrap();
    let again = audit::latest_or_new_checkpoint(&mut ingest, &key).unwrap();
    assert_eq!(again.0, id, "the log has not grown: the same checkpoint");
    drop(ingest);

    let desk = pg.url_as(&url, "dana");
    refused(&pg.psql(&desk, "DELETE FROM audit_cosignatures"), "permission denied");
    refused(&pg.psql(&desk, "UPDATE audit_checkpoints SET note = NULL"), "permission denied");
    refused(&pg.psql(&desk, "DELETE FROM audit_checkpoints"), "permission denied");

    let mut as_ada = open_as("ada");
    let ada = identity::actor(&as_ada, "ada").unwrap();
    let policy = WitnessPolicy { needed: 1, witnesses: vec![witness.vkey()] };
    let r = audit::verify(&mut as_ada, &ada, None, Some(&policy)).unwrap();
    assert!(r.log.ok, "{r:?}");
    assert_eq!(r.witnessed.as_ref().map(|w| w.valid), Some(1));
    assert!(r.log.anchors_checked.iter().any(|a| a.contains("checkpoint #1")), "{r:?}");
}
