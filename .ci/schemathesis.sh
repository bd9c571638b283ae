#!/usr/bin/env bash
# Property-based API test: runs schemathesis (PyPI) against a live `etalage serve` on a fresh temporary database,
# driven by the server's own OpenAPI document (GET /openapi.json), public and admin endpoints.
# Fails on any 5xx, any response not matching the documented schema or status codes, or a crash.
#
#   .ci/schemathesis.sh PATH/TO/etalage [extra schemathesis options…]
#
# Builds nothing: pass a built binary (e.g. .build/release/etalage). SCHEMATHESIS_MAX_EXAMPLES (default 30) bounds
# the test cases per operation and phase.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 PATH/TO/etalage [schemathesis options…]" >&2
  exit 2
fi
binary=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift

command -v python3 >/dev/null 2>&1 || { echo "python3 is required" >&2; exit 1; }
# The flags below are schemathesis 4's; pin the version they were written against.
if ! schemathesis --version 2>/dev/null | grep -q '4\.32\.5'; then
  echo "installing schemathesis 4.32.5"
  python3 -m pip install --quiet 'schemathesis==4.32.5'
fi
python3 -c 'import openapi_spec_validator' 2>/dev/null || python3 -m pip install --quiet openapi-spec-validator

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
token="schemathesis-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
"$binary" serve --port "$port" --db "$work/etalage.sqlite" --fixtures Fixtures --templates Templates \
  --admin-token "$token" --access-log off 2>"$work/server.log" &
server_pid=$!

base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "etalage serve exited before answering:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null

# The served document must be a valid OpenAPI 3.1 document.
curl -fsS "$base/openapi.json" -o "$work/openapi.json"
python3 -c 'import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print("openapi.json: valid OpenAPI", json.load(open(sys.argv[1]))["openapi"])' "$work/openapi.json"

# Run from the temporary directory: schemathesis keeps a cache (.schemathesis/) in the working directory.
status=0
(cd "$work" && schemathesis run "$base/openapi.json" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-30}" \
  --phases examples,coverage,fuzzing \
  --workers 1 \
  --request-timeout 10 \
  --header "Authorization: Bearer $token" \
  --suppress-health-check data_too_large,too_slow,large_base_example \
  --no-color \
  "$@") || status=$?

# A crash is a failure even if every answer looked right.
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "etalage serve is no longer running (crashed?):" >&2
  tail -n 50 "$work/server.log" >&2
  status=1
else
  kill -TERM "$server_pid"
  server_exit=0
  wait "$server_pid" || server_exit=$?
  server_pid=
  if [ "$server_exit" -ne 0 ]; then
    echo "etalage serve exited with $server_exit on SIGTERM:" >&2
    tail -n 50 "$work/server.log" >&2
    status=1
  fi
fi
if grep -q '"level":"error"' "$work/server.log"; then
  echo "the server logged errors:" >&2
  grep '"level":"error"' "$work/server.log" | head -20 >&2
fi
exit "$status"
