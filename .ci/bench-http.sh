#!/usr/bin/env bash
# Benchmark: Etalage `POST /v1/decisions` against nginx serving a static body of the same length, both on
# loopback, driven by wrk in the same run with the same POST body. Prints req/s, p50 and p99 for each and the ratio.
#
# Usage:
#   bench-http.sh ETALAGE_BINARY [--db PATH] [--body FILE] [--path /v1/decisions] [--connections 64]
#            [--threads 2] [--duration 10s] [--warmup 2s] [--nginx-workers 2] [--rounds 3]
#            [-- EXTRA ETALAGE SERVE ARGUMENTS]
#   bench-http.sh --server-cmd 'CMD WITH {port}' [...]   # any server; {port} is replaced by the chosen port
#
# Needs: wrk, nginx, curl (apt-get install nginx wrk curl). The Etalage server is started as
# `ETALAGE_BINARY serve --port N --db DB` (DB defaults to a fresh temporary file).
# Target (issue 3): etalage req/s >= 0.8 x nginx at 64 connections, etalage p99 <= 5 ms.
# wrk shares the machine's cores with the servers, so other load skews req/s and p99. Each round measures both
# servers back to back (etalage first in odd rounds, nginx first in even ones); the verdict is on the medians of
# the rounds, and every round is printed. The server CPU time per request (from /proc, nginx workers included)
# is printed too, as a steadier measure of efficiency.
set -euo pipefail

ETALAGE=""
SERVER_CMD=""
DB=""
BODY_FILE=""
URL_PATH="/v1/decisions"
CONNECTIONS=64
THREADS=2
DURATION=10s
WARMUP=2s
NGINX_WORKERS=2
ROUNDS=3
EXTRA=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --server-cmd) SERVER_CMD="$2"; shift 2 ;;
    --db) DB="$2"; shift 2 ;;
    --body) BODY_FILE="$2"; shift 2 ;;
    --path) URL_PATH="$2"; shift 2 ;;
    --connections|-c) CONNECTIONS="$2"; shift 2 ;;
    --threads|-t) THREADS="$2"; shift 2 ;;
    --duration|-d) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --nginx-workers) NGINX_WORKERS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) if [[ -z "$ETALAGE" ]]; then ETALAGE="$1"; shift; else echo "unknown argument: $1" >&2; exit 2; fi ;;
  esac
done
if ! [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
  echo "--rounds must be a positive whole number, not '$ROUNDS'" >&2; exit 2
fi
if [[ -z "$ETALAGE" && -z "$SERVER_CMD" ]]; then
  echo "usage: bench-http.sh ETALAGE_BINARY [options]  (or --server-cmd 'CMD {port}')" >&2; exit 2
fi
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install nginx wrk curl" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/etalage-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() {
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "server on port $1 did not come up" >&2; return 1
}

# The POST body: about 250 bytes of decision context (the app's DecisionContext schema).
if [[ -z "$BODY_FILE" ]]; then
  BODY_FILE="$WORK/body.json"
  printf '%s' '{"visitorId":"v-4f9c2a7e81d3","memberId":"M000123","referral":{"source":"newsletter","campaign":"spring-sale"},"browsing":{"categories":["running-shoes","yoga-mats"]},"cart":{"items":2,"value":89.9},"locale":"nl-NL","device":"mobile","consent":{"personalization":true}}' > "$BODY_FILE"
fi
BODY_BYTES=$(wc -c < "$BODY_FILE")

cat > "$WORK/post.lua" <<LUA
local f = io.open("$BODY_FILE", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

# 1. Etalage (or the given server).
E_PORT=$(free_port)
if [[ -n "$SERVER_CMD" ]]; then
  CMD=${SERVER_CMD//\{port\}/$E_PORT}
  bash -c "exec $CMD" > "$WORK/etalage.log" 2>&1 &
else
  [[ -n "$DB" ]] || DB="$WORK/etalage.db"
  "$ETALAGE" serve --port "$E_PORT" --db "$DB" "${EXTRA[@]}" > "$WORK/etalage.log" 2>&1 &
fi
PIDS+=($!)
wait_port "$E_PORT" || { cat "$WORK/etalage.log" >&2; exit 1; }

# Measure the decision response so nginx serves a body of the same length.
curl -s -o "$WORK/decision.out" -X POST -H 'Content-Type: application/json' --data-binary @"$BODY_FILE" \
  "http://127.0.0.1:$E_PORT$URL_PATH"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary @"$BODY_FILE" "http://127.0.0.1:$E_PORT$URL_PATH")
RESP_BYTES=$(wc -c < "$WORK/decision.out")
if [[ "$STATUS" != "200" ]]; then
  echo "warning: POST $URL_PATH answered $STATUS (not 200); the comparison is not meaningful" >&2
fi

# 2. nginx: N workers, static body of RESP_BYTES bytes returned for POST.
N_PORT=$(free_port)
STATIC=$(head -c "$RESP_BYTES" /dev/zero | tr '\0' 'x')
mkdir -p "$WORK/nginx/logs"
cat > "$WORK/nginx/nginx.conf" <<NGINX
worker_processes $NGINX_WORKERS;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server {
    listen 127.0.0.1:$N_PORT reuseport;
    location / {
      default_type application/json;
      return 200 '$STATIC';
    }
  }
}
NGINX
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' > "$WORK/nginx.log" 2>&1 &
PIDS+=($!)
wait_port "$N_PORT" || { cat "$WORK/nginx.log" "$WORK/nginx/logs/error.log" >&2; exit 1; }
N_BYTES=$(curl -s -X POST --data-binary @"$BODY_FILE" "http://127.0.0.1:$N_PORT$URL_PATH" | wc -c)

E_PID=${PIDS[0]}
N_PID=${PIDS[1]}

# CPU ticks (user+system) used so far by a process and its children threads/processes (nginx workers).
cpu_ticks() {
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    if [[ -r /proc/$pid/stat ]]; then
      total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat") ))
    fi
  done
  echo "$total"
}

# 3. wrk, same settings for both: warm-up, then the measured run.
run_wrk() { # port pid -> prints "rps p50_ms p99_ms non2xx sockerr cpu_us_per_request"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$WORK/post.lua" "http://127.0.0.1:$1$URL_PATH" > /dev/null
  local before after
  before=$(cpu_ticks "$2")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/post.lua" \
    "http://127.0.0.1:$1$URL_PATH" > "$WORK/wrk-$1.txt"
  after=$(cpu_ticks "$2")
  python3 - "$WORK/wrk-$1.txt" "$(( after - before ))" "$(getconf CLK_TCK)" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
ticks, hz = int(sys.argv[2]), int(sys.argv[3])
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
lat = {m.group(1): ms(m.group(2), m.group(3)) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", text, re.M)}
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: (.*)", text)
total = int(re.search(r"(\d+) requests in", text).group(1))
cpu_us = ticks / hz * 1e6 / total if total else float("nan")
print(f"{rps:.0f} {lat.get('50', float('nan')):.3f} {lat.get('99', float('nan')):.3f} "
      f"{errors.group(1) if errors else 0} {'yes' if sock else 'no'} {cpu_us:.1f}")
PY
}

echo "request: POST $URL_PATH, body $BODY_BYTES bytes; response body: etalage $RESP_BYTES bytes (HTTP $STATUS), nginx $N_BYTES bytes"
echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per server per round (after $WARMUP warm-up); nginx: $NGINX_WORKERS workers; $(nproc) cores"
printf '%-6s %-10s %12s %10s %10s %10s %8s %14s\n' round server req/s p50_ms p99_ms non2xx sockerr server_cpu_us/req
: > "$WORK/rounds.txt"
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 == 1 )); then order="etalage nginx"; else order="nginx etalage"; fi
  for server in $order; do
    if [[ "$server" == etalage ]]; then port=$E_PORT; pid=$E_PID; else port=$N_PORT; pid=$N_PID; fi
    read -r RPS P50 P99 NON2XX SOCK CPU < <(run_wrk "$port" "$pid")
    printf '%-6s %-10s %12s %10s %10s %10s %8s %14s\n' "$round" "$server" "$RPS" "$P50" "$P99" "$NON2XX" "$SOCK" "$CPU"
    echo "$round $server $RPS $P50 $P99 $NON2XX $SOCK $CPU" >> "$WORK/rounds.txt"
  done
done
python3 - "$WORK/rounds.txt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
by = {"etalage": {}, "nginx": {}}
for r, server, rps, p50, p99, non2xx, sock, cpu in rows:
    by[server][int(r)] = (float(rps), float(p50), float(p99), float(cpu))
rounds = sorted(by["etalage"])
ratio_of = {r: by["etalage"][r][0] / by["nginx"][r][0] for r in rounds if by["nginx"][r][0]}
ratios = [ratio_of[r] for r in rounds if r in ratio_of]
def med(server, k):
    return statistics.median(by[server][r][k] for r in rounds)
print(f"{'median':<6} {'etalage':<10} {med('etalage', 0):12.0f} {med('etalage', 1):10.3f} {med('etalage', 2):10.3f} {'':>10} {'':>8} {med('etalage', 3):14.1f}")
print(f"{'median':<6} {'nginx':<10} {med('nginx', 0):12.0f} {med('nginx', 1):10.3f} {med('nginx', 2):10.3f} {'':>10} {'':>8} {med('nginx', 3):14.1f}")
ratio = statistics.median(ratios) if ratios else float("nan")
p99 = med("etalage", 2)
worst_p99 = max(by["etalage"][r][2] for r in rounds)
print("ratio etalage/nginx per round: " + " ".join(f"{x:.2f}" for x in ratios))
print(f"median ratio etalage/nginx: {ratio:.2f}  (target >= 0.80: {'PASS' if ratio >= 0.8 else 'FAIL'}); "
      f"median etalage p99 {p99:.2f} ms, worst {worst_p99:.2f} ms  (target <= 5 ms: {'PASS' if p99 <= 5 else 'FAIL'}); "
      f"rounds meeting both: {sum(1 for r, x in ratio_of.items() if x >= 0.8 and by['etalage'][r][2] <= 5)}/{len(rounds)}")
PY
