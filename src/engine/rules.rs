//! The privacy rules on a schedule: the ingesting process runs them every `[alerts] every_s`
//! seconds over the whole audit log and the store (and `carrel alerts check` runs them on
//! demand), folding what they find into alerts; then the audit review queue takes the day's
//! sample and the new alert evidence.

use crate::config::Config;
use crate::domain::rules::BulkParams;
use crate::services::alerts::RulesSettings;
use crate::services::review::ReviewSettings;

/// How the audit review queue is filled, from `[governance]`.
pub fn review_settings(cfg: &Config) -> ReviewSettings {
    let g = &cfg.settings.governance;
    ReviewSettings {
        tz: cfg.timezone,
        per_day: g.review_sample_per_day,
        lookback_days: g.review_lookback_days,
    }
}

/// The rules' settings from the configuration, or what is wrong with them.
pub fn settings(cfg: &Config) -> Result<RulesSettings, String> {
    let a = &cfg.settings.alerts;
    let retention =
        cfg.settings.retention.policy().map_err(|(t, k, m)| format!("[{t}] {k}: {m}"))?;
    Ok(RulesSettings {
        tz: cfg.timezone,
        working_hours: a.hours().map_err(|e| format!("[alerts] working_hours: {e}"))?,
        approved_purposes: a.approved_purposes.clone(),
        bulk: BulkParams {
            baseline_days: a.bulk_baseline_days,
            factor: a.bulk_factor,
            min_reads: a.bulk_min_reads,
        },
        consent_mode: cfg.consent_mode(),
        comfort_limits: cfg.settings.comfort.clone(),
        comfort_response_s: i64::from(a.comfort_response_s),
        retention,
        witnesses: cfg.settings.audit.witnesses.iter().map(|w| w.name.clone()).collect(),
        witness_silent_after_s: i64::try_from(cfg.settings.audit.witness_silent_after_s)
            .unwrap_or(i64::MAX),
    })
}
