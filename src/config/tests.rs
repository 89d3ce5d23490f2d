use std::collections::HashMap;
use std::path::PathBuf;

use super::*;

fn dirs(root: &Path) -> Dirs {
    Dirs { config: root.join("cfg"), data: root.join("data"), state: root.join("state") }
}

fn load_env(
    overrides: &Overrides,
    vars: &[(&str, &str)],
    root: &Path,
) -> Result<Config, ConfigError> {
    let vars: HashMap<String, String> =
        vars.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    load_with(overrides, &|k| vars.get(k).cloned(), &dirs(root))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn the_example_file_loads_and_documents_every_key() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let src = std::fs::read_to_string(&example).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let overrides = Overrides { config: Some(example), ..Default::default() };
    let cfg = load_env(&overrides, &[], dir.path()).unwrap();
    assert!(cfg.sensor.is_some(), "the example names a sensor API");
    assert!(cfg.recs.is_none(), "the example leaves the recommendation API off");
    assert!(cfg.libcal.is_none(), "the example leaves LibCal off");
    assert!(cfg.sensorthings.is_none(), "the example leaves SensorThings off");
    assert!(cfg.occuspace.is_none(), "the example leaves Occuspace off");
    // Every key of the full default configuration appears in the example, commented or not.
    let mut full = FileConfig::default();
    full.database.path = Some("x".into());
    full.feeds.sensor.url = Some("x".into());
    full.feeds.sensor.token_file = Some("x".into());
    full.feeds.recs.url = Some("x".into());
    full.feeds.recs.token_file = Some("x".into());
    full.feeds.libcal.url = Some("x".into());
    full.feeds.libcal.client_id = Some("x".into());
    full.feeds.libcal.client_secret_file = Some("x".into());
    full.feeds.libcal.location_ids = vec![1];
    full.feeds.occuspace.url = Some("x".into());
    full.feeds.occuspace.token_file = Some("x".into());
    full.feeds.occuspace.zones.insert("1560".into(), "F0-Z1".into());
    full.feeds.sensorthings.url = Some("x".into());
    full.feeds.sensorthings.token_file = Some("x".into());
    full.feeds
        .sensorthings
        .datastreams
        .insert("44".into(), DatastreamEntry { zone: "F0-Z2".into(), quantity: "noise".into() });
    full.feeds.qmatic.url = Some("x".into());
    full.feeds.qmatic.user = Some("x".into());
    full.feeds.qmatic.password_file = Some("x".into());
    full.feeds.qmatic.branch_id = Some(1);
    full.logging.dir = Some("x".into());
    full.privacy.key_file = Some("x".into());
    full.audit.witnesses.push(crate::config::WitnessEntry {
        name: "x".into(),
        url: "x".into(),
        key: "x".into(),
    });
    let rendered = toml::to_string(&full).unwrap();
    let mut table = String::new();
    for line in rendered.lines() {
        if line.starts_with('[') {
            table = line.to_owned();
            assert!(src.contains(&table), "example lacks {table}");
        } else if let Some((key, _)) = line.split_once(" = ") {
            let documented = src.lines().any(|l| {
                let l = l.trim_start_matches('#').trim();
                l.starts_with(&format!("{key} ="))
            });
            assert!(documented, "example lacks key '{key}' of {table}");
        }
    }
}

#[test]
fn unknown_key_names_file_line_table_and_suggests() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "c.toml",
        "[library]\nname = \"X\"\n\n[feeds.sensor]\nurl = \"http://127.0.0.1:1\"\nrefresh_ms = 5\n",
    );
    let err =
        load_env(&Overrides { config: Some(f.clone()), ..Default::default() }, &[], dir.path())
            .unwrap_err();
    assert_eq!(err.line, Some(6));
    assert_eq!(
        err.to_string(),
        format!(
            "{}:6: unknown key 'refresh_ms' in [feeds.sensor]; did you mean 'refresh_s'?",
            f.display()
        )
    );
}

#[test]
fn unknown_section_and_bad_types_are_placed() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "c.toml", "[libary]\nname = \"X\"\n");
    let err = load_env(&Overrides { config: Some(f), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert!(err.to_string().contains(":1: unknown key 'libary'; did you mean 'library'?"), "{err}");

    let f = write(dir.path(), "d.toml", "[seats]\nghost_after_min = \"half an hour\"\n");
    let err = load_env(&Overrides { config: Some(f), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert_eq!(err.line, Some(2));
    assert!(err.message.starts_with("bad value for 'ghost_after_min' in [seats]"), "{err}");
}

#[test]
fn range_and_time_zone_errors_point_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "c.toml", "[library]\ntimezone = \"Mars/Olympus\"\n");
    let err = load_env(&Overrides { config: Some(f), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert_eq!(err.line, Some(2));
    assert!(err.message.contains("unknown time zone 'Mars/Olympus'"), "{err}");

    let f = write(dir.path(), "d.toml", "[feeds.sensor]\n\nrefresh_s = 0\n");
    let err = load_env(&Overrides { config: Some(f), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert_eq!(err.line, Some(3));
    assert!(err.message.contains("[feeds.sensor] refresh_s: 0 is out of range"), "{err}");
}

#[test]
fn flags_beat_environment_beat_file_beat_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "c.toml",
        "[database]\npath = \"file.db\"\n[feeds.sensor]\nurl = \"http://file:1\"\n",
    );
    let from_file = Overrides { config: Some(f.clone()), ..Default::default() };
    let cfg = load_env(&from_file, &[], dir.path()).unwrap();
    assert_eq!(cfg.db_path, dir.path().join("file.db"), "relative to the file");
    assert_eq!(cfg.sensor.as_ref().unwrap().url.as_str(), "http://file:1/");

    let env = [("CARREL_DB", "/env.db"), ("CARREL_SENSOR_URL", "http://env:2")];
    let cfg = load_env(&from_file, &env, dir.path()).unwrap();
    assert_eq!(cfg.db_path, PathBuf::from("/env.db"));
    assert_eq!(cfg.sensor.as_ref().unwrap().url.as_str(), "http://env:2/");

    let flags = Overrides {
        config: Some(f),
        db: Some("/flag.db".into()),
        sensor_url: Some("http://flag:3".into()),
        recs_url: None,
        act_as: None,
    };
    let cfg = load_env(&flags, &env, dir.path()).unwrap();
    assert_eq!(cfg.db_path, PathBuf::from("/flag.db"));
    assert_eq!(cfg.sensor.as_ref().unwrap().url.as_str(), "http://flag:3/");
    assert!(cfg.origins.contains(&("database.path".into(), "--db".into())));

    let cfg = load_env(&Overrides::default(), &[], dir.path()).unwrap();
    assert_eq!(cfg.db_path, dir.path().join("data/carrel.db"));
    assert!(cfg.file.is_none());
    assert!(cfg.sensor.is_none());
}

#[test]
fn config_file_named_by_environment_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let err = load_env(
        &Overrides::default(),
        &[("CARREL_CONFIG", missing.to_str().unwrap())],
        dir.path(),
    )
    .unwrap_err();
    assert!(err.to_string().starts_with(&format!("{}: cannot read", missing.display())), "{err}");
}

#[test]
fn tokens_come_from_env_or_file_and_are_never_rendered() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "recs.token", "s3cret-recs\n");
    let f = write(
        dir.path(),
        "c.toml",
        "[feeds.sensor]\nurl = \"https://sensors.example\"\n[feeds.recs]\nurl = \"https://recs.example\"\ntoken_file = \"recs.token\"\n",
    );
    let cfg = load_env(
        &Overrides { config: Some(f), ..Default::default() },
        &[("CARREL_SENSOR_TOKEN", "s3cret-sensor")],
        dir.path(),
    )
    .unwrap();
    assert_eq!(cfg.sensor.as_ref().unwrap().token.as_ref().unwrap().expose(), "s3cret-sensor");
    assert_eq!(cfg.recs.as_ref().unwrap().token.as_ref().unwrap().expose(), "s3cret-recs");
    let text = cfg.render();
    assert!(!text.contains("s3cret"), "{text}");
    assert!(!format!("{cfg:?}").contains("s3cret"));
    assert!(text.contains("# feeds.sensor token: <redacted> from CARREL_SENSOR_TOKEN"), "{text}");
    // The rendering is itself a valid configuration.
    let reparsed: FileConfig = toml::from_str(&text).unwrap();
    assert_eq!(reparsed, cfg.settings);
}

#[test]
fn bad_url_from_environment_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let err =
        load_env(&Overrides::default(), &[("CARREL_RECS_URL", "ftp://x")], dir.path()).unwrap_err();
    assert_eq!(err.place, "CARREL_RECS_URL");
    assert!(err.message.contains("only http and https"), "{err}");
}

#[test]
fn a_password_in_a_feed_url_is_never_shown() {
    assert_eq!(
        super::redact_url("https://svc:hunter2@sensors.example.org/v1"),
        "https://<redacted>@sensors.example.org/v1"
    );
    assert_eq!(super::redact_url("https://sensors.example.org/"), "https://sensors.example.org/");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "[feeds.sensor]\nurl = \"http://svc:hunter2@10.0.0.5:7878\"\n").unwrap();
    let cfg = super::load(&super::Overrides { config: Some(file), ..Default::default() }).unwrap();
    let shown = cfg.render();
    assert!(!shown.contains("hunter2") && shown.contains("<redacted>@10.0.0.5"), "{shown}");
}

fn secret(dir: &Path, text: &str, mode: u32) -> PathBuf {
    let p = write(dir, "libcal.secret", text);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = mode;
    p
}

const LIBCAL: &str = "[feeds.libcal]\nurl = \"https://lib.libcal.example\"\nclient_id = \"1234\"\n\
                      client_secret_file = \"libcal.secret\"\nlocation_ids = [702, 703]\n";

#[test]
fn libcal_reads_its_secret_and_never_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    secret(dir.path(), "Sup3r-s3cret-libcal\n", 0o600);
    let f = write(dir.path(), "c.toml", LIBCAL);
    let cfg =
        load_env(&Overrides { config: Some(f), ..Default::default() }, &[], dir.path()).unwrap();
    let l = cfg.libcal.as_ref().unwrap();
    assert_eq!(l.client_secret.expose(), "Sup3r-s3cret-libcal");
    assert_eq!(l.client_id, "1234");
    assert_eq!(l.location_ids, [702, 703]);
    assert_eq!(l.no_show_after_min, 15);
    assert_eq!(l.url.as_str(), "https://lib.libcal.example/");
    let text = cfg.render();
    assert!(!text.contains("Sup3r"), "{text}");
    assert!(!format!("{cfg:?}").contains("Sup3r"));
    assert!(text.contains("# feeds.libcal client secret: <redacted> from "), "{text}");
    assert!(text.contains("location_ids = [\n    702,\n    703,\n]"), "{text}");
    let reparsed: FileConfig = toml::from_str(&text).unwrap();
    assert_eq!(reparsed, cfg.settings);
}

#[cfg(unix)]
#[test]
fn a_libcal_secret_others_can_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = secret(dir.path(), "s3cret\n", 0o640);
    let f = write(dir.path(), "c.toml", LIBCAL);
    let err = load_env(&Overrides { config: Some(f), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert_eq!(err.place, p.display().to_string());
    assert_eq!(err.message, "client secret file is readable by others (mode 640); chmod 600 it");
}

#[test]
fn a_libcal_secret_file_is_checked_like_a_token_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "c.toml", LIBCAL);
    let o = Overrides { config: Some(f), ..Default::default() };
    secret(dir.path(), "  \n", 0o600);
    assert_eq!(load_env(&o, &[], dir.path()).unwrap_err().message, "client secret file is empty");
    secret(dir.path(), "two words\n", 0o600);
    assert_eq!(
        load_env(&o, &[], dir.path()).unwrap_err().message,
        "client secret file holds more than one secret (whitespace inside)"
    );
    std::fs::remove_file(dir.path().join("libcal.secret")).unwrap();
    let err = load_env(&o, &[], dir.path()).unwrap_err();
    assert!(err.message.starts_with("client secret file: cannot read"), "{err}");
}

#[test]
fn libcal_keys_are_required_together_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "c.toml",
        "[feeds.libcal]\nurl = \"https://lib.libcal.example\"\nlocation_ids = [7, 0, 7]\n\
         no_show_after_min = 0\nclient_sekret = \"x\"\n",
    );
    let problems = check_with(
        &Overrides { config: Some(f.clone()), ..Default::default() },
        &|_| None,
        &dirs(dir.path()),
        &|_| Vec::new(),
    )
    .unwrap_err();
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let name = f.display().to_string();
    let expected = [
        format!("{name}:3: [feeds.libcal] location_ids: 0 is not a LibCal location id"),
        format!("{name}:3: [feeds.libcal] location_ids: location 7 is listed twice"),
        format!("{name}:4: [feeds.libcal] no_show_after_min: 0 is out of range 1..=1440"),
        format!(
            "{name}:5: unknown key 'client_sekret' in [feeds.libcal]; did you mean 'client_secret_file'?"
        ),
        format!("{name}: [feeds.libcal] client_id: is required when url is set"),
        format!("{name}: [feeds.libcal] client_secret_file: is required when url is set"),
    ];
    for e in &expected {
        assert!(text.contains(e), "missing {e:?} in {text:#?}");
    }
    let orphan = write(dir.path(), "d.toml", "[feeds.libcal]\nclient_id = \"1234\"\n");
    let err = load_env(&Overrides { config: Some(orphan), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert!(err.message.contains("[feeds.libcal] url: is missing"), "{err}");
}

fn sensorthings_token(dir: &Path, text: &str, mode: u32) -> PathBuf {
    let p = write(dir, "sta.token", text);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = mode;
    p
}

const SENSORTHINGS: &str = "[feeds.sensorthings]\nurl = \"https://frost.example/v1.1\"\n\
                            token_file = \"sta.token\"\nmax_age_s = 600\n\n\
                            [feeds.sensorthings.datastreams]\n\
                            42 = { zone = \"F0-Z1\", quantity = \"temperature\" }\n\
                            \"th-7.co2\" = { zone = \"F0-Z1\", quantity = \"co2\" }\n\n\
                            [feeds.sensorthings.datastreams.9]\nzone = \"F1-Z2\"\n\
                            quantity = \"noise\"\n";

#[test]
fn sensorthings_reads_its_datastreams_and_never_shows_its_token() {
    let dir = tempfile::tempdir().unwrap();
    sensorthings_token(dir.path(), "Sta-t0ken-9f\n", 0o600);
    let f = write(dir.path(), "c.toml", SENSORTHINGS);
    let cfg =
        load_env(&Overrides { config: Some(f), ..Default::default() }, &[], dir.path()).unwrap();
    let st = cfg.sensorthings.as_ref().unwrap();
    assert_eq!(st.url.as_str(), "https://frost.example/v1.1");
    assert_eq!(st.token.as_ref().unwrap().expose(), "Sta-t0ken-9f");
    assert_eq!(st.max_age, std::time::Duration::from_secs(600));
    use crate::domain::comfort::Measure;
    let got: Vec<(&str, &str, Measure)> =
        st.datastreams.iter().map(|d| (d.id.as_str(), d.zone.as_str(), d.measure)).collect();
    assert_eq!(
        got,
        [
            ("42", "F0-Z1", Measure::Temperature),
            ("9", "F1-Z2", Measure::Noise),
            ("th-7.co2", "F0-Z1", Measure::Co2)
        ]
    );
    let text = cfg.render();
    assert!(!text.contains("Sta-t0ken") && !format!("{cfg:?}").contains("Sta-t0ken"), "{text}");
    assert!(text.contains("# feeds.sensorthings token: <redacted> from "), "{text}");
    let reparsed: FileConfig = toml::from_str(&text).unwrap();
    assert_eq!(reparsed, cfg.settings);
}

#[cfg(unix)]
#[test]
fn a_sensorthings_token_others_can_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = sensorthings_token(dir.path(), "t0ken\n", 0o644);
    let f = write(dir.path(), "c.toml", SENSORTHINGS);
    let err = load_env(&Overrides { config: Some(f), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert_eq!(err.place, p.display().to_string());
    assert_eq!(err.message, "token file is readable by others (mode 644); chmod 600 it");
    sensorthings_token(dir.path(), "two words\n", 0o600);
    let f = dir.path().join("c.toml");
    let err = load_env(&Overrides { config: Some(f), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert_eq!(err.message, "token file holds more than one token (whitespace inside)");
}

#[test]
fn every_bad_sensorthings_datastream_is_named_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "c.toml",
        "[feeds.sensorthings]\nurl = \"ftp://frost.example/v1.1\"\nmax_age_s = 1\n\n\
         [feeds.sensorthings.datastreams]\n\
         1 = { zone = \"F0-Z1\", quantity = \"humidity\" }\n\
         2 = { zone = \"F0 Z1\", quantity = \"co2\" }\n\
         3 = { zone = \"F0-Z1\", quantity = \"co2\" }\n\
         4 = { zone = \"F0-Z1\", quantity = \"co2\" }\n\
         \"a b\" = { zone = \"F0-Z1\", quantity = \"light\" }\n\
         5 = { zone = \"F0-Z1\", quantity = \"noise\", floor = 2 }\n",
    );
    let problems = check_with(
        &Overrides { config: Some(f.clone()), ..Default::default() },
        &|_| None,
        &dirs(dir.path()),
        &|_| Vec::new(),
    )
    .unwrap_err();
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let name = f.display().to_string();
    let expected = [
        format!("{name}:3: [feeds.sensorthings] max_age_s: 1 is out of range 10..=604800"),
        format!(
            "{name}:6: [feeds.sensorthings.datastreams] 1: quantity 'humidity' is not one of \
             temperature, co2, light, noise"
        ),
        format!(
            "{name}:7: [feeds.sensorthings.datastreams] 2: zone 'F0 Z1' is not a zone id (such \
             as F0-Z1)"
        ),
        format!(
            "{name}:9: [feeds.sensorthings.datastreams] 4: zone F0-Z1 already has its co2 from \
             datastream 3; one datastream per zone and quantity"
        ),
        format!(
            "{name}:10: [feeds.sensorthings.datastreams] a b: not a datastream id carrel can \
             send (letters, digits, '.', '_', '-', ':'; at most 64 bytes)"
        ),
    ];
    for e in &expected {
        assert!(text.contains(e), "missing {e:?} in {text:#?}");
    }
    assert!(
        text.iter().any(|t| t.starts_with(&format!("{name}:11: unknown key 'floor'"))),
        "{text:#?}"
    );
    let orphan = write(
        dir.path(),
        "d.toml",
        "[feeds.sensorthings.datastreams]\n1 = { zone = \"F0-Z1\", quantity = \"co2\" }\n",
    );
    let err = load_env(&Overrides { config: Some(orphan), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert!(err.message.contains("[feeds.sensorthings] url: is missing"), "{err}");
    let none =
        write(dir.path(), "e.toml", "[feeds.sensorthings]\nurl = \"https://x.example/v1.1\"\n");
    let err = load_env(&Overrides { config: Some(none), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert!(
        err.message.contains("[feeds.sensorthings] datastreams: at least one is required"),
        "{err}"
    );
    let ftp = write(
        dir.path(),
        "g.toml",
        "[feeds.sensorthings]\nurl = \"ftp://x.example/v1.1\"\n[feeds.sensorthings.datastreams]\n\
         1 = { zone = \"F0-Z1\", quantity = \"co2\" }\n",
    );
    let err = load_env(&Overrides { config: Some(ftp), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert_eq!(err.line, Some(2));
    assert!(err.message.contains("only http and https URLs are supported"), "{err}");
}

const OCCUSPACE: &str = "[feeds.occuspace]\nurl = \"https://api.occuspace.example\"\n\
                         token_file = \"occ.token\"\n\n[feeds.occuspace.zones]\n\
                         1561 = \"F1-Z3\"\n1560 = \"F0-Z1\"\n";

#[test]
fn occuspace_reads_its_zones_and_never_shows_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "occ.token", "0cc-t0ken-77\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let f = write(dir.path(), "c.toml", OCCUSPACE);
    let o = Overrides { config: Some(f), ..Default::default() };
    let cfg = load_env(&o, &[], dir.path()).unwrap();
    let occ = cfg.occuspace.as_ref().unwrap();
    assert_eq!(occ.url.as_str(), "https://api.occuspace.example/");
    assert_eq!(occ.token.expose(), "0cc-t0ken-77");
    assert_eq!(occ.zones, [(1560, "F0-Z1".to_owned()), (1561, "F1-Z3".to_owned())]);
    let text = cfg.render();
    assert!(!text.contains("0cc-t0ken") && !format!("{cfg:?}").contains("0cc-t0ken"), "{text}");
    assert!(text.contains("# feeds.occuspace token: <redacted> from "), "{text}");
    let reparsed: FileConfig = toml::from_str(&text).unwrap();
    assert_eq!(reparsed, cfg.settings);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let err = load_env(&o, &[], dir.path()).unwrap_err();
        assert_eq!(err.message, "token file is readable by others (mode 640); chmod 600 it");
    }
}

#[test]
fn every_bad_occuspace_zone_is_named_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "c.toml",
        "[feeds.occuspace]\nurl = \"https://api.occuspace.example\"\ntimeout_ms = 5\n\n\
         [feeds.occuspace.zones]\n\
         0 = \"F0-Z1\"\n\
         lobby = \"F0-Z2\"\n\
         12 = \"F0 Z3\"\n\
         13 = \"F0-Z4\"\n\
         14 = \"F0-Z4\"\n",
    );
    let problems = check_with(
        &Overrides { config: Some(f.clone()), ..Default::default() },
        &|_| None,
        &dirs(dir.path()),
        &|_| Vec::new(),
    )
    .unwrap_err();
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let name = f.display().to_string();
    let expected = [
        format!("{name}:3: [feeds.occuspace] timeout_ms: 5 is out of range 100..=600000"),
        format!(
            "{name}:6: [feeds.occuspace.zones] 0: not an Occuspace location id (a whole number \
             above 0)"
        ),
        format!(
            "{name}:7: [feeds.occuspace.zones] lobby: not an Occuspace location id (a whole \
             number above 0)"
        ),
        format!(
            "{name}:8: [feeds.occuspace.zones] 12: zone 'F0 Z3' is not a zone id (such as F0-Z1)"
        ),
        format!(
            "{name}:10: [feeds.occuspace.zones] 14: zone F0-Z4 is already counted by location \
             13; one location per zone"
        ),
        format!("{name}: [feeds.occuspace] token_file: is required when url is set"),
    ];
    for e in &expected {
        assert!(text.contains(e), "missing {e:?} in {text:#?}");
    }
    let orphan = write(dir.path(), "d.toml", "[feeds.occuspace.zones]\n1 = \"F0-Z1\"\n");
    let err = load_env(&Overrides { config: Some(orphan), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert!(err.message.contains("[feeds.occuspace] url: is missing"), "{err}");
}

#[test]
fn qmatic_needs_every_key_reads_its_password_file_and_never_shows_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "c.toml",
        "[feeds.qmatic]\nurl = \"https://q.example/\"\nuser = \"desk:api\"\n",
    );
    let err = check_with(
        &Overrides { config: Some(f), ..Default::default() },
        &|_| None,
        &dirs(dir.path()),
        &|_| Vec::new(),
    )
    .unwrap_err();
    let said: Vec<String> = err.iter().map(ToString::to_string).collect();
    let all = said.join("\n");
    assert!(all.contains("[feeds.qmatic] needs 'password_file'"), "{all}");
    assert!(all.contains("[feeds.qmatic] needs 'branch_id'"), "{all}");
    assert!(all.contains("without ':'"), "{all}");
    assert!(!all.contains("needs 'url'") && !all.contains("needs 'user'"), "{all}");

    let pw = write(dir.path(), "orchestra.password", "correct horse battery\n");
    let f = write(
        dir.path(),
        "c.toml",
        "[feeds.qmatic]\nurl = \"http://q.example/\"\nuser = \"carrel\"\n\
         password_file = \"orchestra.password\"\nbranch_id = 3\ntimeout_ms = 2000\n",
    );
    let cfg =
        load_env(&Overrides { config: Some(f.clone()), ..Default::default() }, &[], dir.path())
            .unwrap();
    let q = cfg.qmatic.as_ref().unwrap();
    assert_eq!(q.password.expose(), "correct horse battery", "a password may hold spaces");
    assert_eq!((q.user.as_str(), q.branch_id), ("carrel", 3));
    assert_eq!(q.endpoint.timeout, std::time::Duration::from_millis(2000));
    assert!(q.endpoint.token.is_none());
    let text = cfg.render();
    assert!(!text.contains("horse") && !format!("{cfg:?}").contains("horse"), "{text}");
    assert!(text.contains("# feeds.qmatic password: <redacted> from"), "{text}");
    assert!(text.contains("[feeds.qmatic]") && text.contains("branch_id = 3"), "{text}");
    let reparsed: FileConfig = toml::from_str(&text).unwrap();
    assert_eq!(reparsed, cfg.settings);
    // Readable by others, and sent over plain http to another machine: both said.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o644)).unwrap();
    let warned = cfg.warnings().join("\n");
    assert!(
        warned.contains("feeds.qmatic: password file") && warned.contains("chmod 600"),
        "{warned}"
    );
    assert!(warned.contains("feeds.qmatic: the password is sent over plain http"), "{warned}");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(!cfg.warnings().join("\n").contains("password file"));

    write(dir.path(), "orchestra.password", "\n");
    let err =
        load_env(&Overrides { config: Some(f.clone()), ..Default::default() }, &[], dir.path())
            .unwrap_err();
    assert!(err.to_string().contains("password file is empty"), "{err}");
    write(dir.path(), "orchestra.password", "one\ntwo\n");
    let err = load_env(&Overrides { config: Some(f), ..Default::default() }, &[], dir.path())
        .unwrap_err();
    assert!(err.to_string().contains("more than one line"), "{err}");
}
