#!/usr/bin/env bash
# Every static check of the monitoring stack as code, in one command (scripts/test.sh runs it first):
#
#   ./scripts/validate-observability.sh
#
# Prometheus rules (promtool lint + unit tests), both Prometheus configurations, the Alertmanager configuration and
# its routes (amtool), the blackbox modules, the Grafana dashboards (schema, dashboard rules, every query through
# Prometheus's parser), the Swarm stack file (docker stack config, offline), the entry point and scripts (bash -n,
# and the shellcheck linter when installed), and one runbook page per alert. Needs promtool, amtool, prometheus-blackbox-exporter,
# docker (the client only) and the .venv that scripts/test.sh prepares (for jsonschema).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root="$PWD"
python="${SENTRY_TOOLS_PYTHON:-$root/.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

failed=0
check() {
  local name="$1"; shift
  local output
  if output="$("$@" 2>&1)"; then
    printf '  ok    %s\n' "$name"
  else
    printf '  FAIL  %s\n%s\n' "$name" "$(printf '%s\n' "$output" | sed 's/^/        /' | tail -40)"
    failed=$((failed + 1))
  fi
}

# --- Prometheus --------------------------------------------------------------------------------------------------------
echo "Prometheus"
check "rules lint clean (promtool check rules --lint=all --lint-fatal)" \
  promtool check rules --lint=all --lint-fatal deploy/prometheus/rules/*.yml
check "rule unit tests (promtool test rules)" promtool test rules deploy/prometheus/tests/*.yml
# promtool evaluates rule groups in map order unless a test file orders them; an alert that reads a recording rule of
# another group then sees last minute's value now and then. Every test file lists every group of the files it loads.
group_order() {
  "$python" - deploy/prometheus/tests/*.yml <<'PY'
import os, sys, yaml
failures = 0
for test in sys.argv[1:]:
    spec = yaml.safe_load(open(test))
    groups = [g["name"] for f in spec["rule_files"]
              for g in yaml.safe_load(open(os.path.join(os.path.dirname(test), f)))["groups"]]
    order = spec.get("group_eval_order") or []
    if order != groups:
        print(f"{test}: group_eval_order should be {groups}, is {order}")
        failures += 1
sys.exit(failures)
PY
}
check "every rule test orders its rule groups (group_eval_order)" group_order
rule_files=(deploy/prometheus/rules/*.yml)
config_loads_every_rule_file() {
  local output
  output="$(promtool check config --lint=all --lint-fatal "$1" 2>&1)" || { echo "$output"; return 1; }
  grep -q "SUCCESS: ${#rule_files[@]} rule files found" <<< "$output" || { echo "$output"; echo "expected ${#rule_files[@]} rule files"; return 1; }
}
mkdir -p "$work/secrets"
echo token > "$work/secrets/lookout_metrics_token"
for config in prometheus.prod.yml prometheus.local.yml; do
  sed -e "s|/etc/prometheus/rules/|$root/deploy/prometheus/rules/|" -e "s|/run/secrets/|$work/secrets/|" \
    "deploy/prometheus/$config" > "$work/$config"
  check "$config (promtool check config, every rule file loaded)" config_loads_every_rule_file "$work/$config"
done

# --- Alertmanager ------------------------------------------------------------------------------------------------------
echo "Alertmanager"
"$python" scripts/tools/local_config.py alertmanager > "$work/alertmanager.yml"
check "alertmanager.yml and templates (amtool check-config)" amtool check-config "$work/alertmanager.yml"
# Every alert the rules can raise (scripts/tools/alert_routes.py derives the cases) reaches the receiver the routing
# promises: the Watchdog the heartbeat, critical PagerDuty, warning and info the team's e-mail, an unlabelled one e-mail.
routes() {
  local cases receiver labels failures=0 count=0
  cases="$("$python" scripts/tools/alert_routes.py deploy/prometheus/rules deploy/prometheus/prometheus.prod.yml)" || return 1
  while read -r receiver labels; do
    count=$((count + 1))
    # shellcheck disable=SC2086 # the labels are separate words
    if ! amtool config routes test --config.file="$work/alertmanager.yml" --verify.receivers="$receiver" $labels >/dev/null 2>&1; then
      echo "$labels does not reach $receiver"; failures=$((failures + 1))
    fi
  done <<< "$cases"
  [ "$count" -gt 40 ] || { echo "only $count routing cases: the rules were not read"; return 1; }
  return "$failures"
}
check "every alert of the rules reaches its receiver (amtool config routes test)" routes

# --- Blackbox exporter -------------------------------------------------------------------------------------------------
echo "Blackbox exporter"
check "blackbox.yml (--config.check)" prometheus-blackbox-exporter --config.check --config.file=deploy/blackbox/blackbox.yml

# --- Grafana -----------------------------------------------------------------------------------------------------------
echo "Grafana"
check "dashboards match their source (scripts/tools/grafana_dashboards.py)" "$python" scripts/tools/grafana_dashboards.py --check
check "schema and dashboard rules (scripts/tools/check_dashboards.py)" \
  sh -c "\"$python\" scripts/tools/check_dashboards.py deploy/grafana/schema deploy/grafana/dashboards/*.json > \"$work/dashboards.json\""
"$python" - "$work/dashboards.json" "$work/dashboard-queries.yml" <<'EOF' 2>/dev/null
import json, sys
queries = json.load(open(sys.argv[1]))["queries"]
with open(sys.argv[2], "w") as out:
    out.write("groups:\n  - name: dashboard-queries\n    rules:\n")
    for index, query in enumerate(queries):
        out.write(f"      - record: dashboard_query_{index}\n        expr: {json.dumps(query['expr'])}\n")
EOF
check "every dashboard query parses (promtool)" promtool check rules "$work/dashboard-queries.yml"

# --- Swarm stack -------------------------------------------------------------------------------------------------------
echo "Deployment"
# With the template's settings, as the deploy script exports them from the operator's copy.
check "docker-compose.prod.yml (docker stack config, offline, with the template's settings)" \
  sh -c 'set -a && . deploy/.env.observability.template && docker stack config -c deploy/docker-compose.prod.yml'
missing_files() {
  local missing=0 file
  for file in $(sed -n 's/.*{file: \([^,]*\),.*/\1/p' deploy/docker-compose.prod.yml); do
    [ -f "deploy/$file" ] || { echo "deploy/$file is missing"; missing=1; }
  done
  return $missing
}
check "every config file the stack mounts exists" missing_files
check "every variable the stack reads is in .env.observability.template" sh -c '
  for variable in $(grep -o "\${[A-Z_]*" deploy/docker-compose.prod.yml | tr -d "\${" | sort -u); do
    [ "$variable" = LOOKOUT_CONFIG_VERSION ] && continue
    grep -q "^$variable=" deploy/.env.observability.template || { echo "$variable"; exit 1; }
  done'
scripts=(deploy/scripts/deploy-observability.sh scripts/stack-local.sh scripts/validate-observability.sh scripts/test.sh scripts/drill.sh scripts/bugsink.sh
  scripts/check-readme-walkthrough.sh scripts/bench.sh scripts/bench-metrics.sh scripts/bench-sentry.sh scripts/bench-sla.sh)
for script in "${scripts[@]}"; do check "$script parses (bash -n)" bash -n "$script"; done
if command -v shellcheck >/dev/null; then
  check "shellcheck" shellcheck -S warning "${scripts[@]}"
fi

# --- Runbooks ----------------------------------------------------------------------------------------------------------
echo "Runbooks"
runbooks() {
  local missing=0 page
  for page in $(grep -ho 'docs/runbooks/[A-Za-z0-9]*\.md' deploy/prometheus/rules/*.yml | sort -u); do
    [ -f "$page" ] || { echo "$page is missing"; missing=1; }
  done
  return $missing
}
check "every runbook_url names an existing page" runbooks

if [ "$failed" -gt 0 ]; then
  echo "validate-observability: $failed check(s) failed"
  exit 1
fi
echo "validate-observability: all checks passed"
