//! The sensor feeds: layout, service windows, seat states, comfort readings, arrivals.

use chrono::{Duration, Utc};

use super::{Feed, FeedOutcome, Ingest, IngestError};
use crate::domain::arrivals::bucket_start;
use crate::domain::layout::SeatEvent;
use crate::feeds::validate::Rejection;
use crate::feeds::{Capability, FetchError, SensorSource};
use crate::store::arrivals::BucketSource;
use crate::store::feeds::Success;
use crate::store::{self, to_ms};

/// Most buckets asked for in one arrivals request.
const ARRIVALS_PER_REQUEST: i64 = 4000;

impl Ingest {
    /// The source that serves `what` (a handle: its client is shared).
    fn source(&self, what: Capability) -> Result<SensorSource, IngestError> {
        Ok(self.sources.serving(what)?.clone())
    }

    pub(super) async fn layout(&mut self) -> Result<FeedOutcome, IngestError> {
        let update = self.source(Capability::Layout)?.layout().await?;
        let (stored, quarantined) = (update.seats.len() as u64, update.rejected.len() as u64);
        let complete = update.complete();
        let u = update.clone();
        let server_time = update.generated_at;
        self.db
            .run(move |s| {
                s.write(|tx| {
                    store::layout::apply(
                        tx,
                        &u.floors,
                        &u.zones,
                        &u.seats,
                        complete,
                        if u.without_positions {
                            store::layout::Positions::Unknown
                        } else {
                            store::layout::Positions::Given
                        },
                        to_ms(Utc::now()),
                    )?;
                    // The next seats fetch is a full one: states rejected earlier because their
                    // seat was unknown (or their record bad) are fetched again, now that the
                    // layout may know them. Once per layout refresh keeps the store self-healing.
                    store::feeds::reset_cursor(tx, Feed::Seats.name())?;
                    let success = Success {
                        server_time,
                        records_ok: stored,
                        records_quarantined: quarantined,
                        ..Default::default()
                    };
                    Ingest::record(tx, Feed::Layout, &u.rejected, &success)
                })
            })
            .await?;
        let known = self.known();
        known.seat_ids.extend(update.seats.iter().map(|s| s.id.clone()));
        known.zone_ids.extend(update.zones.iter().map(|z| z.id.clone()));
        if complete {
            known.seat_ids = update.seats.iter().map(|s| s.id.clone()).collect();
            known.zone_ids = update.zones.iter().map(|z| z.id.clone()).collect();
        }
        Ok(FeedOutcome::ok(Feed::Layout, stored, quarantined))
    }

    pub(super) async fn service_points(&mut self) -> Result<FeedOutcome, IngestError> {
        let update = self.source(Capability::ServicePoints)?.service_points().await?;
        let (stored, quarantined) = (update.points.len() as u64, update.rejected.len() as u64);
        let u = update.clone();
        self.db
            .run(move |s| {
                s.write(|tx| {
                    store::service_points::apply_report(
                        tx,
                        &u.points,
                        &u.staff_on_duty,
                        Utc::now(),
                    )?;
                    let success = Success {
                        server_time: Some(u.generated_at),
                        records_ok: stored,
                        records_quarantined: quarantined,
                        ..Default::default()
                    };
                    Ingest::record(tx, Feed::ServicePoints, &u.rejected, &success)
                })
            })
            .await?;
        self.known().window_ids.extend(update.points.into_iter().map(|p| p.id));
        Ok(FeedOutcome::ok(Feed::ServicePoints, stored, quarantined))
    }

    pub(super) async fn seats(&mut self) -> Result<FeedOutcome, IngestError> {
        if self.known().seat_ids.is_empty() {
            return Ok(FeedOutcome::skipped(Feed::Seats, "no layout yet"));
        }
        let cursor = self
            .db
            .run(|s| store::feeds::get(s.conn(), Feed::Seats.name()))
            .await?
            .and_then(|f| f.cursor);
        let known_ids = self.known().seat_ids.clone();
        let update = self.source(Capability::Seats)?.seats(cursor.as_deref(), &known_ids).await?;
        let known = self.known();
        let events: Vec<SeatEvent> = update
            .seats
            .iter()
            .filter(|s| known.seats.get(&s.id) != Some(&(s.state, s.since, s.sensor)))
            .map(|s| SeatEvent {
                seat_id: s.id.clone(),
                state: s.state,
                since: s.since,
                sensor: s.sensor,
                observed: update.generated_at,
            })
            .collect();
        let unknown_seats = update.rejected.iter().any(|r| r.reason.contains("unknown seat"));
        let (stored, quarantined) = (events.len() as u64, update.rejected.len() as u64);
        let (ev, rejected, cursor, server_time) =
            (events.clone(), update.rejected.clone(), update.cursor.clone(), update.generated_at);
        self.db
            .run(move |s| {
                s.write(|tx| {
                    store::seats::append_events(tx, &ev)?;
                    let success = Success {
                        cursor: Some(&cursor),
                        server_time: Some(server_time),
                        records_ok: stored,
                        records_quarantined: quarantined,
                    };
                    Ingest::record(tx, Feed::Seats, &rejected, &success)
                })
            })
            .await?;
        let known = self.known();
        for e in events {
            known.seats.insert(e.seat_id, (e.state, e.since, e.sensor));
        }
        if unknown_seats {
            // The building changed under us; the next layout fetch should not wait an hour.
            tracing::info!("seat states name unknown seats; fetching the layout again");
            self.layout_wanted = true;
        }
        Ok(FeedOutcome::ok(Feed::Seats, stored, quarantined))
    }

    pub(super) async fn environment(&mut self) -> Result<FeedOutcome, IngestError> {
        if self.known().zone_ids.is_empty() {
            return Ok(FeedOutcome::skipped(Feed::Environment, "no layout yet"));
        }
        let zones = self.known().zone_ids.clone();
        let u = self.source(Capability::Environment)?.environment(&zones).await?;
        let quarantined = u.rejected.len() as u64;
        let stored = self
            .db
            .run(move |s| {
                s.write(|tx| {
                    let n = store::environment::insert(tx, &u.samples)? as u64;
                    let success = Success {
                        server_time: Some(u.generated_at),
                        records_ok: n,
                        records_quarantined: quarantined,
                        ..Default::default()
                    };
                    Ingest::record(tx, Feed::Environment, &u.rejected, &success)?;
                    Ok::<_, crate::store::StoreError>(n)
                })
            })
            .await?;
        Ok(FeedOutcome::ok(Feed::Environment, stored, quarantined))
    }

    pub(super) async fn occupancy(&mut self) -> Result<FeedOutcome, IngestError> {
        if self.known().zone_ids.is_empty() {
            return Ok(FeedOutcome::skipped(Feed::Occupancy, "no layout yet"));
        }
        let known_zones = self.known().zone_ids.clone();
        let mut u = self.source(Capability::Occupancy)?.occupancy(&known_zones).await?;
        // A count of a zone the layout does not hold has nowhere to go.
        let zones = &self.known().zone_ids;
        let (known, unknown): (Vec<_>, Vec<_>) =
            u.zones.drain(..).partition(|z| zones.contains(&z.zone_id));
        u.zones = known;
        u.rejected.extend(unknown.into_iter().map(|z| Rejection {
            reason: format!("zone count: unknown zone {}", z.zone_id),
            record: serde_json::to_string(&z).unwrap_or_default(),
        }));
        let quarantined = u.rejected.len() as u64;
        let stored = self
            .db
            .run(move |s| {
                s.write(|tx| {
                    let n = store::occupancy::apply(tx, &u.zones)? as u64;
                    let success = Success {
                        server_time: Some(u.generated_at),
                        records_ok: n,
                        records_quarantined: quarantined,
                        ..Default::default()
                    };
                    Ingest::record(tx, Feed::Occupancy, &u.rejected, &success)?;
                    Ok::<_, crate::store::StoreError>(n)
                })
            })
            .await?;
        Ok(FeedOutcome::ok(Feed::Occupancy, stored, quarantined))
    }

    /// Refreshes every window's forecast from the stored arrivals.
    pub(super) async fn forecasts(&mut self) -> Result<FeedOutcome, IngestError> {
        let step = self.opts.forecast.step_s;
        let input = self
            .db
            .run(move |s| -> crate::store::StoreResult<_> {
                Ok((
                    store::arrivals::count(s.conn())?,
                    store::arrivals::latest_start(s.conn(), step, BucketSource::Sensor)?,
                ))
            })
            .await?;
        if self.forecast_input == Some(input) {
            // The forecasts on record are current: this round succeeded without work, and
            // says so, or forecasts would look stale whenever no new arrivals come in (a
            // closed library, a frozen simulator).
            self.forecasts_done(0).await?;
            return Ok(FeedOutcome::skipped(
                Feed::Forecasts,
                "no new arrivals since the last forecast",
            ));
        }
        let offset = self
            .db
            .run(|s| store::feeds::get(s.conn(), Feed::ServicePoints.name()))
            .await?
            .and_then(|f| f.server_offset_ms);
        let now = Utc::now() + Duration::milliseconds(offset.unwrap_or(0));
        let done = crate::engine::forecasts::refresh(&self.db, self.opts.forecast, now)
            .await
            .map_err(|e| FetchError::Other(e.to_string()))?;
        if done.forecast.is_empty() {
            // Nothing to forecast yet (no windows, or too little history at a new site) is the
            // round doing its job, not an outage: it is recorded as a success with nothing
            // stored, so `carrel status` does not call the engine stale for weeks. Why there
            // is nothing goes to the log and to `sync --follow`.
            let why = done
                .skipped
                .first()
                .map_or_else(|| "no windows yet".to_owned(), |(w, e)| format!("{w}: {e}"));
            self.forecasts_done(0).await?;
            return Ok(FeedOutcome::skipped(Feed::Forecasts, &why));
        }
        let n = done.forecast.len() as u64;
        self.forecast_input = Some(input);
        self.forecasts_done(n).await?;
        Ok(FeedOutcome::ok(Feed::Forecasts, n, 0))
    }

    /// Records a forecast round that ran, with the forecasts it stored (none is still a round
    /// done: the engine is not stale).
    async fn forecasts_done(&self, stored: u64) -> Result<(), IngestError> {
        let done = Success { records_ok: stored, ..Default::default() };
        self.db
            .run(move |s| {
                s.write(|tx| {
                    store::feeds::record_success(tx, Feed::Forecasts.name(), Utc::now(), &done)
                })
            })
            .await?;
        Ok(())
    }

    /// Fetches arrivals from the last stored bucket (or `arrivals_history_days` back) up to
    /// the API's now, in requests of at most [`ARRIVALS_PER_REQUEST`] buckets, each stored in
    /// its own transaction so an interrupted backfill resumes where it stopped.
    pub(super) async fn arrivals(&mut self) -> Result<FeedOutcome, IngestError> {
        let windows = self.known().window_ids.clone();
        if windows.is_empty() {
            return Ok(FeedOutcome::skipped(Feed::Arrivals, "no service windows yet"));
        }
        let step = self.opts.arrivals_step_s;
        let history = Duration::days(i64::from(self.opts.arrivals_history_days));
        let (latest, offset) = self
            .db
            .run(move |s| -> crate::store::StoreResult<_> {
                let latest = store::arrivals::latest_start(s.conn(), step, BucketSource::Sensor)?;
                let offset = store::feeds::get(s.conn(), Feed::ServicePoints.name())?
                    .and_then(|f| f.server_offset_ms);
                Ok((latest, offset))
            })
            .await?;
        let server_now = Utc::now() + Duration::milliseconds(offset.unwrap_or(0));
        let mut from = latest.unwrap_or_else(|| bucket_start(server_now - history, step));
        let span = Duration::seconds(
            i64::from(step) * (ARRIVALS_PER_REQUEST / windows.len() as i64).max(1),
        );
        let source = self.source(Capability::Arrivals)?;
        let (mut stored, mut quarantined) = (0u64, 0u64);
        while from < server_now {
            let to = (from + span).min(server_now);
            let u = source.arrivals(from, to, step, &windows).await?;
            let (n, q) = (u.buckets.len() as u64, u.rejected.len() as u64);
            self.db
                .run(move |s| {
                    s.write(|tx| {
                        store::arrivals::upsert(tx, &u.buckets, BucketSource::Sensor)?;
                        let success =
                            Success { records_ok: n, records_quarantined: q, ..Default::default() };
                        Ingest::record(tx, Feed::Arrivals, &u.rejected, &success)
                    })
                })
                .await?;
            stored += n;
            quarantined += q;
            from = to;
        }
        Ok(FeedOutcome::ok(Feed::Arrivals, stored, quarantined))
    }
}
