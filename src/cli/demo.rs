//! `carrel demo`: a fresh temporary demo database (with its own key file, and the simulated
//! library's patrons and their activity), the simulator in this process on an ephemeral
//! loopback port, the feeds, and the console — nothing to configure.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{CliError, CliResult};
use crate::config::{Config, Endpoint};
use crate::domain::staff::Role;
use crate::engine::SharedStore;
use crate::engine::ingest::{Feed, Ingest, IngestOptions};
use crate::feeds::Sources;
use crate::services::{identity, keys};
use crate::sim::{self, SimConfig};
use crate::store::{Store, StoreOptions};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Everything in the simulated library follows from the seed
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Simulated seconds per real second, 0 to 1000000 (0 freezes the library)
    #[arg(long, value_name = "X", default_value_t = 1.0, allow_negative_numbers = true, value_parser = super::sim::parse_speed)]
    pub speed: f64,
    /// Number of seats, 20 to 20000
    #[arg(long, value_name = "N", default_value_t = 600)]
    pub seats: u32,
    /// Simulated time at start (RFC 3339); by default now, or 10:30 today when the library is
    /// closed now, so the demo always opens on a working library
    #[arg(long, value_name = "TIME")]
    pub start: Option<DateTime<Utc>>,
    /// Feed the console the way a site running these vendors' systems would, comma-separated:
    /// libcal (seats and rooms from LibCal bookings), occuspace (head counts per zone), qmatic
    /// (service windows and arrivals from Qmatic Orchestra), sensorthings (comfort readings from a
    /// SensorThings service); carrel's own API fills what they lack
    #[arg(long, value_name = "LIST", default_value = "none", value_parser = super::sim::parse_flavors)]
    pub flavor: super::sim::Flavors,
    /// The console as plain lines, for screen readers and dumb terminals (see `carrel --plain`)
    #[arg(long)]
    pub plain: bool,
}

/// Now if the library is open now, else 10:30 local time today.
fn demo_start(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let (open, close) = sim::opening_hours();
    let local = now.with_timezone(&tz);
    let time = local.time();
    if time >= open + Duration::minutes(30) && time < close - Duration::minutes(30) {
        return now;
    }
    let morning = local.date_naive().and_time(NaiveTime::from_hms_opt(10, 30, 0).unwrap_or(open));
    tz.from_local_datetime(&morning).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or(now)
}

pub fn run(args: &DemoArgs, cfg: &Config) -> CliResult {
    let dir = tempfile::Builder::new()
        .prefix("carrel-demo-")
        .tempdir()
        .map_err(|e| CliError::Failed(format!("cannot make a temporary directory: {e}")))?;
    let mut cfg = cfg.clone();
    cfg.db_path = dir.path().join("demo.db");
    cfg.database = crate::store::Location::File(cfg.db_path.clone());
    cfg.state_dir = dir.path().to_owned();
    cfg.settings.privacy.key_file = None;
    if cfg.settings.patrons.zone_subjects.is_empty() {
        cfg.settings.patrons.zone_subjects = sim::zone_subjects(args.seats);
    }
    let _log = super::logging::init(&cfg);
    let start = args.start.unwrap_or_else(|| demo_start(Utc::now(), cfg.timezone));

    let log_seed = crate::services::log_key::generate();
    let mut store = Store::create_with_log_key(
        &cfg.db_path,
        true,
        &identity::os_login(),
        StoreOptions::default(),
        Some(&log_seed),
    )?;
    // The simulated recommendation service knows patrons by the seed's site key.
    let keys = keys::generate(Some(sim::site_key_for(args.seed)));
    let key_file = cfg.key_file(store.database_id()?.as_deref());
    keys::write_new(&key_file, &keys, true)?;
    keys::record(&mut store, &keys)?;
    super::init::write_log_key(&key_file, &store, &log_seed, true)?;
    super::init::seed_demo_catalog(&mut store, args.seed, args.seats)?;
    super::init::seed_demo_staff(&mut store)?;
    super::init::seed_demo_requests(&mut store, Utc::now())?;
    // The patrons are seeded beside the start-up (on their own connection, a few tenths of a
    // second of writing), so the first screen comes no later than without them; the console
    // shows no patron data that could be missing meanwhile.
    let seeding = {
        let (db, seed) = (cfg.db_path.clone(), args.seed);
        std::thread::spawn(move || {
            let mut store = Store::open(&db, StoreOptions::default())?;
            super::init::seed_demo_patrons(&mut store, &keys, seed, start)
        })
    };
    let login = identity::os_login();
    if !super::init::DEMO_STAFF.iter().any(|s| s.0 == login) {
        // You run the demo at the desk; `--as sam` (or any demo login) shows another role.
        crate::services::staff::bootstrap(
            &mut store,
            &login,
            &format!("{login} (you)"),
            Role::Desk,
            None,
        )?;
    }

    let mut sim_cfg = SimConfig::new(args.seed);
    sim_cfg.speed = args.speed;
    sim_cfg.seats = args.seats;
    sim_cfg.timezone = cfg.timezone;
    sim_cfg.start = start;
    sim_cfg.flavors = args.flavor.0.clone();
    sim_cfg.validate().map_err(|e| CliError::BadInput(e.to_string()))?;

    let flavors = (sim_cfg.flavors.clone(), sim_cfg.libcal.clone());
    let qmatic_login = (sim_cfg.qmatic_user.clone(), sim_cfg.qmatic_password.clone());
    let runtime = super::runtime()?;
    let handle = runtime
        .block_on(sim::start(sim_cfg, std::net::SocketAddr::from(([127, 0, 0, 1], 0))))
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let url: reqwest::Url =
        handle.base_url().parse().map_err(|e| CliError::Failed(format!("simulator URL: {e}")))?;
    let endpoint = Endpoint {
        url,
        token: None,
        token_origin: None,
        connect_timeout: StdDuration::from_secs(2),
        timeout: StdDuration::from_secs(5),
        max_body_bytes: cfg.settings.feeds.sensor.max_body_bytes,
    };
    let sim_side = SimSide {
        libcal: &flavors.1,
        qmatic_login: &qmatic_login,
        seats: args.seats,
        seed: args.seed,
        libcal_zones: flavors.0.contains(&sim::Flavor::LibCal),
    };
    for flavor in &flavors.0 {
        feed_from(&mut cfg, *flavor, &endpoint, &sim_side);
    }
    cfg.sensor = Some(endpoint.clone());
    cfg.recs = Some(endpoint);
    let sources = Sources::from_config(&cfg).map_err(|e| CliError::Failed(e.to_string()))?;
    let mut options = IngestOptions::from_config(&cfg);
    // A demo should move: seats, head counts and windows every two seconds.
    for feed in [Feed::Seats, Feed::Occupancy, Feed::ServicePoints] {
        options.every.insert(feed, StdDuration::from_secs(2));
    }
    options.every.insert(Feed::Environment, StdDuration::from_secs(15));
    let feeds_store = Store::open(&cfg.db_path, StoreOptions::default())?;
    let ingest = Ingest::new(SharedStore::new(feeds_store), sources.clone(), options);
    let actor = super::actor(&cfg, &store)?;
    let mut console = super::console::console(&cfg, store, actor, sources, Some(ingest))?;
    // This demo's patrons are those of its own seed.
    console.desk.demo_cards = super::init::demo_cards(args.seed);
    console.state.patrons.demo = !console.desk.demo_cards.is_empty();
    let mode = super::console::Mode::resolve(args.plain, &cfg);
    let result = super::console::run_on(&runtime, console, mode, &cfg);
    runtime.block_on(handle.shutdown());
    match seeding.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "seeding the demo's patrons failed"),
        Err(_) => tracing::warn!("seeding the demo's patrons panicked"),
    }
    drop(dir);
    result
}

/// What the demo's simulator was started with that its flavours' clients must know.
struct SimSide<'a> {
    libcal: &'a sim::flavors::libcal::LibCalSim,
    /// The Qmatic flavour's basic-authentication login and password.
    qmatic_login: &'a (String, String),
    seats: u32,
    /// The seed, of which the Occuspace flavour's token is made.
    seed: u64,
    /// LibCal names the zones: another flavour's readings are mapped onto LibCal's zone ids,
    /// as a site fed by LibCal maps its sensors.
    libcal_zones: bool,
}

/// Points `cfg` at the simulator's `flavor` (served beside its own API at `own`), as a site
/// running that vendor's system would configure carrel.
fn feed_from(cfg: &mut Config, flavor: sim::Flavor, own: &Endpoint, sim_side: &SimSide<'_>) {
    let (libcal, seats, seed) = (sim_side.libcal, sim_side.seats, sim_side.seed);
    let under = |prefix: &str| {
        let mut url = own.url.clone();
        url.set_path(&format!("{}/{prefix}/", own.url.path().trim_end_matches('/')));
        url
    };
    match flavor {
        sim::Flavor::LibCal => {
            cfg.libcal = Some(crate::config::LibCalSettings {
                url: under("libcal"),
                client_id: libcal.client_id.clone(),
                client_secret: crate::config::Secret::new(libcal.client_secret.clone()),
                secret_origin: "the built-in simulator".into(),
                location_ids: sim::flavors::libcal::location_ids(seats),
                no_show_after_min: libcal.no_show_after_min,
                connect_timeout: own.connect_timeout,
                timeout: own.timeout,
                max_body_bytes: own.max_body_bytes,
            })
        }
        sim::Flavor::Occuspace => {
            cfg.occuspace = Some(crate::config::OccuspaceSettings {
                url: under("occuspace"),
                token: crate::config::Secret::new(sim::flavors::occuspace::token(seed)),
                token_origin: "the built-in simulator".into(),
                zones: sim::flavors::occuspace::zones(seats),
                connect_timeout: own.connect_timeout,
                timeout: own.timeout,
                max_body_bytes: own.max_body_bytes,
            })
        }
        sim::Flavor::SensorThings => {
            let libcal_zone: std::collections::HashMap<String, u64> = if sim_side.libcal_zones {
                sim::flavors::libcal::zone_ids(seats).into_iter().collect()
            } else {
                Default::default()
            };
            let datastreams = sim::flavors::sensorthings::datastreams(seats)
                .into_iter()
                .map(|(id, zone, measure)| crate::config::DatastreamTarget {
                    id: id.to_string(),
                    zone: libcal_zone.get(&zone).map_or(zone, u64::to_string),
                    measure,
                })
                .collect();
            cfg.sensorthings = Some(crate::config::SensorThingsSettings {
                url: under("sensorthings/v1.1"),
                token: None,
                token_origin: None,
                datastreams,
                max_age: StdDuration::from_secs(cfg.settings.feeds.sensorthings.max_age_s),
                connect_timeout: own.connect_timeout,
                timeout: own.timeout,
                max_body_bytes: own.max_body_bytes,
            })
        }
        sim::Flavor::Qmatic => {
            let (user, password) = sim_side.qmatic_login;
            cfg.qmatic = Some(crate::config::QmaticEndpoint {
                endpoint: Endpoint { url: under("qmatic"), token: None, ..own.clone() },
                user: user.clone(),
                password: crate::config::Secret::new(password.clone()),
                password_origin: "the built-in simulator".into(),
                branch_id: sim::flavors::qmatic::BRANCH as u32,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_opens_on_a_working_library() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let at = |h, m| tz.with_ymd_and_hms(2026, 11, 18, h, m, 0).unwrap().with_timezone(&Utc);
        assert_eq!(demo_start(at(14, 0), tz), at(14, 0));
        assert_eq!(demo_start(at(3, 0), tz), at(10, 30));
        assert_eq!(demo_start(at(23, 15), tz), at(10, 30));
    }
}
