//! `carrel purge`: without `--confirm` it changes nothing and lists what is due; with it, it
//! changes exactly what the dry run listed — deleting, anonymising and locking in the order
//! lock → anonymise → delete that Koha follows — and then nothing is due. On both backends.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Output;

use chrono::{Duration, Utc};
use common::backend::{db_arg, new_database, owner_i64, owner_texts};

fn carrel(home: &Path, args: &[&str]) -> Output {
    common::carrel_in(home)
        .args(args)
        .env("CARREL_DB", db_arg(&home.join("c.db")))
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn days_ago(d: i64) -> String {
    (Utc::now() - Duration::days(d)).format("%Y-%m-%d %H:%M").to_string()
}

fn date_ago(d: i64) -> String {
    (Utc::now() - Duration::days(d)).format("%Y-%m-%d").to_string()
}

/// Table contents that a purge may change.
fn rows(db: &Path) -> Vec<(String, i64, i64)> {
    let mut out = vec![];
    for (table, linked) in [
        ("loans", "pseudonym IS NOT NULL"),
        ("searches", "pseudonym IS NOT NULL"),
        ("visits", "pseudonym IS NOT NULL"),
        ("patrons", "state = 'active'"),
    ] {
        let n = owner_i64(db, &format!("SELECT count(*) FROM {table}"));
        let k = owner_i64(db, &format!("SELECT count(*) FROM {table} WHERE {linked}"));
        out.push((table.to_owned(), n, k));
    }
    out
}

fn plan(out: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(out).unwrap();
    v["plan"]["now"] = serde_json::Value::Null;
    v["plan"].clone()
}

#[test]
fn a_dry_run_changes_nothing_and_the_confirmed_purge_does_exactly_what_it_listed() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let db = h.join("c.db");
    new_database(&db);
    ok(&carrel(h, &["init"]));
    let patrons = h.join("patrons.csv");
    std::fs::write(
        &patrons,
        format!(
            "card,name,joined\n\
             29001111,Old Gone,{}\n\
             29002222,Quiet Locked,{}\n\
             29003333,Long Quiet,{}\n\
             29004444,Busy Reader,{}\n",
            date_ago(6 * 365),
            date_ago(2 * 365 + 100),
            date_ago(3 * 365 + 100),
            date_ago(30)
        ),
    )
    .unwrap();
    ok(&carrel(h, &["import", "patrons", patrons.to_str().unwrap()]));
    let loans = h.join("loans.csv");
    std::fs::write(
        &loans,
        format!(
            "card,item,loaned,returned\n\
             29004444,item-1,{},{}\n\
             29004444,item-2,{},{}\n\
             29004444,item-3,{},{}\n\
             29004444,item-4,{},\n",
            days_ago(420),
            days_ago(400),
            days_ago(4 * 365 + 20),
            days_ago(4 * 365),
            days_ago(20),
            days_ago(10),
            days_ago(2 * 365)
        ),
    )
    .unwrap();
    ok(&carrel(h, &["import", "loans", loans.to_str().unwrap()]));
    let searches = h.join("searches.csv");
    std::fs::write(
        &searches,
        format!(
            "card,at,query\n29004444,{},tide tables\n29004444,{},knitting\n29004444,{},rust\n",
            days_ago(40),
            days_ago(200),
            days_ago(5)
        ),
    )
    .unwrap();
    ok(&carrel(h, &["import", "searches", searches.to_str().unwrap()]));
    let visits = h.join("visits.csv");
    std::fs::write(
        &visits,
        format!(
            "card,at\n29004444,{}\n29004444,{}\n29004444,{}\n",
            days_ago(100),
            days_ago(400),
            days_ago(2)
        ),
    )
    .unwrap();
    ok(&carrel(h, &["import", "visits", visits.to_str().unwrap()]));

    let before = rows(&db);
    let dry = plan(&ok(&carrel(h, &["purge", "--json"])));
    let dry_again = plan(&ok(&carrel(h, &["purge", "--json"])));
    assert_eq!(dry, dry_again, "a dry run is repeatable");
    assert_eq!(rows(&db), before, "a dry run changes nothing");
    let batches: Vec<(String, String, usize)> = dry["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["kind"].as_str().unwrap().to_owned(),
                b["step"].as_str().unwrap().to_owned(),
                b["rows"].as_array().unwrap().len(),
            )
        })
        .collect();
    let expect = |k: &str, s: &str| (k.to_owned(), s.to_owned(), 1usize);
    assert_eq!(
        batches,
        [
            expect("loans", "delete"),
            expect("loans", "anonymise"),
            expect("searches", "delete"),
            expect("searches", "anonymise"),
            expect("visits", "delete"),
            expect("visits", "anonymise"),
            expect("patrons", "delete"),
            expect("patrons", "anonymise"),
            expect("patrons", "lock"),
        ]
    );
    let human = ok(&carrel(h, &["purge"]));
    assert!(
        human.contains("would delete 1 loans") && human.contains("dry run: nothing changed"),
        "{human}"
    );

    ok(&carrel(h, &["alerts", "check"]));
    let past_retention = |state: &str| -> i64 {
        let sql = "SELECT count(*) FROM alerts WHERE rule = 'past-retention' AND state = ";
        owner_i64(&db, &format!("{sql}'{state}'"))
    };
    assert_eq!(past_retention("open"), 9, "one alert per kind and step with rows due");

    let done = plan(&ok(&carrel(h, &["purge", "--confirm", "--json"])));
    assert_eq!(
        (past_retention("open"), past_retention("resolved")),
        (0, 9),
        "the purge resolves the alerts it dealt with"
    );
    let notes =
        owner_texts(&db, "SELECT note FROM alert_events WHERE action = 'resolve' ORDER BY id");
    assert_eq!(notes.len(), 9);
    assert!(
        notes[0].starts_with("dealt with by the purge") && notes[0].contains("1 loans delete"),
        "{}",
        notes[0]
    );
    assert_eq!(done, dry, "the confirmed purge did what the dry run listed");
    // Loans: one deleted, one more unlinked (the one still out is untouched). Likewise searches
    // and visits. Patrons: one deleted, one anonymised, one locked, one still active.
    assert_eq!(
        rows(&db),
        [
            ("loans".to_owned(), 3, 2),
            ("searches".to_owned(), 2, 1),
            ("visits".to_owned(), 2, 1),
            ("patrons".to_owned(), 3, 1),
        ]
    );
    assert_eq!(before[0], ("loans".to_owned(), 4, 4));
    let after = ok(&carrel(h, &["purge"]));
    assert!(after.contains("nothing is past its retention period"), "{after}");
    let purges = owner_i64(
        &db,
        "SELECT count(*) FROM audit_log WHERE action = 'data.purge' AND outcome = 'allowed'",
    );
    assert_eq!(purges, 1, "the confirmed purge is in the audit log; dry runs change nothing");
}

#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
