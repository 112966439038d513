#!/usr/bin/env bash
# Switchboard's benchmarks and fault harness (docs/BENCHMARKS.md): builds the release
# binaries, then runs accept, e2e, crash and faults against SQLite and, when a server answers,
# PostgreSQL. Needs nothing beyond cargo (and a PostgreSQL server for the PostgreSQL half).
#
#   scripts/bench.sh                 # everything, medians of 3 runs (about 30 minutes)
#   QUICK=1 scripts/bench.sh         # a short smoke run (1 run, short phases)
#   RUNS=5 scripts/bench.sh accept   # only the named parts (see PARTS below)
#   WAIT_QUIET=1 scripts/bench.sh    # before each part, wait (up to 10 min) for load < 1.0
#
# Parts: accept accept-wide e2e e2e-variants crash faults idle backlog broadcast (broadcast is
# not in the default set: BROADCAST_TARGETS, default 1000000, targets on SQLite, ~10 minutes;
# backlog queues BACKLOG_QUEUED messages, default 1000000, behind a slow channel).
# Environment: RUNS (default 3), QUICK, WAIT_QUIET, SWITCHBOARD_BENCH_PG_URL (default
# postgres://postgres@127.0.0.1:5432/postgres), CARGO_TARGET_DIR, OUT (result file), BIN_DIR
# (measure the switchboard and switchboard-bench binaries in that folder instead of building).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
QUICK=${QUICK:-0}
PG_URL=${SWITCHBOARD_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export SWITCHBOARD_BENCH_PG_URL=$PG_URL
PARTS=("$@")
if [ ${#PARTS[@]} -eq 0 ]; then
  PARTS=(accept accept-wide e2e e2e-variants crash faults idle backlog)
fi

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
if [ -n "${BIN_DIR:-}" ]; then
  echo "== measuring the binaries in $BIN_DIR"
else
  echo "== building release binaries"
  cargo build --release --quiet -p switchboard -p switchboard-bench
  BIN_DIR="$TARGET_DIR/release"
fi
BENCH="$BIN_DIR/switchboard-bench"
export SWITCHBOARD_BIN="$BIN_DIR/switchboard"
mkdir -p "$TARGET_DIR/bench"
OUT=${OUT:-$TARGET_DIR/bench/results-$(date -u +%Y%m%dT%H%M%SZ).txt}

# PostgreSQL: host and port from the URL; the PostgreSQL half is skipped when unreachable.
pg_hostport=${PG_URL#*://}
pg_hostport=${pg_hostport#*@}
pg_hostport=${pg_hostport%%/*}
pg_host=${pg_hostport%%:*}
pg_port=${pg_hostport##*:}
[ "$pg_port" = "$pg_hostport" ] && pg_port=5432
BACKENDS=(sqlite)
if (exec 3<>"/dev/tcp/$pg_host/$pg_port") 2>/dev/null; then
  BACKENDS+=(postgres)
else
  echo "PostgreSQL does not answer at $pg_host:$pg_port: its runs are skipped" >&2
fi

if [ "$QUICK" = 1 ]; then
  RUNS=1
  ACCEPT=(--duration 3 --warmup 1)
  E2E=(--messages 3000 --channels 4 --recipients 500)
  E2E_VARIANTS=(--messages 2000 --channels 4 --recipients 500)
  CRASH=(--messages 500 --kills 2)
  FAULTS=(--messages 300)
  BACKLOG_QUEUED=${BACKLOG_QUEUED:-100000}
else
  ACCEPT=()
  E2E=()
  E2E_VARIANTS=(--messages 5000)
  CRASH=()
  FAULTS=()
fi

{
  echo "== machine"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  free -m | sed -n '1,2p'
  echo "uptime: $(uptime)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "rustc: $(rustc --version)"
  echo "binaries: $SWITCHBOARD_BIN ($(date -u -r "$SWITCHBOARD_BIN" +%Y-%m-%dT%H:%M:%SZ)), $BENCH"
} | tee "$OUT"

wait_quiet() {
  [ "${WAIT_QUIET:-0}" = 1 ] || return 0
  local waited=0
  while awk '{exit !($1 >= 1.0)}' /proc/loadavg && [ $waited -lt 600 ]; do
    echo "load average $(cut -d' ' -f1 /proc/loadavg) >= 1.0: waiting for a quiet machine" >&2
    sleep 20
    waited=$((waited + 20))
  done
}

status=0
run() {
  wait_quiet
  echo | tee -a "$OUT"
  echo "== switchboard-bench $*" | tee -a "$OUT"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
  set +e
  "$BENCH" "$@" 2>&1 | tee -a "$OUT"
  local rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ]; then
    echo "switchboard-bench $1 FAILED (exit $rc)" | tee -a "$OUT"
    status=1
  fi
}

for part in "${PARTS[@]}"; do
  case $part in
    accept)
      backends=$(IFS=,; echo "${BACKENDS[*]}")
      run accept --backends "$backends" --runs "$RUNS" "${ACCEPT[@]}"
      ;;
    accept-wide)
      # The same with templates to 5,000 recipients: many chats instead of 100.
      backends=$(IFS=,; echo "${BACKENDS[*]}")
      run accept --backends "$backends" --runs "$RUNS" --kind template --recipients 5000 "${ACCEPT[@]}"
      ;;
    e2e)
      for b in "${BACKENDS[@]}"; do run e2e --backend "$b" --runs "$RUNS" "${E2E[@]}"; done
      ;;
    e2e-variants)
      # Without the webhook-out leg (clock stops at the server's statuses), and with every
      # message event (accepted, sent, delivered, read) sent out.
      for b in "${BACKENDS[@]}"; do
        run e2e --backend "$b" --runs "$RUNS" --webhook-events none "${E2E_VARIANTS[@]}"
        run e2e --backend "$b" --runs "$RUNS" --webhook-events 'message.*' "${E2E_VARIANTS[@]}"
      done
      ;;
    crash)
      for b in "${BACKENDS[@]}"; do run crash --backend "$b" "${CRASH[@]}"; done
      ;;
    faults)
      for b in "${BACKENDS[@]}"; do run faults --backend "$b" "${FAULTS[@]}"; done
      ;;
    idle)
      for b in "${BACKENDS[@]}"; do run idle --backend "$b"; done
      ;;
    failover)
      # Two nodes on one PostgreSQL database, the second one SIGKILLed (PostgreSQL only).
      if [[ " ${BACKENDS[*]} " == *" postgres "* ]]; then
        run crash --backend postgres --failover --messages 20000 --kills 5 --send-rate 300 --timeout 600
      fi
      ;;
    crash-scale)
      # 100,000 sends and 20 SIGKILLs per store; PostgreSQL offered what its dispatch keeps up with.
      run crash --backend sqlite --messages 100000 --kills 20 --send-rate 600 --timeout 1100
      if [[ " ${BACKENDS[*]} " == *" postgres "* ]]; then
        run crash --backend postgres --messages 100000 --kills 20 --send-rate 150 --timeout 1400
      fi
      ;;
    outage)
      # A webhook receiver down for an hour of accelerated time.
      run outage --backend sqlite --messages 2000 --chats 50 --outage 3600 --accel 100
      ;;
    backlog)
      # CPU per message with an empty outbox, then with BACKLOG_QUEUED (default 1,000,000)
      # messages queued behind a slow channel; the ratio should stay near 1.
      for b in "${BACKENDS[@]}"; do run backlog --backend "$b" --queued "${BACKLOG_QUEUED:-1000000}"; done
      ;;
    broadcast)
      # One broadcast of a CSV audience on SQLite, the channel at its 1000 msg/s ceiling.
      run broadcast --backend sqlite --targets "${BROADCAST_TARGETS:-1000000}"
      ;;
    *)
      echo "unknown part: $part (accept, accept-wide, e2e, e2e-variants, crash, faults, idle, backlog, broadcast, failover, crash-scale, outage)" >&2
      exit 2
      ;;
  esac
done

echo
echo "results: $OUT"
exit $status
