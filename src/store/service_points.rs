//! Service windows: their latest reported state, who is on duty, and every change of a
//! window's open state or staff (`window_assignments`), whether the sensor API reported it or
//! a console made it.

use super::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, Utc};

use super::StoreResult;
use super::{from_ms, to_ms};
use crate::domain::service_point::ServicePoint;

/// Who caused a change of a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeSource {
    /// Seen in a sensor API report.
    Sensor,
    /// Made by a staff member in carrel.
    Console,
}

impl ChangeSource {
    fn as_str(self) -> &'static str {
        match self {
            ChangeSource::Sensor => "sensor",
            ChangeSource::Console => "console",
        }
    }
}

/// Writes the reported windows. A window whose open state or staff differs from what was
/// stored gets a `window_assignments` row. Returns how many windows changed that way.
pub fn apply_report(
    conn: &Connection,
    points: &[ServicePoint],
    staff_on_duty: &[String],
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    let mut changed = 0;
    for p in points {
        let before = assignment(conn, &p.id)?;
        let after = (p.open, p.staff.clone());
        conn.prepare_cached(
            "INSERT INTO service_points(id, name, service, open, staff, queue_length,
                 oldest_waiting_since_ms, served_today, mean_service_s, updated_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, service = excluded.service,
                 open = excluded.open, staff = excluded.staff, queue_length = excluded.queue_length,
                 oldest_waiting_since_ms = excluded.oldest_waiting_since_ms,
                 served_today = excluded.served_today, mean_service_s = excluded.mean_service_s,
                 updated_ms = excluded.updated_ms",
        )?
        .execute(params![
            p.id,
            p.name,
            p.service,
            p.open,
            p.staff,
            p.queue_length,
            p.oldest_waiting_since.map(to_ms),
            p.served_today,
            p.mean_service_s,
            to_ms(p.updated_at)
        ])?;
        if before.as_ref() != Some(&after) {
            record_assignment(
                conn,
                &p.id,
                p.open,
                p.staff.as_deref(),
                now,
                ChangeSource::Sensor,
                None,
            )?;
            changed += 1;
        }
    }
    conn.execute("DELETE FROM staff_on_duty", ())?;
    let mut duty = conn.prepare_cached(
        "INSERT INTO staff_on_duty(login, seen_ms) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for login in staff_on_duty {
        duty.execute(params![login, to_ms(now)])?;
    }
    Ok(changed)
}

/// Writes one window's state as an action's answer reported it (staff on duty unchanged).
pub fn update_one(conn: &Connection, p: &ServicePoint) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE service_points SET name = ?2, service = ?3, open = ?4, staff = ?5, queue_length = ?6,
             oldest_waiting_since_ms = ?7, served_today = ?8, mean_service_s = ?9, updated_ms = ?10
         WHERE id = ?1",
    )?
    .execute(params![
        p.id,
        p.name,
        p.service,
        p.open,
        p.staff,
        p.queue_length,
        p.oldest_waiting_since.map(to_ms),
        p.served_today,
        p.mean_service_s,
        to_ms(p.updated_at)
    ])?;
    Ok(())
}

/// Records a change of a window's open state or staff.
pub fn record_assignment(
    conn: &Connection,
    service_point_id: &str,
    open: bool,
    staff: Option<&str>,
    at: DateTime<Utc>,
    source: ChangeSource,
    actor: Option<&str>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO window_assignments(service_point_id, open, staff, at_ms, source, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![service_point_id, open, staff, to_ms(at), source.as_str(), actor])?;
    Ok(())
}

fn assignment(conn: &Connection, id: &str) -> StoreResult<Option<(bool, Option<String>)>> {
    conn.prepare_cached("SELECT open, staff FROM service_points WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// Every window, ordered by service then id.
pub fn list(conn: &Connection) -> StoreResult<Vec<ServicePoint>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, service, open, staff, queue_length, oldest_waiting_since_ms,
                served_today, mean_service_s, updated_ms
         FROM service_points ORDER BY service, id",
    )?;
    let rows = stmt.query_map((), |r| {
        Ok(ServicePoint {
            id: r.get(0)?,
            name: r.get(1)?,
            service: r.get(2)?,
            open: r.get(3)?,
            staff: r.get(4)?,
            queue_length: r.get(5)?,
            oldest_waiting_since: r.get::<_, Option<i64>>(6)?.map(from_ms),
            served_today: r.get(7)?,
            mean_service_s: r.get(8)?,
            updated_at: from_ms(r.get(9)?),
        })
    })?;
    rows.collect::<super::db::Result<_>>()
}

/// Staff logins the sensor API last reported on duty.
pub fn staff_on_duty(conn: &Connection) -> StoreResult<Vec<String>> {
    conn.prepare_cached("SELECT login FROM staff_on_duty ORDER BY login")?
        .query_map((), |r| r.get(0))?
        .collect::<super::db::Result<_>>()
}

/// A window's changes, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub open: bool,
    pub staff: Option<String>,
    pub at: DateTime<Utc>,
    pub source: String,
    pub actor: Option<String>,
}

pub fn assignments(
    conn: &Connection,
    service_point_id: &str,
    limit: usize,
) -> StoreResult<Vec<Assignment>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "SELECT open, staff, at_ms, source, actor FROM window_assignments
         WHERE service_point_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?
    .query_map(params![service_point_id, limit], |r| {
        Ok(Assignment {
            open: r.get(0)?,
            staff: r.get(1)?,
            at: from_ms(r.get(2)?),
            source: r.get(3)?,
            actor: r.get(4)?,
        })
    })?
    .collect::<super::db::Result<_>>()
}
