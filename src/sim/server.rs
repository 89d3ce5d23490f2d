//! The HTTP side of the simulator: one axum server on one port for both APIs and the vendor
//! flavours switched on ([`flavors`](super::flavors)), the simulated clock, bearer-token
//! checks, and the handle the caller keeps.
//!
//! The library model sits behind a `std::sync::Mutex`, held only while the model catches up
//! with the clock and a body is written. Bodies are JSON bytes from the start, written straight
//! from the model ([`body`](super::body)); only a record-level fault turns one into values.
//! A ticker task catches the model up twice a second on the blocking pool, so requests find
//! little left to do and the async runtime never waits on a long catch-up. Every answer, error
//! or not, leaves through [`deliver`](super::faults::deliver), where the fault plan applies.
//!
//! May use: axum, tokio, the rest of `sim`, domain.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::body::{BodyError, Listing, list_body};
use super::calendar::{Secs, utc};
use super::config::{SimConfig, SimError};
use super::faults::{Api, FaultPlan, deliver};
use super::flavors::{self, libcal};
use super::library::Library;
use super::recs::Recommender;
use super::{recs_api, sensor_api};

/// Every (method, path) the simulator serves, paths as the OpenAPI file writes them.
pub const ROUTES: [(&str, &str); 10] = [
    ("GET", "/v1/layout"),
    ("GET", "/v1/seats"),
    ("POST", "/v1/seats/{id}/release"),
    ("GET", "/v1/environment"),
    ("GET", "/v1/service-points"),
    ("POST", "/v1/service-points/{id}"),
    ("GET", "/v1/arrivals"),
    ("GET", "/v1/recommendations/{pseudonym}"),
    ("GET", "/v1/model"),
    ("GET", "/v1/catalog"),
];

/// Simulated time: the start plus real time elapsed since startup, times the speed.
#[derive(Debug)]
pub(crate) struct Clock {
    pub start: Secs,
    origin: Instant,
    speed: f64,
}

impl Clock {
    pub fn now(&self) -> Secs {
        let elapsed = self.origin.elapsed().as_secs_f64() * self.speed;
        self.start.saturating_add(elapsed.floor() as Secs)
    }
}

/// What the handlers share.
pub(crate) struct Shared {
    pub seed: u64,
    pub clock: Clock,
    library: Mutex<Library>,
    pub recs: Recommender,
    faults: Mutex<FaultPlan>,
    requests: [AtomicU64; 2],
    sensor_token: Option<String>,
    recs_token: Option<String>,
    /// The LibCal flavour's tokens (unused unless the flavour is on).
    pub libcal: libcal::Tokens,
    /// The library's time zone, for vendor dialects that give local times.
    pub timezone: chrono_tz::Tz,
    /// The Qmatic flavour's basic-authentication login.
    pub qmatic_user: String,
    /// The Qmatic flavour's basic-authentication password.
    pub qmatic_password: String,
}

impl Shared {
    /// Runs `f` on the library, caught up with the clock.
    pub fn with_library<T>(&self, f: impl FnOnce(&mut Library) -> T) -> T {
        let mut library = self.library.lock().unwrap_or_else(PoisonError::into_inner);
        library.advance_to(self.clock.now());
        f(&mut library)
    }

    fn faults(&self) -> FaultPlan {
        *self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn authorise(&self, api: Api, headers: &HeaderMap) -> Result<(), Reply> {
        let token = match api {
            Api::Sensor => &self.sensor_token,
            Api::Recs => &self.recs_token,
        };
        let Some(token) = token else {
            return Ok(());
        };
        let given = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given.is_some_and(|g| same_secret(g.as_bytes(), token.as_bytes())) {
            return Ok(());
        }
        let mut reply = Reply::error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required",
        );
        reply
            .headers
            .push((WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"carrel-sim\"")));
        Err(reply)
    }
}

/// Compares two secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A handler's answer before faults: a status and a JSON body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    /// The body as JSON bytes.
    pub body: Vec<u8>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    pub fn ok<T: Serialize>(value: &T) -> Self {
        Self::written(serde_json::to_vec(value).map_err(BodyError::from))
    }

    /// A 200 with `envelope`, whose last field is an empty list, holding `records`; the
    /// records are serialised one at a time as the iterator makes them.
    pub fn list<E, I>(envelope: &E, records: I) -> Self
    where
        E: Serialize,
        I: IntoIterator,
        I::Item: Serialize,
    {
        Self::written(list_body(envelope, records))
    }

    /// A 200 with a listing's envelope holding its records.
    pub fn listing<E, I>(listing: Listing<E, I>) -> Self
    where
        E: Serialize,
        I: IntoIterator,
        I::Item: Serialize,
    {
        Self::list(&listing.envelope, listing.records)
    }

    fn written(body: Result<Vec<u8>, BodyError>) -> Self {
        match body {
            Ok(body) => Self { status: StatusCode::OK, body, headers: Vec::new() },
            Err(e) => {
                Self::error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", e.to_string())
            }
        }
    }

    pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        let body = crate::domain::api::ApiError::new(code, message);
        Self {
            status,
            body: serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec()),
            headers: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::error(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

/// Numbers the request, checks the token, runs `make` and delivers its reply with faults.
pub(crate) async fn answer(
    shared: &Shared,
    api: Api,
    headers: &HeaderMap,
    make: impl FnOnce(&Shared) -> Reply,
) -> Response {
    answer_checked(shared, api, shared.authorise(api, headers), make).await
}

/// [`answer`] for a route with its own authentication (a vendor dialect's): `allowed` is its
/// verdict, a refusal reply when the caller may not ask. Counted and faulted as `api`.
pub(crate) async fn answer_checked(
    shared: &Shared,
    api: Api,
    allowed: Result<(), Reply>,
    make: impl FnOnce(&Shared) -> Reply,
) -> Response {
    let n = shared.requests[api as usize].fetch_add(1, Ordering::Relaxed);
    let reply = match allowed {
        Ok(()) => make(shared),
        Err(refused) => refused,
    };
    deliver(shared.faults(), shared.seed, api, n, reply.status, reply.body, reply.headers).await
}

/// Numbers the request, runs `make` and delivers its reply with faults, without checking the
/// sensor or recommendation token: for flavour routes, which check their vendor's credentials
/// in `make`.
pub(crate) async fn answer_unchecked(
    shared: &Shared,
    api: Api,
    make: impl FnOnce(&Shared) -> Reply,
) -> Response {
    let n = shared.requests[api as usize].fetch_add(1, Ordering::Relaxed);
    let reply = make(shared);
    // A vendor's answers carry no report time of their own: the `Date` header is the
    // simulated library's clock, as a real server's is its own.
    let mut headers = reply.headers;
    let now = chrono::DateTime::from_timestamp(shared.clock.now(), 0).unwrap_or_default();
    if let Ok(date) = HeaderValue::from_str(&now.format("%a, %d %b %Y %H:%M:%S GMT").to_string()) {
        headers.push((axum::http::header::DATE, date));
    }
    deliver(shared.faults(), shared.seed, api, n, reply.status, reply.body, headers).await
}

/// Query parameters, or a 400 reply when the query string cannot be read.
pub(crate) fn params(
    query: Result<
        Query<std::collections::HashMap<String, String>>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Result<std::collections::HashMap<String, String>, Reply> {
    query.map(|Query(q)| q).map_err(|e| Reply::bad_request(format!("unreadable query string: {e}")))
}

fn api_of(path: &str) -> Api {
    if ["/v1/recommendations", "/v1/model", "/v1/catalog"].iter().any(|p| path.starts_with(p)) {
        Api::Recs
    } else {
        Api::Sensor
    }
}

async fn unknown_path(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().to_owned();
    answer(&shared, api_of(&path), &headers, |_| {
        Reply::error(StatusCode::NOT_FOUND, "unknown_path", format!("no endpoint at {path}"))
    })
    .await
}

async fn wrong_method(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_owned();
    answer(&shared, api_of(&path), &headers, |_| {
        Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{method} is not allowed on {path}"),
        )
    })
    .await
}

fn router(shared: Arc<Shared>, flavors: &[flavors::Flavor]) -> Router {
    Router::new()
        .route("/v1/layout", get(sensor_api::layout))
        .route("/v1/seats", get(sensor_api::seats))
        .route("/v1/seats/{id}/release", post(sensor_api::release))
        .route("/v1/environment", get(sensor_api::environment))
        .route("/v1/service-points", get(sensor_api::service_points))
        .route("/v1/service-points/{id}", post(sensor_api::change_service_point))
        .route("/v1/arrivals", get(sensor_api::arrivals))
        .route("/v1/recommendations/{pseudonym}", get(recs_api::recommendations))
        .route("/v1/model", get(recs_api::model))
        .route("/v1/catalog", get(recs_api::catalog))
        .merge(flavors::router(flavors))
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_method)
        .with_state(shared)
}

/// A running simulated library.
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
    ticker: JoinHandle<()>,
}

/// Starts a simulated library listening on `listen` (port 0 picks a free port): binds,
/// simulates up to the start time, and serves both APIs from a spawned task.
pub async fn start(config: SimConfig, listen: SocketAddr) -> Result<SimHandle, SimError> {
    config.validate()?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| SimError::Bind { addr: listen, source })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind { addr: listen, source })?;
    let warm = config.clone();
    let (library, recs) = tokio::task::spawn_blocking(move || {
        (Library::new(&warm), Recommender::new(warm.seed, &warm.site_key))
    })
    .await
    .map_err(|e| SimError::Warmup(e.to_string()))?;
    let shared = Arc::new(Shared {
        seed: config.seed,
        clock: Clock {
            start: config.start.timestamp(),
            origin: Instant::now(),
            speed: config.speed,
        },
        library: Mutex::new(library),
        recs,
        faults: Mutex::new(config.faults),
        requests: [AtomicU64::new(0), AtomicU64::new(0)],
        sensor_token: config.sensor_token,
        recs_token: config.recs_token,
        libcal: libcal::Tokens::new(config.libcal),
        timezone: config.timezone,
        qmatic_user: config.qmatic_user,
        qmatic_password: config.qmatic_password,
    });
    let app = router(Arc::clone(&shared), &config.flavors);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::warn!("simulator server stopped: {e}");
        }
    });
    let ticker = tokio::spawn(tick(Arc::clone(&shared), config.speed));
    Ok(SimHandle { addr, shared, stop: Some(stop), server, ticker })
}

async fn tick(shared: Arc<Shared>, speed: f64) {
    if speed == 0.0 {
        return;
    }
    let mut every = tokio::time::interval(Duration::from_millis(500));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let s = Arc::clone(&shared);
        if tokio::task::spawn_blocking(move || s.with_library(|_| ())).await.is_err() {
            return;
        }
    }
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (a wildcard listen address is shown as loopback).
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// Changes the faults from the next request on.
    pub fn set_faults(&self, plan: FaultPlan) {
        *self.shared.faults.lock().unwrap_or_else(PoisonError::into_inner) = plan;
    }

    /// How many requests one API has received so far.
    pub fn requests(&self, api: super::Api) -> u64 {
        self.shared.requests[api as usize].load(Ordering::Relaxed)
    }

    /// How many LibCal tokens the LibCal flavour has handed out.
    pub fn libcal_tokens_issued(&self) -> u64 {
        self.shared.libcal.issued()
    }

    /// Makes every LibCal token handed out so far expire now, as a restart of the vendor's
    /// service would: the next call with one gets 401.
    pub fn expire_libcal_tokens(&self) {
        self.shared.libcal.expire_all();
    }

    /// The current simulated time.
    pub fn now(&self) -> DateTime<Utc> {
        utc(self.shared.clock.now())
    }

    /// Stops serving: in-flight requests get two seconds to finish (a `timeout` fault's hang
    /// does not), then the server is stopped.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.ticker.abort();
        if tokio::time::timeout(Duration::from_secs(2), &mut self.server).await.is_err() {
            self.server.abort();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.ticker.abort();
        self.server.abort();
    }
}
