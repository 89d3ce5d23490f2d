//! `carrel sim`: the simulated library, serving both APIs (and the vendor flavours asked for)
//! until interrupted.

use std::net::SocketAddr;

use chrono::{DateTime, Utc};

use super::{CliError, CliResult};
use crate::config::{Config, ENV_RECS_TOKEN, ENV_SENSOR_TOKEN};
use crate::sim::{self, FaultPlan, Flavor, SimConfig};

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Address to listen on; port 0 picks a free port (printed on stdout)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878")]
    pub listen: SocketAddr,
    /// Everything random in the library follows from the seed
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Simulated seconds per real second, 0 to 1000000: 0 freezes time, 60 runs a minute a
    /// second
    #[arg(long, value_name = "X", default_value_t = 1.0, allow_negative_numbers = true, value_parser = parse_speed)]
    pub speed: f64,
    /// Number of seats, 20 to 20000
    #[arg(long, value_name = "N", default_value_t = 600)]
    pub seats: u32,
    /// Faults to inject: none, latency, errors, timeout, malformed, truncated, oversized,
    /// hostile, bad-records, chaos; comma-separated, each optionally prefixed sensor: or recs:
    #[arg(long, value_name = "PROFILE", default_value = "none", value_parser = parse_faults)]
    pub faults: FaultPlan,
    /// Vendor dialects to serve beside carrel's own API, comma-separated: libcal (under
    /// /libcal/1.1/), occuspace (under /occuspace/v1/ and /occuspace/v2/), qmatic (Qmatic
    /// Orchestra under /qmatic/, basic auth as CARREL_QMATIC_USER with CARREL_QMATIC_PASSWORD, by
    /// default carrel / carrel-sim), sensorthings (under /sensorthings/v1.1/)
    #[arg(long, value_name = "LIST", default_value = "none", value_parser = parse_flavors)]
    pub flavor: Flavors,
    /// Simulated time at start (RFC 3339) [default: now]
    #[arg(long, value_name = "TIME")]
    pub start: Option<DateTime<Utc>>,
    /// Allow listening on an address other than loopback
    #[arg(long)]
    pub allow_remote: bool,
}

/// The variable naming the login the simulator's Qmatic flavour accepts.
pub const ENV_QMATIC_USER: &str = "CARREL_QMATIC_USER";
/// The variable holding the password the simulator's Qmatic flavour accepts.
pub const ENV_QMATIC_PASSWORD: &str = "CARREL_QMATIC_PASSWORD";

/// `--speed` of `carrel sim` and `carrel demo`: a number in the simulator's range. Negative
/// numbers reach this check (`allow_negative_numbers`) instead of clap's "unexpected argument".
pub(super) fn parse_speed(s: &str) -> Result<f64, String> {
    let max = sim::MAX_SPEED;
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && (0.0..=max).contains(&x) => Ok(x),
        _ => Err(format!("expected simulated seconds per real second, from 0 (frozen) to {max}")),
    }
}

fn parse_faults(s: &str) -> Result<FaultPlan, String> {
    s.parse().map_err(|e: sim::FaultPlanError| e.to_string())
}

/// The vendor flavours of `--flavor`, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flavors(pub Vec<Flavor>);

pub(super) fn parse_flavors(s: &str) -> Result<Flavors, String> {
    sim::parse_flavors(s).map(Flavors).map_err(|e| e.to_string())
}

/// Builds the simulator's settings from the flags, the configuration (time zone) and the
/// token variables: when `CARREL_SENSOR_TOKEN` or `CARREL_RECS_TOKEN` is set, the matching API
/// requires it, so a client and a simulator started from one shell agree.
pub fn settings(args: &SimArgs, cfg: &Config) -> CliResult<SimConfig> {
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        return Err(CliError::BadInput(format!(
            "--listen {}: not a loopback address; add --allow-remote to serve other machines",
            args.listen
        )));
    }
    let token = |var: &str| std::env::var(var).ok().filter(|t| !t.is_empty());
    let mut config = SimConfig::new(args.seed);
    config.speed = args.speed;
    config.seats = args.seats;
    config.faults = args.faults;
    config.flavors = args.flavor.0.clone();
    config.timezone = cfg.timezone;
    config.sensor_token = token(ENV_SENSOR_TOKEN);
    config.recs_token = token(ENV_RECS_TOKEN);
    if let Some(user) = token(ENV_QMATIC_USER) {
        config.qmatic_user = user;
    }
    if let Some(password) = token(ENV_QMATIC_PASSWORD) {
        config.qmatic_password = password;
    }
    if let Some(start) = args.start {
        config.start = start;
    }
    config.validate().map_err(|e| CliError::BadInput(e.to_string()))?;
    Ok(config)
}

pub fn run(args: &SimArgs, cfg: &Config) -> CliResult {
    let config = settings(args, cfg)?;
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let flavors = match config.flavors.as_slice() {
            [] => "none".to_owned(),
            list => list.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(","),
        };
        let summary = format!(
            "seed {}, speed {}, {} seats, faults {}, flavours {flavors}, simulated time {}",
            config.seed,
            config.speed,
            config.seats,
            config.faults,
            config.start.to_rfc3339(),
        );
        let libcal = config.flavors.contains(&Flavor::LibCal).then(|| {
            let lids = sim::flavors::libcal::location_ids(config.seats);
            format!(
                "client id {}, client secret {}, location_ids = {lids:?}, no-show after {} min",
                config.libcal.client_id,
                config.libcal.client_secret,
                config.libcal.no_show_after_min
            )
        });
        let occuspace = config.flavors.contains(&Flavor::Occuspace).then(|| {
            use sim::flavors::occuspace::{BUILDING, ZONE_BASE, token, zones};
            format!(
                "token {}, {} zone locations, id {ZONE_BASE} + zone number (building {BUILDING})",
                token(config.seed),
                zones(config.seats).len()
            )
        });
        let sensorthings = config.flavors.contains(&Flavor::SensorThings).then(|| {
            use sim::flavors::sensorthings::{DATASTREAM_BASE, datastreams};
            format!(
                "{} datastreams, id {DATASTREAM_BASE} + 10 x zone number + quantity (0 temperature, \
                 1 co2, 2 light, 3 noise); each Datastream's properties name its zone",
                datastreams(config.seats).len()
            )
        });
        let handle = sim::start(config, args.listen).await.map_err(|e| match e {
            sim::SimError::Bind { .. } | sim::SimError::Config(_) => {
                CliError::BadInput(e.to_string())
            }
            other => CliError::Failed(other.to_string()),
        })?;
        // Tests and scripts read the address from this first line.
        println!("carrel sim: listening on {} ({summary})", handle.base_url());
        if let Some(libcal) = libcal {
            // The simulator's own credentials, made from the seed: nothing to keep secret.
            println!("carrel sim: LibCal at {}/libcal: {libcal}", handle.base_url());
        }
        if let Some(occuspace) = occuspace {
            // The simulator's own token, made from the seed: nothing to keep secret.
            println!("carrel sim: Occuspace at {}/occuspace: {occuspace}", handle.base_url());
        }
        if let Some(sensorthings) = sensorthings {
            println!(
                "carrel sim: SensorThings at {}{}: {sensorthings}",
                handle.base_url(),
                sim::flavors::sensorthings::ROOT
            );
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        super::sync::wait_for_signal().await;
        handle.shutdown().await;
        Ok(())
    })
}
