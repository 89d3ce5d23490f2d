//! `carrel recs backtest`: the local recommenders (item-based CF, EASE^R) against popularity by
//! time-ordered leave-last-out, and the choice of one.
//!
//! Bad files go to the real binary (a message naming the file, the line and the column; exit
//! status 2). The real-data test reads `../shared/data/interactions_movielens_small.csv` (100,004
//! ratings by 671 users as a stand-in for loans) through the library and skips, saying so, when
//! the shared data folder is absent: the item-based model must beat popularity on nDCG@10 and
//! recommend at least five times as many distinct items; EASE^R must reach an nDCG@10 at least
//! 15% above the item-based model's with at least five times popularity's coverage, and be
//! chosen.
//!
//! Run with `cargo test --test recs_backtest -- --nocapture` to see the scores.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use carrel::domain::recs::{BacktestOptions, LogOptions, ModelKind, backtest, parse_log};

fn carrel(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carrel"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("cfg"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .expect("run carrel")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `recs backtest` on a file holding `text`, with the given extra flags.
fn backtest_file(text: &str, flags: &[&str]) -> (Output, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("loans.csv");
    std::fs::write(&file, text).expect("write the CSV file");
    let mut args = vec!["recs", "backtest", "--interactions", file.to_str().expect("a UTF-8 path")];
    args.extend_from_slice(flags);
    let o = carrel(dir.path(), &args);
    (o, file, dir)
}

const COLS: [&str; 4] = ["--user-col", "patron", "--item-col", "item"];

#[test]
fn a_bad_time_is_named_with_its_file_line_and_column() {
    let text = "patron,item,loaned\n1,a,2026-01-05T10:00:00Z\n1,b,1767607200\n2,a,next tuesday\n\
                2,c,2026-01-07 09:00\n3,b,\n";
    let (o, file, _dir) = backtest_file(text, &[&COLS[..], &["--time-col", "loaned"]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    let f = file.display();
    assert!(err.contains(&format!("{f}: line 4: column 'loaned': not a time")), "{err}");
    assert!(err.contains(&format!("{f}: line 6: column 'loaned': not a time")), "{err}");
    assert!(!err.contains("tuesday"), "the user column may hold patron ids: no cell is quoted");
    assert!(o.stdout.is_empty());
}

#[test]
fn a_missing_column_counts_the_columns_there_are() {
    let (o, file, _dir) =
        backtest_file("reader,item\n1,a\n1,b\n", &[&COLS[..], &["--time-col", "when"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim(),
        format!(
            "carrel: {}: line 1: the first line does not name the columns patron, when (found 2 columns; is the header missing, or is the delimiter not ','?)",
            file.display()
        )
    );
}

#[test]
fn a_wrong_delimiter_is_guessed() {
    let (o, _, _dir) = backtest_file("patron;item\n1;a\n1;b\n", &COLS);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("try --delimiter ';'"), "{}", stderr(&o));
    let (o, _, _dir) = backtest_file(
        "patron\titem\n1\ta\n1\tb\n2\ta\n",
        &[&COLS[..], &["--delimiter", "tab"]].concat(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn empty_files_headers_alone_short_rows_and_missing_files_exit_2() {
    for (text, says) in [
        ("", "the file is empty"),
        ("patron,item\n", "the file has a header but no rows"),
        ("patron,item\n1,a\n2\n", "line 3: "),
        ("patron,item\n1,a\n,b\n", "line 3: column 'patron' is empty"),
        ("patron,item\n1,a\n2,b\n2,b\n", "no user has two or more distinct items"),
    ] {
        let (o, file, _dir) = backtest_file(text, &COLS);
        assert_eq!(o.status.code(), Some(2), "{text:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(&format!("{}: ", file.display())), "{text:?}: {err}");
        assert!(err.contains(says), "{text:?}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let o = carrel(
        dir.path(),
        &["recs", "backtest", "--interactions", "absent.csv", "--user-col", "u", "--item-col", "i"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("absent.csv"), "{}", stderr(&o));
}

/// Two groups of readers, each borrowing four of the five books on its own shelf, and one book
/// everybody borrows. Times are rotated per reader, so file order is not time order and the
/// held-out loan (each reader's latest by time) is a different book for different readers.
fn shelves() -> String {
    let mut text = String::from("patron,item,loaned\n");
    for reader in 0..24 {
        let shelf = if reader % 2 == 0 { "h" } else { "s" };
        text.push_str(&format!("r{reader},common,2026-01-01T09:00:00Z\n"));
        let skip = (reader / 2) % 5;
        for (t, book) in (0..5).filter(|b| *b != skip).enumerate() {
            let day = 2 + (t + reader / 2) % 4;
            text.push_str(&format!("r{reader},{shelf}{book},2026-01-0{day}T09:00:00Z\n"));
        }
    }
    text
}

#[test]
fn json_reports_every_model_with_every_field_and_the_choice() {
    let (o, _, _dir) =
        backtest_file(&shelves(), &[&COLS[..], &["--time-col", "loaned", "--json"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["k"], 10);
    assert_eq!(v["order"], "time");
    assert_eq!(v["interactions"], 24 * 5);
    assert_eq!((v["users"].as_u64(), v["items"].as_u64()), (Some(24), Some(11)));
    assert_eq!((v["users_evaluated"].as_u64(), v["users_skipped"].as_u64()), (Some(24), Some(0)));
    assert_eq!(v["training_pairs"], 24 * 4);
    assert_eq!(v["item_knn"]["neighbours"], 20);
    assert_eq!(
        (v["ease"]["lambda"].as_f64(), v["ease"]["max_items"].as_u64()),
        (Some(200.0), Some(2000))
    );
    // Every item has a user, far under the cap: all 11 are kept.
    assert_eq!((v["ease_items"].as_u64(), v["ease_min_users"].as_u64()), (Some(11), Some(1)));
    let models = v["models"].as_array().unwrap();
    let names: Vec<&str> = models.iter().filter_map(|m| m["model"].as_str()).collect();
    assert_eq!(names, ["item-knn", "ease", "popularity"]);
    for m in models {
        for field in ["precision", "recall", "ndcg", "coverage", "long_tail_share"] {
            let x = m[field].as_f64().unwrap_or(-1.0);
            assert!((0.0..=1.0).contains(&x), "{field} = {x} in {m}");
        }
        assert_eq!(m["users_evaluated"], 24);
    }
    // Every reader's held-out book is on their own shelf: the item-based model ranks it first
    // or second (nDCG ≥ 1/log2(3) = 0.63); popularity ranks the shelves alike.
    let ndcg = |m: &serde_json::Value| m["ndcg"].as_f64().unwrap();
    assert!(ndcg(&models[0]) >= 0.63, "{v}");
    assert!(ndcg(&models[0]) > ndcg(&models[2]), "{v}");
    assert!(ndcg(&models[1]) > ndcg(&models[2]), "{v}");
    // The choice is a model with the highest nDCG, never popularity here.
    let chosen = models.iter().find(|m| m["model"] == v["chosen"]).expect("the chosen model's row");
    let best = models.iter().map(ndcg).fold(0.0, f64::max);
    assert_eq!(ndcg(chosen), best, "{v}");
    assert_ne!(v["chosen"], "popularity");
}

#[test]
fn the_table_has_a_row_per_model() {
    let (o, file, _dir) =
        backtest_file(&shelves(), &[&COLS[..], &["--time-col", "loaned"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(&format!("{}: 120 interactions, 24 users, 11 items", file.display())),
        "{out}"
    );
    assert!(lines[0].contains("held out by 'loaned'"), "{out}");
    let header: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "MODEL",
            "PRECISION@10",
            "RECALL@10",
            "NDCG@10",
            "COVERAGE",
            "LONG-TAIL",
            "SHARE",
            "USERS",
            "EVALUATED"
        ]
    );
    assert!(lines[2].starts_with("item-based CF "), "{out}");
    assert!(lines[3].starts_with("EASE^R "), "{out}");
    assert!(lines[4].starts_with("popularity "), "{out}");
    assert!(lines[2..5].iter().all(|l| l.ends_with(" 24")), "{out}");
    assert!(lines[5].starts_with("chosen: "), "{out}");
    assert!(
        lines[5].ends_with(
            "on a tie the simpler model, in the order popularity, item-based CF, EASE^R)"
        ),
        "{out}"
    );
    assert!(
        lines[6]
            .contains("EASE^R: lambda 200, over the 11 items with at least 1 user (at most 2000)"),
        "{out}"
    );
}

#[test]
fn movielens_small_both_models_beat_popularity_and_ease_beats_item_based_by_15_percent() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/interactions_movielens_small.csv");
    if !path.exists() {
        eprintln!(
            "skipped: ../shared/data/interactions_movielens_small.csv is absent (the shared data folder)"
        );
        return;
    }
    let bytes = std::fs::read(&path).unwrap();
    let opts = LogOptions {
        user_col: "user".into(),
        item_col: "item".into(),
        time_col: Some("timestamp".into()),
        delimiter: b',',
        tz: chrono_tz::UTC,
    };
    let began = Instant::now();
    let log = parse_log(&bytes, &opts).unwrap();
    let read = began.elapsed();
    let report = backtest(&log, &BacktestOptions::default()).unwrap();
    let took = began.elapsed() - read;
    println!(
        "movielens small: {} interactions, {} users, {} items; read {:.2} s, backtest {:.2} s",
        report.interactions,
        report.users,
        report.items,
        read.as_secs_f64(),
        took.as_secs_f64()
    );
    for s in &report.models {
        println!(
            "{:<14} P@10 {:.4}  R@10 {:.4}  nDCG@10 {:.4}  coverage {:.2}% ({} items)  long tail {:.1}%",
            s.model.name(),
            s.precision,
            s.recall,
            s.ndcg,
            100.0 * s.coverage,
            s.items_recommended,
            100.0 * s.long_tail_share
        );
    }
    assert_eq!((report.interactions, report.users, report.items), (100_004, 671, 9_066));
    assert_eq!(report.users_evaluated, 671);
    let knn = report.score(ModelKind::ItemKnn).unwrap();
    let pop = report.score(ModelKind::Popularity).unwrap();
    assert!(knn.ndcg > pop.ndcg, "nDCG@10: item-based {:.4}, popularity {:.4}", knn.ndcg, pop.ndcg);
    assert!(
        knn.coverage >= 5.0 * pop.coverage,
        "coverage: item-based {:.4}, popularity {:.4}",
        knn.coverage,
        pop.coverage
    );
    let ease = report.score(ModelKind::Ease).unwrap();
    assert!(
        ease.ndcg >= 1.15 * knn.ndcg,
        "nDCG@10: EASE^R {:.4}, item-based {:.4}",
        ease.ndcg,
        knn.ndcg
    );
    assert!(
        ease.coverage >= 5.0 * pop.coverage,
        "coverage: EASE^R {:.4}, popularity {:.4}",
        ease.coverage,
        pop.coverage
    );
    assert_eq!(report.chosen, ModelKind::Ease);
}
