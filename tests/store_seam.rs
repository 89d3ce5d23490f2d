//! The database is the store's business alone: no file outside `src/store` names a database
//! library (rusqlite, postgres), so a second backend changes `src/store` and nothing else (README, "Layout of the
//! code").
#![allow(clippy::unwrap_used)]

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_the_store_names_the_database_library() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 100, "the walk found the sources: {}", files.len());
    let store = src.join("store");
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(&store))
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            text.lines()
                .enumerate()
                .filter(|(_, l)| {
                    ["rusqlite", "postgres::", "tokio_postgres"].iter().any(|lib| l.contains(lib))
                })
                .map(|(i, l)| format!("{}:{}: {}", f.display(), i + 1, l.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(offenders.is_empty(), "outside src/store:\n{}", offenders.join("\n"));
}
