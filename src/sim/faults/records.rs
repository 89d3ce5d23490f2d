//! Record-level faults: hostile text and individually invalid records, applied to a response
//! body after it was built from the typed wire records.
//!
//! Every array in the body is a list of records (seats, zones, floors, readings, windows,
//! buckets, items; also lists of strings such as `staff_on_duty`). Nested lists are treated
//! before the records that hold them. The envelope around the lists is never touched, so a
//! client that validates record by record keeps the good ones.
//!
//! May use: random, serde_json.

use serde_json::{Map, Value, json};

use crate::sim::random::Stream;

/// Display fields that hostile text goes into. Ids, times and enum values are left alone:
/// breaking those is what bad records are for.
const TEXT_KEYS: [&str; 6] = ["name", "label", "title", "subject", "staff", "service"];
const ENUM_KEYS: [&str; 3] = ["state", "kind", "sensor"];

/// Applies hostile text to about `hostile` of the records and breaks about `bad` of them.
pub fn mangle(body: &mut Value, rng: &mut Stream, hostile: f64, bad: f64) {
    if hostile <= 0.0 && bad <= 0.0 {
        return;
    }
    match body {
        Value::Object(map) => {
            for value in map.values_mut() {
                mangle(value, rng, hostile, bad);
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                if let Value::Object(record) = item {
                    for value in record.values_mut() {
                        mangle(value, rng, hostile, bad);
                    }
                    if rng.chance(hostile) {
                        make_hostile(record, rng);
                    }
                    if rng.chance(bad) {
                        break_record(record, rng);
                    }
                } else if let Value::String(s) = item
                    && rng.chance(hostile)
                {
                    *s = hostile_text(s, rng);
                }
            }
        }
        _ => {}
    }
}

/// `text` with a terminal escape or C1 control and one more kind of trouble.
pub fn hostile_text(text: &str, rng: &mut Stream) -> String {
    let escape = match rng.below(4) {
        0 => format!("\u{1b}]0;pwned\u{7}{text}"),
        1 => format!("{text}\u{1b}[2J\u{1b}[H"),
        2 => format!("\u{9b}31m{text}\u{9b}0m"),
        _ => format!("\u{1b}[5m{text}\u{1b}]8;;http://evil.example/\u{7}link\u{1b}]8;;\u{7}"),
    };
    match rng.below(5) {
        0 => format!("\u{202e}{escape}"),
        1 => format!("{escape} {}", "長".repeat(3000)),
        2 => format!("閱覽室・自習室 {escape}"),
        3 => format!("{escape}e\u{301}\u{302}\u{303}\u{304}a\u{308}\u{308}"),
        _ => format!("{escape} 👩\u{200d}💻\u{200d}\u{200b}\u{2060}"),
    }
}

fn make_hostile(record: &mut Map<String, Value>, rng: &mut Stream) {
    for key in TEXT_KEYS {
        if let Some(Value::String(s)) = record.get_mut(key) {
            *s = hostile_text(s, rng);
        }
    }
}

/// Breaks one record in one way: an unknown enum value, a missing field, a wrong type, an
/// absurd number, a malformed id, or a reference to something that does not exist.
fn break_record(record: &mut Map<String, Value>, rng: &mut Stream) {
    let keys: Vec<String> = record.keys().cloned().collect();
    let Some(key) = rng.pick(&keys).cloned() else {
        return;
    };
    match rng.below(6) {
        0 => {
            if let Some(k) = ENUM_KEYS.iter().find(|k| record.contains_key(**k)) {
                record.insert((*k).to_owned(), json!("haunted"));
            } else {
                record.remove(&key);
            }
        }
        1 => {
            record.remove(&key);
        }
        2 => {
            let wrong = match record.get(&key) {
                Some(Value::String(_)) => json!(42),
                Some(Value::Number(n)) => json!(n.to_string()),
                Some(Value::Bool(b)) => json!(if *b { "yes" } else { "no" }),
                _ => json!({"unexpected": true}),
            };
            record.insert(key, wrong);
        }
        3 => {
            let numeric: Vec<String> = keys
                .iter()
                .filter(|k| record.get(k.as_str()).is_some_and(Value::is_number))
                .cloned()
                .collect();
            let absurd = *rng.pick(&[-5.0, 900.0, 1e12, -273.5]).unwrap_or(&-5.0);
            match rng.pick(&numeric) {
                Some(k) => {
                    record.insert(k.clone(), json!(absurd));
                }
                None => {
                    record.insert(key, json!(absurd));
                }
            }
        }
        4 => {
            let bad_id = match rng.below(3) {
                0 => "F1 Z2 S014".to_owned(),
                1 => "X".repeat(300),
                _ => "F1-\u{7}Z2\u{1b}[0m".to_owned(),
            };
            let id_key = id_key(record).unwrap_or(key);
            record.insert(id_key, json!(bad_id));
        }
        _ => {
            let id_key = id_key(record).unwrap_or(key);
            record.insert(id_key, json!("F9-Z9-S999"));
        }
    }
}

fn id_key(record: &Map<String, Value>) -> Option<String> {
    record.keys().find(|k| *k == "id" || k.ends_with("_id")).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::random::Purpose;

    #[test]
    fn hostile_text_always_carries_a_control_character() {
        let mut rng = Stream::new(1, Purpose::FaultRecords, &[]);
        for _ in 0..50 {
            let s = hostile_text("North reading room", &mut rng);
            assert!(s.chars().any(|c| c.is_control()), "{s:?}");
        }
    }

    #[test]
    fn mangling_reaches_nested_records_and_spares_the_envelope() {
        let mut body = json!({
            "generated_at": "2026-11-18T11:00:00Z",
            "floors": (0..20).map(|f| json!({
                "id": format!("F{f}"), "name": "Ground floor", "level": f,
                "zones": [{"id": "F0-Z1", "name": "North", "kind": "quiet", "seats": []}]
            })).collect::<Vec<_>>()
        });
        let mut rng = Stream::new(2, Purpose::FaultRecords, &[]);
        mangle(&mut body, &mut rng, 1.0, 0.0);
        assert_eq!(body["generated_at"], "2026-11-18T11:00:00Z");
        let zone_name = body["floors"][3]["zones"][0]["name"].as_str().unwrap();
        assert!(zone_name.chars().any(|c| c.is_control()));
        mangle(&mut body, &mut rng, 0.0, 1.0);
        let floors = body["floors"].as_array().unwrap();
        let broken = floors
            .iter()
            .filter(|f| {
                serde_json::from_value::<crate::domain::api::FloorDto<Value>>((*f).clone()).is_err()
            })
            .count();
        assert!(broken > 0 && broken < floors.len(), "{broken} broken");
        assert_eq!(body["generated_at"], "2026-11-18T11:00:00Z");
    }
}
