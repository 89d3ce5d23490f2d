use super::*;
use crate::domain::comfort::Measure;

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).unwrap().to_utc()
}

fn unit(symbol: &str, name: &str) -> Unit {
    Unit { symbol: Some(symbol.into()), name: Some(name.into()), definition: None }
}

fn target(id: &str, zone: &str, measure: Measure) -> DatastreamTarget {
    DatastreamTarget { id: id.into(), zone: zone.into(), measure }
}

fn fetched(id: &str, zone: &str, measure: Measure, observations: &[&str]) -> Fetched {
    Fetched {
        target: target(id, zone, measure),
        conversion: Conversion::Same,
        observations: observations
            .iter()
            .map(|o| RawValue::from_string((*o).to_owned()).unwrap())
            .collect(),
    }
}

#[test]
fn units_are_recognised_by_symbol_name_or_definition() {
    use Conversion::*;
    let cases = [
        (Measure::Temperature, unit("°C", "degree Celsius"), Same),
        (Measure::Temperature, unit("Cel", ""), Same),
        (Measure::Temperature, unit("", "Degrees Celsius"), Same),
        (Measure::Temperature, unit("[degF]", "degree Fahrenheit"), FahrenheitToCelsius),
        (Measure::Temperature, unit("K", "kelvin"), KelvinToCelsius),
        (Measure::Co2, unit("ppm", "parts per million"), Same),
        (Measure::Co2, unit("[ppm]", ""), Same),
        (Measure::Light, unit("lx", "lux"), Same),
        (Measure::Noise, unit("dB(A)", "A-weighted decibel"), Same),
        (Measure::Noise, unit("dB", ""), Same),
    ];
    for (m, u, want) in cases {
        assert_eq!(conversion(m, Some(&u)), Ok(want), "{m:?} {u:?}");
    }
    let qudt = Unit {
        symbol: None,
        name: None,
        definition: Some("http://qudt.org/vocab/unit/DEG_C".into()),
    };
    assert_eq!(conversion(Measure::Temperature, Some(&qudt)), Ok(Same));
    assert!((FahrenheitToCelsius.apply(70.7) - 21.5).abs() < 1e-9);
    assert!((KelvinToCelsius.apply(294.65) - 21.5).abs() < 1e-9);
}

#[test]
fn a_wrong_or_missing_unit_is_refused_by_name() {
    let e = conversion(Measure::Co2, Some(&unit("%", "percent"))).unwrap_err();
    assert_eq!(e, "unit \"%\" (\"percent\") is not a unit of co2; carrel reads co2 only in ppm");
    let e = conversion(Measure::Temperature, Some(&unit("lx", "lux"))).unwrap_err();
    assert!(e.contains("only in °C (Cel), °F or K"), "{e}");
    let e = conversion(Measure::Light, None).unwrap_err();
    assert_eq!(e, "no unitOfMeasurement; carrel reads light only in lx");
    let hostile = unit("\u{1b}[31mppm\u{202e}", "");
    let e = conversion(Measure::Noise, Some(&hostile)).unwrap_err();
    assert!(!e.contains('\u{1b}') && !e.contains('\u{202e}'), "{e:?}");
}

#[test]
fn times_are_instants_or_the_end_of_an_interval_with_their_offsets() {
    assert_eq!(phenomenon_time("2026-11-18T10:00:00Z"), Ok(at("2026-11-18T10:00:00Z")));
    assert_eq!(phenomenon_time("2026-11-18T11:00:00.000+01:00"), Ok(at("2026-11-18T10:00:00Z")));
    assert_eq!(
        phenomenon_time("2026-11-18T09:45:00-05:00/2026-11-18T10:00:00-05:00"),
        Ok(at("2026-11-18T15:00:00Z"))
    );
    // New York, 1 November 2026: 01:30 happens twice, an hour apart.
    let first = phenomenon_time("2026-11-01T01:30:00-04:00").unwrap();
    let second = phenomenon_time("2026-11-01T01:30:00-05:00").unwrap();
    assert_eq!(second - first, Duration::hours(1));
    for bad in [
        "2026-11-18T10:00:00",
        "yesterday",
        "2026-11-18T10:00:00Z/",
        "2026-11-18T11:00:00Z/2026-11-18T10:00:00Z",
        "2026-11-18T10:00:00Z/PT15M",
    ] {
        assert!(phenomenon_time(bad).is_err(), "{bad}");
    }
}

#[test]
fn results_must_be_numbers_or_text_that_is_one() {
    use serde_json::json;
    assert_eq!(result(Some(&json!(21.5))), Ok(21.5));
    assert_eq!(result(Some(&json!(412))), Ok(412.0));
    assert_eq!(result(Some(&json!(" 21.5 "))), Ok(21.5));
    assert_eq!(result(Some(&json!("-1e1"))), Ok(-10.0));
    for bad in [
        json!("warm"),
        json!("NaN"),
        json!("inf"),
        json!(""),
        json!(true),
        json!([1]),
        json!({"v":1}),
        json!(null),
    ] {
        assert!(result(Some(&bad)).is_err(), "{bad}");
    }
    assert_eq!(result(None), Err("no result".into()));
}

#[test]
fn the_newest_observation_of_each_datastream_makes_its_zone_s_reading() {
    let now = at("2026-11-18T10:05:00Z");
    let f = [
        // A server that ignored $orderby: the newest is found in the page anyway.
        fetched(
            "1",
            "F0-Z1",
            Measure::Temperature,
            &[
                r#"{"phenomenonTime":"2026-11-18T09:55:00Z","result":20.1}"#,
                r#"{"phenomenonTime":"2026-11-18T11:04:00+01:00","result":21.4}"#,
            ],
        ),
        fetched(
            "2",
            "F0-Z1",
            Measure::Co2,
            &[r#"{"phenomenonTime":"2026-11-18T09:59:00Z/2026-11-18T10:00:00Z","result":"612"}"#],
        ),
        fetched(
            "3",
            "F0-Z2",
            Measure::Noise,
            &[r#"{"phenomenonTime":"2026-11-18T10:01:00Z","result":38.5}"#],
        ),
        // A datastream with no observation at all gives nothing, and is not an error.
        fetched("4", "F0-Z2", Measure::Light, &[]),
    ];
    let u = environment(&f, Vec::new(), now, Duration::minutes(15));
    assert!(u.rejected.is_empty(), "{:?}", u.rejected);
    assert_eq!(u.generated_at, now);
    assert_eq!(
        u.samples,
        [
            ZoneSample {
                zone_id: "F0-Z1".into(),
                at: at("2026-11-18T10:04:00Z"),
                comfort: Comfort {
                    temperature_c: Some(21.4),
                    co2_ppm: Some(612.0),
                    light_lux: None,
                    noise_db: None
                },
            },
            ZoneSample {
                zone_id: "F0-Z2".into(),
                at: at("2026-11-18T10:01:00Z"),
                comfort: Comfort { noise_db: Some(38.5), ..Comfort::default() },
            },
        ]
    );
}

#[test]
fn old_observations_are_left_out_and_bad_ones_rejected() {
    let now = at("2026-11-18T10:00:00Z");
    let mut fahrenheit = fetched(
        "5",
        "F1-Z1",
        Measure::Temperature,
        &[r#"{"phenomenonTime":"2026-11-18T09:58:00Z","result":70.7}"#],
    );
    fahrenheit.conversion = Conversion::FahrenheitToCelsius;
    let f = [
        fetched(
            "1",
            "F0-Z1",
            Measure::Temperature,
            &[r#"{"phenomenonTime":"2026-11-18T09:40:00Z","result":21}"#],
        ),
        fetched(
            "2",
            "F0-Z1",
            Measure::Co2,
            &[r#"{"@iot.id":"o-9","phenomenonTime":"2026-11-18T09:59:00Z","result":"lots"}"#],
        ),
        fetched(
            "3",
            "F0-Z1",
            Measure::Light,
            &[r#"{"phenomenonTime":"2026-11-18T09:59:00Z","result":-40}"#],
        ),
        fetched(
            "4",
            "F0-Z1",
            Measure::Noise,
            &[r#"{"phenomenonTime":"2026-11-18T11:00:00Z","result":40}"#],
        ),
        fetched(
            "6",
            "F1-Z1",
            Measure::Co2,
            &[r#"{"phenomenonTime":"2026-11-18T09:59:00","result":500}"#, r#""text""#],
        ),
        fahrenheit,
    ];
    let refused = vec![unknown_zone(&target("7", "F9-Z9", Measure::Co2))];
    let u = environment(&f, refused, now, Duration::minutes(15));
    // Only the converted temperature is left.
    assert_eq!(u.samples.len(), 1);
    assert_eq!(u.samples[0].zone_id, "F1-Z1");
    assert!((u.samples[0].comfort.temperature_c.unwrap() - 21.5).abs() < 1e-9);
    let reasons: Vec<&str> = u.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "datastream 7 (co2 of F9-Z9): zone F9-Z9 is not in the layout",
            "datastream 2 (co2 of F0-Z1): observation: result \"lots\" is not a number",
            "datastream 3 (light of F0-Z1): observation: light_lux -40 outside plausible range 0..=200000",
            "datastream 4 (noise of F0-Z1): observation: 2026-11-18 11:00:00 UTC is after the report time 2026-11-18 10:00:00 UTC",
            "datastream 6 (co2 of F1-Z1): observation: phenomenonTime: \"2026-11-18T09:59:00\" is not a time with a UTC offset (2026-11-18T10:00:00+01:00)",
            "datastream 6 (co2 of F1-Z1): observation: invalid type: string \"…\", expected struct Observation at line 1 column 6",
        ]
    );
    assert_eq!(u.rejected[0].record, r#"{"datastream":"7","zone":"F9-Z9","quantity":"co2"}"#);
    assert_eq!(
        u.rejected[1].record,
        r#"{"datastream":"2","observation":{"@iot.id":"o-9","phenomenonTime":"2026-11-18T09:59:00Z","result":"lots"}}"#
    );
}
