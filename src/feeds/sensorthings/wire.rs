//! SensorThings answers as carrel reads them: the fields carrel uses, and no others.
//!
//! Shapes (OGC 18-088, SensorThings API 1.1; sources in
//! `tests/fixtures/vendors/sensorthings/README.md`):
//! - `GET {root}/Datastreams({id})` → a [`Datastream`] entity, of which carrel reads only the
//!   `unitOfMeasurement` ([`Unit`]);
//! - `GET {root}/Datastreams({id})/Observations?$orderby=phenomenonTime desc&$top=1` → a
//!   [`Page`] of [`Observation`]s (`value`), with `@iot.nextLink` when the server has more.
//!
//! Everything else an entity carries (`parameters`, `resultQuality`, navigation links, a
//! Thing's `properties`) is never declared, so serde drops it while parsing. A record that fails
//! a check goes to the quarantine re-serialised from these types ([`rejection`]), or, when it
//! does not parse, as its declared scalar fields only ([`unparsed`]).
//!
//! May use: serde, serde_json, feeds::records.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// A Datastream entity: only its unit is read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Datastream {
    /// What its observations' results are counted in; absent, the unit is unknown.
    #[serde(rename = "unitOfMeasurement")]
    pub unit_of_measurement: Option<Unit>,
}

/// A datastream's `unitOfMeasurement`: every member optional in practice, though the standard
/// asks for all three.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Its name, e.g. `degree Celsius`.
    pub name: Option<String>,
    /// Its symbol, e.g. `°C` or the UCUM code `Cel`.
    pub symbol: Option<String>,
    /// A URI defining it, e.g. `http://qudt.org/vocab/unit/DEG_C`.
    pub definition: Option<String>,
}

/// One page of a collection.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// The entities of this page, read one by one.
    #[serde(default)]
    pub value: Vec<Box<RawValue>>,
    /// Where the next page is, when the server has more.
    #[serde(rename = "@iot.nextLink")]
    pub next_link: Option<String>,
}

/// One observation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Observation {
    /// Its id, a number or a string by server.
    #[serde(rename = "@iot.id", skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    /// When the phenomenon was observed: an instant, or an interval `start/end`.
    #[serde(rename = "phenomenonTime")]
    pub phenomenon_time: Option<String>,
    /// The value observed: a number for the quantities carrel reads.
    pub result: Option<Value>,
}

/// Fields of [`Observation`], for [`unparsed`].
pub const OBSERVATION_FIELDS: &[&str] = &["@iot.id", "phenomenonTime", "result"];

pub use crate::feeds::records::{object, record, rejection, unparsed};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::http::FetchError;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn only_declared_fields_are_kept() {
        let o = raw(r#"{"@iot.id":7,"phenomenonTime":"2026-11-18T10:00:00Z","result":21.5,
                "parameters":{"operator":"j.doe@example.org"},"resultQuality":"ok"}"#);
        let parsed: Observation = record(&o, "observation", OBSERVATION_FIELDS).unwrap();
        let again = rejection("late", &parsed);
        assert_eq!(
            again.record,
            r#"{"@iot.id":7,"phenomenonTime":"2026-11-18T10:00:00Z","result":21.5}"#
        );
        let bad = raw(r#"{"@iot.id":7,"phenomenonTime":5,"parameters":{"who":"j.doe"}}"#);
        let r = record::<Observation>(&bad, "observation", OBSERVATION_FIELDS).unwrap_err();
        assert_eq!(
            r.reason,
            "observation: invalid type: integer `5`, expected a string at line 1 column 31"
        );
        assert_eq!(r.record, r#"{"@iot.id":7,"phenomenonTime":5}"#);
        assert_eq!(unparsed(&raw(r#""text""#), OBSERVATION_FIELDS), "null");
    }

    #[test]
    fn pages_and_units_read_with_members_missing() {
        let p: Page = object(br#"{"value":[]}"#, "page").unwrap();
        assert!(p.value.is_empty() && p.next_link.is_none());
        let p: Page = object(br#"{"@iot.nextLink":"x"}"#, "page").unwrap();
        assert_eq!(p.next_link.as_deref(), Some("x"));
        let d: Datastream = object(br#"{"unitOfMeasurement":{"symbol":"ppm"}}"#, "d").unwrap();
        assert_eq!(d.unit_of_measurement.unwrap().symbol.as_deref(), Some("ppm"));
        assert!(matches!(object::<Page>(b"[1]", "page"), Err(FetchError::Malformed(_))));
    }
}
