#!/usr/bin/env bash
# What the SLA engine and the prober cost: SLA recording per request (recorder alone, and through the router against a
# baseline without the middleware), and prober throughput and CPU per check against AsyncHTTPClient doing the same
# requests, all measured in one run. Prints the machine, the date and the numbers; BENCHMARKS.md records them.
#
#   ./scripts/bench-sla.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "swift:   $(swift --version 2>/dev/null | head -1)"
echo "command: ./scripts/bench-sla.sh (swift run -c release sla-microbench)"
echo
swift build -c release --product sla-microbench >&2
"$(swift build -c release --show-bin-path)/sla-microbench"
