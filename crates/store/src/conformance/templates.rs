//! Conformance checks of [`TemplateStore`](crate::TemplateStore): upserts, status events,
//! scoping, filters, sync and deletion.

use std::sync::Arc;

use serde_json::json;
use switchboard_core::event::Event;
use switchboard_core::id::{AccountId, ChannelId, TemplateId};
use switchboard_core::template_def::TemplateStatus;
use switchboard_core::template_record::TemplateRecord;

use super::{account, channel, create_with_key, edited, page_request};
use crate::events::EventFilter;
use crate::templates::TemplateFilter;
use crate::{PageRequest, Store};

async fn setup(store: &Arc<dyn Store>) -> (AccountId, ChannelId) {
    let a = account("templates");
    let ch = channel(a.id, "p1");
    create_with_key(store, &a, std::slice::from_ref(&ch)).await;
    (a.id, ch.id)
}

/// The default template filter changed by `edit`.
fn filter(edit: impl FnOnce(&mut TemplateFilter)) -> TemplateFilter {
    edited(edit)
}

/// A template record of `account` on `channel`.
pub fn template(
    account: AccountId,
    channel: ChannelId,
    name: &str,
    language: &str,
    category: &str,
    status: TemplateStatus,
    at: i64,
) -> TemplateRecord {
    let entry = json!({"name": name, "language": language, "category": category,
        "components": [{"type": "BODY", "text": "Hello {{1}}", "example": {"body_text": [["Ann"]]}}]});
    let mut t = TemplateRecord::from_upstream(account, channel, &entry, at).unwrap();
    t.status = status;
    t
}

async fn status_events(store: &Arc<dyn Store>, account: AccountId) -> Vec<Event> {
    let f = EventFilter {
        types: vec!["template.status".into()],
        ..EventFilter::default()
    };
    store
        .list_events(account, &f, None, 500)
        .await
        .unwrap()
        .items
}

/// Upserts keep the id, write `template.status` only on a new row or a new status, and
/// reads are scoped by account and filtered.
pub async fn templates_upsert_with_status_events(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let utility =
        |name, language, status, at| template(acc, ch, name, language, "UTILITY", status, at);
    let t = utility("order_update", "en_US", TemplateStatus::Pending, 1000);
    let first = store.upsert_template(&t).await.unwrap();
    assert!(first.created && !first.status_changed);
    assert!(
        status_events(&store, acc).await.is_empty(),
        "a new template writes no event"
    );

    // Same status again (a new id proposed): no event, the first id kept.
    let again = utility("order_update", "en_US", TemplateStatus::Pending, 2000);
    let u = store.upsert_template(&again).await.unwrap();
    assert!(!u.created && !u.status_changed);
    assert_eq!(u.template.id, t.id);
    assert!(status_events(&store, acc).await.is_empty());

    let mut approved = again.clone();
    approved.status = TemplateStatus::Approved;
    approved.upstream_id = Some("42".into());
    approved.updated_at = 3000;
    let u = store.upsert_template(&approved).await.unwrap();
    assert!(u.status_changed);
    assert_eq!(u.template.id, t.id);
    assert_eq!(u.template.created_at, 1000);
    let events = status_events(&store, acc).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data["status"], "APPROVED");
    assert_eq!(events[0].data["previous_status"], "PENDING");
    assert_eq!(events[0].data["template"]["id"], t.id.to_string());
    assert_eq!(events[0].channel_id, Some(ch));

    let got = store.get_template(acc, t.id).await.unwrap().unwrap();
    assert_eq!(got.status, TemplateStatus::Approved);
    assert_eq!(got.upstream_id.as_deref(), Some("42"));
    assert_eq!(got.definition, t.definition);
    assert!(store
        .get_template(AccountId::new(), t.id)
        .await
        .unwrap()
        .is_none());

    // Another language and another name, then filters.
    store
        .upsert_template(&utility(
            "order_update",
            "de",
            TemplateStatus::Pending,
            4000,
        ))
        .await
        .unwrap();
    store
        .upsert_template(&template(
            acc,
            ch,
            "promo",
            "en_US",
            "MARKETING",
            TemplateStatus::Rejected,
            5000,
        ))
        .await
        .unwrap();
    let all = PageRequest::default();
    let list = |f: TemplateFilter| {
        let store = store.clone();
        let all = all.clone();
        async move {
            store
                .list_templates(acc, ch, &f, &all)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|t| format!("{}/{}", t.name(), t.language()))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(TemplateFilter::default()).await.len(), 3);
    let cases = [
        (
            filter(|f| f.status = Some("APPROVED".into())),
            "order_update/en_US",
        ),
        (
            filter(|f| f.category = Some("MARKETING".into())),
            "promo/en_US",
        ),
        (
            filter(|f| f.language = Some("de".into())),
            "order_update/de",
        ),
    ];
    for (f, expected) in cases {
        assert_eq!(list(f.clone()).await, vec![expected], "{f:?}");
    }
    let by_name = filter(|f| f.name = Some("order_update".into()));
    assert_eq!(list(by_name).await.len(), 2);
    let page = store
        .list_templates(acc, ch, &TemplateFilter::default(), &page_request(None, 2))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    let rest = store
        .list_templates(
            acc,
            ch,
            &TemplateFilter::default(),
            &page_request(page.next.clone(), 2),
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert!(store
        .list_templates(AccountId::new(), ch, &TemplateFilter::default(), &all)
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(store.channel_templates(ch).await.unwrap().len(), 3);
}

/// Sync upserts the upstream list and removes what it lacks (unless changed after the list
/// was requested); status updates by name and language; deletion by name or by id.
pub async fn templates_sync_status_and_delete(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    let utility =
        |name, language, status, at| template(acc, ch, name, language, "UTILITY", status, at);
    let old = utility("gone", "en", TemplateStatus::Approved, 1000);
    let fresh = utility("fresh", "en", TemplateStatus::Pending, 9000);
    let kept = utility("kept", "en", TemplateStatus::Pending, 1000);
    for t in [&old, &fresh, &kept] {
        store.upsert_template(t).await.unwrap();
    }
    assert_eq!(
        store
            .channels_with_templates_in(&[TemplateStatus::Pending])
            .await
            .unwrap(),
        vec![ch]
    );
    let upstream = vec![
        utility("kept", "en", TemplateStatus::Approved, 5000),
        utility("hello_world", "en_US", TemplateStatus::Approved, 5000),
    ];
    let out = store
        .sync_templates(acc, ch, &upstream, 5000)
        .await
        .unwrap();
    assert_eq!(out.created, 1);
    assert_eq!(out.updated, 1);
    assert_eq!(out.status_changes, 1, "only `kept` changed status");
    assert_eq!(
        out.removed, 1,
        "`gone` removed, `fresh` (newer than the list) kept"
    );
    let names: Vec<String> = store
        .channel_templates(ch)
        .await
        .unwrap()
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    assert_eq!(names.len(), 3);
    assert!(names.contains(&"fresh".to_string()) && !names.contains(&"gone".to_string()));
    let kept_now = store.get_template(acc, kept.id).await.unwrap().unwrap();
    assert_eq!(kept_now.status, TemplateStatus::Approved);
    // The same list again changes nothing.
    let again = store
        .sync_templates(acc, ch, &upstream, 6000)
        .await
        .unwrap();
    assert_eq!(
        (again.created, again.updated, again.status_changes),
        (0, 0, 0)
    );
    let before = status_events(&store, acc).await.len();
    let reject = |at| {
        let store = store.clone();
        async move {
            let reason = Some("INVALID_FORMAT");
            let set =
                store.set_template_status(ch, "fresh", "en", TemplateStatus::Rejected, reason, at);
            set.await.unwrap().unwrap()
        }
    };

    let (t, changed) = reject(10_000).await;
    assert!(changed);
    assert_eq!(t.rejected_reason.as_deref(), Some("INVALID_FORMAT"));
    let (_, changed) = reject(11_000).await;
    assert!(!changed);
    assert!(store
        .set_template_status(ch, "nope", "en", TemplateStatus::Approved, None, 1)
        .await
        .unwrap()
        .is_none());
    let events = status_events(&store, acc).await;
    assert_eq!(events.len(), before + 1);
    assert_eq!(events[before].data["status"], "REJECTED");
    assert!(store
        .channels_with_templates_in(&[TemplateStatus::Pending])
        .await
        .unwrap()
        .is_empty());

    // Deletion: another account deletes nothing; by id one language; by name all of them.
    store
        .upsert_template(&utility("kept", "de", TemplateStatus::Approved, 12_000))
        .await
        .unwrap();
    assert!(store
        .delete_templates(AccountId::new(), ch, "kept", None)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .delete_templates(acc, ch, "kept", Some(TemplateId::new()))
        .await
        .unwrap()
        .is_empty());
    let one = store
        .delete_templates(acc, ch, "kept", Some(kept.id))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].language(), "en");
    store
        .upsert_template(&utility("kept", "fr", TemplateStatus::Approved, 13_000))
        .await
        .unwrap();
    let all = store.delete_templates(acc, ch, "kept", None).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(store.get_template(acc, kept.id).await.unwrap().is_none());
}
