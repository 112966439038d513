//! The isolation matrix, generated from the committed `openapi.json` (the operations and the
//! rule deciding which are walked: `common/document.rs`), on SQLite and PostgreSQL.
//!
//! For every operation walked: no key → 401; a read key on a write (POST/PUT/PATCH/DELETE)
//! → 403. For an operation with a path id: another account's key → 404 with the same code
//! and message as a missing id (an admin operation, tag `accounts`, may refuse every account
//! key with 403); a key of the owner's account limited to another channel → 404 for a
//! channel's things and 403 for account-wide ones; the owner's own key (the admin key for
//! admin operations) reads with 2xx, which proves the ids filled in are real. Streams (SSE,
//! WebSocket upgrades) are opened and only their status is read.

use crate::common::*;
use serde_json::json;
use switchboard::config::Config;

fn matrix_config(c: &mut Config) {
    c.allow_private_targets = true;
    c.webhooks.poll_ms = 10;
}

async fn every_operation_refuses_the_wrong_caller(server: &TestServer) {
    let operations = operations();
    let fixtures = Fixtures::create(server).await;
    let mut failures = Vec::new();
    let expect = |operation: &Operation, who: &str, answer: &Answer, wanted: &[u16]| {
        if !wanted.contains(&answer.code) {
            Some(format!(
                "{} with {who}: wanted {wanted:?}, got {}",
                operation.name(),
                answer.describe()
            ))
        } else {
            None
        }
    };
    for operation in &operations {
        let params = operation.params();
        let owned = operation.fill(|kind| fixtures.id(kind));
        let answer = call_operation(server, operation, &owned, None).await;
        failures.extend(expect(operation, "no key", &answer, &[401]));
        if operation.is_write() {
            let answer = call_operation(server, operation, &owned, Some(&fixtures.reader)).await;
            failures.extend(expect(operation, "a read key", &answer, &[403]));
        }
        if params.is_empty() {
            continue;
        }
        let foreign = call_operation(server, operation, &owned, Some(&fixtures.other)).await;
        let missing_path = operation.fill(|kind| kind.missing().to_string());
        let missing = call_operation(server, operation, &missing_path, Some(&fixtures.other)).await;
        // An admin operation may refuse every account key (403) instead.
        let wanted: &[u16] = if operation.admin { &[403, 404] } else { &[404] };
        failures.extend(expect(operation, "another account's key", &foreign, wanted));
        // An answer may name the id it was asked about; it must not differ otherwise.
        let mut named = foreign.message.clone();
        for (_, kind) in &params {
            named = named.replace(&fixtures.id(*kind), kind.missing());
        }
        if (foreign.code, &foreign.error_code, &named)
            != (missing.code, &missing.error_code, &missing.message)
        {
            failures.push(format!(
                "{}: another account's id answers `{}`, a missing id `{}`",
                operation.name(),
                foreign.describe(),
                missing.describe()
            ));
        }
        if operation.admin {
            if !operation.is_write() {
                let answer = call_operation(server, operation, &owned, Some(ADMIN_KEY)).await;
                failures.extend(expect(operation, "the admin key", &answer, &[200]));
            }
            continue;
        }
        let of_a_channel = params.iter().any(|(_, kind)| kind.of_a_channel());
        let answer =
            call_operation(server, operation, &owned, Some(&fixtures.other_channel_key)).await;
        let wanted = if of_a_channel { 404 } else { 403 };
        failures.extend(expect(
            operation,
            "a key limited to another channel",
            &answer,
            &[wanted],
        ));
        if !operation.is_write() {
            let answer = call_operation(server, operation, &owned, Some(&fixtures.owner)).await;
            // The fixture channel is a sandbox one: a web session's reads answer it with 422
            // `not_a_web_channel`, which the handler says after the key was let through.
            let session_read = answer.code == 422 && answer.error_code == "not_a_web_channel";
            if !session_read {
                failures.extend(expect(operation, "the owner's key", &answer, &[200, 101]));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} isolation failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

on_both_backends!(
    matrix => every_operation_refuses_the_wrong_caller where matrix_config,
);

/// A document with one operation at `path`, secured by the bearer scheme or not.
fn one_operation(path: &str, bearer: bool) -> String {
    let security = if bearer {
        json!([{"bearer": []}])
    } else {
        json!(null)
    };
    json!({"paths": {path: {"get": {"tags": ["widgets"], "security": security}}}}).to_string()
}

#[test]
#[should_panic(expected = "does not know the path parameter `{widget_id}`")]
fn a_new_kind_of_path_id_fails_until_the_matrix_is_taught() {
    for operation in operations_of(&one_operation("/v1/widgets/{widget_id}", true)) {
        operation.params();
    }
}

#[test]
#[should_panic(expected = "add them to PUBLIC or OWN_AUTH")]
fn an_operation_without_a_key_fails_until_a_rule_covers_it() {
    operations_of(&one_operation("/v1/widgets", false));
}

#[test]
fn routes_with_their_own_authentication_are_left_to_their_suites() {
    for path in [
        "/webhooks/meta/{id}",
        "/compat/wassenger/messages",
        "/sandbox/v23.0/{id}",
    ] {
        assert!(
            operations_of(&one_operation(path, false)).is_empty(),
            "{path}"
        );
        assert!(
            operations_of(&one_operation(path, true)).is_empty(),
            "{path}"
        );
    }
}
