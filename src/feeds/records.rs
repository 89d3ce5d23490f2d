//! What the vendor adapters' wire modules share: reading an answer as one typed object, reading
//! one record of a list as its wire type or its rejection, and re-serialising a record for the
//! quarantine from the fields the adapter declares, so nothing undeclared (a person's name in
//! an entity's free-form properties) rides along.
//!
//! May use: serde, serde_json, feeds::validate.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::http::FetchError;
use super::validate::{Rejection, cut};

/// An answer that is one JSON object of type `T`; anything else is a failed fetch, `what`
/// saying which answer.
pub fn object<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, FetchError> {
    serde_json::from_slice(body)
        .map_err(|e| FetchError::Malformed(format!("{what}: {}", without_quotes(&e))))
}

/// One record as `T`, or its rejection: the parse error (which names the field, never its
/// value) and the record's declared scalar `fields`; `what` names the record.
pub fn record<T: DeserializeOwned>(
    raw: &RawValue,
    what: &str,
    fields: &[&str],
) -> Result<T, Rejection> {
    serde_json::from_str(raw.get()).map_err(|e| Rejection {
        reason: format!("{what}: {}", without_quotes(&e)),
        record: unparsed(raw, fields),
    })
}

/// A rejection with `record` re-serialised (a record that parsed, or what the adapter made of
/// it).
pub fn rejection<T: Serialize>(reason: impl Into<String>, record: &T) -> Rejection {
    Rejection {
        reason: reason.into(),
        record: cut(&serde_json::to_string(record).unwrap_or_else(|_| "null".into())),
    }
}

/// A record that did not parse, as its declared `fields` whose values are text, numbers,
/// booleans or null; anything nested is left out (`"…"`), so nothing undeclared can ride along
/// inside it. Not an object: `null`.
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

/// serde's message without the values it quotes: `invalid type: string "Jane Doe", expected
/// u64` must not carry the string into the quarantine, a log or the screen.
pub fn without_quotes(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            out.push_str(if quoted { "\"" } else { "\"…" });
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[derive(Debug, serde::Deserialize, Serialize)]
    struct Count {
        id: u64,
        count: Option<f64>,
    }

    #[test]
    fn only_declared_fields_and_no_quoted_value_reach_a_rejection() {
        let bad = raw(r#"{"id":"Jane Doe","count":3,"owner":"jane@example.org","nested":{"a":1}}"#);
        let r = record::<Count>(&bad, "count", &["id", "count", "nested"]).unwrap_err();
        assert_eq!(r.reason, "count: invalid type: string \"…\", expected u64 at line 1 column 16");
        assert_eq!(r.record, r#"{"count":3,"id":"Jane Doe","nested":"…"}"#);
        let ok: Count = record(&raw(r#"{"id":7,"count":2.5,"owner":"x"}"#), "count", &[]).unwrap();
        assert_eq!(rejection("late", &ok).record, r#"{"id":7,"count":2.5}"#);
        assert_eq!(unparsed(&raw("[1]"), &["id"]), "null");
        let e = object::<Count>(br#"{"id":"Jane"}"#, "answer").unwrap_err();
        assert!(!e.to_string().contains("Jane"), "{e}");
    }
}
