#!/usr/bin/env python3
"""Extract the request examples of the endpoints the emulator supports from Meta's OAS.

Usage:
    python3 scripts/extract_oas_examples.py [OAS_YAML] [OUTPUT_DIR]

Defaults:
    OAS_YAML    /work/shared/reference/meta-cloud-api/business-messaging-api_v23.0.yaml
    OUTPUT_DIR  crates/core/tests/fixtures (relative to the repo root)

Writes one JSON file per endpoint (see FIXTURES):
    oas_message_examples.json   POST /{Version}/{Phone-Number-ID}/messages
    oas_template_examples.json  POST /{Version}/{WABA-ID}/message_templates
    oas_media_examples.json     POST /{Version}/{Phone-Number-ID}/media

Each file is a JSON object `{example name: request body}`, sorted by name, written verbatim
(placeholders such as `{{Recipient-Phone-Number}}` or `<TEMPLATE_NAME>`, and curl-style
`@/local/path/file.ogg;type=ogg` file fields, are kept; the Rust tests substitute them).
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
DEFAULT_OUT_DIR = REPO_ROOT / "crates/core/tests/fixtures"
FIXTURES = {
    "oas_message_examples.json": "/{Version}/{Phone-Number-ID}/messages",
    "oas_template_examples.json": "/{Version}/{WABA-ID}/message_templates",
    "oas_media_examples.json": "/{Version}/{Phone-Number-ID}/media",
}


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


def extract(doc, path):
    """Return `{name: body}` for every request example of `POST path`."""
    operation = doc["paths"][path]["post"]
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
    out_dir = pathlib.Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT_DIR
    with oas.open(encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    out_dir.mkdir(parents=True, exist_ok=True)
    for file_name, path in FIXTURES.items():
        examples = extract(doc, path)
        out = out_dir / file_name
        with out.open("w", encoding="utf-8") as f:
            json.dump(examples, f, indent=2, ensure_ascii=False, sort_keys=False)
            f.write("\n")
        print(f"wrote {len(examples)} examples of POST {path} to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
