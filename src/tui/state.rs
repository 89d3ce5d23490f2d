//! The console's state: what is on screen and what the user is doing. Plain data; `update`
//! changes it and views read it.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::form::RequestForm;
use super::keymap::Keymap;
use super::lookup::LookupBox;
use super::model::GovernanceSnapshot;
use super::model::SystemSnapshot;
use super::model::{ApiHealth, SeatsSnapshot};
use super::theme::Theme;
use crate::domain::governance::Verdict;
use crate::domain::layout::SeatEvent;
use crate::domain::layout::ZoneKind;
use crate::domain::policy::Permission;
use crate::domain::staff::{Grant, Party, Role};

/// The tabs, in order. Only tabs that exist are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Seats,
    Queues,
    Alerts,
    Governance,
    Patrons,
    System,
}

impl Tab {
    pub const ALL: [Tab; 6] =
        [Tab::Seats, Tab::Queues, Tab::Alerts, Tab::Governance, Tab::Patrons, Tab::System];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Seats => "Seats",
            Tab::Queues => "Queues",
            Tab::Alerts => "Alerts",
            Tab::Governance => "Governance",
            Tab::Patrons => "Patrons",
            Tab::System => "System",
        }
    }

    /// The digit that selects the tab. Numbers are fixed across releases (1 Seats, 2 Queues,
    /// 3 Alerts, 4 Governance, 5 Patrons, 6 System), so muscle memory survives new tabs.
    pub fn number(self) -> u8 {
        match self {
            Tab::Seats => 1,
            Tab::Queues => 2,
            Tab::Alerts => 3,
            Tab::Governance => 4,
            Tab::Patrons => 5,
            Tab::System => 6,
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// Who is using the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub login: String,
    /// `None` for a login carrel does not know: the read-only public view.
    pub display_name: Option<String>,
    pub grants: Vec<Grant>,
}

impl Viewer {
    pub fn read_only(&self) -> bool {
        self.display_name.is_none()
    }

    pub fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Whether the policy lets this viewer do `p`. The console asks so as to offer only what
    /// can be done; the services check again.
    pub fn may(&self, p: Permission) -> bool {
        if self.read_only() {
            return crate::domain::policy::public_may(p);
        }
        crate::domain::policy::permitting_role(&self.grants, p).is_some()
    }

    /// Whether the policy lets this viewer see privacy-risk alerts.
    pub fn sees_alerts(&self) -> bool {
        !self.read_only() && self.may(Permission::ViewAlerts)
    }

    /// The committee party this viewer sits for, if any.
    pub fn party(&self) -> Option<Party> {
        self.grants.iter().find(|g| g.role == Role::Committee).and_then(|g| g.party)
    }
}

/// The freshness of both APIs, for the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    pub sensor: ApiHealth,
    pub recs: ApiHealth,
}

impl Default for Health {
    fn default() -> Self {
        Health { sensor: ApiHealth::Waiting, recs: ApiHealth::Waiting }
    }
}

/// Which part of the Seats tab keys act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Map,
    Ghosts,
}

/// What "find a free seat" looks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FindCriteria {
    pub kind: Option<ZoneKind>,
    pub power: bool,
    pub accessible: bool,
}

impl FindCriteria {
    /// Cycles the zone kind: any → quiet → group → computer → silent → any.
    pub fn next_kind(&mut self) {
        self.kind = match self.kind {
            None => Some(ZoneKind::ALL[0]),
            Some(k) => ZoneKind::ALL
                .iter()
                .position(|x| *x == k)
                .and_then(|i| ZoneKind::ALL.get(i + 1))
                .copied(),
        };
    }

    pub fn describe(&self) -> String {
        let mut parts = vec![self.kind.map_or("any zone".to_owned(), |k| format!("{k} zone"))];
        if self.power {
            parts.push("power".into());
        }
        if self.accessible {
            parts.push("accessible".into());
        }
        parts.join(", ")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeatsTab {
    pub snapshot: Option<SeatsSnapshot>,
    pub floor: usize,
    /// Map cursor, in grid coordinates of the current floor.
    pub cursor: (u32, u32),
    pub focus: Focus,
    /// Selected row of the (filtered) ghost list.
    pub ghost_sel: usize,
    pub find: FindCriteria,
    /// Free seats found, as (floor, seat) indices, and which one is shown.
    pub matches: Vec<(usize, usize)>,
    pub match_pos: usize,
}

impl Default for SeatsTab {
    fn default() -> Self {
        Self {
            snapshot: None,
            floor: 0,
            cursor: (0, 0),
            focus: Focus::Map,
            ghost_sel: 0,
            find: FindCriteria::default(),
            matches: vec![],
            match_pos: 0,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueuesTab {
    pub overview: Option<crate::services::queues::QueueOverview>,
    /// Selected window, counting across services in order.
    pub sel: usize,
    /// The change that undoes this console's last window change: (window id, its name, change).
    pub undo: Option<(String, String, crate::domain::api::ServicePointChange)>,
}

/// The Alerts tab: the list (active alerts, or those in one state), the selected alert's
/// detail, and the count of active alerts for the tab bar's badge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertsTab {
    pub list: Option<Vec<crate::domain::alerts::Alert>>,
    /// `None`: every active alert.
    pub state_filter: Option<crate::domain::alerts::AlertState>,
    pub sel: usize,
    pub detail: Option<crate::services::alerts::AlertDetail>,
    /// Active alerts, for the badge; `None` until known or when the viewer may not see them.
    pub active: Option<u64>,
    /// The selected alert's detail fills the tab (Enter; Esc goes back), scrolled by `scroll`
    /// lines, so a long history and evidence list can be read whole at any size.
    pub zoom: bool,
    pub scroll: u16,
}

/// The Governance tab's views, in the order `v` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GovView {
    /// Requests waiting for my party's vote and review items assigned to me.
    Mine,
    Requests,
    Review,
    Ledger,
}

impl GovView {
    pub const ALL: [GovView; 4] =
        [GovView::Mine, GovView::Requests, GovView::Review, GovView::Ledger];

    pub fn title(self) -> &'static str {
        match self {
            GovView::Mine => "My queue",
            GovView::Requests => "Requests",
            GovView::Review => "Review",
            GovView::Ledger => "ε ledger",
        }
    }

    pub fn index(self) -> usize {
        GovView::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }

    /// Whether `viewer` has this view: the queue for those who vote or review, the review
    /// queue for reviewers, the rest for everyone who may see requests.
    pub fn offered_to(self, viewer: &Viewer) -> bool {
        match self {
            GovView::Mine => {
                viewer.may(Permission::VoteRequest) || viewer.may(Permission::ReviewAccess)
            }
            GovView::Review => viewer.may(Permission::ReviewAccess),
            GovView::Requests | GovView::Ledger => viewer.may(Permission::ViewRequests),
        }
    }
}

/// A row of a Governance list, by what it is about, so a reload that shifts the rows keeps the
/// same thing selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GovRow {
    Request(u64),
    Review(u64),
    /// A line of the ε ledger, by position.
    Ledger(usize),
}

/// The selection in one view: its row, and its position for when the row goes away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GovSelection {
    pub row: Option<GovRow>,
    pub pos: usize,
}

/// The Governance tab: data requests and their votes, the audit review queue and the ε
/// ledger, read in one snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct GovernanceTab {
    pub snapshot: Option<GovernanceSnapshot>,
    pub view: GovView,
    /// The selection of each view, by `GovView::index`.
    pub sel: [GovSelection; 4],
    /// The detail fills the tab (Enter; Esc goes back to the list).
    pub zoom: bool,
    /// The form last sent, so it can be shown again with the service's answer if filing fails.
    pub sent_form: Option<Box<RequestForm>>,
}

impl GovernanceTab {
    /// Committee members and auditors start on their queue; others on the list of requests.
    pub fn for_viewer(viewer: &Viewer) -> GovernanceTab {
        GovernanceTab {
            snapshot: None,
            view: if GovView::Mine.offered_to(viewer) { GovView::Mine } else { GovView::Requests },
            sel: Default::default(),
            zoom: false,
            sent_form: None,
        }
    }

    /// The badge: requests waiting for my vote and review items assigned to me.
    pub fn my_count(&self) -> Option<usize> {
        self.snapshot
            .as_ref()
            .map(|s| s.waiting.len() + s.review.as_ref().map_or(0, |r| r.mine.len()))
    }
}

/// Recommendations for the patron on screen.
#[derive(Debug, Clone, PartialEq)]
pub enum PatronRecs {
    /// Being fetched: the API is asked, and the local model answers if it does not in time.
    Asking,
    /// Served, and logged as served; `flagged` when shown without consent under the permissive
    /// mode.
    Shown { served: Box<crate::engine::desk::Served>, flagged: bool },
    /// Not shown: the consent gate's reason.
    Withheld(String),
    /// Could not be read or logged: why.
    Failed(String),
}

/// A patron on the desk's screen: what the lookup read, why it was read, and the
/// recommendations.
#[derive(Debug, Clone, PartialEq)]
pub struct PatronShown {
    pub lookup: crate::services::desk::Lookup,
    pub purpose: String,
    /// When the lookup was made (wall clock).
    pub at: DateTime<Utc>,
    pub recs: PatronRecs,
}

/// What the interest profile is computed with, stated beside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfileBasis {
    pub weights: crate::domain::interest::Weights,
    pub half_life_days: u32,
}

impl Default for ProfileBasis {
    fn default() -> Self {
        ProfileBasis { weights: Default::default(), half_life_days: 90 }
    }
}

/// The Patrons tab: at most one patron, looked up by card with a stated purpose, cleared on
/// request or after a while without keys.
#[derive(Debug, Clone, PartialEq)]
pub struct PatronsTab {
    pub shown: Option<Box<PatronShown>>,
    /// Counts lookups and clears; an answer for an earlier one is dropped.
    pub seq: u64,
    /// When a key was last pressed (wall clock), for clearing an unattended screen.
    pub last_key: DateTime<Utc>,
    /// Why patron lookup cannot work in this console (e.g. no key file), if it cannot.
    pub unavailable: Option<String>,
    pub basis: ProfileBasis,
    /// The patron's whole page fills the tab (Enter; Esc goes back): every subject of the
    /// profile and every recommendation with its reasons, scrolled by `scroll` lines.
    pub full: bool,
    pub scroll: usize,
    /// A demo database, whose made-up patrons the tab suggests a card of.
    pub demo: bool,
    /// That card, once the directory is seen to hold it.
    pub demo_card: Option<String>,
}

impl PatronsTab {
    pub fn new(now: DateTime<Utc>) -> PatronsTab {
        PatronsTab {
            shown: None,
            seq: 0,
            last_key: now,
            unavailable: None,
            basis: ProfileBasis::default(),
            full: false,
            scroll: 0,
            demo: false,
            demo_card: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SystemTab {
    pub snapshot: Option<SystemSnapshot>,
    pub sel: usize,
}

/// An action waiting for the user to confirm it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Release {
        seat_id: String,
        label: String,
        away_since: Option<DateTime<Utc>>,
        ghost: bool,
    },
    /// A window change; `summary` says it in words ("open Circulation desk 4 with ana").
    Window {
        window: String,
        change: crate::domain::api::ServicePointChange,
        summary: String,
        undo: bool,
        /// What else the change does, said before it is confirmed: closing a service's only
        /// open window closes the service.
        warning: Option<String>,
    },
    /// Withdrawing one's own data request.
    Withdraw {
        id: u64,
        title: String,
    },
}

/// A vote being written: approve or deny request `id`, with a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteBox {
    pub id: u64,
    pub title: String,
    pub approve: bool,
    pub reason: String,
    /// Why enter did not send it, shown in the box.
    pub problem: Option<String>,
}

/// A verdict being written on review item `id`, with a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictBox {
    pub id: u64,
    pub verdict: Verdict,
    pub note: String,
    pub problem: Option<String>,
}

/// A window over the tab.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Palette {
        query: String,
        selected: usize,
    },
    Confirm(Pending),
    SeatDetail {
        seat_id: String,
        history: Option<Vec<SeatEvent>>,
    },
    Find,
    /// A note for what is being done to an alert; enter does it.
    AlertNote {
        id: u64,
        action: crate::domain::alerts::AlertAction,
        note: String,
    },
    /// Choose who staffs a window; `open` opens it with them.
    PickStaff {
        window: String,
        name: String,
        options: Vec<String>,
        selected: usize,
        open: bool,
    },
    Vote(VoteBox),
    FileRequest(Box<RequestForm>),
    Verdict(VerdictBox),
    /// The card and purpose of a patron lookup.
    Lookup(LookupBox),
}

/// The `/` filter of the current tab's list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    /// Keys go to the filter while true.
    pub editing: bool,
}

impl Filter {
    pub fn matches(&self, haystack: &str) -> bool {
        self.text.is_empty() || haystack.to_lowercase().contains(&self.text.to_lowercase())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Info,
    Error,
}

/// A short message on the status line, gone after a few seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub kind: ToastKind,
    pub until: DateTime<Utc>,
}

/// The whole console.
#[derive(Debug, Clone)]
pub struct State {
    pub tab: Tab,
    pub viewer: Viewer,
    pub library: String,
    /// The configuration file this console reads (or would read), named where a setting is
    /// missing.
    pub config_file: Option<String>,
    pub tz: Tz,
    /// Wall-clock time of the last tick.
    pub wall: DateTime<Utc>,
    /// The sensors' clock minus ours, from the last load; "now" on screen is wall + offset.
    pub offset_ms: i64,
    pub size: (u16, u16),
    pub keymap: Keymap,
    pub theme: Theme,
    pub overlay: Option<Overlay>,
    pub filter: Filter,
    pub seats: SeatsTab,
    pub queues: QueuesTab,
    pub alerts: AlertsTab,
    pub governance: GovernanceTab,
    pub patrons: PatronsTab,
    pub system: SystemTab,
    pub health: Health,
    pub toast: Option<Toast>,
    /// Since when the database has not answered, while it does not.
    pub database_down: Option<DateTime<Utc>>,
    /// An action under way, e.g. "releasing 1N-014".
    pub busy: Option<String>,
    pub ghost_after_min: u32,
    pub quit: bool,
    /// Set by `update` when something visible changed; the runtime redraws and clears it.
    pub redraw: bool,
}

impl State {
    pub fn new(
        viewer: Viewer,
        library: String,
        tz: Tz,
        keymap: Keymap,
        theme: Theme,
        now: DateTime<Utc>,
    ) -> State {
        let governance = GovernanceTab::for_viewer(&viewer);
        State {
            tab: Tab::Seats,
            viewer,
            library,
            config_file: None,
            tz,
            wall: now,
            offset_ms: 0,
            size: (80, 24),
            keymap,
            theme,
            overlay: None,
            filter: Filter::default(),
            seats: SeatsTab::default(),
            queues: QueuesTab::default(),
            alerts: AlertsTab::default(),
            governance,
            patrons: PatronsTab::new(now),
            system: SystemTab::default(),
            health: Health::default(),
            toast: None,
            database_down: None,
            busy: None,
            ghost_after_min: 30,
            quit: false,
            redraw: true,
        }
    }

    /// "Now" as the library sees it: the wall clock corrected by the sensors' clock offset.
    pub fn now(&self) -> DateTime<Utc> {
        self.wall + chrono::Duration::milliseconds(self.offset_ms)
    }
}
