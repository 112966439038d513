//! Conformance tests for the contacts API's store, run on every backend.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use switchboard_core::id::{AccountId, ContactId, ContactImportId};

use super::page_request;
use crate::bot::ContactRecord;
use crate::conformance::messages::{inbound, new_outbound, outbound, setup};
use crate::contacts::{
    ContactFilter, ContactKey, ContactPatch, ImportJob, ImportMode, ImportRow, ImportRowError,
    ImportStatus,
};
use crate::events::EventFilter;
use crate::Store;
use switchboard_core::event::Event;

fn fields(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn contact(account: AccountId, wa_id: &str, name: Option<&str>, tags: &[&str]) -> ContactRecord {
    ContactRecord {
        id: ContactId::new(),
        account_id: account,
        wa_id: wa_id.into(),
        name: name.map(str::to_string),
        opted_out_at: None,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        custom_fields: fields(json!({"city": "Harare"})),
        created_at: 1_000,
        updated_at: 1_000,
    }
}

fn wa_ids(items: &[ContactRecord]) -> Vec<&str> {
    items.iter().map(|c| c.wa_id.as_str()).collect()
}

/// Contacts are created once per phone, read by id or phone, patched (tags replace/add/remove,
/// The account's contact with this WhatsApp id, if any.
async fn by_wa_id(store: &Arc<dyn Store>, acc: AccountId, wa_id: &str) -> Option<ContactRecord> {
    let key = ContactKey::WaId(wa_id.into());
    store.find_contact(acc, &key).await.unwrap()
}

/// custom fields merged with null deleting, opt-out), deleted, and scoped to their account.
pub async fn contacts_crud_and_scope(store: Arc<dyn Store>) {
    let (acc, _) = setup(&store).await;
    let (other, _) = setup(&store).await;
    let c = contact(acc, "263771000001", Some("Tendai"), &["vip"]);
    assert!(store.create_contact(&c).await.unwrap());
    let dup = contact(acc, "263771000001", None, &[]);
    assert!(
        !store.create_contact(&dup).await.unwrap(),
        "duplicate phone"
    );
    assert!(store
        .create_contact(&contact(other, "263771000001", None, &[]))
        .await
        .unwrap());

    let by_id = ContactKey::Id(c.id);
    let by_phone = ContactKey::WaId("263771000001".into());
    assert_eq!(
        store.find_contact(acc, &by_id).await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(
        store.find_contact(acc, &by_phone).await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(store.find_contact(other, &by_id).await.unwrap(), None);

    let patch = ContactPatch {
        name: Some(Some("Tendai M".into())),
        tags: Some(vec!["a".into(), "b".into()]),
        add_tags: vec!["c".into(), "a".into()],
        remove_tags: vec!["b".into()],
        custom_fields: fields(json!({"city": null, "plan": "gold"})),
        opted_out: Some(true),
    };
    let updated = store
        .update_contact(acc, &by_id, &patch, 2_000)
        .await
        .unwrap()
        .expect("exists");
    assert_eq!(updated.name.as_deref(), Some("Tendai M"));
    assert_eq!(updated.tags, vec!["a", "c"]);
    assert_eq!(updated.custom_fields, fields(json!({"plan": "gold"})));
    assert_eq!(updated.opted_out_at, Some(2_000));
    assert_eq!(updated.updated_at, 2_000);
    assert_eq!(
        store.find_contact(acc, &by_phone).await.unwrap(),
        Some(updated.clone())
    );
    assert_eq!(
        store
            .update_contact(other, &by_id, &patch, 3_000)
            .await
            .unwrap(),
        None,
        "another account's contact"
    );

    assert!(!store.delete_contact(other, &by_id).await.unwrap());
    assert!(store.delete_contact(acc, &by_phone).await.unwrap());
    assert_eq!(store.find_contact(acc, &by_id).await.unwrap(), None);
    assert!(!store.delete_contact(acc, &by_id).await.unwrap());
}

/// Lists page by id and filter by phone prefix or name substring (case-insensitive), by any
/// of several tags and by the opt-out flag.
pub async fn contacts_search_and_page(store: Arc<dyn Store>) {
    let (acc, _) = setup(&store).await;
    let (other, _) = setup(&store).await;
    let people = [
        ("263771000001", Some("Alice Moyo"), vec!["vip"]),
        ("263771000002", Some("Bob"), vec!["lead"]),
        ("263781000003", Some("alicia 100%"), vec!["vip", "lead"]),
        ("447700900004", None, vec![]),
    ];
    for (wa, name, tags) in &people {
        store
            .create_contact(&contact(acc, wa, *name, tags))
            .await
            .unwrap();
    }
    store
        .create_contact(&contact(other, "263771000009", Some("Alice"), &["vip"]))
        .await
        .unwrap();
    store
        .update_contact(
            acc,
            &ContactKey::WaId("263771000002".into()),
            &ContactPatch {
                opted_out: Some(true),
                ..ContactPatch::default()
            },
            5,
        )
        .await
        .unwrap();

    let list = |filter: ContactFilter, after: Option<String>, limit: u32| {
        let store = store.clone();
        async move {
            store
                .list_contacts(acc, &filter, &page_request(after, limit))
                .await
                .unwrap()
        }
    };
    let first = list(ContactFilter::default(), None, 3).await;
    assert_eq!(first.items.len(), 3);
    let rest = list(ContactFilter::default(), first.next.clone(), 3).await;
    assert_eq!(wa_ids(&rest.items), vec!["447700900004"]);
    assert_eq!(rest.next, None);

    let q = |q: &str| ContactFilter {
        q: Some(q.into()),
        ..ContactFilter::default()
    };
    assert_eq!(
        wa_ids(&list(q("ALIC"), None, 50).await.items),
        vec!["263771000001", "263781000003"]
    );
    assert_eq!(
        wa_ids(&list(q("+263 77"), None, 50).await.items),
        vec!["263771000001", "263771000002"]
    );
    assert_eq!(
        wa_ids(&list(q("0%"), None, 50).await.items),
        vec!["263781000003"],
        "LIKE wildcards are literal"
    );
    let tags = ContactFilter {
        tags: vec!["lead".into(), "nope".into()],
        ..ContactFilter::default()
    };
    assert_eq!(
        wa_ids(&list(tags, None, 50).await.items),
        vec!["263771000002", "263781000003"]
    );
    let out = ContactFilter {
        opted_out: Some(true),
        ..ContactFilter::default()
    };
    assert_eq!(
        wa_ids(&list(out, None, 50).await.items),
        vec!["263771000002"]
    );
    let vip_in = ContactFilter {
        tags: vec!["vip".into()],
        opted_out: Some(false),
        q: Some("alice".into()),
    };
    assert_eq!(
        wa_ids(&list(vip_in, None, 50).await.items),
        vec!["263771000001"]
    );
}

/// Sends and inbound messages create contacts; a contact's last inbound time per channel is
/// read for a page of WhatsApp ids.
pub async fn contacts_are_created_by_messages(store: Arc<dyn Store>) {
    let (acc, ch) = setup(&store).await;
    store
        .insert_outbound(&new_outbound(outbound(acc, ch, "15550001111", "hi", 1_000)))
        .await
        .unwrap();
    store
        .insert_outbound(&new_outbound(outbound(
            acc,
            ch,
            "15550001111",
            "again",
            1_001,
        )))
        .await
        .unwrap();
    let c = by_wa_id(&store, acc, "15550001111")
        .await
        .expect("created by the send");
    assert_eq!(c.name, None);
    store
        .insert_inbound(&inbound(acc, ch, "15550002222", "wamid.c1", 2_000), 2_001)
        .await
        .unwrap();
    assert!(by_wa_id(&store, acc, "15550002222").await.is_some());
    let seen = store
        .last_inbound_by_contact(acc, &["15550001111".into(), "15550002222".into()])
        .await
        .unwrap();
    assert_eq!(seen, vec![("15550002222".to_string(), ch, 2_000)]);
    let (other, _) = setup(&store).await;
    assert!(store
        .last_inbound_by_contact(other, &["15550002222".into()])
        .await
        .unwrap()
        .is_empty());
}

/// Import batches create new contacts, update or skip existing ones per mode, and apply a
/// phone given twice in order; import jobs are saved and listed while running.
pub async fn contacts_import_batches_and_jobs(store: Arc<dyn Store>) {
    let (acc, _) = setup(&store).await;
    store
        .create_contact(&contact(acc, "263771000001", Some("Old"), &["x"]))
        .await
        .unwrap();
    let row = |wa: &str, name: Option<&str>, tags: &[&str]| ImportRow {
        wa_id: wa.into(),
        name: name.map(str::to_string),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        custom_fields: fields(json!({"plan": "gold"})),
        opted_out: None,
    };
    let rows = vec![
        row("263771000001", Some("New"), &["y"]),
        row("263771000002", Some("Two"), &["y"]),
        row("263771000002", None, &["z"]),
    ];
    let skip = store
        .import_contacts(acc, &rows, ImportMode::Skip, 10)
        .await
        .unwrap();
    assert_eq!((skip.created, skip.updated, skip.skipped), (1, 0, 2));
    let old = by_wa_id(&store, acc, "263771000001").await.unwrap();
    assert_eq!(old.name.as_deref(), Some("Old"));

    let upsert = store
        .import_contacts(acc, &rows, ImportMode::Upsert, 20)
        .await
        .unwrap();
    assert_eq!(
        (upsert.created, upsert.updated, upsert.skipped),
        (0, 2, 1),
        "row 2 changes nothing the second time"
    );
    let one = by_wa_id(&store, acc, "263771000001").await.unwrap();
    assert_eq!(one.name.as_deref(), Some("New"));
    assert_eq!(one.tags, vec!["x", "y"]);
    assert_eq!(
        one.custom_fields,
        fields(json!({"city": "Harare", "plan": "gold"}))
    );
    let two = by_wa_id(&store, acc, "263771000002").await.unwrap();
    assert_eq!(two.tags, vec!["y", "z"]);

    let mut job = ImportJob {
        id: ContactImportId::new(),
        account_id: acc,
        mode: ImportMode::Upsert,
        status: ImportStatus::Running,
        file_path: "/tmp/x.csv".into(),
        total: 3,
        processed: 0,
        created: 0,
        updated: 0,
        skipped: 0,
        failed: 0,
        errors: Vec::new(),
        reason: None,
        created_at: 1,
        updated_at: 1,
        finished_at: None,
    };
    store.create_import(&job).await.unwrap();
    assert_eq!(store.running_imports().await.unwrap(), vec![job.clone()]);
    assert!(
        import_events(&store, acc).await.is_empty(),
        "creating emits nothing"
    );
    job.processed = 2;
    job.created = 1;
    job.updated_at = 3;
    store.save_import(&job).await.unwrap();
    job.processed = 3;
    job.created = 1;
    job.failed = 1;
    job.errors.push(ImportRowError {
        line: 3,
        code: "invalid_phone".into(),
        message: "bad".into(),
    });
    job.status = ImportStatus::Finished;
    job.finished_at = Some(5);
    job.updated_at = 5;
    store.save_import(&job).await.unwrap();
    assert_eq!(
        store.get_import(acc, job.id).await.unwrap(),
        Some(job.clone())
    );
    assert!(store.running_imports().await.unwrap().is_empty());
    let events = import_events(&store, acc).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec!["contact.import.progress", "contact.import.finished"],
        "one event per saved progress, in order"
    );
    let progress = &events[0].data;
    assert_eq!(progress["id"], json!(job.id.to_string()));
    assert_eq!(progress["status"], json!("running"));
    assert_eq!(
        (progress["processed"].clone(), progress["total"].clone()),
        (json!(2), json!(3))
    );
    assert_eq!(events[1].data, serde_json::to_value(job.view()).unwrap());
    assert_eq!(events[1].data["errors"][0]["line"], json!(3));
    assert_eq!(events[1].channel_id, None);
    let (other, _) = setup(&store).await;
    assert_eq!(store.get_import(other, job.id).await.unwrap(), None);
    assert!(
        import_events(&store, other).await.is_empty(),
        "events stay in their account"
    );
}

/// The account's `contact.import.*` events, in log order.
async fn import_events(store: &Arc<dyn Store>, acc: AccountId) -> Vec<Event> {
    let filter = EventFilter {
        types: vec![
            "contact.import.progress".into(),
            "contact.import.finished".into(),
        ],
        ..Default::default()
    };
    store
        .list_events(acc, &filter, None, 50)
        .await
        .unwrap()
        .items
}
