#!/usr/bin/env bash
# Benchmark: events per second acknowledged (202, committed to SQLite) through POST /v1/events.
# Starts `etalage serve` on a fresh temporary database and drives it with wrk on loopback.
#
# Usage: bench-events.sh ETALAGE_BINARY [--batch 100] [--connections 16] [--duration 10s]
# Needs: wrk (apt-get install wrk).
set -euo pipefail
ETALAGE="${1:?usage: bench-events.sh ETALAGE_BINARY [--batch N] [--connections N] [--duration D]}"; shift
BATCH=100; CONNECTIONS=16; DURATION=10s
while [[ $# -gt 0 ]]; do
  case "$1" in
    --batch) BATCH="$2"; shift 2 ;;
    --connections|-c) CONNECTIONS="$2"; shift 2 ;;
    --duration|-d) DURATION="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "missing wrk: apt-get install wrk" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$ETALAGE" serve --port "$port" --db "$work/etalage.sqlite" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# One batch body: BATCH events of mixed types.
python3 - "$BATCH" > "$work/body.json" <<'PY'
import json, sys
n = int(sys.argv[1])
kinds = ["impression", "click", "conversion"]
print(json.dumps([{"type": kinds[i % 3], "decisionId": "d%032x" % i, "visitorId": "v-%d" % i,
                   **({"value": 19.95} if i % 3 == 2 else {})} for i in range(n)]))
PY
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/body.json", "r"); wrk.body = f:read("*a"); f:close()
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT %d %d %.3f %.3f %d\n", summary.requests, non2xx, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.duration))
end
LUA
before=$(sqlite3 "$work/etalage.sqlite" "SELECT count(*) FROM events" 2>/dev/null || echo 0)
out=$(wrk -t 2 -c "$CONNECTIONS" -d "$DURATION" -s "$work/post.lua" "http://127.0.0.1:$port/v1/events")
read -r _ requests non2xx p50 p99 micros <<<"$(grep '^RESULT' <<<"$out")"
stored=$(( $(sqlite3 "$work/etalage.sqlite" "SELECT count(*) FROM events") - before ))
seconds=$(python3 -c "print($micros / 1e6)")
acked=$(( (requests - non2xx) * BATCH ))
echo "batches: $requests ($non2xx not 202), $BATCH events each, $CONNECTIONS connections, ${seconds} s"
echo "acknowledged events: $acked; events in the database: $stored"
python3 -c "print('acknowledged events/s: %.0f   batch p50 %.2f ms  p99 %.2f ms' % ($acked / $seconds, $p50, $p99))"
[ "$stored" -ge "$acked" ] || { echo "FAIL: fewer events stored than acknowledged" >&2; exit 1; }
