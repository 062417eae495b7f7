#!/usr/bin/env bash
# Runs every test of Lookout from a fresh clone: installs what the tests need, builds, runs the suites, then the
# detection drill (scripts/drill.sh).
#
#   ./scripts/test.sh                 # everything
#   ./scripts/test.sh --filter Queue  # extra arguments go to `swift test` (and skip the detection drill)
#
# Servers that tests need are started by the tests or by this script, bound to 127.0.0.1, and stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# --- System packages -------------------------------------------------------------------------------------------------
packages=(libsqlite3-dev zlib1g-dev prometheus prometheus-alertmanager prometheus-node-exporter prometheus-blackbox-exporter chromium shellcheck)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
# The Docker client validates the Swarm stack file offline (no engine needed); this kind of machine has it already.
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- Python tools: Sentry's own envelope parser (sentry-sdk), event normaliser (sentry-relay), bugsink, jsonschema
#     (Grafana's dashboard schema), aiosmtpd (the alert e-mail sink) and PyYAML (the routing cases from the rules) -----
venv=.venv
if ! "$venv/bin/python" -c 'import sentry_sdk, sentry_relay, bugsink, jsonschema, aiosmtpd, yaml' >/dev/null 2>&1; then
  log "preparing $venv with sentry-sdk, sentry-relay, bugsink, jsonschema, aiosmtpd and pyyaml"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check sentry-sdk sentry-relay bugsink jsonschema aiosmtpd pyyaml
fi
export SENTRY_TOOLS_PYTHON="$PWD/$venv/bin/python"

# --- The monitoring stack as code: every static check (rules, configs, routes, dashboards, stack file, runbooks) -----
log "validating the monitoring stack (scripts/validate-observability.sh)"
./scripts/validate-observability.sh

# --- The code's map: docs/architecture.md draws the targets' dependencies as Package.swift declares them -------------
log "checking the dependency graph in docs/architecture.md"
python3 scripts/tools/dependency_graph.py --check docs/architecture.md

# --- Servers: bugsink (a real Sentry-protocol server) on 127.0.0.1, stopped by PID when this script ends --------------
run_dir="$PWD/.test-run"
mkdir -p "$run_dir"
bugsink_dir="$run_dir/bugsink"
rm -rf "$bugsink_dir"
trap 'scripts/bugsink.sh stop "$bugsink_dir"' EXIT
scripts/bugsink.sh start "$bugsink_dir" >/dev/null
set -a
# shellcheck disable=SC1091
. "$bugsink_dir/bugsink.env"
set +a
log "bugsink is running at $BUGSINK_URL"

# --- Build ----------------------------------------------------------------------------------------------------------
log "building (debug, with tests)"
swift build --build-tests
export SWIFT_BIN_PATH
SWIFT_BIN_PATH="$(swift build --show-bin-path)"

# --- Tests ----------------------------------------------------------------------------------------------------------
# The full lane: integration tests run too (plain `swift test` skips them), and a missing tool fails them.
export TEST_LANE=full
log "running the Swift test suites (full lane)"
swift test --skip-build "$@"

log "checking the README walkthrough against the built backend"
./scripts/check-readme-walkthrough.sh

# --- The detection drill: the production topology on 127.0.0.1, broken on purpose (docs/DETECTION.md) ----------------
# With arguments (a --filter for swift test, say) the drill is skipped: it is the whole system's test.
if [ $# -eq 0 ]; then
  log "the detection drill (scripts/drill.sh, about 30 minutes at production timings)"
  ./scripts/drill.sh
fi
