"""Schemathesis hooks of the API fuzzing run (scripts/fuzz.sh).

- Authentication: the admin key on `/v1/accounts…`, the seeded account's key elsewhere.
- Ids: just before each call, most generated path parameters (and the `channel_id` and
  `after_event_id` of a body) are replaced by ids of objects seeded by scripts/fuzz_seed.py
  (read from the file named by FUZZ_IDS_FILE), so operations are exercised past the 404 of an
  unknown id; a fixed share keeps the generated value, so unknown and malformed ids are fuzzed
  too. The choice is a hash of the generated value: the run stays reproducible under `--seed`.
- A check that every 4xx answer is JSON with a stable `code`.
"""

import json
import os
import re
import zlib

import schemathesis

with open(os.environ["FUZZ_IDS_FILE"], encoding="utf-8") as seed_file:
    SEED = json.load(seed_file)

# One generated value in KEEP_ONE_IN keeps its generated id.
KEEP_ONE_IN = 5

# The seeded id of each path parameter, by the path's first segments. DELETE and cancel use
# the spare object (`spare_…`), so the one every other operation needs survives the run.
RESOURCES = {
    "accounts": "account",
    "broadcasts": "broadcast",
    "channels": "channel",
    "contacts": "contact",
    "deliveries": "delivery",
    "keys": "key",
    "media": "media",
    "messages": "message",
    "subscriptions": "subscription",
}
NAMED = {
    "rule_id": "rule",
    "template_id": "template",
    "wa_id": "wa_id",
    "channel_id": "channel",
}

# Ids a body names, replaced like path ids (a broadcast's or an upload's channel, the event a
# replay starts after).
BODY_IDS = {
    "channel_id": "channel",
    "after_event_id": "event",
}

# An id of ours (`ch_…`, `msg_…`), as a link of the stateful phase fills in.
LINKED_ID = re.compile(r"^[a-z]+_[0-9a-z]{20,}$")

# Native errors: `{"error": {"code": "snake_case", "message", "request_id"}}`.
NATIVE_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def is_admin_operation(operation):
    """Account administration takes the installation's admin key."""
    return operation.path.startswith("/v1/accounts")


@schemathesis.auth(cache_by_key=lambda case, context: is_admin_operation(context.operation))
class SwitchboardAuth:
    """The admin key for account administration, the account's key for everything else."""

    def get(self, case, context):
        if is_admin_operation(context.operation):
            return SEED["admin_key"]
        return SEED["api_key"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


def seeded_id(path, method, name):
    """The seeded id for parameter `name` of `method path`, or None."""
    if name == "version":
        return "v23.0"
    segments = path.strip("/").split("/")
    if name in NAMED:
        seeded = NAMED[name]
    elif name != "id":
        return None
    elif segments[:3] == ["v1", "contacts", "imports"]:
        seeded = "import"
    else:
        seeded = RESOURCES.get(segments[1]) if len(segments) > 1 else None
        if seeded is None:
            return None
    # The object the path ends on is the one a DELETE or a cancel ends.
    ends_on_it = segments[-1] == "{" + name + "}" and method == "DELETE"
    cancels_it = segments[-1] == "cancel" and segments[-2] == "{" + name + "}"
    if (ends_on_it or cancels_it) and "spare_" + seeded in SEED:
        seeded = "spare_" + seeded
    return SEED[seeded]


@schemathesis.hook
def before_call(context, case, kwargs):
    """Replaces most generated path ids, and the ids of BODY_IDS in a JSON or form body, with
    seeded ones (deterministically), in every phase (the coverage phase does not run the
    `map_*` hooks)."""
    if keeps_generated(case):
        return
    operation = context.operation
    parameters = case.path_parameters or {}
    linked = is_stateful(case)
    for name in list(parameters):
        if linked and LINKED_ID.match(str(parameters[name])):
            # An id a link took from an earlier answer: the stateful phase's point.
            continue
        value = seeded_id(operation.path, operation.method.upper(), name)
        if value is not None:
            parameters[name] = value
    body = case.body
    if isinstance(body, dict):
        for name, seeded in BODY_IDS.items():
            if name in body:
                body[name] = SEED[seeded]


def is_stateful(case):
    """Whether the case belongs to the stateful phase (whose path ids may come from links)."""
    meta = case.meta
    return meta is not None and str(meta.phase.name) == "stateful"


def keeps_generated(case):
    """Whether this case keeps its generated ids: one in KEEP_ONE_IN, by a stable hash of the
    whole case (the coverage phase sends many cases with the same path parameters)."""
    parts = (case.method, case.path_parameters, case.query, case.body)
    return zlib.crc32(repr(parts).encode()) % KEEP_ONE_IN == 0


def is_dialect_error(body):
    """The compatibility dialects answer in their service's error shape (README, "Moving from
    another service"): Send Buttons `{"status": "FAIL", "reason": <int>, "description"}`,
    MultiWhats `{"status": false, "message"}`, 1msg `{"error": <text>, "code": <snake_case>}`."""
    if not isinstance(body, dict):
        return False
    if isinstance(body.get("error"), str):
        return isinstance(body.get("code"), str) and NATIVE_CODE.match(body["code"]) is not None
    if body.get("status") == "FAIL":
        reason = body.get("reason")
        return isinstance(reason, int) and not isinstance(reason, bool) and isinstance(body.get("description"), str)
    return body.get("status") is False and isinstance(body.get("message"), str)


@schemathesis.check
def error_is_json_with_code(ctx, response, case):
    """Every 4xx answer is a JSON error envelope with a stable code: the native
    `{"error": {"code": "snake_case", "message", "request_id"}}`, or Meta's envelope
    `{"error": {"code": <int>, "type", "message", "fbtrace_id"}}` on the Cloud-API-shaped
    operations, or a dialect's own shape under `/compat/`."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    if not content_type.startswith("application/json"):
        raise AssertionError(
            f"a {response.status_code} answer is `{content_type}`, not a JSON error: "
            f"{response.text[:200]!r}"
        )
    try:
        body = json.loads(response.text)
    except ValueError as e:
        raise AssertionError(f"a {response.status_code} answer is not valid JSON: {e}") from e
    if case.path.startswith("/compat/") and is_dialect_error(body):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        raise AssertionError(f"a {response.status_code} answer has no `error.message`: {body!r}")
    code = error.get("code")
    if isinstance(code, str):
        if not NATIVE_CODE.match(code) or not isinstance(error.get("request_id"), str):
            raise AssertionError(f"`error.code` {code!r} is not a stable snake_case code: {body!r}")
    elif isinstance(code, int) and not isinstance(code, bool):
        if not isinstance(error.get("type"), str) or not isinstance(error.get("fbtrace_id"), str):
            raise AssertionError(f"Meta's error envelope lacks `type` or `fbtrace_id`: {body!r}")
    else:
        raise AssertionError(f"a {response.status_code} answer has no stable `error.code`: {body!r}")
    return None
