#!/usr/bin/env bash
# The monitoring stack on one machine, natively (Debian packages), against a Lookout running locally
# (docs/OBSERVABILITY_QUICKSTART.md):
#
#   swift run backend &                # the service, on 127.0.0.1:8080
#   ./scripts/stack-local.sh up        # Prometheus :9090, Alertmanager :9095, node-exporter :9100, blackbox :9115
#   ./scripts/stack-local.sh status
#   ./scripts/stack-local.sh down
#
# Prometheus runs deploy/prometheus/prometheus.local.yml with the production rule files; Alertmanager runs the
# production alertmanager.yml with its outside endpoints pointed at local sinks: PagerDuty and the heartbeat at
# scripts/tools/notification_sink.py (what would have been sent lands in .stack-local/notifications.jsonl), e-mail at
# aiosmtpd (.stack-local/mail/new/). Everything binds 127.0.0.1 and is stopped by PID. Ports and the API's address
# can be changed with STACK_* variables (see below); a port of 0 lets the program pick a free one, and the ports in use
# are written to STACK_DIR/ports.env. The state lives in STACK_DIR (default .stack-local).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
# shellcheck source=scripts/lib/listening-port.sh
. scripts/lib/listening-port.sh

api="${STACK_API_TARGET:-127.0.0.1:8080}"
prometheus_port="${STACK_PROMETHEUS_PORT:-9090}"
alertmanager_port="${STACK_ALERTMANAGER_PORT:-9095}"
node_port="${STACK_NODE_EXPORTER_PORT:-9100}"
blackbox_port="${STACK_BLACKBOX_PORT:-9115}"
sink_port="${STACK_SINK_PORT:-9099}"
smtp_port="${STACK_SMTP_PORT:-1025}"
dir="${STACK_DIR:-$root/.stack-local}"
python="${SENTRY_TOOLS_PYTHON:-$root/.venv/bin/python}"
components=(notification-sink smtp alertmanager node-exporter blackbox-exporter prometheus)

need() { command -v "$1" >/dev/null || { echo "error: $1 is not installed (apt-get install $2)" >&2; exit 1; }; }

pid_of() { cat "$dir/$1.pid" 2>/dev/null || true; }
running() { local pid; pid="$(pid_of "$1")"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

start() {
  local name="$1"; shift
  if running "$name"; then echo "$name already running (pid $(pid_of "$name"))"; return; fi
  # A daemon keeps none of our descriptors beyond its log: a caller waiting for this script to finish (a test, a CI
  # step) must not wait for the daemons too.
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec setsid "$@"
  ) > "$dir/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/$name.pid"
}

# Starts a component on the port in variable $2 (0: any free port) and sets the variable to the port it listens on.
start_on_port() {
  local name="$1" variable="$2"; shift 2
  start "$name" "$@"
  if [ "${!variable}" = 0 ]; then
    local port
    port="$(listening_port "$(pid_of "$name")")" || { echo "error: $name did not start; its log, $dir/$name.log:" >&2; tail -20 "$dir/$name.log" >&2; exit 1; }
    printf -v "$variable" '%s' "$port"
  fi
}

wait_ready() {
  local name="$1" url="$2"
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then printf '  %-18s %s\n' "$name" "$url"; return; fi
    if ! running "$name"; then echo "error: $name exited; its log, $dir/$name.log:" >&2; tail -20 "$dir/$name.log" >&2; exit 1; fi
    sleep 0.2
  done
  echo "error: $name did not become ready at $url; see $dir/$name.log" >&2
  exit 1
}

render_prometheus_config() {
  sed -e "s|/etc/prometheus/rules/|$root/deploy/prometheus/rules/|" \
      -e "s|127.0.0.1:9095|127.0.0.1:$alertmanager_port|g" \
      -e "s|127.0.0.1:9090|127.0.0.1:$prometheus_port|g" \
      -e "s|127.0.0.1:8080|$api|g" \
      -e "s|127.0.0.1:9100|127.0.0.1:$node_port|g" \
      -e "s|127.0.0.1:9115|127.0.0.1:$blackbox_port|g" \
      deploy/prometheus/prometheus.local.yml > "$dir/prometheus.yml"
}

render_alertmanager_config() {
  mkdir -p "$dir/secrets" "$dir/mail" "$dir/prometheus" "$dir/alertmanager"
  echo "local-routing-key" > "$dir/secrets/pagerduty_routing_key"
  echo "local" > "$dir/secrets/smtp_password"
  "$python" scripts/tools/local_config.py alertmanager --sink "http://127.0.0.1:$sink_port" \
    --smtp "127.0.0.1:$smtp_port" --secrets "$dir/secrets" > "$dir/alertmanager.yml"
}

up() {
  need prometheus prometheus
  need prometheus-alertmanager prometheus-alertmanager
  need prometheus-node-exporter prometheus-node-exporter
  need prometheus-blackbox-exporter prometheus-blackbox-exporter
  [ -x "$python" ] || { echo "error: $python is missing: run ./scripts/test.sh once (it prepares .venv) or set SENTRY_TOOLS_PYTHON" >&2; exit 1; }
  mkdir -p "$dir/mail"
  # In dependency order: what a configuration names is listening (and its port known) before that configuration is
  # written. Prometheus scrapes itself, so on port 0 its configuration is written again once its port is known.
  start_on_port notification-sink sink_port "$python" scripts/tools/notification_sink.py "$sink_port" "$dir/notifications.jsonl"
  start_on_port smtp smtp_port "$python" -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$dir/mail"
  render_alertmanager_config
  start_on_port alertmanager alertmanager_port prometheus-alertmanager --config.file="$dir/alertmanager.yml" \
    --storage.path="$dir/alertmanager" --web.listen-address="127.0.0.1:$alertmanager_port" --cluster.listen-address=
  start_on_port node-exporter node_port prometheus-node-exporter --web.listen-address="127.0.0.1:$node_port"
  start_on_port blackbox-exporter blackbox_port prometheus-blackbox-exporter \
    --config.file="$root/deploy/blackbox/blackbox.yml" --web.listen-address="127.0.0.1:$blackbox_port"
  local requested_prometheus_port="$prometheus_port"
  render_prometheus_config
  start_on_port prometheus prometheus_port prometheus --config.file="$dir/prometheus.yml" \
    --storage.tsdb.path="$dir/prometheus" --web.listen-address="127.0.0.1:$prometheus_port" --web.enable-lifecycle
  if [ "$requested_prometheus_port" = 0 ]; then
    render_prometheus_config
    kill -HUP "$(pid_of prometheus)"
  fi
  cat > "$dir/ports.env" <<PORTS
prometheus_port=$prometheus_port
alertmanager_port=$alertmanager_port
node_port=$node_port
blackbox_port=$blackbox_port
sink_port=$sink_port
smtp_port=$smtp_port
PORTS
  echo "started:"
  wait_ready alertmanager "http://127.0.0.1:$alertmanager_port/-/ready"
  wait_ready node-exporter "http://127.0.0.1:$node_port/metrics"
  wait_ready blackbox-exporter "http://127.0.0.1:$blackbox_port/metrics"
  wait_ready prometheus "http://127.0.0.1:$prometheus_port/-/ready"
  echo "  notifications      $dir/notifications.jsonl (PagerDuty, heartbeat), $dir/mail/new/ (e-mail)"
  if ! curl -fsS -o /dev/null --max-time 1 "http://$api/health" 2>/dev/null; then
    echo "note: nothing answers at $api yet: start the service (swift run backend) and Prometheus picks it up"
  fi
}

down() {
  local name pid
  for name in "${components[@]}"; do
    pid="$(pid_of "$name")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      echo "stopped $name (pid $pid)"
    fi
    rm -f "$dir/$name.pid"
  done
}

status() {
  local name
  # shellcheck disable=SC1091
  [ -f "$dir/ports.env" ] && . "$dir/ports.env"
  for name in "${components[@]}"; do
    if running "$name"; then printf '  %-18s running (pid %s)\n' "$name" "$(pid_of "$name")"
    else printf '  %-18s stopped\n' "$name"; fi
  done
  if running prometheus; then
    curl -fsS "http://127.0.0.1:$prometheus_port/api/v1/targets?state=active" | python3 -c '
import json, sys
for t in json.load(sys.stdin)["data"]["activeTargets"]:
    print("  target %-18s %-45s %s" % (t["labels"]["job"], t["labels"]["instance"], t["health"]))'
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
