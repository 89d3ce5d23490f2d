//! The runtime: one `select!` loop over terminal events, a one-second tick, database-change
//! polling, effect results and termination signals. It feeds messages to `update`, carries
//! out the effects it returns on background tasks, and redraws only when something visible
//! changed, at most once every 16 ms. The loop never awaits the network or the database
//! itself; that work runs on tasks and comes back as messages.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};

use super::load::Loader;
use super::msg::{Effect, Msg};
use super::state::State;
use super::terminal;
use super::update::update;
use crate::engine::SharedStore;
use crate::engine::actions;
use crate::engine::ingest::Ingest;
use crate::feeds::Sources;
use crate::feeds::recs::RecsClient;
use crate::services::identity::Actor;
use crate::services::reads;
use crate::store::Store;

/// Shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);

/// Everything the console runs with.
pub struct Console {
    pub state: State,
    pub db: SharedStore,
    pub loader: Loader,
    /// Where the actions are carried out (the same sources the ingest fetches from).
    pub sources: Sources,
    pub actor: Actor,
    /// The feeds, when this console should run them (it ingests while it holds the lease).
    pub ingest: Option<Ingest>,
    pub desk: Desk,
}

/// What the Patrons tab's lookups and recommendations run with.
pub struct Desk {
    /// The patron keys, or why they could not be loaded (the tab says so).
    pub keys: Result<crate::domain::crypto::Keys, String>,
    pub settings: crate::services::desk::DeskSettings,
    pub recs: Option<RecsClient>,
    /// How many recommendations to show.
    pub recommendations: u32,
    /// On a demo database, cards of its made-up patrons, the first of which the directory
    /// holds is suggested on the Patrons tab; empty elsewhere.
    pub demo_cards: Vec<String>,
}

impl Desk {
    /// A desk that cannot look anyone up, for `why`.
    pub fn unavailable(why: impl Into<String>) -> Desk {
        Desk {
            keys: Err(why.into()),
            settings: crate::services::desk::DeskSettings {
                consent_mode: Default::default(),
                weights: Default::default(),
                half_life: chrono::Duration::days(90),
                zone_subjects: Default::default(),
            },
            recs: None,
            recommendations: 10,
            demo_cards: vec![],
        }
    }
}

/// Which loads are running and which are wanted again, so a burst of changes costs one
/// reload per tab rather than one per change.
#[derive(Default)]
struct Loads {
    seats: (bool, bool),
    queues: (bool, bool),
    system: (bool, bool),
    governance: (bool, bool),
}

pub async fn run(console: Console) -> std::io::Result<()> {
    let Console { mut state, db, loader, sources, actor, ingest, desk } = console;
    let (mut term, _guard) = terminal::enter()?;
    let size = term.size()?;
    state.size = (size.width, size.height);

    let mut feeds = Feeds::start(ingest);
    let (mut exec, mut rx) = Executor::new(db, loader, sources, actor, desk);
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut poll = tokio::time::interval(Duration::from_secs(1));
    poll.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let (mut term_sig, mut hup_sig) = signals();
    let mut last_draw = Instant::now() - FRAME;

    let mut pending = first_loads(&state);
    loop {
        for effect in pending.drain(..) {
            match effect {
                Effect::Quit => state.quit = true,
                e => exec.execute(e),
            }
        }
        if state.quit {
            break;
        }
        if state.redraw && last_draw.elapsed() >= FRAME {
            terminal::draw(&mut term, &state)?;
            state.redraw = false;
            last_draw = Instant::now();
        }
        let redraw_at = last_draw + FRAME;
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => Msg::Key(k),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                // The terminal went away (e.g. the SSH session closed).
                Some(Err(_)) | None => Msg::Terminate,
            },
            _ = tick.tick() => Msg::Tick(Utc::now()),
            _ = poll.tick() => {
                for msg in exec.look_for_changes().await {
                    pending.extend(update(&mut state, msg));
                }
                continue;
            }
            Some(msg) = rx.recv() => {
                exec.received(&msg, &mut pending);
                msg
            }
            () = feeds.wrote() => Msg::DataChanged,
            _ = term_sig.recv() => Msg::Terminate,
            _ = hup_sig.recv() => Msg::Terminate,
            _ = tokio::time::sleep_until(redraw_at), if state.redraw => continue,
        };
        pending.extend(update(&mut state, msg));
    }

    feeds.stop().await;
    drop(term);
    Ok(())
}

/// What a console loads as it opens: the Seats tab, and the badges the viewer may see.
pub(crate) fn first_loads(state: &State) -> Vec<Effect> {
    let mut pending = vec![Effect::LoadSeats];
    if state.viewer.sees_alerts() {
        pending.push(Effect::CountAlerts);
    }
    if state.viewer.may(crate::domain::policy::Permission::ViewRequests) {
        // For the Governance tab's badge.
        pending.push(Effect::LoadGovernance);
    }
    pending
}

/// The feeds a console runs while it holds the ingest lease, and word of each write.
pub(crate) struct Feeds {
    stop: watch::Sender<bool>,
    /// The ingest says when it wrote, so its data shows at once rather than at the next poll.
    ingested: Option<watch::Receiver<u64>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Feeds {
    pub(crate) fn start(ingest: Option<Ingest>) -> Feeds {
        let (stop, stopped) = watch::channel(false);
        let ingested = ingest.as_ref().map(Ingest::subscribe);
        let task = ingest.map(|mut i| tokio::spawn(async move { i.follow(stopped).await }));
        Feeds { stop, ingested, task }
    }

    /// Returns when the ingest wrote; never, when this console runs no feeds.
    pub(crate) async fn wrote(&mut self) {
        let ended = match self.ingested.as_mut() {
            Some(rx) => rx.changed().await.is_err(),
            None => true,
        };
        if ended {
            // No ingest, or it stopped: nothing more will come.
            self.ingested = None;
            std::future::pending::<()>().await;
        }
    }

    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task {
            // The ingest releases its lease on the way out; do not wait on a hung API for long.
            let _ = tokio::time::timeout(Duration::from_secs(3), task).await;
        }
    }
}

/// A load came back: if another was wanted meanwhile, run it now.
fn finish(flags: &mut (bool, bool), pending: &mut Vec<Effect>, again: Effect) {
    flags.0 = false;
    if std::mem::take(&mut flags.1) {
        pending.push(again);
    }
}

pub(crate) fn signals() -> (tokio::signal::unix::Signal, tokio::signal::unix::Signal) {
    use tokio::signal::unix::{SignalKind, signal};
    // Registering a handler for these cannot fail on a Unix system with a working runtime;
    // without them the default action would still end the process.
    let term =
        signal(SignalKind::terminate()).unwrap_or_else(|e| panic!("cannot watch SIGTERM: {e}"));
    let hup = signal(SignalKind::hangup()).unwrap_or_else(|e| panic!("cannot watch SIGHUP: {e}"));
    (term, hup)
}

/// Where a single-flight load stands: running, and wanted again meanwhile. Starting one that
/// is running only marks it wanted; [`finish`] runs it again when the first comes back.
fn begin(flags: &mut (bool, bool)) -> bool {
    if std::mem::replace(&mut flags.0, true) {
        flags.1 = true;
        return false;
    }
    true
}

/// The one shape of the effects: `work` runs with the store on the blocking pool, off the
/// screen's task, and `reply` turns its result (an error as its text) into the message to send,
/// if any. The screen never waits on the database.
fn on_store<T, E>(
    db: SharedStore,
    tx: Reply,
    work: impl FnOnce(&mut Store) -> Result<T, E> + Send + 'static,
    reply: impl FnOnce(Result<T, String>) -> Option<Msg> + Send + 'static,
) where
    T: Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    tokio::spawn(async move {
        let result = db.run(work).await.map_err(|e| e.to_string());
        if let Some(msg) = reply(result) {
            let _ = tx.send(msg);
        }
    });
}

/// A failed load as the message that marks it finished.
fn load_failed(load: Option<Effect>) -> impl FnOnce(String) -> Msg {
    move |error| Msg::LoadFailed { load, error }
}

/// A failed write that has no message of its own, said on the status line.
fn unlogged(what: &'static str) -> impl FnOnce(Result<(), String>) -> Option<Msg> {
    move |r| r.err().map(|e| Msg::LoadFailed { load: None, error: format!("{what}: {e}") })
}

/// Carries out effects on tasks and says when they are all done; their results come back as
/// messages on the receiver [`Executor::new`] returns. The full-screen and the plain console
/// share it, so an action is carried out the same way whichever the user sees.
pub(crate) struct Executor {
    tx: mpsc::UnboundedSender<Msg>,
    db: SharedStore,
    loader: Arc<Loader>,
    sources: Arc<Sources>,
    actor: Arc<Actor>,
    desk: Arc<Desk>,
    loads: Loads,
    /// Effects whose tasks have not finished.
    running: Arc<AtomicUsize>,
    data_version: Option<i64>,
}

/// Counts a task as running until it is dropped, after it sent its message.
struct Running(Arc<AtomicUsize>);

/// Where an effect's task sends its message; the task counts as running while it holds it.
struct Reply {
    tx: mpsc::UnboundedSender<Msg>,
    _running: Running,
}

impl Reply {
    fn send(&self, msg: Msg) -> Result<(), mpsc::error::SendError<Msg>> {
        self.tx.send(msg)
    }
}

impl Running {
    fn start(count: &Arc<AtomicUsize>) -> Running {
        count.fetch_add(1, Ordering::SeqCst);
        Running(Arc::clone(count))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Executor {
    pub(crate) fn new(
        db: SharedStore,
        loader: Loader,
        sources: Sources,
        actor: Actor,
        desk: Desk,
    ) -> (Executor, mpsc::UnboundedReceiver<Msg>) {
        let (tx, rx) = mpsc::unbounded_channel::<Msg>();
        let exec = Executor {
            tx,
            db,
            loader: Arc::new(loader),
            sources: Arc::new(sources),
            actor: Arc::new(actor),
            desk: Arc::new(desk),
            loads: Loads::default(),
            running: Arc::new(AtomicUsize::new(0)),
            data_version: None,
        };
        (exec, rx)
    }

    /// Whether an effect is still being carried out (its message may not have come yet).
    pub(crate) fn busy(&self) -> bool {
        self.running.load(Ordering::SeqCst) > 0
    }

    /// A message came back: a load it ends is finished, and runs again if it was wanted
    /// meanwhile (a failed read ends its load too, or the tab would never load again).
    pub(crate) fn received(&mut self, msg: &Msg, pending: &mut Vec<Effect>) {
        let loads = &mut self.loads;
        match msg {
            Msg::SeatsLoaded(..) | Msg::LoadFailed { load: Some(Effect::LoadSeats), .. } => {
                finish(&mut loads.seats, pending, Effect::LoadSeats)
            }
            Msg::SystemLoaded(..) | Msg::LoadFailed { load: Some(Effect::LoadSystem), .. } => {
                finish(&mut loads.system, pending, Effect::LoadSystem)
            }
            Msg::QueuesLoaded(..) | Msg::LoadFailed { load: Some(Effect::LoadQueues), .. } => {
                finish(&mut loads.queues, pending, Effect::LoadQueues)
            }
            Msg::GovernanceLoaded(..) => {
                finish(&mut loads.governance, pending, Effect::LoadGovernance)
            }
            _ => {}
        }
    }

    /// Asks the database whether anything changed since the last look: whether it answered,
    /// and a change after the first look. Unreachable, the console keeps what it shows.
    pub(crate) async fn look_for_changes(&mut self) -> Vec<Msg> {
        let version = self.db.run(|s| reads::data_version(s).map_err(|e| e.to_string())).await.ok();
        let Some(v) = version else { return vec![Msg::DatabaseReachable(false)] };
        let mut out = vec![Msg::DatabaseReachable(true)];
        if self.data_version.replace(v).is_some_and(|before| before != v) {
            out.push(Msg::DataChanged);
        }
        out
    }

    pub(crate) fn execute(&mut self, effect: Effect) {
        let running = Running::start(&self.running);
        execute(
            effect,
            &self.tx,
            &self.db,
            &self.loader,
            &self.sources,
            &self.actor,
            &self.desk,
            &mut self.loads,
            running,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn execute(
    effect: Effect,
    tx: &mpsc::UnboundedSender<Msg>,
    db: &SharedStore,
    loader: &Arc<Loader>,
    sources: &Arc<Sources>,
    actor: &Arc<Actor>,
    desk: &Arc<Desk>,
    loads: &mut Loads,
    running: Running,
) {
    use crate::services::{alerts, audit, desk as desk_service, requests, review};
    let tx = Reply { tx: tx.clone(), _running: running };
    let db = db.clone();
    let (loader, actor, desk) = (Arc::clone(loader), Arc::clone(actor), Arc::clone(desk));
    match effect {
        Effect::LoadSeats if begin(&mut loads.seats) => on_store(
            db,
            tx,
            move |s| loader.seats(s),
            |r| {
                Some(r.map_or_else(load_failed(Some(Effect::LoadSeats)), |(snap, health, at)| {
                    Msg::SeatsLoaded(Box::new(snap), health, at)
                }))
            },
        ),
        Effect::LoadSystem if begin(&mut loads.system) => on_store(
            db,
            tx,
            move |s| loader.system(s),
            |r| {
                Some(r.map_or_else(load_failed(Some(Effect::LoadSystem)), |(snap, health, at)| {
                    Msg::SystemLoaded(Box::new(snap), health, at)
                }))
            },
        ),
        Effect::LoadQueues if begin(&mut loads.queues) => on_store(
            db,
            tx,
            move |s| loader.queues(s),
            |r| {
                Some(r.map_or_else(load_failed(Some(Effect::LoadQueues)), |(o, health, at)| {
                    Msg::QueuesLoaded(Box::new(o), health, at)
                }))
            },
        ),
        // A failure comes back as this message too, so the load is marked finished.
        Effect::LoadGovernance if begin(&mut loads.governance) => on_store(
            db,
            tx,
            move |s| loader.governance(s, &actor),
            |r| Some(Msg::GovernanceLoaded(r.map(Box::new))),
        ),
        Effect::LoadSeats | Effect::LoadSystem | Effect::LoadQueues | Effect::LoadGovernance => {}
        Effect::LoadHistory(seat_id) => {
            let id = seat_id.clone();
            on_store(
                db,
                tx,
                move |s| reads::seat_history(s, &id, 12),
                |r| Some(Msg::HistoryLoaded { seat_id, history: r.unwrap_or_default() }),
            )
        }
        Effect::LoadAlerts { filter, selected } => on_store(
            db,
            tx,
            move |s| loader.alerts(s, filter, selected),
            |r| Some(r.map_or_else(load_failed(None), |snap| Msg::AlertsLoaded(Box::new(snap)))),
        ),
        Effect::CountAlerts => {
            on_store(db, tx, |s| alerts::open_count(s), |r| r.ok().map(Msg::AlertCount))
        }
        Effect::ActOnAlert { id, action, note } => on_store(
            db,
            tx,
            move |s| alerts::act(s, &actor, id, action, &note, Utc::now()).map(|a| a.state),
            move |result| Some(Msg::AlertActed { id, action, result }),
        ),
        Effect::Vote { id, approve, reason } => on_store(
            db,
            tx,
            move |s| requests::vote(s, &actor, id, approve, &reason, Utc::now()).map(|o| o.decided),
            move |result| Some(Msg::Voted { id, approve, result }),
        ),
        Effect::FileRequest(request) => on_store(
            db,
            tx,
            move |s| requests::file(s, &actor, &request, false, Utc::now()).map(|r| r.id),
            |result| Some(Msg::Filed(result)),
        ),
        Effect::Withdraw { id } => on_store(
            db,
            tx,
            move |s| requests::withdraw(s, &actor, id, Utc::now()).map(|_| ()),
            move |result| Some(Msg::Withdrawn { id, result }),
        ),
        Effect::MarkReview { id, verdict, note } => on_store(
            db,
            tx,
            move |s| review::mark(s, &actor, id, verdict, &note, Utc::now()).map(|c| c.item.raised),
            move |result| Some(Msg::Marked { id, verdict, result }),
        ),
        Effect::LookUp { seq, card, purpose } => {
            let asked = purpose.clone();
            on_store(
                db,
                tx,
                move |s| {
                    let keys = desk.keys.as_ref().map_err(Clone::clone)?;
                    let now = Utc::now();
                    desk_service::lookup(
                        s,
                        &actor,
                        keys,
                        card.expose(),
                        &asked,
                        &desk.settings,
                        now,
                    )
                    .map_err(|e| e.to_string())
                },
                move |r| Some(Msg::LookedUp { seq, purpose, result: r.map(Box::new) }),
            )
        }
        // A failure only means no card to suggest; the next change tries again.
        Effect::FindDemoCard => on_store(
            db,
            tx,
            move |s| match &desk.keys {
                Ok(keys) => desk_service::demo_card(s, keys, &desk.demo_cards),
                Err(_) => Ok(None),
            },
            |r| r.ok().flatten().map(Msg::DemoCard),
        ),
        Effect::RecordWithheld { pseudonym } => {
            let none = desk_service::Provenance {
                source: "none".into(),
                model_version: String::new(),
                training_mode: String::new(),
            };
            let mode = desk.settings.consent_mode;
            on_store(
                db,
                tx,
                move |s| desk_service::serve(s, &actor, &pseudonym, &[], &none, mode).map(|_| ()),
                unlogged("cannot log the withheld recommendations"),
            )
        }
        Effect::Refused { permission, object } => on_store(
            db,
            tx,
            move |s| audit::record_refusal(s, &actor, permission, &object).map(|_| ()),
            unlogged("cannot log the refused attempt"),
        ),
        // The three that also talk to an API, off the store's thread.
        Effect::ChangeWindow { window, name, change, undo } => {
            let sources = Arc::clone(sources);
            tokio::spawn(async move {
                // The window as it was, so the change can be undone.
                let id = window.clone();
                let before = db
                    .run(move |s| {
                        reads::service_points(s).map(|(p, _)| p.into_iter().find(|w| w.id == id))
                    })
                    .await
                    .ok()
                    .flatten();
                let result = actions::change_window(&db, &sources, &actor, &window, &change)
                    .await
                    .map_err(|e| e.to_string())
                    .map(|_| crate::domain::api::ServicePointChange {
                        open: before.as_ref().map(|b| b.open),
                        staff: before.map(|b| b.staff),
                    });
                let _ = tx.send(Msg::WindowChanged { window, name, result, undo });
            });
        }
        Effect::Release { seat_id, label } => {
            let sources = Arc::clone(sources);
            tokio::spawn(async move {
                let result = actions::release_seat(&db, &sources, &actor, &seat_id)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string());
                let _ = tx.send(Msg::ReleaseDone { label, result });
            });
        }
        Effect::Recommend { seq, pseudonym } => {
            tokio::spawn(async move {
                use crate::engine::desk as engine;
                // The API is asked off the store's thread, so a slow answer holds nothing up.
                let k = desk.recommendations;
                let answer =
                    engine::ask_api(desk.recs.as_ref(), &pseudonym, k, engine::RECS_WAIT).await;
                let result = db
                    .run(move |s| {
                        let served = engine::served(s, &pseudonym, k, answer)?;
                        let ids: Vec<String> =
                            served.items.iter().map(|r| r.item_id.clone()).collect();
                        let gate = crate::services::desk::serve(
                            s,
                            &actor,
                            &pseudonym,
                            &ids,
                            &served.provenance,
                            desk.settings.consent_mode,
                        )?;
                        Ok::<_, crate::services::ServiceError>((Box::new(served), gate))
                    })
                    .await
                    .map_err(|e| e.to_string());
                let _ = tx.send(Msg::Recommended { seq, result });
            });
        }
        Effect::Quit => {}
    }
}
