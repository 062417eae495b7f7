#!/usr/bin/env bash
# The end-to-end benchmark: the reference service (observability off, metrics only, as deployed, logs at info, scraped
# every second) against bare Hummingbird and the FastAPI stack it replaces, under wrk, one server at a time, in one
# run. Prints Markdown tables with req/s, p50, p99, server CPU per request and the ratios issue #15 sets as goals.
#
#   ./scripts/bench.sh                                   # every server and route, one round (~8 minutes)
#   ./scripts/bench.sh --rounds 3                        # alternate three rounds, report medians
#   ./scripts/bench.sh --servers lookout-off,lookout-deployed --routes me
#   ./scripts/bench.sh --report BENCHMARKS.md --svg docs/benchmarks.svg   # record the run
#
# Needs: Swift (builds the release backend and Benchmarks/bare-hummingbird), python3 (a venv in .venv-bench gets
# fastapi, uvicorn, prometheus-fastapi-instrumentator and sentry-sdk from PyPI), wrk and prometheus (installed with apt
# when missing).
# See scripts/tools/bench.py --help for every option.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v prometheus >/dev/null || missing+=(prometheus)   # the lookout-prometheus servers
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get install -y -qq "${missing[@]}" >&2
fi
if [ ! -x .venv-bench/bin/python ] || ! .venv-bench/bin/python -c 'import fastapi, uvicorn, prometheus_fastapi_instrumentator, sentry_sdk' 2>/dev/null; then
  echo "==> preparing .venv-bench (fastapi, uvicorn[standard], prometheus-fastapi-instrumentator, sentry-sdk)" >&2
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install -q fastapi 'uvicorn[standard]' prometheus-fastapi-instrumentator sentry-sdk >&2
fi
echo "==> building the release backend and bare-hummingbird" >&2
swift build -c release --product backend >&2
swift build -c release --product bare-hummingbird >&2

BENCH_ARGS="$*" exec python3 scripts/tools/bench.py --bin "$(swift build -c release --show-bin-path)" \
  --python "$PWD/.venv-bench/bin/python" "$@"
