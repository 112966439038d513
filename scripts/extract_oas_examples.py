#!/usr/bin/env python3
"""Extract the request examples of `POST /{Version}/{Phone-Number-ID}/messages` from Meta's OAS.

Usage:
    python3 scripts/extract_oas_examples.py [OAS_YAML] [OUTPUT_JSON]

Defaults:
    OAS_YAML    /work/shared/reference/meta-cloud-api/business-messaging-api_v23.0.yaml
    OUTPUT_JSON crates/core/tests/fixtures/oas_message_examples.json (relative to the repo root)

The output is a JSON object `{example name: request body}`, sorted by name, written verbatim
(placeholders such as `{{Recipient-Phone-Number}}` are kept; the Rust test substitutes them).
Examples given by `$ref` to `#/components/examples/...` are resolved.
"""

import json
import pathlib
import sys

import yaml

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OAS = pathlib.Path(
    "/work/shared/reference/meta-cloud-api/business-messaging-api_v23.0.yaml"
)
DEFAULT_OUT = REPO_ROOT / "crates/core/tests/fixtures/oas_message_examples.json"
PATH = "/{Version}/{Phone-Number-ID}/messages"


def resolve(doc, node):
    """Follow a local `$ref` (`#/a/b/c`) until a non-reference node is reached."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#/"):
            raise ValueError(f"cannot resolve reference {ref!r}")
        seen.add(ref)
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def extract(doc):
    """Return `{name: body}` for every request example of the messages endpoint."""
    operation = doc["paths"][PATH]["post"]
    body = resolve(doc, operation["requestBody"])
    out = {}
    for media_type, content in sorted(body["content"].items()):
        for name, example in (content.get("examples") or {}).items():
            example = resolve(doc, example)
            if "value" not in example:
                raise ValueError(f"example {name!r} has no inline value")
            key = name if name not in out else f"{name} ({media_type})"
            out[key] = example["value"]
        if "example" in content:
            out[f"example ({media_type})"] = content["example"]
    return dict(sorted(out.items()))


def main(argv):
    oas = pathlib.Path(argv[1]) if len(argv) > 1 else DEFAULT_OAS
    out = pathlib.Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    with oas.open(encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    examples = extract(doc)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        json.dump(examples, f, indent=2, ensure_ascii=False, sort_keys=False)
        f.write("\n")
    print(f"wrote {len(examples)} examples to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
