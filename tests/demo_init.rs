//! A database made with `carrel init --demo` is complete on its own, as `carrel demo`'s is:
//! without any feed having run, a consenting patron's profile puts their loans and visits under
//! subjects, and the local recommendations carry titles. Its requests are what a request:ID
//! purpose is checked against.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Output;

fn carrel(home: &Path, args: &[&str]) -> Output {
    common::carrel_in(home).args(args).output().unwrap()
}

#[test]
fn an_init_demo_database_names_subjects_and_titles_before_any_feed() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("demo.db");
    let db = db.to_str().unwrap();
    let o = carrel(home.path(), &["init", "--demo", "--db", db]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let patron =
        carrel::sim::patrons(1).into_iter().find(|p| p.consents_to_recommendations).unwrap();
    let o = carrel(
        home.path(),
        &["--as", "dana", "patron", "show", &patron.card, "--db", db, "--json"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!shown["profile"].as_array().unwrap().is_empty(), "{shown}");
    assert_eq!(shown["unmapped"][0], 0, "every loan has a subject: {shown}");
    assert_eq!(shown["unmapped"][2], 0, "every visit has a subject: {shown}");
    let items = shown["recommendations"]["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{shown}");
    for item in items {
        let title = item["title"].as_str().unwrap_or_default();
        assert!(!title.is_empty() && !title.starts_with("bib-"), "a bare id: {item}");
    }
}

/// A `request:ID` purpose must name a request the committee approved: the demo's denied
/// request and one that does not exist are refused at the lookup with the reason (exit 2),
/// the approved one is accepted.
#[test]
fn a_lookup_under_a_request_that_is_not_approved_is_refused_with_the_reason() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("demo.db");
    let db = db.to_str().unwrap();
    let o = carrel(home.path(), &["init", "--demo", "--db", db]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = carrel(home.path(), &["--as", "uma", "requests", "list", "--json", "--db", db]);
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let id_in = |state: &str| {
        let all = list.as_array().or_else(|| list["requests"].as_array()).unwrap();
        all.iter().find(|r| r["state"] == state).unwrap()["id"].as_u64().unwrap()
    };
    let card = carrel::sim::patrons(1)[0].card.clone();
    let show = |purpose: &str| {
        let args = ["--as", "dana", "patron", "show", &card, "--purpose", purpose, "--db", db];
        carrel(home.path(), &args)
    };
    let denied = id_in("denied");
    for (purpose, reason) in [
        (format!("request:{denied}"), format!("data request {denied} is denied")),
        ("request:999".to_owned(), "there is no data request 999".to_owned()),
    ] {
        let o = show(&purpose);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{purpose}: {err}");
        assert!(err.contains(&reason), "{purpose}: {err}");
        assert!(o.stdout.is_empty(), "nothing shown: {}", String::from_utf8_lossy(&o.stdout));
    }
    let o = show(&format!("request:{}", id_in("approved")));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
