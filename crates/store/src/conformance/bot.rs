//! Conformance checks of the bot store (settings, rules, contacts' opt-out and tags, state,
//! decision log, worker position), run against every backend.

use std::sync::Arc;

use serde_json::json;
use switchboard_core::automation::{BotSettings, ContactBotState, Decision, Rule, SilentReason};
use switchboard_core::event::{Event, CONTACT_OPTED_OUT};
use switchboard_core::id::{AccountId, BotDecisionId, ChannelId, EventId, MessageId, RuleId};
use switchboard_core::time::now_millis;

use super::{account, channel, create_with_key, page_request};
use crate::bot::{DecisionFilter, DecisionRecord, DecisionWrite, StoredRule};
use crate::events::EventFilter;
use crate::{PageRequest, Store};

async fn setup(store: &Arc<dyn Store>) -> (AccountId, ChannelId) {
    let a = account("bot");
    let ch = channel(a.id, &format!("pn{}", a.id.uuid().as_u128() % 100_000));
    create_with_key(store, &a, std::slice::from_ref(&ch)).await;
    (a.id, ch.id)
}

fn stored_rule(account: AccountId, channel: ChannelId, pattern: &str, position: i64) -> StoredRule {
    let id = RuleId::new();
    let now = now_millis();
    StoredRule {
        id,
        account_id: account,
        channel_id: channel,
        rule: Rule {
            id: id.to_string(),
            position,
            match_kind: Default::default(),
            pattern: pattern.into(),
            case_insensitive: true,
            accent_insensitive: true,
            reply: json!({"type": "text", "text": {"body": pattern}}),
            add_tags: vec![],
            next_step: None,
            only_in_step: None,
            enabled: true,
        },
        created_at: now,
        updated_at: now,
    }
}

/// Settings are absent until saved, then read back; another account cannot see them.
pub async fn bot_settings_round_trip(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let (other, _) = setup(&store).await;
    assert_eq!(store.get_bot_settings(acc, ch).await.unwrap(), None);
    assert!(!store.bot_enabled_channels().await.unwrap().contains(&ch));
    let mut s = BotSettings {
        enabled: true,
        bot_name: "Ada".into(),
        away_msg: Some("Closed".into()),
        ..BotSettings::default()
    };
    store.put_bot_settings(acc, ch, &s, 1).await.unwrap();
    assert_eq!(
        store.get_bot_settings(acc, ch).await.unwrap(),
        Some(s.clone())
    );
    s.actions.reply_group_msgs = false;
    store.put_bot_settings(acc, ch, &s, 2).await.unwrap();
    assert_eq!(
        store.get_bot_settings(acc, ch).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(store.get_bot_settings(other, ch).await.unwrap(), None);
    // Another account cannot overwrite them either.
    store
        .put_bot_settings(other, ch, &BotSettings::default(), 3)
        .await
        .unwrap();
    assert_eq!(store.get_bot_settings(acc, ch).await.unwrap(), Some(s));
}

/// Rules are listed by position, updated, reordered (only with every id exactly once) and
/// deleted, scoped to their account and channel.
pub async fn bot_rules_crud_and_reorder(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let (other, other_ch) = setup(&store).await;
    let a = stored_rule(acc, ch, "a", 2);
    let b = stored_rule(acc, ch, "b", 0);
    let c = stored_rule(acc, ch, "c", 1);
    for r in [&a, &b, &c] {
        store.create_bot_rule(r).await.unwrap();
    }
    store
        .create_bot_rule(&stored_rule(other, other_ch, "x", 0))
        .await
        .unwrap();
    let ids = |rules: Vec<StoredRule>| rules.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_bot_rules(acc, ch).await.unwrap()),
        vec![b.id, c.id, a.id]
    );
    assert_eq!(
        store.get_bot_rule(acc, ch, a.id).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(store.get_bot_rule(other, ch, a.id).await.unwrap(), None);
    assert_eq!(store.get_bot_rule(acc, other_ch, a.id).await.unwrap(), None);

    let mut changed = a.clone();
    changed.rule.pattern = "aa".into();
    changed.rule.next_step = Some("menu".into());
    changed.updated_at += 5;
    assert!(store.update_bot_rule(&changed).await.unwrap());
    assert_eq!(
        store.get_bot_rule(acc, ch, a.id).await.unwrap(),
        Some(changed.clone())
    );
    let mut foreign = changed.clone();
    foreign.account_id = other;
    assert!(!store.update_bot_rule(&foreign).await.unwrap());

    assert!(store
        .reorder_bot_rules(acc, ch, &[a.id, b.id, c.id], 9)
        .await
        .unwrap());
    let listed = store.list_bot_rules(acc, ch).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|r| (r.id, r.rule.position))
            .collect::<Vec<_>>(),
        vec![(a.id, 0), (b.id, 1), (c.id, 2)]
    );
    // Missing, repeated or foreign ids change nothing.
    assert!(!store
        .reorder_bot_rules(acc, ch, &[c.id, b.id], 10)
        .await
        .unwrap());
    assert!(!store
        .reorder_bot_rules(acc, ch, &[c.id, b.id, b.id], 10)
        .await
        .unwrap());
    assert!(!store
        .reorder_bot_rules(other, ch, &[a.id, b.id, c.id], 10)
        .await
        .unwrap());
    assert_eq!(
        ids(store.list_bot_rules(acc, ch).await.unwrap()),
        vec![a.id, b.id, c.id]
    );

    assert!(!store.delete_bot_rule(other, ch, a.id).await.unwrap());
    assert!(store.delete_bot_rule(acc, ch, a.id).await.unwrap());
    assert!(!store.delete_bot_rule(acc, ch, a.id).await.unwrap());
    assert_eq!(
        ids(store.list_bot_rules(acc, ch).await.unwrap()),
        vec![b.id, c.id]
    );
}

/// Opting out keeps the first time, opting in clears it, tags merge without duplicates, and
/// contacts are per account.
pub async fn contacts_opt_out_and_tags(store: Arc<dyn Store>) {
    let (acc, _) = setup(&store).await;
    let (other, _) = setup(&store).await;
    assert_eq!(store.get_contact(acc, "15550001111").await.unwrap(), None);
    let c = store
        .set_contact_opt_out(acc, "15550001111", true, 100)
        .await
        .unwrap();
    assert_eq!(c.opted_out_at, Some(100));
    assert_eq!(c.wa_id, "15550001111");
    let c = store
        .set_contact_opt_out(acc, "15550001111", true, 200)
        .await
        .unwrap();
    assert_eq!(c.opted_out_at, Some(100), "the first opt-out time is kept");
    assert_eq!(store.get_contact(other, "15550001111").await.unwrap(), None);
    let c = store
        .set_contact_opt_out(acc, "15550001111", false, 300)
        .await
        .unwrap();
    assert_eq!(c.opted_out_at, None);
    let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let c = store
        .add_contact_tags(acc, "15550001111", &tags(&["vip", "menu"]), 400)
        .await
        .unwrap();
    assert_eq!(c.tags, tags(&["vip", "menu"]));
    let c = store
        .add_contact_tags(acc, "15550001111", &tags(&["menu", "sales"]), 500)
        .await
        .unwrap();
    assert_eq!(c.tags, tags(&["vip", "menu", "sales"]));
    assert!(c.custom_fields.is_empty());
    assert_eq!(
        store.get_contact(acc, "15550001111").await.unwrap(),
        Some(c)
    );
}

fn decision_write(
    acc: AccountId,
    ch: ChannelId,
    chat: &str,
    at: i64,
    opt_out: Option<bool>,
) -> DecisionWrite {
    let decision = Decision::Silent {
        reason: SilentReason::NoRuleMatched,
    };
    let state = ContactBotState {
        step: Some(format!("step{at}")),
        step_entered_at: Some(at),
        ..ContactBotState::default()
    };
    let events = match opt_out {
        Some(true) => vec![Event {
            seq: 0,
            cursor: String::new(),
            id: EventId::new(),
            kind: CONTACT_OPTED_OUT.into(),
            account_id: acc,
            channel_id: Some(ch),
            chat: Some(chat.into()),
            created_at: at,
            data: json!({"contact": {"wa_id": chat}}),
        }],
        _ => vec![],
    };
    DecisionWrite {
        record: DecisionRecord {
            id: BotDecisionId::new(),
            account_id: acc,
            channel_id: ch,
            chat: chat.into(),
            inbound_message_id: MessageId::new(),
            code: decision.code().into(),
            rule_id: None,
            explanation: decision.explain(),
            decision,
            reply_message_ids: vec![],
            replies_done: false,
            error: None,
            created_at: at,
        },
        state,
        opt_out,
        add_tags: vec!["seen".into()],
        events,
    }
}

/// A decision is recorded once per inbound message with its state, opt-out, tags and events
/// in one write; the log is filtered and paged; the worker's position is kept.
pub async fn bot_decisions_are_unique_and_paged(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let (other, _) = setup(&store).await;
    let first = decision_write(acc, ch, "15550002222", 1_000, Some(true));
    let (rec, inserted) = store.record_bot_decision(&first).await.unwrap();
    assert!(inserted);
    assert_eq!(rec, first.record);
    assert_eq!(
        store.get_bot_state(ch, "15550002222").await.unwrap(),
        Some(first.state.clone())
    );
    let contact = store
        .get_contact(acc, "15550002222")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact.opted_out_at, Some(1_000));
    assert_eq!(contact.tags, vec!["seen".to_string()]);
    let events = store
        .list_events(acc, &EventFilter::default(), None, 50)
        .await
        .unwrap();
    assert!(events.items.iter().any(|e| e.kind == CONTACT_OPTED_OUT));

    // The same inbound message again: nothing changes, the first decision is answered.
    let mut again = decision_write(acc, ch, "15550002222", 2_000, Some(false));
    again.record.inbound_message_id = first.record.inbound_message_id;
    let (rec2, inserted) = store.record_bot_decision(&again).await.unwrap();
    assert!(!inserted);
    assert_eq!(rec2, first.record);
    assert_eq!(
        store.get_bot_state(ch, "15550002222").await.unwrap(),
        Some(first.state.clone())
    );
    assert_eq!(
        store
            .get_contact(acc, "15550002222")
            .await
            .unwrap()
            .unwrap()
            .opted_out_at,
        Some(1_000)
    );

    store
        .finish_bot_decision(rec.id, &["msg_x".into()], Some("refused"))
        .await
        .unwrap();
    let done = store
        .get_bot_decision_for(first.record.inbound_message_id)
        .await
        .unwrap()
        .unwrap();
    assert!(done.replies_done);
    assert_eq!(done.reply_message_ids, vec!["msg_x".to_string()]);
    assert_eq!(done.error.as_deref(), Some("refused"));

    for i in 0..4 {
        let chat = if i % 2 == 0 {
            "15550003333"
        } else {
            "15550004444"
        };
        store
            .record_bot_decision(&decision_write(acc, ch, chat, 3_000 + i, None))
            .await
            .unwrap();
    }
    let all = |filter: DecisionFilter, limit: u32| {
        let store = store.clone();
        async move {
            let mut out = Vec::new();
            let mut after = None;
            for _ in 0..20 {
                let page = store
                    .list_bot_decisions(acc, ch, &filter, &page_request(after, limit))
                    .await
                    .unwrap();
                out.extend(page.items);
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            out
        }
    };
    let everything = all(DecisionFilter::default(), 2).await;
    assert_eq!(everything.len(), 5);
    assert_eq!(everything[0].id, rec.id);
    let mut sorted = everything
        .iter()
        .map(|d| d.id.to_string())
        .collect::<Vec<_>>();
    sorted.sort();
    assert_eq!(
        sorted,
        everything
            .iter()
            .map(|d| d.id.to_string())
            .collect::<Vec<_>>()
    );
    let chat = all(
        DecisionFilter {
            chat: Some("15550003333".into()),
            since: None,
        },
        50,
    )
    .await;
    assert_eq!(chat.len(), 2);
    let since = all(
        DecisionFilter {
            chat: None,
            since: Some(3_002),
        },
        50,
    )
    .await;
    assert_eq!(since.len(), 2);
    let foreign = store
        .list_bot_decisions(
            other,
            ch,
            &DecisionFilter::default(),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(foreign.items.is_empty());

    assert_eq!(store.bot_position().await.unwrap(), None);
    store.set_bot_position("42").await.unwrap();
    store.set_bot_position("43").await.unwrap();
    assert_eq!(store.bot_position().await.unwrap().as_deref(), Some("43"));
}
