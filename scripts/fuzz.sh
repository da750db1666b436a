#!/usr/bin/env bash
# Fuzz the live server with schemathesis against its own /openapi.json (SPEC §6: zero 5xx).
#
# Starts tests/fuzz/server.py (production settings, the emulators seeded with demo data, a
# scratch SQLite file, or a scratch PostgreSQL database when DATABASE_URL names a server),
# then runs every schemathesis check but the two that cannot hold for this API (see
# docs/hardening.md), with HubSpot v3 signatures computed by tests/fuzz/hooks.py.
#
#   scripts/fuzz.sh                     # SQLite
#   DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test scripts/fuzz.sh
#   FUZZ_MAX_EXAMPLES=500 FUZZ_SEED=7 scripts/fuzz.sh
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VENV:-$REPO/.venv}"
case "$VENV" in /*) ;; *) VENV="$REPO/$VENV" ;; esac
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-150}"
SEED="${FUZZ_SEED:-20240917}"
WORK="$(mktemp -d)"
PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

cd "$REPO"
"$VENV/bin/python" -m tests.fuzz.server --port "$PORT" --context "$WORK/context.json" \
  ${DATABASE_URL:+--database "$DATABASE_URL"} >"$WORK/server.log" 2>&1 &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  [ -n "${FUZZ_KEEP:-}" ] && cp "$WORK/server.log" "$FUZZ_KEEP" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for _ in $(seq 150); do
  [ -s "$WORK/context.json" ] && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log"; echo "fuzz: the server did not start"; exit 1; }
  sleep 0.2
done
[ -s "$WORK/context.json" ] || { cat "$WORK/server.log"; echo "fuzz: the server did not start"; exit 1; }

echo "== schemathesis on http://127.0.0.1:$PORT (database: ${DATABASE_URL:+PostgreSQL}${DATABASE_URL:-SQLite}, max examples $MAX_EXAMPLES, seed $SEED)"
set +e
(
  cd "$WORK"  # schemathesis keeps its cache in the working directory
  PYTHONPATH="$REPO" FUZZ_CONTEXT="$WORK/context.json" SCHEMATHESIS_HOOKS=tests.fuzz.hooks \
    "$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/openapi.json" \
    --url "http://127.0.0.1:$PORT" \
    --checks all --exclude-checks positive_data_acceptance,negative_data_rejection \
    --max-examples "$MAX_EXAMPLES" --seed "$SEED" --no-color
) | tee "$WORK/schemathesis.txt"
status=${PIPESTATUS[0]}
set -e

# The server's own metrics count every answer by status.
server_errors=$("$VENV/bin/python" - "$PORT" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=10).read().decode()
print(int(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith("hubqbo_http_request_duration_seconds_count")
              and 'status="5' in line)))
PY
)
unhandled=$(grep -c '"level": "ERROR"' "$WORK/server.log" || true)
cases=$(grep -Eo '[0-9]+ generated' "$WORK/schemathesis.txt" | tail -1 | grep -Eo '[0-9]+' || echo 0)
operations=$(grep -Eo 'Tested: [0-9]+' "$WORK/schemathesis.txt" | tail -1 | grep -Eo '[0-9]+' || echo 0)
executions=$(grep -c '"logger": "hubqbo.executions"' "$WORK/server.log" || true)
echo "fuzz totals: operations=$operations cases=$cases executions_run=$executions" \
     "responses_5xx=$server_errors unhandled_errors=$unhandled schemathesis_exit=$status"
if [ "$unhandled" != "0" ]; then
  grep '"level": "ERROR"' "$WORK/server.log" | head -5
fi
[ "$status" = "0" ] && [ "$unhandled" = "0" ] && [ "$server_errors" = "0" ]
