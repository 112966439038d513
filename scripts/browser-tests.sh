#!/usr/bin/env bash
# The console's browser tests (crates/console/tests/browser, node's test runner with
# playwright-core driving Debian's headless Chromium) against a real `switchboard serve`: a
# fresh SQLite database in a temporary folder, a random port on 127.0.0.1, first-start
# bootstrap on, and the one-time sign-in link it prints handed to the tests (with the default
# account's key, to sign in again). Private webhook targets are allowed: the tests' webhook
# endpoints listen on 127.0.0.1. Broadcasts cost what they cost a newcomer: the first-start
# account starts with its credits. Screenshots go to crates/console/tests/browser/artifacts.
#
# Without /usr/bin/chromium (or $CHROMIUM) or the test folder's node_modules (`npm ci` there),
# the tests are skipped with the reason printed, unless SWITCHBOARD_REQUIRE_BROWSER=1 (set by
# .ci/run), which makes a missing piece a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

TESTS=crates/console/tests/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
required=${SWITCHBOARD_REQUIRE_BROWSER:-0}

skip() {
  if [ "$required" = "1" ]; then
    echo "browser tests cannot run: $1 (SWITCHBOARD_REQUIRE_BROWSER=1 makes this a failure)" >&2
    exit 1
  fi
  echo "browser tests skipped: $1"
  exit 0
}
[ -x "$CHROMIUM" ] || skip "no Chromium at $CHROMIUM (apt-get install chromium)"
command -v node >/dev/null || skip "no node"
[ -d "$TESTS/node_modules/playwright-core" ] || skip "no $TESTS/node_modules (run npm ci there)"

TARGET_DIR=$(realpath -m "${CARGO_TARGET_DIR:-target}")
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

env -u SWITCHBOARD_DATABASE_URL -u SWITCHBOARD_CONFIG -u SWITCHBOARD_ADMIN_KEY -u SWITCHBOARD_PUBLIC_URL \
  NO_COLOR=1 \
  SWITCHBOARD_DATA_DIR="$work/data" \
  SWITCHBOARD_LISTEN=127.0.0.1:0 \
  SWITCHBOARD_BOOTSTRAP=true \
  SWITCHBOARD_SANDBOX__WEB_QR_FIRST_MS=4000 \
  SWITCHBOARD_SANDBOX__WEB_QR_NEXT_MS=4000 \
  SWITCHBOARD_WEB__MAX_QR_CODES=30 \
  SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true \
  SWITCHBOARD_LOG__LEVEL=warn,switchboard=info \
  "$binary" serve >"$work/server.log" 2>&1 &
server=$!

link=""
for _ in $(seq 1 300); do
  link=$(grep -o 'http://[0-9.:]*/console/sign-in?token=[0-9a-f]*' "$work/server.log" | head -1 || true)
  [ -n "$link" ] && grep -q 'listening' "$work/server.log" && break
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$work/server.log" >&2
    echo "the server exited before listening" >&2
    exit 1
  fi
  sleep 0.2
done
if [ -z "$link" ]; then
  cat "$work/server.log" >&2
  echo "the server printed no console sign-in link within 60 seconds" >&2
  exit 1
fi
echo "server at ${link%%/console/*}"

# The first-start account key, for tests that sign in again or call the API (the sandbox's
# simulated customers).
key=$(grep -o 'API key (shown once): [A-Za-z0-9_]*' "$work/server.log" | head -1 | sed 's/.*: //' || true)
# The first-start admin key, for the accounts pages.
admin=$(grep -o '^  sba_[0-9a-f]*' "$work/server.log" | head -1 | tr -d ' ' || true)

status=0
# console.test.mjs first: its first test signs in with the one-time link. Then every other
# test file, one after the other (they share one server and its data).
(cd "$TESTS" && SWITCHBOARD_SIGN_IN_LINK="$link" SWITCHBOARD_API_KEY="$key" SWITCHBOARD_ADMIN_KEY="$admin" CHROMIUM="$CHROMIUM" \
  node --test --test-concurrency=1 console.test.mjs $(ls ./*.test.mjs | grep -v '^./console.test.mjs$')) || status=$?
if grep -q 'panicked' "$work/server.log"; then
  grep -B2 -A10 'panicked' "$work/server.log" >&2
  echo "the server panicked during the browser tests" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "browser tests failed (server log: last lines below)" >&2
  tail -n 40 "$work/server.log" >&2
fi
exit "$status"
