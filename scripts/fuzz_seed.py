#!/usr/bin/env python3
"""Seeds a fresh Switchboard for the API fuzzing run (scripts/fuzz.sh).

Creates, through the public API, an account with its key and one object of every kind the
path parameters of openapi.json name (channels, a message, a contact, a rule, a template, a
subscription, a broadcast, media, a key, an import job, an event), and a spare of each that
DELETE and cancel operations use (`spare_…`), so the first ones survive the run; then prints
them as one JSON object that scripts/fuzz_hooks.py reads. Usage: fuzz_seed.py BASE_URL ADMIN_KEY.
"""

import json
import sys
import time
import urllib.error
import urllib.request

# A 1x1 PNG.
PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
CUSTOMER = "15551230001"


def call(base, key, method, path, body=None, content_type="application/json"):
    """One request; returns the decoded JSON answer or fails naming the step."""
    data = None
    headers = {"Authorization": f"Bearer {key}"}
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
    except urllib.error.HTTPError as e:
        sys.exit(f"seeding failed: {method} {path} -> {e.code} {e.read().decode(errors='replace')}")
    return json.loads(text) if text else None


def wait_for(what, probe, seconds=20.0):
    """Polls `probe` until it returns something truthy (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    sys.exit(f"seeding failed: {what} did not appear within {seconds:.0f}s")


def main():
    base, admin = sys.argv[1].rstrip("/"), sys.argv[2]
    account = call(base, admin, "POST", "/v1/accounts", {"name": "fuzz"})
    key = account["api_key"]

    def api(method, path, body=None, **kw):
        return call(base, key, method, path, body, **kw)

    channel = api("POST", "/v1/channels", {"name": "fuzz", "kind": "sandbox"})["id"]
    # A second channel for DELETE /v1/channels/{id}, so the first one survives the run.
    spare_channel = api("POST", "/v1/channels", {"name": "spare", "kind": "sandbox"})["id"]
    api(
        "POST",
        f"/v1/channels/{channel}/sandbox/inbound",
        {"from": CUSTOMER, "type": "text", "text": {"body": "hello"}, "profile": {"name": "Ana"}},
    )
    contact = wait_for(
        "the inbound contact",
        lambda: next(iter(api("GET", "/v1/contacts")["data"]), None),
    )["id"]
    sent = api(
        "POST",
        f"/v1/channels/{channel}/messages",
        {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "hi"}},
    )
    message = sent["messages"][0]["id"]
    def rule(pattern):
        body = {"pattern": pattern, "reply": {"type": "text", "text": {"body": "10 USD"}}}
        return api("POST", f"/v1/channels/{channel}/bot/rules", body)["id"]

    def template(name):
        body = {
            "name": name,
            "language": "en_US",
            "category": "UTILITY",
            "components": [{"type": "BODY", "text": "Hello"}],
        }
        return api("POST", f"/v1/channels/{channel}/templates", body)["id"]

    def subscription():
        body = {"url": "https://example.com/fuzz", "events": ["*"]}
        return api("POST", "/v1/subscriptions", body)["id"]

    def media():
        return api("POST", "/v1/media", {"data": PNG, "channel_id": channel})["id"]

    def broadcast():
        body = {
            "channel_id": channel,
            "message": {"messaging_product": "whatsapp", "type": "text", "text": {"body": "news"}},
            "audience": {"numbers": [CUSTOMER]},
        }
        return api("POST", "/v1/broadcasts", body)["id"]

    spare_contact = api("POST", "/v1/contacts", {"phone": "+15551230003"})["id"]
    spare_key = api("POST", "/v1/keys", {"name": "to revoke", "permission": "read"})["id"]
    call(base, admin, "POST", f"/v1/accounts/{account['id']}/credits", {"amount": 1000})
    job = api(
        "POST",
        "/v1/contacts/import",
        b"phone,name\n+15551230002,Bo\n",
        content_type="text/csv",
    )["id"]
    subscription_id = subscription()
    delivery = wait_for(
        "a webhook delivery",
        lambda: next(iter(api("GET", f"/v1/subscriptions/{subscription_id}/deliveries")["data"]), None),
    )["id"]
    event = api("GET", "/v1/events?limit=1")["data"][0]["id"]
    print(
        json.dumps(
            {
                "admin_key": admin,
                "api_key": key,
                "account": account["id"],
                "channel": channel,
                "spare_channel": spare_channel,
                "message": message,
                "contact": contact,
                "wa_id": CUSTOMER,
                "spare_contact": spare_contact,
                "rule": rule("price"),
                "spare_rule": rule("hours"),
                "template": template("fuzz_hello"),
                "spare_template": template("fuzz_spare"),
                "subscription": subscription_id,
                "spare_subscription": subscription(),
                "delivery": delivery,
                "media": media(),
                "spare_media": media(),
                "key": spare_key,
                "spare_key": spare_key,
                "broadcast": broadcast(),
                "spare_broadcast": broadcast(),
                "import": job,
                "event": event,
            }
        )
    )


if __name__ == "__main__":
    main()
