#!/usr/bin/env bash
# Measures what Prometheus metrics cost the service: the same release binary with metrics on and off, under wrk on
# loopback, in one run. Prints req/s, p50 and p99 for both and their ratio. Results go in BENCHMARKS.md.
#
#   ./scripts/bench-metrics.sh                # 3 rounds of 15 s per configuration and endpoint
#   ROUNDS=1 DURATION=5s ./scripts/bench-metrics.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}

# On two or more cores, the server and wrk get a core each so that they do not steal each other's time slices.
PIN_SERVER=""
PIN_LOAD=""
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  PIN_SERVER="taskset -c 1"
  PIN_LOAD="taskset -c 0"
fi

command -v wrk >/dev/null || { sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk; }
echo "building release binaries..." >&2
swift build -c release --product backend >&2
swift build -c release --product metrics-microbench >&2
bin="$(swift build -c release --show-bin-path)/backend"

work=$(mktemp -d)
pid=""
stop() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap 'stop; rm -rf "$work"' EXIT

# start METRICS_ENABLED -> sets $port and $token
start() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  rm -f "$work"/db.sqlite*
  LOOKOUT_HTTP_PORT=$port LOOKOUT_DATABASE_URL="sqlite://$work/db.sqlite" LOOKOUT_METRICS_ENABLED=$1 \
    LOOKOUT_LOG_LEVEL=warning LOOKOUT_WORKER_ENABLED=false $PIN_SERVER "$bin" > "$work/backend.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  curl -sf -X POST "http://127.0.0.1:$port/api/v1/users" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"correct horse"}' >/dev/null
  token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/sessions" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"correct horse"}' | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')
}

# Server CPU time so far, in clock ticks (utime + stime from /proc).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

# measure PATH -> prints "rps p50_ms p99_ms non2xx cpu_us_per_request"
measure() {
  local before after
  before=$(cpu_ticks)
  $PIN_LOAD wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port$1" \
    | python3 -c '
import sys, re
text = sys.stdin.read()
def ms(v):
    n, unit = re.match(r"([\d.]+)(\w+)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
requests = int(re.search(r"(\d+) requests in", text).group(1))
print(rps, p50, p99, errors.group(1) if errors else 0, requests)' > "$work/wrk.line"
  after=$(cpu_ticks)
  python3 -c "
import os, sys
rps, p50, p99, errors, requests = open('$work/wrk.line').read().split()
ticks = $after - $before
print(rps, p50, p99, errors, ticks / os.sysconf('SC_CLK_TCK') * 1e6 / int(requests))"
}

declare -A results
for path in /api/v1/me /api/v1/unknown-route; do
  for round in $(seq 1 "$ROUNDS"); do
    for enabled in false true; do   # alternate, so drift on a shared machine hits both alike
      start "$enabled"
      curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" || true
      wrk -t1 -c8 -d2s -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" >/dev/null  # warm-up
      line=$(measure "$path")
      stop
      results["$path|$enabled"]+="$line;"
      echo "round $round $path metrics=$enabled: $line" >&2
    done
  done
done

python3 - "$ROUNDS" "$DURATION" "$CONNECTIONS" <<PY
import sys, statistics
raw = {$(for key in "${!results[@]}"; do printf '"%s": "%s",' "$key" "${results[$key]}"; done)}
rounds, duration, connections = sys.argv[1:4]
pinned = "server on core 1, wrk on core 0" if "$PIN_SERVER" else "unpinned"
print(f"metrics overhead: release build, wrk -t$THREADS -c{connections} -d{duration}, {rounds} alternating rounds, median of rounds, {pinned}")
print()
print("| endpoint | metrics | req/s | p50 ms | p99 ms | non-2xx | server CPU µs/request |")
print("|---|---|---:|---:|---:|---:|---:|")
summary = []
for path in ["/api/v1/me", "/api/v1/unknown-route"]:
    med = {}
    for enabled in ["false", "true"]:
        rows = [list(map(float, r.split())) for r in raw[f"{path}|{enabled}"].strip(";").split(";")]
        med[enabled] = [statistics.median(c) for c in zip(*rows)]
        rps, p50, p99, errors, cpu = med[enabled]
        print(f"| {path} | {'on' if enabled == 'true' else 'off'} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {errors:.0f} | {cpu:.1f} |")
    on, off = med["true"], med["false"]
    summary.append((path, on[0] / off[0], on[1] / off[1], on[2] / off[2], on[4] / off[4], on[4] - off[4]))
print()
print("| endpoint | throughput on/off | p50 on/off | p99 on/off | CPU per request on/off | metrics CPU µs/request |")
print("|---|---:|---:|---:|---:|---:|")
for path, rps, p50, p99, cpu, extra in summary:
    print(f"| {path} | {rps:.3f} ({(rps - 1) * 100:+.1f} %) | {p50:.2f} | {p99:.2f} | {cpu:.3f} ({(cpu - 1) * 100:+.1f} %) | {extra:+.1f} |")
PY

echo
echo "recording paths alone (no network, no framework): swift run -c release metrics-microbench"
echo
"$(swift build -c release --show-bin-path)/metrics-microbench"
