//! `carrel staffing plan` on a synced database: no window outside the opening hours, shifts of
//! at least `[queues] min_shift_min`, and a need above the windows there are said in words.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Output;

fn carrel(home: &Path, url: &str, args: &[&str]) -> Output {
    common::carrel_in(home).args(args).env("CARREL_SENSOR_URL", url).output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_plan_keeps_to_opening_hours_and_whole_shifts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(common::frozen_sim(4, "none"));
    let url = sim.base_url();
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("lib.db");
    let db = db.to_str().unwrap();
    ok(&carrel(home.path(), &url, &["init", "--db", db]));
    ok(&carrel(home.path(), &url, &["sync", "--once", "--db", db]));

    let plan: serde_json::Value = serde_json::from_str(&ok(&carrel(
        home.path(),
        &url,
        &["staffing", "plan", "--db", db, "--json"],
    )))
    .unwrap();
    assert_eq!(plan["min_shift_min"], 60);
    let services = plan["services"].as_array().unwrap();
    assert!(!services.is_empty(), "{plan}");
    for s in services {
        let slots = s["slots"].as_array().unwrap();
        assert!(slots.iter().any(|r| r["open"] == true && r["windows"].as_u64() > Some(0)));
        for r in slots {
            let hour = r["start"].as_str().unwrap()[11..13].parse::<u32>().unwrap();
            let open = (8..22).contains(&hour);
            assert_eq!(r["open"] == true, open, "{r}");
            if !open {
                assert_eq!(
                    (r["windows"].as_u64(), r["needed"].as_u64()),
                    (Some(0), Some(0)),
                    "{r}"
                );
            }
        }
        // Every rise in the windows needed is held for at least an hour (four slots) while open.
        let needed: Vec<u64> = slots.iter().map(|r| r["needed"].as_u64().unwrap()).collect();
        let open: Vec<bool> = slots.iter().map(|r| r["open"] == true).collect();
        for i in 1..needed.len() {
            if needed[i] > needed[i - 1] {
                for k in i..(i + 4).min(needed.len()) {
                    assert!(
                        !open[k] || needed[k] >= needed[i],
                        "{} at slot {i}: {needed:?}",
                        s["service"]
                    );
                }
            }
        }
    }
    let text = ok(&carrel(home.path(), &url, &["staffing", "plan", "--db", db]));
    assert!(!text.contains("24:00") && !text.contains("23:"), "{text}");
    assert!(text.contains("open 08:00–22:00"), "{text}");

    // A target no number of these windows meets: the need is said, not lowered.
    let config = home.path().join("strict.toml");
    std::fs::write(&config, "[queues]\ntarget_within_s = 1\ntarget_share = 0.99\n").unwrap();
    let text = ok(&carrel(
        home.path(),
        &url,
        &["staffing", "plan", "--db", db, "--config", config.to_str().unwrap()],
    ));
    assert!(text.contains("can be staffed"), "{text}");
    rt.block_on(sim.shutdown());
}
