//! docs/ARCHITECTURE.md names files and crates; these tests fail when one of them moves or a
//! crate is added without the page saying what it is for.

use std::path::{Path, PathBuf};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn page() -> String {
    std::fs::read_to_string(repository().join("docs/ARCHITECTURE.md")).unwrap()
}

/// Every `code span` of the page that starts like a repository path, with `{a,b}` expanded.
fn named_paths(page: &str) -> Vec<String> {
    page.split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| span.starts_with("crates/") || span.starts_with("bench/"))
        .flat_map(expand_alternatives)
        .collect()
}

fn expand_alternatives(span: &str) -> Vec<String> {
    match (span.find('{'), span.find('}')) {
        (Some(open), Some(close)) if open < close => span[open + 1..close]
            .split(',')
            .flat_map(|choice| {
                expand_alternatives(&format!("{}{choice}{}", &span[..open], &span[close + 1..]))
            })
            .collect(),
        _ => vec![span.to_string()],
    }
}

#[test]
fn every_file_the_page_names_exists() {
    let page = page();
    let paths = named_paths(&page);
    assert!(
        paths.len() > 30,
        "the page names files: found only {paths:?}"
    );
    let missing: Vec<&String> = paths
        .iter()
        .filter(|p| !repository().join(p.trim_end_matches('/')).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "docs/ARCHITECTURE.md names files that do not exist: {missing:?}"
    );
}

#[test]
fn every_crate_of_the_workspace_has_a_row() {
    let page = page();
    let mut crates: Vec<String> = std::fs::read_dir(repository().join("crates"))
        .unwrap()
        .map(|entry| format!("`crates/{}`", entry.unwrap().file_name().to_string_lossy()))
        .collect();
    crates.push("`bench`".to_string());
    let missing: Vec<&String> = crates
        .iter()
        .filter(|c| !page.contains(c.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "crates without a row in docs/ARCHITECTURE.md: {missing:?}"
    );
}

#[test]
fn alternatives_expand_to_each_path() {
    assert_eq!(
        expand_alternatives("crates/store/src/{sqlite,postgres}/messages.rs"),
        [
            "crates/store/src/sqlite/messages.rs",
            "crates/store/src/postgres/messages.rs"
        ]
    );
}
