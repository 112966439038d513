#!/usr/bin/env bash
# Fuzzes the whole native API with schemathesis against a real `switchboard serve` (SQLite in a
# temporary folder, a random port), from the committed openapi.json: every operation, the
# stateful phase over the links schemathesis infers from the document, authenticated (the
# admin key on /v1/accounts…, an account key elsewhere), with ids seeded by
# scripts/fuzz_seed.py so operations run past the 404 of an unknown id.
#
# Fails on any server error, any answer the document does not describe (status, content type,
# schema), any 4xx that is not a JSON error with a stable `code` (scripts/fuzz_hooks.py) and any
# panic in the server's log. Called by .ci/run; run it alone for a longer search:
#
#   FUZZ_EXAMPLES=500 FUZZ_SEED=7 scripts/fuzz.sh
#
# FUZZ_EXAMPLES: examples per operation and phase (CI: 25); FUZZ_SEED: the random seed (CI: 1);
# FUZZ_TIMEOUT: seconds the schemathesis run may take before it is stopped (CI: 240).
#
# Left out: GET /v1/events/stream, the SSE stream, which answers 200 and never ends (a
# request would only time out); its query checks are the list's and the WebSocket's, which
# share its parameters and run here. Large uploads are not generated (schemathesis' bodies are
# small): the body limits have their own tests. The per-key request rate is off, as
# schemathesis sends as fast as it can; the rate limit has its own tests.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES=${FUZZ_EXAMPLES:-25}
SEED=${FUZZ_SEED:-1}
TIMEOUT=${FUZZ_TIMEOUT:-240}
TARGET_DIR=$(realpath -m "${CARGO_TARGET_DIR:-target}")
VENV=$TARGET_DIR/fuzz/venv
ROOT=$(pwd)

if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$"; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --quiet -p switchboard
binary=$TARGET_DIR/debug/switchboard

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

admin_key="fuzz_admin_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
env -u SWITCHBOARD_DATABASE_URL -u SWITCHBOARD_CONFIG \
  NO_COLOR=1 \
  SWITCHBOARD_ADMIN_KEY="$admin_key" \
  SWITCHBOARD_DATA_DIR="$work/data" \
  SWITCHBOARD_LISTEN=127.0.0.1:0 \
  SWITCHBOARD_BOOTSTRAP=false \
  SWITCHBOARD_HTTP__KEY_REQUESTS_PER_SECOND=0 \
  SWITCHBOARD_LOG__LEVEL=warn,switchboard=info \
  "$binary" serve >"$work/server.log" 2>&1 &
server=$!

address=""
for _ in $(seq 1 300); do
  address=$(sed 's/\x1b\[[0-9;]*m//g' "$work/server.log" | grep -o 'listening address=[0-9.:]*' | cut -d= -f2 || true)
  [ -n "$address" ] && break
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$work/server.log" >&2
    echo "the server exited before listening" >&2
    exit 1
  fi
  sleep 0.2
done
if [ -z "$address" ]; then
  cat "$work/server.log" >&2
  echo "the server did not listen within 60 seconds" >&2
  exit 1
fi
base="http://$address"
echo "server at $base; seeding"
python3 scripts/fuzz_seed.py "$base" "$admin_key" >"$work/ids.json"

echo "schemathesis $SCHEMATHESIS_VERSION: seed $SEED, $EXAMPLES examples per operation"
status=0
(
  cd "$work"
  FUZZ_IDS_FILE="$work/ids.json" SCHEMATHESIS_HOOKS="$ROOT/scripts/fuzz_hooks.py" \
    timeout "$TIMEOUT" "$VENV/bin/st" --no-color run "$ROOT/openapi.json" \
    --url "$base" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,error_is_json_with_code \
    --seed "$SEED" \
    --max-examples "$EXAMPLES" \
    --workers 1 \
    --request-timeout 10 \
    --exclude-path /v1/events/stream \
    --suppress-health-check all
) || status=$?

if grep -q 'panicked' "$work/server.log"; then
  grep -B2 -A10 'panicked' "$work/server.log" >&2
  echo "the server panicked during the run" >&2
  status=1
fi
if [ "$status" -eq 124 ]; then
  echo "schemathesis did not finish within ${TIMEOUT}s: lower FUZZ_EXAMPLES or raise FUZZ_TIMEOUT" >&2
fi
if [ "$status" -ne 0 ]; then
  echo "API fuzzing failed (server log: last lines below)" >&2
  tail -n 40 "$work/server.log" >&2
  exit "$status"
fi
echo "API fuzzing passed"
