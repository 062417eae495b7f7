#!/usr/bin/env bash
# What Sentry costs the service it watches: a capture on the caller's side, and the request path with the Sentry
# middleware and tracing at 0 %, 100 % and unset, against a baseline without Sentry measured in the same run.
# Prints the machine, the date and the numbers; BENCHMARKS.md records them.
#
#   ./scripts/bench-sentry.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "swift:   $(swift --version 2>/dev/null | head -1)"
echo "command: ./scripts/bench-sentry.sh (swift run -c release sentry-microbench)"
echo
swift build -c release --product sentry-microbench >&2
"$(swift build -c release --show-bin-path)/sentry-microbench"
