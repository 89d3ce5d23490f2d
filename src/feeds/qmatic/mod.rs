//! The Qmatic Orchestra adapter: service windows, their queues and arrivals from an Orchestra
//! branch, and window changes carried out as Orchestra sessions. The rest of carrel reaches it
//! as `source::SensorSource::Qmatic`.
//!
//! **Requests** (HTTP basic authentication as the configured user; paths under the configured
//! base URL, which is where Orchestra's `rest/` lives):
//! - `GET rest/managementinformation/v2/branches/{b}/servicePoints`: each point, `OPEN` or
//!   `CLOSED`, the login of the user with a session there (`staffName`) and that session's work
//!   profile;
//! - `GET rest/servicepoint/branches/{b}/workProfiles/{w}/queues/`: the queues a work profile
//!   calls from, in its order;
//! - `GET rest/servicepoint/branches/{b}/queues/`: every queue, with `customersWaiting` and the
//!   longest wait `waitingTime` (seconds);
//! - `GET rest/servicepoint/branches/{b}/servicePoints/{p}/pool/visits` and
//!   `GET rest/servicepoint/branches/{b}/queues/{q}/visits/`: the waiting visits, with seconds
//!   waited (`waitingTime`, `totalWaitingTime`) and the branch's clock (`branchCurrentTime`);
//! - `PUT` / `DELETE rest/servicepoint/branches/{b}/servicePoints/{p}/users/{login}/`: start or
//!   end a user's session at a point.
//!
//! Written from public Orchestra client code found with the search tool (never copied):
//! Adam1901/OrchestraNextClient `src/main/java/controller/Controller.java` (session start and
//! end, work-profile queues, branch queues, basic auth) and `src/main/java/dto/DTOVisit.java`
//! (visit fields); jaydeepfaldu/orchestra-info-front `src/app/entity/branch-info.entity.ts`
//! (management-information counts); qmatic/api-gateway
//! `src/main/java/com/qmatic/apigw/rest/TinyVisit.java` (visit waits); and a public Orchestra
//! workstation client's `…/servicePoints/{id}/pool/visits` call. `tests/fixtures/vendors/
//! qmatic/README.md` lists them too.
//!
//! **How Orchestra's states map to carrel's** (`ServicePointsUpdate`):
//! - a point is open when Orchestra says `OPEN` (without a status: when someone has a session
//!   there); any other status is closed. Its staff is the session's login, and only an open
//!   point has staff: in Orchestra a session is what opens a point.
//! - its service is the first queue its session's work profile calls from (a profile's order is
//!   the order it calls in); a point with no session has no profile, so it keeps the service
//!   this adapter last saw it serve, or `unassigned` before it was ever seen open.
//! - its queue: the visits in its own pool (waiting for that point alone), plus an even share of
//!   each queue its profile calls from among the open points calling from it (the remainder to
//!   the lowest ids), so every waiting visit is counted once across the windows of a service.
//!   Its oldest wait is the longest of its pool's and those queues' waits.
//! - Orchestra's management information gives no served count or service time per point that
//!   carrel could confirm from public sources: `served_today` is 0 and `mean_service_s` 0, which
//!   carrel reads as unknown (its forecasts then use the default handling time).
//! - staff on duty: the logins with a session. Orchestra keeps no roster of staff not signed in.
//!
//! **Arrivals** are counted from visits: a visit id seen for the first time is one arrival, at
//! its creation time (the branch's clock less `totalWaitingTime`), in the bucket of that time,
//! at the point whose pool it waits in; a visit waiting in a shared queue goes to the open point
//! with the lowest id calling from that queue (else the lowest id that last served it; else it
//! is not counted until a point's pool holds it). The ids seen are kept in memory, so a visit
//! waiting through many polls counts once, and each report of a bucket is its whole count so
//! far: reporting the same bucket again with the same count changes nothing in the store, which
//! replaces a bucket's count. Buckets are reported only from the first bucket that *began after*
//! this adapter's first look: a bucket begun before it may hold visits already served that it
//! never saw, and reporting it would overwrite the fuller count stored before a restart. A visit
//! created and called between two polls is never seen: counts are a floor. Served and mean
//! wait per bucket are not known (left empty).
//!
//! **Times**: `branchCurrentTime` with an offset is taken as it is; without one it is local time
//! in the library's time zone (`[library] timezone`): the earlier instant of a repeated hour at
//! the end of daylight-saving time; a time in the skipped hour is refused with the visit. A poll
//! is dated by the latest branch clock among its visits, else by carrel's clock.
//!
//! **Window changes**: opening a window starts a session of the staff member named (Orchestra
//! opens a point only so: opening without naming staff is refused); closing ends the session at
//! the point; restaffing ends one and starts the other. Taking the staff off an open window, or
//! naming staff at a closed one, is refused: Orchestra has no such state.
//!
//! May use: reqwest (through `http`), chrono, chrono-tz, domain, config.

pub mod wire;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::value::RawValue;

use super::http::{ApiClient, FetchError};
use super::validate::{ArrivalsUpdate, Rejection, ServicePointsUpdate};
use crate::domain::api::ServicePointChange;
use crate::domain::arrivals::{ArrivalBucket, bucket_start};
use crate::domain::sanitize::{MAX_TEXT_CHARS, clean_text, valid_id};
use crate::domain::service_point::ServicePoint;

/// The longest wait believed, in seconds: a week.
const MAX_WAIT_S: u32 = 7 * 86_400;
/// Visit ids kept for counting arrivals; past this the oldest are forgotten.
const MAX_SEEN: usize = 200_000;
/// Visits created longer ago than this are forgotten (their buckets are long reported).
const KEEP_SEEN: Duration = Duration::days(2);
/// The service of a point never seen with a session.
pub const UNASSIGNED: &str = "unassigned";

/// A client of one Orchestra branch.
#[derive(Debug, Clone)]
pub struct QmaticClient {
    api: ApiClient,
    branch: u32,
    tz: Tz,
    memory: Arc<Mutex<Memory>>,
}

/// What the adapter remembers between polls (shared by every clone of the client).
#[derive(Debug, Default)]
struct Memory {
    /// When the first poll looked: buckets beginning at or after it are whole.
    watch_since: Option<DateTime<Utc>>,
    /// Visit id → (window id, creation time).
    seen: HashMap<i64, (String, DateTime<Utc>)>,
    /// Window id → the service it last served.
    services: HashMap<String, String>,
}

/// A visit waiting now, checked.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    id: i64,
    created: DateTime<Utc>,
    waiting_since: DateTime<Utc>,
}

/// A service point, checked.
#[derive(Debug, Clone)]
struct PointNow {
    id: i64,
    name: String,
    open: bool,
    /// The login with a session there (only at an open point).
    staff: Option<String>,
    /// That session's work profile.
    profile: Option<i64>,
}

/// A queue, checked.
#[derive(Debug, Clone)]
struct QueueNow {
    id: i64,
    name: String,
    waiting: u32,
    longest_s: u32,
}

/// One look at the branch.
#[derive(Debug, Default)]
struct Snapshot {
    at: Option<DateTime<Utc>>,
    points: Vec<PointNow>,
    /// Work profile → its queues, in its order.
    profiles: HashMap<i64, Vec<QueueNow>>,
    /// Point → the visits in its pool.
    pools: BTreeMap<i64, Vec<Waiting>>,
    /// Queue → the visits in it (only fetched when counting arrivals).
    queue_visits: BTreeMap<i64, Vec<Waiting>>,
    rejected: Vec<Rejection>,
}

fn reject(reason: impl Into<String>, record: &RawValue) -> Rejection {
    let mut text = record.get().to_owned();
    if text.len() > 4096 {
        let mut cut = 4096;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    Rejection { reason: reason.into(), record: text }
}

fn records(body: &[u8], what: &str) -> Result<Vec<Box<RawValue>>, FetchError> {
    serde_json::from_slice(body).map_err(|e| FetchError::Malformed(format!("{what}: {e}")))
}

/// The branch clock `text` as an instant: RFC 3339 with an offset, or a local time in `tz`.
/// A repeated local hour gives its earlier instant; a skipped one is an error.
pub fn branch_time(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.to_utc());
    }
    let naive = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .ok_or_else(|| format!("{:?} is not a date and time", clean_text(text, 40)))?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.to_utc()),
        LocalResult::None => Err(format!(
            "{naive} does not exist in {tz} (the hour skipped when daylight-saving time begins)"
        )),
    }
}

impl QmaticClient {
    /// The branch `branch` of the Orchestra reached through `api` (which carries the basic
    /// authentication), in a library whose local times are in `tz`.
    pub fn new(api: ApiClient, branch: u32, tz: Tz) -> Self {
        Self { api, branch, tz, memory: Arc::new(Mutex::new(Memory::default())) }
    }

    /// The HTTP client underneath.
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn sp(&self, rest: &str) -> String {
        format!("rest/servicepoint/branches/{}/{rest}", self.branch)
    }

    /// The service points as management information lists them, each checked.
    async fn points(&self, snap: &mut Snapshot) -> Result<(), FetchError> {
        let path = format!("rest/managementinformation/v2/branches/{}/servicePoints", self.branch);
        let body = self.api.get(&path, &[]).await?;
        let mut ids = HashSet::new();
        for v in records(&body, "service points")? {
            let checked = serde_json::from_str::<wire::ServicePoint>(v.get())
                .map_err(|e| reject(format!("service point: {e}"), &v))
                .and_then(|p| {
                    if p.id < 0 || !ids.insert(p.id) {
                        return Err(reject(
                            format!("service point: bad or repeated id {}", p.id),
                            &v,
                        ));
                    }
                    let staff = p.staff_name.as_deref().filter(|s| !s.is_empty());
                    if let Some(s) = staff
                        && !valid_id(s)
                    {
                        return Err(reject(
                            format!(
                                "service point {}: invalid staff login {:?}",
                                p.id,
                                clean_text(s, 40)
                            ),
                            &v,
                        ));
                    }
                    let open = match p.status.as_deref() {
                        Some(s) => s.eq_ignore_ascii_case("OPEN"),
                        None => staff.is_some(),
                    };
                    let name = p
                        .name
                        .as_deref()
                        .map(|n| clean_text(n, MAX_TEXT_CHARS))
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| format!("Service point {}", p.id));
                    let staff = if open { staff.map(str::to_owned) } else { None };
                    let profile = if open { p.work_profile_id } else { None };
                    Ok(PointNow { id: p.id, name, open, staff, profile })
                });
            match checked {
                Ok(p) => snap.points.push(p),
                Err(r) => snap.rejected.push(r),
            }
        }
        snap.points.sort_by_key(|p| p.id);
        Ok(())
    }

    /// Queues from a list answer, each checked.
    fn queues(&self, body: &[u8], snap: &mut Snapshot) -> Result<Vec<QueueNow>, FetchError> {
        let mut out = Vec::new();
        for v in records(body, "queues")? {
            let checked = serde_json::from_str::<wire::Queue>(v.get())
                .map_err(|e| reject(format!("queue: {e}"), &v))
                .and_then(|q| {
                    let longest_s = q.waiting_time.unwrap_or(0);
                    if longest_s > MAX_WAIT_S {
                        return Err(reject(format!("queue {}: wait {longest_s} s", q.id), &v));
                    }
                    let name = q
                        .name
                        .as_deref()
                        .map(|n| clean_text(n, MAX_TEXT_CHARS))
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| format!("queue {}", q.id));
                    Ok(QueueNow {
                        id: q.id,
                        name,
                        waiting: q.customers_waiting.unwrap_or(0),
                        longest_s,
                    })
                });
            match checked {
                Ok(q) => out.push(q),
                Err(r) => snap.rejected.push(r),
            }
        }
        Ok(out)
    }

    /// Visits from a list answer, each checked and dated (the branch clock, else `fallback`).
    fn visits(&self, body: &[u8], snap: &mut Snapshot) -> Result<Vec<Waiting>, FetchError> {
        let mut out = Vec::new();
        for v in records(body, "visits")? {
            let checked = serde_json::from_str::<wire::Visit>(v.get())
                .map_err(|e| reject(format!("visit: {e}"), &v))
                .and_then(|w| {
                    let waited = w.waiting_time.or(w.total_waiting_time).unwrap_or(0);
                    let total = w.total_waiting_time.unwrap_or(waited).max(waited);
                    if total > MAX_WAIT_S {
                        return Err(reject(format!("visit {}: wait {total} s", w.id), &v));
                    }
                    let clock = match w.branch_current_time.as_deref() {
                        Some(t) => Some(
                            branch_time(t, self.tz)
                                .map_err(|e| reject(format!("visit {}: {e}", w.id), &v))?,
                        ),
                        None => None,
                    };
                    Ok((w.id, clock, waited, total))
                });
            match checked {
                Ok((id, clock, waited, total)) => {
                    if let Some(c) = clock {
                        snap.at = Some(snap.at.map_or(c, |a| a.max(c)));
                    }
                    let at = clock.unwrap_or_else(Utc::now);
                    out.push(Waiting {
                        id,
                        created: at - Duration::seconds(i64::from(total)),
                        waiting_since: at - Duration::seconds(i64::from(waited)),
                    });
                }
                Err(r) => snap.rejected.push(r),
            }
        }
        Ok(out)
    }

    /// One look at the branch: points, their profiles' queues, their pools and, when
    /// `with_queues`, the visits of every queue that has any.
    async fn observe(&self, with_queues: bool) -> Result<Snapshot, FetchError> {
        let mut snap = Snapshot::default();
        self.points(&mut snap).await?;
        let profiles: BTreeSet<i64> = snap.points.iter().filter_map(|p| p.profile).collect();
        for w in profiles {
            let body = self.api.get(&self.sp(&format!("workProfiles/{w}/queues/")), &[]).await?;
            let queues = self.queues(&body, &mut snap)?;
            snap.profiles.insert(w, queues);
        }
        let ids: Vec<i64> = snap.points.iter().map(|p| p.id).collect();
        for p in ids {
            let body =
                self.api.get(&self.sp(&format!("servicePoints/{p}/pool/visits")), &[]).await?;
            let visits = self.visits(&body, &mut snap)?;
            snap.pools.insert(p, visits);
        }
        if with_queues {
            let body = self.api.get(&self.sp("queues/"), &[]).await?;
            for q in self.queues(&body, &mut snap)? {
                if q.waiting == 0 {
                    continue;
                }
                let body = self.api.get(&self.sp(&format!("queues/{}/visits/", q.id)), &[]).await?;
                let visits = self.visits(&body, &mut snap)?;
                snap.queue_visits.insert(q.id, visits);
            }
        }
        Ok(snap)
    }

    /// The points (open, lowest id first) calling from queue `q`, else those that last served
    /// it by name.
    fn callers(&self, snap: &Snapshot, memory: &Memory, q: i64) -> Vec<i64> {
        let open: Vec<i64> = snap
            .points
            .iter()
            .filter(|p| {
                p.open
                    && p.profile.is_some_and(|w| {
                        snap.profiles.get(&w).is_some_and(|qs| qs.iter().any(|x| x.id == q))
                    })
            })
            .map(|p| p.id)
            .collect();
        if !open.is_empty() {
            return open;
        }
        let name = snap.profiles.values().flatten().find(|x| x.id == q).map(|x| x.name.clone());
        snap.points
            .iter()
            .filter(|p| name.is_some() && memory.services.get(&p.id.to_string()) == name.as_ref())
            .map(|p| p.id)
            .take(1)
            .collect()
    }

    /// Records the visits of `snap` not seen before, each at its window.
    fn remember(&self, snap: &Snapshot) {
        let mut memory = self.memory();
        let at = snap.at.unwrap_or_else(Utc::now);
        if memory.watch_since.is_none() {
            memory.watch_since = Some(at);
        }
        for (p, visits) in &snap.pools {
            for v in visits {
                memory.seen.entry(v.id).or_insert_with(|| (p.to_string(), v.created));
            }
        }
        for (q, visits) in &snap.queue_visits {
            let Some(p) = self.callers(snap, &memory, *q).first().copied() else {
                continue;
            };
            for v in visits {
                memory.seen.entry(v.id).or_insert_with(|| (p.to_string(), v.created));
            }
        }
        let horizon = at - KEEP_SEEN;
        memory.seen.retain(|_, (_, created)| *created >= horizon);
        if memory.seen.len() > MAX_SEEN {
            let mut by_age: Vec<(DateTime<Utc>, i64)> =
                memory.seen.iter().map(|(id, (_, c))| (*c, *id)).collect();
            by_age.sort_unstable();
            let excess = memory.seen.len() - MAX_SEEN;
            for (_, id) in by_age.into_iter().take(excess) {
                memory.seen.remove(&id);
            }
        }
    }

    /// Every service window and the staff with a session.
    pub async fn service_points(&self) -> Result<ServicePointsUpdate, FetchError> {
        let snap = self.observe(false).await?;
        self.remember(&snap);
        let at = snap.at.unwrap_or_else(Utc::now);
        let points = self.windows(&snap, at);
        let mut staff: Vec<String> = points.iter().filter_map(|p| p.staff.clone()).collect();
        staff.sort();
        staff.dedup();
        Ok(ServicePointsUpdate {
            generated_at: at,
            staff_on_duty: staff,
            points,
            rejected: snap.rejected,
        })
    }

    /// The windows of `snap` as carrel keeps them, by the module's rules.
    fn windows(&self, snap: &Snapshot, at: DateTime<Utc>) -> Vec<ServicePoint> {
        let mut memory = self.memory();
        // Each shared queue's waiting visits, split among the open points calling from it.
        let mut share: HashMap<i64, (u32, Option<DateTime<Utc>>)> = HashMap::new();
        let queues: BTreeMap<i64, &QueueNow> =
            snap.profiles.values().flatten().map(|q| (q.id, q)).collect();
        for (qid, q) in &queues {
            let callers = self.callers(snap, &memory, *qid);
            let n = callers.len() as u32;
            if n == 0 {
                continue;
            }
            let since = (q.waiting > 0).then(|| at - Duration::seconds(i64::from(q.longest_s)));
            for (i, p) in callers.iter().enumerate() {
                let extra = u32::from((i as u32) < q.waiting % n);
                let e = share.entry(*p).or_insert((0, None));
                e.0 = e.0.saturating_add(q.waiting / n + extra);
                e.1 = match (e.1, since) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        let mut out = Vec::new();
        for PointNow { id, name, open, staff, profile } in &snap.points {
            let wid = id.to_string();
            let served = profile.and_then(|w| snap.profiles.get(&w)).and_then(|qs| qs.first());
            let service = match served {
                Some(q) => {
                    memory.services.insert(wid.clone(), q.name.clone());
                    q.name.clone()
                }
                None => memory.services.get(&wid).cloned().unwrap_or_else(|| UNASSIGNED.into()),
            };
            let pool = snap.pools.get(id).map(Vec::as_slice).unwrap_or_default();
            let (shared, shared_since) = share.get(id).copied().unwrap_or((0, None));
            let pool_since = pool.iter().map(|v| v.waiting_since).min();
            let oldest = match (pool_since, shared_since) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            out.push(ServicePoint {
                id: wid,
                name: name.clone(),
                service,
                open: *open,
                staff: staff.clone(),
                queue_length: u32::try_from(pool.len()).unwrap_or(u32::MAX).saturating_add(shared),
                oldest_waiting_since: oldest.map(|t| t.min(at)),
                served_today: 0,
                mean_service_s: 0.0,
                updated_at: at,
            });
        }
        out
    }

    /// Arrivals per known window per `step_s` bucket over `[from, to)`, counted from the
    /// visits seen (see the module's rule): every begun bucket from the first whole one.
    pub async fn arrivals(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        step_s: u32,
        known_windows: &HashSet<String>,
    ) -> Result<ArrivalsUpdate, FetchError> {
        let snap = self.observe(true).await?;
        self.remember(&snap);
        let at = snap.at.unwrap_or_else(Utc::now);
        let windows: BTreeSet<String> = snap
            .points
            .iter()
            .map(|p| p.id.to_string())
            .filter(|w| known_windows.contains(w))
            .collect();
        Ok(ArrivalsUpdate {
            step_s,
            buckets: self.counts(from, to, step_s, at, &windows),
            rejected: snap.rejected,
        })
    }

    /// The counts of the visits remembered, per window in `windows`, per whole bucket begun
    /// by `at` within `[from, to)`.
    fn counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        step_s: u32,
        at: DateTime<Utc>,
        windows: &BTreeSet<String>,
    ) -> Vec<ArrivalBucket> {
        let memory = self.memory();
        let Some(watch) = memory.watch_since else {
            return Vec::new();
        };
        let step = Duration::seconds(i64::from(step_s.max(1)));
        let mut start = bucket_start(from.max(watch), step_s);
        if start < from.max(watch) {
            start += step;
        }
        let mut tally: BTreeMap<(String, DateTime<Utc>), u32> = BTreeMap::new();
        for (w, created) in memory.seen.values() {
            if windows.contains(w) {
                *tally.entry((w.clone(), bucket_start(*created, step_s))).or_insert(0) += 1;
            }
        }
        let mut out = Vec::new();
        let mut b = start;
        while b < to && b <= at {
            for w in windows {
                out.push(ArrivalBucket {
                    service_point_id: w.clone(),
                    step_s,
                    start: b,
                    arrivals: tally.get(&(w.clone(), b)).copied().unwrap_or(0),
                    served: None,
                    mean_wait_s: None,
                });
            }
            b += step;
        }
        out
    }

    /// Opens, closes or restaffs a window through Orchestra sessions; returns the window as
    /// Orchestra then reports it. What Orchestra cannot do is refused before anything is sent.
    pub async fn change_service_point(
        &self,
        id: &str,
        change: &ServicePointChange,
    ) -> Result<ServicePoint, FetchError> {
        let pid: i64 = id.parse().map_err(|_| {
            FetchError::Other(format!(
                "Qmatic Orchestra numbers its service points; '{}' is not one of its ids",
                clean_text(id, 40)
            ))
        })?;
        let mut snap = Snapshot::default();
        self.points(&mut snap).await?;
        let Some(PointNow { open, staff, .. }) = snap.points.iter().find(|p| p.id == pid).cloned()
        else {
            return Err(FetchError::Other(format!(
                "Qmatic Orchestra branch {} has no service point {pid}",
                self.branch
            )));
        };
        let target_open = change.open.unwrap_or(open);
        let target_staff = match &change.staff {
            Some(s) => s.clone(),
            None if !target_open => None,
            None => staff.clone(),
        };
        if target_open && target_staff.is_none() {
            return Err(FetchError::Other(
                "Qmatic Orchestra opens a service point only by starting a staff member's \
                 session there: name who staffs it (to take the staff off, close the window)"
                    .into(),
            ));
        }
        if !target_open && target_staff.is_some() {
            return Err(FetchError::Other(
                "Qmatic Orchestra has no staff at a closed service point (a session there is \
                 what opens it): close the window without naming staff, or open it with them"
                    .into(),
            ));
        }
        if let Some(s) = &target_staff
            && !valid_id(s)
        {
            return Err(FetchError::Other(format!("'{}' is not a login", clean_text(s, 40))));
        }
        if staff != target_staff {
            if let Some(old) = &staff {
                self.api.delete(&self.sp(&format!("servicePoints/{pid}/users/{old}/"))).await?;
            }
            if let Some(new) = &target_staff {
                let path = self.sp(&format!("servicePoints/{pid}/users/{new}/"));
                if let Err(e) = self.api.put_empty(&path).await {
                    return Err(match &staff {
                        Some(old) => FetchError::Other(format!(
                            "Qmatic Orchestra ended {old}'s session at service point {pid} but \
                             would not start {new}'s ({e}); the point is now closed"
                        )),
                        None => e,
                    });
                }
            }
        }
        let snap = self.observe(false).await?;
        let at = snap.at.unwrap_or_else(Utc::now);
        self.windows(&snap, at).into_iter().find(|p| p.id == pid.to_string()).ok_or_else(|| {
            FetchError::Malformed(format!("service point {pid} vanished from Orchestra's answer"))
        })
    }
}

#[cfg(test)]
mod tests;
