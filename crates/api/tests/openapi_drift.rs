#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The committed `openapi.json` must match the document generated from the code.

#[test]
fn committed_openapi_document_matches_the_code() {
    let committed = include_str!("../../../openapi.json");
    let generated = switchboard_api::openapi_json();
    assert!(
        committed == generated,
        "openapi.json is out of date: run `cargo run -p switchboard -- openapi > openapi.json` and commit it"
    );
}
