//! Spintax properties: every rendering is one of the enumerated variants, plain text is
//! untouched, and no input makes rendering panic or grow.

use proptest::prelude::*;
use switchboard_core::automation::spintax::{render, seeded_picker, variant_count, variants};

/// Well-formed spintax: text pieces and nested groups of 2–4 alternatives.
fn template() -> impl Strategy<Value = String> {
    let text = "[a-zA-Z é.,!\\[\\]]{0,6}";
    let leaf = text.prop_map(|s| s.to_string());
    leaf.prop_recursive(4, 48, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|alts| format!("{{{}}}", alts.join("|"))),
            prop::collection::vec(inner, 1..4).prop_map(|parts| parts.concat()),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_render_is_an_enumerated_variant(t in template(), seed in any::<u64>()) {
        let count = variant_count(&t);
        prop_assume!(count <= 2_000);
        let all = variants(&t, 2_000);
        prop_assert!(!all.is_empty());
        prop_assert!(all.len() as u64 <= count);
        let mut pick = seeded_picker(seed);
        for _ in 0..8 {
            let r = render(&t, &mut pick);
            prop_assert!(all.contains(&r), "{r:?} not among {} variants of {t:?}", all.len());
        }
        prop_assert_eq!(&render(&t, &mut |_| 0), &all[0]);
        let last = render(&t, &mut |n| n - 1);
        prop_assert!(all.contains(&last));
    }

    #[test]
    fn text_without_braces_renders_unchanged(t in "[^{}]{0,80}", seed in any::<u64>()) {
        prop_assert_eq!(render(&t, &mut seeded_picker(seed)), t.clone());
        prop_assert_eq!(variants(&t, 5), vec![t.clone()]);
        prop_assert_eq!(variant_count(&t), 1);
    }

    #[test]
    fn arbitrary_input_never_panics_nor_grows(t in "[{}|ab é\\[\\]]{0,60}", seed in any::<u64>(), any_pick in any::<usize>()) {
        let r = render(&t, &mut seeded_picker(seed));
        prop_assert!(r.len() <= t.len());
        let wild = render(&t, &mut |_| any_pick);
        prop_assert!(wild.len() <= t.len());
        if variant_count(&t) <= 500 {
            let all = variants(&t, 500);
            prop_assert!(all.contains(&r), "{r:?} not among variants of {t:?}");
            prop_assert!(all.contains(&wild));
        } else {
            prop_assert!(variants(&t, 50).len() <= 50);
        }
    }

    #[test]
    fn any_unicode_never_panics(t in any::<String>(), seed in any::<u64>()) {
        let r = render(&t, &mut seeded_picker(seed));
        prop_assert!(r.len() <= t.len());
        let _ = variants(&t, 20);
        let _ = variant_count(&t);
    }
}

#[test]
fn seed_default_message_variants() {
    let t = "{Hi|Hello} [name] your message has no keyword here.";
    assert_eq!(
        variants(t, 10),
        [
            "Hi [name] your message has no keyword here.",
            "Hello [name] your message has no keyword here."
        ]
    );
    // Over many seeds both variants occur.
    let seen: std::collections::HashSet<String> =
        (0..64).map(|s| render(t, &mut seeded_picker(s))).collect();
    assert_eq!(seen.len(), 2);
}
