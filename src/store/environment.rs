//! Comfort readings per zone over time.

use super::db::{Connection, params};

use super::StoreResult;
use super::layout::parse_column;
use super::{from_ms, to_ms};
use crate::domain::comfort::{Comfort, ZoneSample};
use crate::domain::layout::ZoneKind;

pub use crate::domain::comfort::ZoneComfort;

/// Stores samples; a sample already stored for the same zone and time is skipped. Returns how
/// many were new.
pub fn insert(conn: &Connection, samples: &[ZoneSample]) -> StoreResult<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO environment_samples
             (zone_id, at_ms, temperature_c, co2_ppm, light_lux, noise_db)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
    )?;
    let mut n = 0;
    for s in samples {
        let c = &s.comfort;
        n += stmt.execute(params![
            s.zone_id,
            to_ms(s.at),
            c.temperature_c,
            c.co2_ppm,
            c.light_lux,
            c.noise_db
        ])?;
    }
    Ok(n)
}

/// Every active zone's kind and its samples since `since`, oldest first.
pub fn history_since(
    conn: &Connection,
    since: chrono::DateTime<chrono::Utc>,
) -> StoreResult<Vec<(String, ZoneKind, Vec<ZoneSample>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT z.id, z.kind, e.at_ms, e.temperature_c, e.co2_ppm, e.light_lux, e.noise_db
         FROM environment_samples e JOIN zones z ON z.id = e.zone_id
         WHERE e.at_ms >= ?1 AND z.retired_ms IS NULL
         ORDER BY z.id, e.at_ms",
    )?;
    let mut rows = stmt.query([to_ms(since)])?;
    let mut out: Vec<(String, ZoneKind, Vec<ZoneSample>)> = Vec::new();
    while let Some(r) = rows.next_row()? {
        let zone_id: String = r.get(0)?;
        let kind: String = r.get(1)?;
        let sample = ZoneSample {
            zone_id: zone_id.clone(),
            at: from_ms(r.get(2)?),
            comfort: Comfort {
                temperature_c: r.get(3)?,
                co2_ppm: r.get(4)?,
                light_lux: r.get(5)?,
                noise_db: r.get(6)?,
            },
        };
        match out.last_mut() {
            Some((z, _, samples)) if *z == zone_id => samples.push(sample),
            _ => out.push((zone_id, parse_column::<ZoneKind>(&kind, 1)?, vec![sample])),
        }
    }
    Ok(out)
}

/// Every active zone with its latest sample, if any.
pub fn latest(conn: &Connection) -> StoreResult<Vec<ZoneComfort>> {
    let mut stmt = conn.prepare_cached(
        "SELECT z.id, z.name, z.floor_id, z.kind,
                e.at_ms, e.temperature_c, e.co2_ppm, e.light_lux, e.noise_db
         FROM zones z
         JOIN floors f ON f.id = z.floor_id
         LEFT JOIN environment_samples e
           ON e.zone_id = z.id
          AND e.at_ms = (SELECT max(at_ms) FROM environment_samples WHERE zone_id = z.id)
         WHERE z.retired_ms IS NULL
         ORDER BY f.level, z.id",
    )?;
    let rows = stmt.query_map((), |r| {
        let zone_id: String = r.get(0)?;
        let kind: String = r.get(3)?;
        let at: Option<i64> = r.get(4)?;
        let latest = match at {
            Some(at) => Some(ZoneSample {
                zone_id: zone_id.clone(),
                at: from_ms(at),
                comfort: Comfort {
                    temperature_c: r.get(5)?,
                    co2_ppm: r.get(6)?,
                    light_lux: r.get(7)?,
                    noise_db: r.get(8)?,
                },
            }),
            None => None,
        };
        Ok(ZoneComfort {
            zone_id,
            zone_name: r.get(1)?,
            floor_id: r.get(2)?,
            kind: parse_column(&kind, 3)?,
            latest,
        })
    })?;
    rows.collect::<super::db::Result<_>>()
}
