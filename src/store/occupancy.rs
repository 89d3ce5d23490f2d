//! Head counts per zone, from sources that count people rather than seats (LibCal's rooms
//! booked whole, Occuspace): the latest count of each zone.

use super::db::{Connection, params};
use super::{StoreResult, from_ms, to_ms};
use crate::domain::layout::ZoneOccupancy;

/// Stores each zone's count unless the store holds a later one for that zone; returns how
/// many were stored. A count of a retired or unknown zone is the caller's to reject first (the
/// zone must exist).
pub fn apply(conn: &Connection, counts: &[ZoneOccupancy]) -> StoreResult<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO zone_occupancy (zone_id, people, capacity, at_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (zone_id) DO UPDATE
            SET people = excluded.people, capacity = excluded.capacity, at_ms = excluded.at_ms
          WHERE excluded.at_ms >= zone_occupancy.at_ms",
    )?;
    let mut n = 0;
    for c in counts {
        n += stmt.execute(params![
            c.zone_id,
            i64::from(c.count),
            c.capacity.map(i64::from),
            to_ms(c.at)
        ])?;
    }
    Ok(n)
}

/// The latest head count of every active zone that has one, by zone id.
pub fn latest(conn: &Connection) -> StoreResult<Vec<ZoneOccupancy>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.zone_id, o.people, o.capacity, o.at_ms
         FROM zone_occupancy o JOIN zones z ON z.id = o.zone_id
         WHERE z.retired_ms IS NULL
         ORDER BY o.zone_id",
    )?;
    let rows = stmt.query_map((), |r| {
        let people: i64 = r.get(1)?;
        let capacity: Option<i64> = r.get(2)?;
        Ok(ZoneOccupancy {
            zone_id: r.get(0)?,
            count: u32::try_from(people).unwrap_or(u32::MAX),
            capacity: capacity.map(|c| u32::try_from(c).unwrap_or(u32::MAX)),
            at: from_ms(r.get(3)?),
        })
    })?;
    rows.collect::<super::db::Result<_>>()
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::domain::layout::{Floor, Zone, ZoneKind};
    use crate::store::Store;

    fn store_with_zone() -> Store {
        let mut store = Store::open_in_memory().unwrap();
        store
            .write(|tx| -> crate::store::StoreResult<_> {
                let floor = Floor { id: "F0".into(), name: "Ground".into(), level: 0 };
                let zone = Zone {
                    id: "Z1".into(),
                    floor_id: "F0".into(),
                    name: "Group rooms".into(),
                    kind: ZoneKind::Group,
                };
                crate::store::layout::apply(
                    tx,
                    &[floor],
                    &[zone],
                    &[],
                    true,
                    crate::store::layout::Positions::Given,
                    0,
                )
            })
            .unwrap();
        store
    }

    #[test]
    fn a_later_count_replaces_an_earlier_one_and_never_the_other_way() {
        let store = store_with_zone();
        let t0: DateTime<Utc> = "2026-11-21T10:00:00Z".parse().unwrap();
        let count = |people, at| ZoneOccupancy {
            zone_id: "Z1".into(),
            count: people,
            capacity: Some(40),
            at,
        };
        assert_eq!(apply(store.conn(), &[count(12, t0)]).unwrap(), 1);
        assert_eq!(apply(store.conn(), &[count(15, t0 + Duration::minutes(1))]).unwrap(), 1);
        assert_eq!(apply(store.conn(), &[count(3, t0 - Duration::minutes(5))]).unwrap(), 0);
        assert_eq!(latest(store.conn()).unwrap(), [count(15, t0 + Duration::minutes(1))]);
    }
}
