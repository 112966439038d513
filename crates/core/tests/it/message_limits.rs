//! Every limit and rule is enforced with Meta's code and the JSON path at fault.

use serde_json::{json, Value};
use switchboard_core::message::INVALID_PARAMETER as P100;
use switchboard_core::testing::limit_cases::{cases, list_msg, rows};
use switchboard_core::testing::{chars, msg, refused_with};

#[test]
fn every_limit_is_enforced() {
    let cases = cases();
    assert!(cases.len() > 90);
    for (what, body, code, path) in cases {
        let e = switchboard_core::message::parse_request(&body)
            .expect_err(&format!("{what}: accepted"));
        assert_eq!((e.code, e.path.as_str()), (code, path), "{what}: {e}");
        refused_with(&body, code, path);
        assert!(e.details.ends_with(|c: char| c != ' '), "{what}");
    }
}

#[test]
fn details_say_what_and_how() {
    let e = refused_with(
        &msg("text", json!({"body": chars('a', 4097)})),
        P100,
        "text.body",
    );
    assert_eq!(
        e.details,
        "text.body: must be at most 4096 characters, got 4097; shorten it"
    );
    assert_eq!(e.message, "Invalid parameter");
    let e = refused_with(
        &msg("audio", json!({"id": "1", "caption": "c"})),
        P100,
        "audio.caption",
    );
    assert!(
        e.details
            .contains("only allowed on image, video and document"),
        "{}",
        e.details
    );
    let e = refused_with(
        &json!({"messaging_product": "whatsapp", "to": "1203630@g.us", "text": {"body": "x"}}),
        P100,
        "to",
    );
    assert!(
        e.details
            .contains("groups are not supported on this channel kind"),
        "{}",
        e.details
    );
    let body = list_msg(json!({"button": "B", "sections": [sec6("a"), sec6("b")]}));
    let e = refused_with(&body, P100, "interactive.action.sections[1].rows[4]");
    assert!(
        e.details.starts_with(
            "interactive.action.sections: at most 10 rows are allowed across all sections, got 12"
        ),
        "{}",
        e.details
    );
}

fn sec6(p: &str) -> Value {
    json!({"title": p, "rows": rows(6, p)})
}
