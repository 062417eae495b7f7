#!/usr/bin/env bash
# The detection drill (docs/DETECTION.md): the production topology natively on 127.0.0.1 (two API replicas, the worker,
# the prober, two Prometheus servers, two clustered Alertmanagers, the exporters, a PagerDuty recorder and an SMTP
# sink), configured from the production files, broken on purpose; prints the fault table.
#
#   ./scripts/drill.sh                                   # every fault and the dashboards, four topologies at once (about 30 minutes)
#   ./scripts/drill.sh --faults all-api-killed           # one or several, comma-separated
#   ./scripts/drill.sh --lanes 1                         # one topology, one fault after another
#   ./scripts/drill.sh --report docs/DETECTION.md        # also write the table there
#
# Needs what ./scripts/test.sh installs (prometheus, prometheus-alertmanager, the exporters, the .venv with aiosmtpd
# and pyyaml, the docker client to render the stack file); builds the executables first. Sentry events go to bugsink
# when BUGSINK_DSN is set (scripts/bugsink.sh), and are off otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${SENTRY_TOOLS_PYTHON:-$PWD/.venv/bin/python}"
[ -x "$python" ] || { echo "drill: $python is missing: run ./scripts/test.sh once (it prepares .venv)" >&2; exit 2; }
swift build --product backend >/dev/null && swift build --product worker >/dev/null && swift build --product prober >/dev/null
exec "$python" scripts/tools/drill.py --bin "$(swift build --show-bin-path)" "$@"
