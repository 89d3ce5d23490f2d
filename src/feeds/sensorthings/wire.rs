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
//! May use: serde, serde_json, feeds::validate.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::domain::sanitize::clean_text;
use crate::feeds::http::FetchError;
use crate::feeds::validate::{Rejection, cut};

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

/// An answer that is one JSON object of type `T`; anything else is a failed fetch, `what`
/// saying which answer.
pub fn object<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, FetchError> {
    serde_json::from_slice(body).map_err(|e| FetchError::Malformed(format!("{what}: {e}")))
}

/// One record as `T`, or its rejection: the parse error and the record's declared scalar
/// fields; `what` names the record ("datastream 42: observation").
pub fn record<T: DeserializeOwned>(
    raw: &RawValue,
    what: &str,
    fields: &[&str],
) -> Result<T, Rejection> {
    serde_json::from_str(raw.get()).map_err(|e| Rejection {
        reason: clean_text(&format!("{what}: {e}"), 300),
        record: unparsed(raw, fields),
    })
}

/// A rejection with `record` re-serialised (a record that parsed, or what carrel made of it).
pub fn rejection<T: Serialize>(reason: impl Into<String>, record: &T) -> Rejection {
    Rejection {
        reason: reason.into(),
        record: cut(&serde_json::to_string(record).unwrap_or_else(|_| "null".into())),
    }
}

/// A record that did not parse, as its declared fields whose values are text, numbers,
/// booleans or null; anything nested is left out (`"…"`). Not an object: `null`.
pub fn unparsed(raw: &RawValue, fields: &[&str]) -> String {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(raw.get()) else {
        return "null".into();
    };
    let kept: Map<String, Value> = map
        .into_iter()
        .filter(|(k, _)| fields.contains(&k.as_str()))
        .map(|(k, v)| match v {
            Value::Array(_) | Value::Object(_) => (k, Value::String("…".into())),
            scalar => (k, scalar),
        })
        .collect();
    cut(&Value::Object(kept).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(r.reason.starts_with("observation: invalid type"), "{}", r.reason);
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
