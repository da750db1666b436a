#!/usr/bin/env bash
# A host's install, checked: `pip install .` (no extras) into a fresh virtual environment, then
# `flask --app app run` with no credentials must serve the sandbox: /healthz and the dashboard
# `/` answer 200. Runs outside the checkout so only the installed package can answer.
#
#   scripts/plain_install_smoke.sh
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
PYTHON="${PYTHON:-python3}"
PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== plain install: pip install . into $WORK/venv (no extras)"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --upgrade pip
# A copy of the checkout: building in place would leave build/ and *.egg-info behind.
mkdir "$WORK/src"
(cd "$REPO" && git ls-files -z | xargs -0 cp --parents -t "$WORK/src")
"$WORK/venv/bin/python" -m pip install --quiet "$WORK/src"

mkdir "$WORK/run"
cd "$WORK/run"
# No credentials, no database or Redis named: the sandbox, on a SQLite file of its own.
env -i PATH="$PATH" HOME="$WORK/run" LANG=C.UTF-8 \
  "$WORK/venv/bin/flask" --app app run --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!

check() {
  "$PYTHON" - "$1" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as answer:
    sys.exit(0 if answer.status == 200 else 1)
PY
}
for _ in $(seq 150); do
  check "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log"; echo "smoke: the server exited"; exit 1; }
  sleep 0.2
done
for path in /healthz /; do
  if ! check "http://127.0.0.1:$PORT$path"; then
    cat "$WORK/server.log"
    echo "smoke: GET $path did not answer 200"
    exit 1
  fi
  echo "smoke: GET $path -> 200"
done
echo "smoke: a plain install serves the sandbox"
