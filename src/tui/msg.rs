//! Messages into `update` and the effects it asks the runtime to carry out.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::model::SeatsSnapshot;
use super::model::{GovernanceSnapshot, SystemSnapshot};
use super::state::Health;
use crate::domain::alerts::{Alert, AlertAction, AlertState};
use crate::domain::governance::{NewRequest, Verdict};
use crate::domain::layout::SeatEvent;
use crate::domain::quorum::RequestState;
use crate::services::alerts::AlertDetail;

/// What the Alerts tab shows, read in one go.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertsSnapshot {
    pub filter: Option<AlertState>,
    pub list: Vec<Alert>,
    pub detail: Option<AlertDetail>,
    pub active: u64,
}

/// Something that happened.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The wall clock, once a second.
    Tick(DateTime<Utc>),
    /// The database changed (this process or another); reload what is shown.
    DataChanged,
    SeatsLoaded(Box<SeatsSnapshot>, Health, i64),
    SystemLoaded(Box<SystemSnapshot>, Health, i64),
    QueuesLoaded(Box<crate::services::queues::QueueOverview>, Health, i64),
    /// A window change came back: the window's name, and its state before (for undo) or why it failed.
    WindowChanged {
        window: String,
        name: String,
        result: Result<crate::domain::api::ServicePointChange, String>,
        undo: bool,
    },
    HistoryLoaded {
        seat_id: String,
        history: Vec<SeatEvent>,
    },
    ReleaseDone {
        label: String,
        result: Result<(), String>,
    },
    AlertsLoaded(Box<AlertsSnapshot>),
    /// The number of active alerts, for the badge.
    AlertCount(u64),
    AlertActed {
        id: u64,
        action: AlertAction,
        result: Result<AlertState, String>,
    },
    /// The Governance tab's snapshot, or why it could not be read.
    GovernanceLoaded(Result<Box<GovernanceSnapshot>, String>),
    /// A vote came back: the state it decided, if it decided one, or the service's refusal.
    Voted {
        id: u64,
        approve: bool,
        result: Result<Option<RequestState>, String>,
    },
    /// A request was filed: its id, or why not.
    Filed(Result<u64, String>),
    Withdrawn {
        id: u64,
        result: Result<(), String>,
    },
    /// A review verdict came back: the alert an unjustified verdict raised, or why it failed.
    Marked {
        id: u64,
        verdict: Verdict,
        result: Result<Option<u64>, String>,
    },
    /// A patron lookup came back: what the desk may see, or the service's refusal in its
    /// words. `seq` is the lookup's; an answer to an earlier one is dropped.
    LookedUp {
        seq: u64,
        purpose: String,
        result: Result<Box<crate::services::desk::Lookup>, String>,
    },
    /// Recommendations for lookup `seq` came back, served and logged, with the consent gate
    /// that applied when they were; or why they could not be.
    Recommended {
        seq: u64,
        result: Result<(Box<crate::engine::desk::Served>, crate::services::desk::Gate), String>,
    },
    /// A card of the demo's made-up patrons that the directory holds, to suggest trying.
    DemoCard(String),
    /// A read failed; `load` is the load that ended with it, so it can run again later.
    LoadFailed {
        load: Option<Effect>,
        error: String,
    },
    /// Whether the database answered the last look for changes (a PostgreSQL server can go
    /// away and come back; the console keeps going meanwhile).
    DatabaseReachable(bool),
    /// SIGTERM or SIGHUP: leave cleanly.
    Terminate,
}

/// Work for the runtime; its results come back as messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    LoadSeats,
    LoadSystem,
    LoadQueues,
    ChangeWindow {
        window: String,
        name: String,
        change: crate::domain::api::ServicePointChange,
        undo: bool,
    },
    LoadHistory(String),
    /// The alerts in `filter` (active ones when `None`) and the detail of `selected`.
    LoadAlerts {
        filter: Option<AlertState>,
        selected: Option<u64>,
    },
    CountAlerts,
    ActOnAlert {
        id: u64,
        action: AlertAction,
        note: String,
    },
    Release {
        seat_id: String,
        label: String,
    },
    /// Everything the Governance tab shows (and its badge counts).
    LoadGovernance,
    Vote {
        id: u64,
        approve: bool,
        reason: String,
    },
    /// File a request, submitted for votes at once.
    FileRequest(Box<NewRequest>),
    Withdraw {
        id: u64,
    },
    MarkReview {
        id: u64,
        verdict: Verdict,
        note: String,
    },
    /// Look the patron with `card` up for `purpose` (the lookup is logged with it).
    LookUp {
        seq: u64,
        card: crate::tui::lookup::CardText,
        purpose: String,
    },
    /// Fetch recommendations for the patron of lookup `seq`: from the recommendation API, or
    /// the local model when it does not answer in time; serve them (logged) if consent allows.
    Recommend {
        seq: u64,
        pseudonym: String,
    },
    /// On a demo database, find a card of its made-up patrons to suggest on the Patrons tab.
    FindDemoCard,
    /// Recommendations were withheld for want of consent: log the refusal, as any other.
    RecordWithheld {
        pseudonym: String,
    },
    /// The console refused an action itself; the attempt still goes in the audit log.
    Refused {
        permission: crate::domain::policy::Permission,
        object: String,
    },
    Quit,
}
