//! Sync against the real simulator on an ephemeral loopback port: full and incremental sync,
//! and the ingest's behaviour under every fault profile.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use carrel::domain::api::{FloorDto, SeatDto, SeatStatus, ZoneDto};
use carrel::domain::layout::SeatState;
use carrel::engine::ingest::Feed;
use carrel::sim::FaultPlan;
use carrel::store::{self, lease::Claim};
use common::*;
use serde_json::Value;

const MIB: u64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_then_incremental_sync_matches_the_simulator() {
    let sim = frozen_sim(11, "none").await;
    let dir = tempfile::tempdir().unwrap();
    let (mut ingest, db) = ingest(&dir, &sim.base_url(), Duration::from_secs(5), 16 * MIB);
    assert!(matches!(ingest.claim_lease().await.unwrap(), Claim::Held(_)));
    let outcomes = ingest.sync_once().await;
    for o in &outcomes {
        if o.feed == "engine.recs" {
            // A new database has no loans to choose a recommender from.
            assert_eq!(o.skipped.as_deref(), Some("no loans are linked to patrons yet"), "{o:?}");
            continue;
        }
        assert!(o.error.is_none() && o.skipped.is_none(), "{o:?}");
    }

    let page = get_json(&sim.base_url(), "/v1/seats").await;
    let sim_states: HashMap<String, SeatStatus> = page["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| serde_json::from_value::<SeatStatus>(v.clone()).unwrap())
        .map(|s| (s.id.clone(), s))
        .collect();
    assert_eq!(sim_states.len(), 600);
    let stored = db.run(|s| store::seats::latest_states(s.conn()).unwrap()).await;
    assert_eq!(stored.len(), sim_states.len());
    for (id, s) in &sim_states {
        assert_eq!(stored[id], (s.state, s.since, s.sensor), "seat {id}");
    }
    let windows = get_json(&sim.base_url(), "/v1/service-points").await;
    let stored_windows = db.run(|s| store::service_points::list(s.conn()).unwrap()).await;
    assert_eq!(stored_windows.len(), windows["service_points"].as_array().unwrap().len());
    assert!(db.run(|s| store::catalog::item_count(s.conn()).unwrap()).await > 0);
    assert!(db.run(|s| store::arrivals::count(s.conn()).unwrap()).await > 0);

    // Incremental: nothing changed in a frozen library, so nothing is written...
    let cursor_before =
        db.run(|s| store::feeds::get(s.conn(), "sensor.seats").unwrap()).await.unwrap().cursor;
    let again = ingest.fetch(Feed::Seats).await;
    assert_eq!((again.stored, again.error.clone()), (0, None), "{again:?}");

    // ...and releasing a ghost seat changes exactly that seat, fetched with the cursor.
    let away =
        sim_states.values().find(|s| s.state == SeatState::Away).expect("an away seat").id.clone();
    let client = reqwest::Client::new();
    let resp =
        client.post(format!("{}/v1/seats/{away}/release", sim.base_url())).json_body_empty().await;
    assert_eq!(resp, 200);
    let after = ingest.fetch(Feed::Seats).await;
    assert_eq!((after.stored, after.quarantined), (1, 0), "{after:?}");
    let cursor_after =
        db.run(|s| store::feeds::get(s.conn(), "sensor.seats").unwrap()).await.unwrap().cursor;
    assert_ne!(cursor_before, cursor_after);
    let stored = db.run(|s| store::seats::latest_states(s.conn()).unwrap()).await;
    assert_eq!(stored[&away].0, SeatState::Free);

    // Forecasting again over the same arrivals does no work and records that the forecasts on
    // record are current, so they do not look stale while no new arrivals come in.
    let forecasts = || db.run(|s| store::feeds::get(s.conn(), "engine.forecasts").unwrap());
    let first = forecasts().await.unwrap();
    let again = ingest.fetch(Feed::Forecasts).await;
    assert!(again.skipped.is_some(), "{again:?}");
    let second = forecasts().await.unwrap();
    assert!(second.last_success > first.last_success, "{first:?} {second:?}");
    assert_eq!(second.records_ok, first.records_ok);
    sim.shutdown().await;
}

/// The local recommenders' job: once loans are linked to patrons it backtests the models on
/// them, records the one with the highest nDCG@10 with an audit entry, and the desk's fallback
/// then serves from that model, named in its provenance; unchanged loans are not backtested
/// again, new ones are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_recommender_is_chosen_from_the_sites_loans_and_used_at_the_desk() {
    use carrel::domain::recs::ModelKind;
    use carrel::store::activity::{Loan, write_loan};
    let sim = frozen_sim(12, "none").await;
    let dir = tempfile::tempdir().unwrap();
    let (mut ingest, db) = ingest(&dir, &sim.base_url(), Duration::from_secs(5), 16 * MIB);
    ingest.claim_lease().await.unwrap();
    // Two shelves no patron mixes: patrons 0-9 borrow from a0..a5, 10-19 from b0..b5, three
    // loans each, one a day.
    let loans = |from: u32, to: u32| -> Vec<Loan> {
        let t0 = chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        (from..to)
            .flat_map(|p| {
                let shelf = if p < 10 { "a" } else { "b" };
                (0..3).map(move |n| Loan {
                    pseudonym: format!("p{p:02}"),
                    item_id: format!("{shelf}{}", (p + n * 2) % 6),
                    loaned: t0 + chrono::Duration::days(i64::from(p * 3 + n)),
                    returned: None,
                })
            })
            .collect()
    };
    let write = |rows: Vec<Loan>| {
        db.run(move |s| {
            s.write(|tx| {
                for l in &rows {
                    write_loan(tx, l)?;
                }
                Ok::<_, store::StoreError>(())
            })
            .unwrap()
        })
    };
    write(loans(0, 20)).await;
    let first = ingest.fetch(Feed::LocalRecs).await;
    assert_eq!((first.stored, first.error.clone(), first.skipped.clone()), (1, None, None));
    let choice = db.run(|s| store::local_recs::get(s.conn()).unwrap()).await.unwrap();
    assert_eq!(choice.loans, 60);
    assert_eq!(choice.users_evaluated, 20);
    let model = ModelKind::from_key(&choice.model).unwrap();
    let entries = db
        .run(|s| {
            let mut all = Vec::new();
            store::audit::for_each(s.conn(), |e| all.push(e.clone())).unwrap();
            all
        })
        .await;
    let logged: Vec<_> = entries.iter().filter(|e| e.entry.action == "recs.choose").collect();
    assert_eq!(logged.len(), 1);
    assert!(logged[0].entry.details.contains(&format!("\"model\":\"{}\"", choice.model)));

    // The desk's fallback uses it, by name, for a patron of shelf a: only a-items come back
    // from the collaborative models (popularity tops up after them).
    let served = db
        .run(|s| {
            carrel::engine::desk::served(s, "p03", 3, Err("the recommendation API is down".into()))
        })
        .await
        .unwrap();
    assert_eq!(served.provenance.model_version, format!("carrel {}", model.spoken()));
    assert_eq!(served.provenance.training_mode, "local loans, chosen by backtest");
    assert_eq!(served.items.len(), 3);

    // Unchanged loans: no new backtest, the round still counts as done.
    let again = ingest.fetch(Feed::LocalRecs).await;
    assert_eq!(again.skipped.as_deref(), Some("no change in the loans since the last choice"));
    // New loans: a new choice, over all of them.
    write(loans(20, 24)).await;
    let after = ingest.fetch(Feed::LocalRecs).await;
    assert_eq!(after.stored, 1, "{after:?}");
    let choice = db.run(|s| store::local_recs::get(s.conn()).unwrap()).await.unwrap();
    assert_eq!(choice.loans, 72);
    sim.shutdown().await;
}

/// POST with an empty JSON object, returning the status.
trait PostEmpty {
    async fn json_body_empty(self) -> u16;
}

impl PostEmpty for reqwest::RequestBuilder {
    async fn json_body_empty(self) -> u16 {
        self.header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

/// Runs three rounds of every feed against a faulty simulator, then turns the faults off and
/// checks the console recovers to exactly the simulator's state. Returns the feed states seen
/// while faulty.
async fn survive(profile: &str) -> Vec<carrel::domain::freshness::FeedState> {
    let sim = frozen_sim(5, profile).await;
    let dir = tempfile::tempdir().unwrap();
    // A short timeout and a small cap make the timeout and oversized faults bite quickly.
    let (mut ingest, db) = ingest(&dir, &sim.base_url(), Duration::from_millis(1500), 4 * MIB);
    ingest.claim_lease().await.unwrap();
    for _ in 0..3 {
        ingest.sync_once().await;
    }
    let faulty = db.run(|s| store::feeds::all(s.conn()).unwrap()).await;
    db.run(|s| assert_no_control_bytes(s)).await;

    sim.set_faults(FaultPlan::none());
    for o in ingest.sync_once().await {
        assert!(o.error.is_none(), "{profile}: after the faults stop, {o:?}");
    }
    let page = get_json(&sim.base_url(), "/v1/seats").await;
    let stored = db.run(|s| store::seats::latest_states(s.conn()).unwrap()).await;
    for v in page["seats"].as_array().unwrap() {
        let s: SeatStatus = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(
            stored.get(&s.id),
            Some(&(s.state, s.since, s.sensor)),
            "{profile}: seat {}",
            s.id
        );
    }
    db.run(|s| assert_no_control_bytes(s)).await;
    sim.shutdown().await;
    faulty
}

fn assert_failed_with(
    states: &[carrel::domain::freshness::FeedState],
    profile: &str,
    needle: &str,
) {
    assert!(
        states.iter().any(|f| f.last_error.as_deref().is_some_and(|e| e.contains(needle))),
        "{profile}: no feed recorded an error containing {needle:?}: {states:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_server_errors() {
    let states = survive("errors").await;
    assert_failed_with(&states, "errors", "HTTP 5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_timeouts() {
    let states = survive("timeout").await;
    assert_failed_with(&states, "timeout", "timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_malformed_json() {
    let states = survive("malformed").await;
    assert_failed_with(&states, "malformed", "malformed answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_truncated_bodies() {
    let states = survive("truncated").await;
    assert_failed_with(&states, "truncated", "malformed answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_oversized_bodies() {
    let states = survive("oversized").await;
    assert_failed_with(&states, "oversized", "larger than");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_latency() {
    survive("latency").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_hostile_strings() {
    survive("hostile").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_bad_records() {
    let states = survive("bad-records").await;
    assert!(states.iter().any(|f| f.records_quarantined > 0), "{states:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_chaos() {
    survive("chaos").await;
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b".:_-".contains(&b))
}

/// The seats a layout page holds that a careful client must keep, judged here independently
/// of the feed's own validation; and how many records it must reject.
fn expected_layout(page: &Value) -> (HashSet<String>, usize) {
    let mut good = HashSet::new();
    let mut bad = 0;
    let mut cells = HashSet::new();
    for f in page["floors"].as_array().unwrap() {
        let Ok(floor) = serde_json::from_value::<FloorDto<Value>>(f.clone()) else {
            bad += 1;
            continue;
        };
        if !valid_id(&floor.id) {
            bad += 1;
            continue;
        }
        for z in &floor.zones {
            match serde_json::from_value::<ZoneDto<Value>>(z.clone()) {
                Ok(zone) if valid_id(&zone.id) => {
                    for s in &zone.seats {
                        match serde_json::from_value::<SeatDto>(s.clone()) {
                            Ok(seat)
                                if valid_id(&seat.id)
                                    && seat.x <= 10_000
                                    && seat.y <= 10_000
                                    && !good.contains(&seat.id)
                                    && cells.insert((floor.id.clone(), seat.x, seat.y)) =>
                            {
                                good.insert(seat.id);
                            }
                            _ => bad += 1,
                        }
                    }
                }
                _ => bad += 1,
            }
        }
    }
    (good, bad)
}

/// Replays the ingest's first requests against a second simulator with the same seed and
/// faults (fault decisions follow the request number), and checks that every good record was
/// stored and every bad one quarantined.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_good_record_is_stored_and_every_bad_one_quarantined() {
    let sim = frozen_sim(21, "bad-records").await;
    let twin = frozen_sim(21, "bad-records").await;
    let dir = tempfile::tempdir().unwrap();
    let (mut ingest, db) = ingest(&dir, &sim.base_url(), Duration::from_secs(5), 16 * MIB);
    ingest.claim_lease().await.unwrap();
    assert!(ingest.fetch(Feed::Layout).await.error.is_none());
    assert!(ingest.fetch(Feed::ServicePoints).await.error.is_none());
    assert!(ingest.fetch(Feed::Seats).await.error.is_none());

    let layout = get_json(&twin.base_url(), "/v1/layout").await;
    let _windows = get_json(&twin.base_url(), "/v1/service-points").await;
    let seats = get_json(&twin.base_url(), "/v1/seats").await;

    let (good_seats, bad_layout) = expected_layout(&layout);
    assert!(bad_layout > 0, "the fault profile should have broken some layout records");
    let stored_ids = db.run(|s| store::layout::active_ids(s.conn(), "seats").unwrap()).await;
    let missing: Vec<_> = good_seats.difference(&stored_ids).collect();
    let extra: Vec<_> = stored_ids.difference(&good_seats).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "good seats not stored: {missing:?}; stored but bad: {extra:?}"
    );

    let mut good_states = HashMap::new();
    let mut bad_states = 0;
    for v in seats["seats"].as_array().unwrap() {
        match serde_json::from_value::<SeatStatus>(v.clone()) {
            Ok(s)
                if valid_id(&s.id)
                    && good_seats.contains(&s.id)
                    && !good_states.contains_key(&s.id) =>
            {
                good_states.insert(s.id.clone(), (s.state, s.since, s.sensor));
            }
            _ => bad_states += 1,
        }
    }
    let stored = db.run(|s| store::seats::latest_states(s.conn()).unwrap()).await;
    assert_eq!(stored, good_states);

    let quarantined = db.run(|s| store::quarantine::counts(s.conn()).unwrap()).await;
    assert_eq!(quarantined.get("sensor.layout").copied().unwrap_or(0), bad_layout as u64);
    assert_eq!(quarantined.get("sensor.seats").copied().unwrap_or(0), bad_states as u64);
    let rejected = db.run(|s| store::quarantine::recent(s.conn(), 10_000).unwrap()).await;
    assert!(rejected.iter().all(|r| !r.reason.is_empty() && !r.record.is_empty()));
    sim.shutdown().await;
    twin.shutdown().await;
}

/// Hostile text is cleaned, not dropped: every seat of the layout is stored, its label free of
/// control characters and cut to length.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_labels_are_cleaned_and_kept() {
    let sim = frozen_sim(8, "sensor:hostile").await;
    let twin = frozen_sim(8, "sensor:hostile").await;
    let dir = tempfile::tempdir().unwrap();
    let (mut ingest, db) = ingest(&dir, &sim.base_url(), Duration::from_secs(5), 16 * MIB);
    ingest.claim_lease().await.unwrap();
    assert!(ingest.fetch(Feed::Layout).await.error.is_none());
    let layout = get_json(&twin.base_url(), "/v1/layout").await;
    let raw_labels: Vec<String> = layout["floors"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["zones"].as_array().unwrap().iter())
        .flat_map(|z| z["seats"].as_array().unwrap().iter())
        .map(|s| s["label"].as_str().unwrap().to_owned())
        .collect();
    assert!(raw_labels.iter().any(|l| l.contains('\u{1b}')), "the profile should send escapes");
    let seats = db.run(|s| store::seats::current(s.conn(), &Default::default()).unwrap()).await;
    assert_eq!(seats.len(), raw_labels.len());
    for s in &seats {
        assert!(s.label.chars().count() <= 200, "{:?}", s.label);
    }
    db.run(|s| assert_no_control_bytes(s)).await;
    sim.shutdown().await;
    twin.shutdown().await;
}

/// An API that goes away leaves the last data in place, with the failure and its age recorded
/// for the status line; when it comes back the feed recovers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_that_goes_away_leaves_stale_data_with_its_age() {
    let sim = frozen_sim(3, "none").await;
    let url = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let (mut ingest, db) = ingest(&dir, &url, Duration::from_secs(2), 16 * MIB);
    ingest.claim_lease().await.unwrap();
    assert!(ingest.fetch(Feed::Layout).await.error.is_none());
    assert!(ingest.fetch(Feed::Seats).await.error.is_none());
    let before = db.run(|s| store::feeds::get(s.conn(), "sensor.seats").unwrap()).await.unwrap();
    sim.shutdown().await;

    let down = ingest.fetch(Feed::Seats).await;
    assert!(down.error.as_deref().is_some_and(|e| e.starts_with("cannot connect")), "{down:?}");
    let after = db.run(|s| store::feeds::get(s.conn(), "sensor.seats").unwrap()).await.unwrap();
    assert_eq!(after.consecutive_failures, 1);
    assert_eq!(after.last_success, before.last_success, "the age runs from the last success");
    assert!(after.last_attempt > before.last_attempt);
    let seats = db.run(|s| store::seats::latest_states(s.conn()).unwrap()).await;
    assert_eq!(seats.len(), 600, "the last known states stay");
}

/// Every test above, again with its databases on PostgreSQL.
#[test]
fn the_same_tests_on_postgres() {
    common::backend::rerun_on_postgres("the_same_tests_on_postgres");
}
