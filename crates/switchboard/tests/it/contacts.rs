//! Contacts over real HTTP, on SQLite and PostgreSQL: CRUD by id and phone, isolation
//! between accounts, search, filters and paging, CSV import jobs (good and bad rows, progress
//! to `finished`, 20,000 rows), CSV export equal to what was imported, and contacts created
//! by outbound and inbound messages.

use std::collections::BTreeMap;

use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = server.req(method, path, key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    server.call(req).await
}

async fn import(server: &TestServer, key: &str, csv: String, mode: &str) -> Value {
    server
        .call(
            server
                .req(
                    Method::POST,
                    &format!("/v1/contacts/import?mode={mode}"),
                    key,
                )
                .header("content-type", "text/csv")
                .body(csv),
        )
        .await
        .status(202)
}

/// Polls the import job until it is no longer running (at most `rounds` polls, 50 ms apart).
async fn finished(server: &TestServer, key: &str, id: &str, rounds: u32) -> Value {
    for _ in 0..rounds {
        let job = server
            .get(&format!("/v1/contacts/imports/{id}"), key)
            .await
            .status(200);
        if job["status"] != "running" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import {id} still running after {rounds} polls");
}

async fn export(server: &TestServer, key: &str, query: &str) -> Vec<BTreeMap<String, String>> {
    let r = server
        .get(&format!("/v1/contacts/export{query}"), key)
        .await;
    assert_eq!(r.code, 200);
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text.clone();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        vec!["phone", "name", "tags", "opted_out", "custom_fields"]
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

async fn crud_and_isolation(server: &TestServer) {
    let (_, key) = create_account(server, "Acme").await;
    let (_, other) = create_account(server, "Beta").await;
    let created = server
        .post_json(
            "/v1/contacts",
            &key,
            json!({"phone": "+263 77 100 0001", "name": "Tendai", "tags": ["vip"],
                        "custom_fields": {"city": "Harare"}}),
        )
        .await
        .status(201);
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ct_"));
    assert_eq!(created["phone"], "263771000001");
    assert_eq!(created["opted_out"], false);
    assert_eq!(created["last_inbound_at"], json!([]));

    let dup = server
        .post_json("/v1/contacts", &key, json!({"phone": "263771000001"}))
        .await;
    assert_eq!(dup.error(409), "contact_exists");
    let bad = server
        .post_json("/v1/contacts", &key, json!({"phone": "hello"}))
        .await;
    assert_eq!(bad.error(400), "invalid_parameter");

    for path in [
        format!("/v1/contacts/{id}"),
        "/v1/contacts/263771000001".to_string(),
    ] {
        let got = server.get(&path, &key).await.status(200);
        assert_eq!(got["id"], id.as_str());
        // Another account sees nothing, whatever the verb.
        for method in [Method::GET, Method::PATCH, Method::DELETE] {
            let body = (method == Method::PATCH).then(|| json!({"name": "x"}));
            let r = call(server, method, &path, &other, body).await;
            assert_eq!(r.error(404), "not_found");
        }
    }

    let patched = server
        .patch_json(
            &format!("/v1/contacts/{id}"),
            &key,
            json!({"name": "Tendai M", "add_tags": ["lead"], "remove_tags": ["vip"],
                        "custom_fields": {"city": null, "plan": "gold"}, "opted_out": true}),
        )
        .await
        .status(200);
    assert_eq!(patched["name"], "Tendai M");
    assert_eq!(patched["tags"], json!(["lead"]));
    assert_eq!(patched["custom_fields"], json!({"plan": "gold"}));
    assert_eq!(patched["opted_out"], true);
    let cleared = server
        .patch_json(
            &format!("/v1/contacts/{id}"),
            &key,
            json!({"name": null, "tags": []}),
        )
        .await
        .status(200);
    assert_eq!(cleared["name"], Value::Null);
    assert_eq!(cleared["tags"], json!([]));

    // A read key reads but cannot change.
    let (_, reader) = create_key(server, &key, json!({"name": "ro", "permission": "read"})).await;
    server.get("/v1/contacts", &reader).await.status(200);
    let r = server.delete(&format!("/v1/contacts/{id}"), &reader).await;
    assert_eq!(r.error(403), "forbidden");

    let r = server.delete(&format!("/v1/contacts/{id}"), &key).await;
    assert_eq!(r.code, 204);
    let r = server.get(&format!("/v1/contacts/{id}"), &key).await;
    assert_eq!(r.error(404), "not_found");
    let other_list = server.get("/v1/contacts", &other).await.status(200);
    assert_eq!(other_list["data"], json!([]));
}

async fn search_filters_and_paging(server: &TestServer) {
    let (_, key) = create_account(server, "Acme").await;
    for (phone, name, tags, out) in [
        ("263771000001", "Alice Moyo", json!(["vip"]), false),
        ("263771000002", "Bob", json!(["lead"]), true),
        ("263781000003", "alicia", json!(["vip", "lead"]), false),
        ("447700900004", "Zed", json!([]), false),
    ] {
        server
            .post_json(
                "/v1/contacts",
                &key,
                json!({"phone": phone, "name": name, "tags": tags, "opted_out": out}),
            )
            .await
            .status(201);
    }
    let phones = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["phone"].as_str().unwrap().to_string())
            .collect()
    };
    let get = |query: &str| {
        let path = format!("/v1/contacts{query}");
        let key = key.clone();
        async move { server.get(&path, &key).await.status(200) }
    };
    assert_eq!(
        phones(&get("?q=ALIC").await),
        vec!["263771000001", "263781000003"]
    );
    assert_eq!(
        phones(&get("?q=%2B26377").await),
        vec!["263771000001", "263771000002"]
    );
    assert_eq!(
        phones(&get("?tag=lead,nope").await),
        vec!["263771000002", "263781000003"]
    );
    assert_eq!(phones(&get("?opted_out=true").await), vec!["263771000002"]);
    assert_eq!(
        phones(&get("?tag=vip&opted_out=false&q=moyo").await),
        vec!["263771000001"]
    );
    let first = get("?limit=3").await;
    assert_eq!(phones(&first).len(), 3);
    let cursor = first["next"].as_str().expect("a next page").to_string();
    let second = get(&format!("?limit=3&cursor={cursor}")).await;
    assert_eq!(phones(&second), vec!["447700900004"]);
    assert_eq!(second["next"], Value::Null);
    let r = server.get("/v1/contacts?opted_out=maybe", &key).await;
    assert_eq!(r.error(400), "invalid_query");
}

async fn import_reports_rows_and_exports_back(server: &TestServer) {
    let (_, key) = create_account(server, "Acme").await;
    let csv = "phone,name,tags,city\n\
               +263 77 100 0001,Ann,vip;lead,Harare\n\
               not-a-phone,Bad,,\n\
               ,No phone,,\n\
               263771000002,\"Moyo, Bob\",lead,Bulawayo\n\
               263771000001,Ann Again,new,\n\
               447700900003,,,\n";
    let started = import(server, &key, csv.to_string(), "upsert").await;
    assert!(started["id"].as_str().unwrap().starts_with("imp_"));
    assert_eq!(started["total"], 6);
    let job = finished(server, &key, started["id"].as_str().unwrap(), 600).await;
    assert_eq!(job["status"], "finished", "{job}");
    assert_eq!(
        (
            job["total"].clone(),
            job["processed"].clone(),
            job["created"].clone(),
            job["updated"].clone(),
            job["failed"].clone()
        ),
        (json!(6), json!(6), json!(3), json!(1), json!(2)),
        "{job}"
    );
    let errors = job["errors"].as_array().unwrap();
    assert_eq!(errors[0]["line"], 3);
    assert_eq!(errors[0]["code"], "invalid_phone");
    assert_eq!(errors[1]["line"], 4);
    assert_eq!(errors[1]["code"], "missing_phone");

    let rows = export(server, &key, "").await;
    let expected: Vec<BTreeMap<String, String>> = [
        (
            "263771000001",
            "Ann Again",
            "vip;lead;new",
            r#"{"city":"Harare"}"#,
        ),
        (
            "263771000002",
            "Moyo, Bob",
            "lead",
            r#"{"city":"Bulawayo"}"#,
        ),
        ("447700900003", "", "", ""),
    ]
    .iter()
    .map(|(p, n, t, f)| {
        [
            ("phone", *p),
            ("name", *n),
            ("tags", *t),
            ("opted_out", "false"),
            ("custom_fields", *f),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    })
    .collect();
    assert_eq!(rows, expected);
    assert_eq!(export(server, &key, "?tag=vip").await.len(), 1);

    // The export imports back unchanged into another account.
    let (_, copy) = create_account(server, "Copy").await;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["phone", "name", "tags", "opted_out", "custom_fields"])
        .unwrap();
    for r in &rows {
        w.write_record([
            &r["phone"],
            &r["name"],
            &r["tags"],
            &r["opted_out"],
            &r["custom_fields"],
        ])
        .unwrap();
    }
    let again = import(
        server,
        &copy,
        String::from_utf8(w.into_inner().unwrap()).unwrap(),
        "upsert",
    )
    .await;
    let job = finished(server, &copy, again["id"].as_str().unwrap(), 600).await;
    assert_eq!(
        (job["created"].clone(), job["failed"].clone()),
        (json!(3), json!(0)),
        "{job}"
    );
    assert_eq!(export(server, &copy, "").await, rows);

    // mode=skip leaves existing contacts alone.
    let skip = import(
        server,
        &key,
        "phone,name\n263771000001,Changed\n".into(),
        "skip",
    )
    .await;
    let job = finished(server, &key, skip["id"].as_str().unwrap(), 600).await;
    assert_eq!(
        (job["skipped"].clone(), job["updated"].clone()),
        (json!(1), json!(0))
    );
    let ann = server
        .get("/v1/contacts/263771000001", &key)
        .await
        .status(200);
    assert_eq!(ann["name"], "Ann Again");

    // Unusable uploads are refused before any job exists.
    let r = server
        .call(
            server
                .req(Method::POST, "/v1/contacts/import", &key)
                .header("content-type", "text/csv")
                .body("name,tags\nAnn,vip\n"),
        )
        .await;
    assert_eq!(r.error(400), "invalid_csv");
    let r = server
        .call(
            server
                .req(Method::POST, "/v1/contacts/import", &key)
                .header("content-type", "application/json")
                .body("{}"),
        )
        .await;
    assert_eq!(r.error(415), "unsupported_media_type");
    let r = server
        .call(
            server
                .req(Method::POST, "/v1/contacts/import?mode=merge", &key)
                .header("content-type", "text/csv")
                .body("phone\n263771000001\n"),
        )
        .await;
    assert_eq!(r.error(400), "invalid_parameter");
    let (_, other) = create_account(server, "Other").await;
    let r = server
        .get(
            &format!("/v1/contacts/imports/{}", skip["id"].as_str().unwrap()),
            &other,
        )
        .await;
    assert_eq!(r.error(404), "not_found");
}

async fn messages_create_contacts(server: &TestServer) {
    let ctx = setup_sandbox(server).await;
    send_template(server, &ctx, "+1 555 010 2001").await;
    let out = server
        .get("/v1/contacts/15550102001", &ctx.key)
        .await
        .status(200);
    assert_eq!(out["last_inbound_at"], json!([]));
    inject(
        server,
        &ctx,
        &json!({"from": "15550102002", "type": "text", "text": {"body": "hi"}}),
    )
    .await;
    let mut found = None;
    for _ in 0..600 {
        let r = server.get("/v1/contacts/15550102002", &ctx.key).await;
        if r.code == 200 {
            found = Some(r.parse::<Value>());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let contact = found.expect("the inbound message created its contact");
    let seen = contact["last_inbound_at"].as_array().unwrap();
    assert_eq!(seen.len(), 1, "{contact}");
    assert_eq!(seen[0]["channel_id"], ctx.channel.as_str());
}

async fn big_import_finishes(server: &TestServer) {
    let (_, key) = create_account(server, "Big").await;
    let mut csv = String::from("phone,name,tags,segment\n");
    for i in 0..20_000u32 {
        csv.push_str(&format!(
            "+1 202 555 {:04},Customer {i},bulk,s{}\n",
            i % 10_000,
            i % 7
        ));
    }
    let started = import(server, &key, csv, "upsert").await;
    assert_eq!(started["total"], 20_000);
    let job = finished(server, &key, started["id"].as_str().unwrap(), 6_000).await;
    assert_eq!(job["status"], "finished", "{job}");
    assert_eq!(job["processed"], 20_000);
    assert_eq!(job["failed"], 0);
    // 10,000 distinct phones: each created once, then updated by its second row.
    assert_eq!(job["created"], 10_000);
    assert_eq!(job["updated"], 10_000);
    assert_eq!(export(server, &key, "?tag=bulk").await.len(), 10_000);
}

on_both_backends!(
    contacts_crud_and_isolation => super::crud_and_isolation,
    contacts_search_filters_and_paging => super::search_filters_and_paging,
    contacts_import_reports_rows_and_exports_back => super::import_reports_rows_and_exports_back,
    contacts_are_created_by_messages => super::messages_create_contacts,
    contacts_big_import_finishes => super::big_import_finishes,
);
