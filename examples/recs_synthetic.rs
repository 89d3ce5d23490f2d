//! Training time and memory of the local recommenders on a synthetic library of 50,000 titles,
//! 100,000 patrons and 2,000,000 loans, the same every run (a fixed seed).
//!
//! ```sh
//! cargo build --release --example recs_synthetic
//! /usr/bin/time -v target/release/examples/recs_synthetic ease       # EASE^R (the default)
//! /usr/bin/time -v target/release/examples/recs_synthetic item-knn   # item-based CF
//! ```
//!
//! The log's shape. A loan's title is drawn with a chance proportional to 1/rank (Zipf with
//! exponent 1, as circulation counts roughly fall: the top 20% of titles take 86% of the loans,
//! the most borrowed about 175,000 of them, the least about 3.5). A loan's patron is drawn with a
//! chance proportional to an activity weight drawn once per patron from an exponential
//! distribution, so loans per patron are geometric with a mean of 20: many light borrowers, a
//! few heavy ones (a few hundred loans). Title and patron are drawn independently; a patron who
//! draws a title twice has re-borrowed it, and the models count it once. There are no tastes to
//! find, which changes what the models would recommend, not what building them costs: EASE^R's
//! cost is the kept items cubed, the item-based model's the pairs of items each patron shares.
//!
//! Prints the log's size, then the time to group the loans by patron and the time to build the
//! model. `/usr/bin/time -v` adds the whole process's wall time and peak RSS.
#![allow(clippy::unwrap_used)] // A measurement that cannot run should stop loudly.

use std::time::Instant;

use carrel::domain::recs::{Ease, EaseParams, Interactions, ItemKnn, ItemKnnParams};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const TITLES: usize = 50_000;
const PATRONS: usize = 100_000;
const LOANS: usize = 2_000_000;
const SEED: u64 = 19;

/// Running totals of `weights`, for drawing an index with a chance proportional to its weight.
fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    weights
        .scan(0.0, |total, w| {
            *total += w;
            Some(*total)
        })
        .collect()
}

/// An index drawn from `totals` (running totals of the weights).
fn draw(totals: &[f64], rng: &mut ChaCha8Rng) -> u32 {
    let x = rng.r#gen::<f64>() * totals[totals.len() - 1];
    totals.partition_point(|t| *t <= x).min(totals.len() - 1) as u32
}

fn main() {
    let model = std::env::args().nth(1).unwrap_or_else(|| "ease".to_owned());
    if model != "ease" && model != "item-knn" {
        eprintln!("usage: recs_synthetic [ease|item-knn]");
        std::process::exit(2);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let titles = cumulative((1..=TITLES).map(|rank| 1.0 / rank as f64));
    // Exponential activity weights: −ln(1 − u) for u uniform in [0, 1).
    let patrons = cumulative((0..PATRONS).map(|_| -(1.0 - rng.r#gen::<f64>()).ln()));
    let loans: Vec<(u32, u32)> =
        (0..LOANS).map(|_| (draw(&patrons, &mut rng), draw(&titles, &mut rng))).collect();

    let started = Instant::now();
    let data = Interactions::from_pairs(loans);
    let grouped = started.elapsed();
    let counts = data.item_counts();
    println!(
        "{LOANS} loans: {} distinct (patron, title) pairs, {} patrons, {} titles; the most \
         borrowed title has {} patrons; grouped in {:.2} s",
        data.pairs(),
        data.users(),
        data.items().len(),
        counts.iter().max().unwrap(),
        grouped.as_secs_f64()
    );

    let started = Instant::now();
    if model == "ease" {
        let m = Ease::fit(&data, EaseParams::default());
        println!(
            "EASE^R (lambda {}, at most {} items): {} items kept, each with at least {} patrons; \
             built in {:.2} s",
            m.params().lambda,
            m.params().max_items,
            m.items(),
            m.min_users(),
            started.elapsed().as_secs_f64()
        );
    } else {
        let m = ItemKnn::fit(&data, ItemKnnParams::default());
        println!(
            "item-based CF ({} neighbours per item): {} items; built in {:.2} s",
            m.params().neighbours,
            m.items(),
            started.elapsed().as_secs_f64()
        );
    }
}
