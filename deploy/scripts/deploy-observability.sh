#!/usr/bin/env bash
# Deploys Lookout and its monitoring stack to Docker Swarm, and checks it (docs/OBSERVABILITY_STACK.md).
#
#   deploy/scripts/deploy-observability.sh deploy    # secrets from files, then docker stack deploy (stack "lookout")
#   deploy/scripts/deploy-observability.sh status    # services and their tasks
#   deploy/scripts/deploy-observability.sh verify    # every service at its replicas, health endpoints, every target up
#   deploy/scripts/deploy-observability.sh destroy --yes [--purge-secrets]   # removes the stack; volumes are kept
#
# Options: --env-file FILE (default deploy/.env.observability, made from deploy/.env.observability.template).
# Run deploy, status and destroy on a Swarm manager. verify exits 1 and says what is wrong when anything is.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
deploy_dir="$(dirname "$here")"
stack=lookout          # fixed: Prometheus's service discovery looks for lookout_* services on lookout_monitoring
env_file="$deploy_dir/.env.observability"
command="${1:-}"
[ $# -gt 0 ] && shift
yes=false
purge_secrets=false
while [ $# -gt 0 ]; do
  case "$1" in
    --env-file) env_file="$2"; shift 2 ;;
    --yes) yes=true; shift ;;
    --purge-secrets) purge_secrets=true; shift ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

# Swarm secret name ← the variable of the env file naming the file that holds it.
secrets=(
  "lookout_sentry_dsn:SENTRY_DSN_SECRET_FILE"
  "lookout_metrics_token:LOOKOUT_METRICS_TOKEN_SECRET_FILE"
  "lookout_admin_token:LOOKOUT_ADMIN_TOKEN_SECRET_FILE"
  "lookout_prober_password:LOOKOUT_PROBER_PASSWORD_SECRET_FILE"
  "lookout_prober_token:LOOKOUT_PROBER_TOKEN_SECRET_FILE"
  "lookout_pagerduty_routing_key:PAGERDUTY_ROUTING_KEY_SECRET_FILE"
  "lookout_smtp_password:SMTP_PASSWORD_SECRET_FILE"
  "lookout_grafana_admin_password:GRAFANA_ADMIN_PASSWORD_SECRET_FILE"
  "lookout_postgres_password:POSTGRES_PASSWORD_SECRET_FILE"
)
# Prometheus job names every deployment has targets for (deploy/prometheus/prometheus.prod.yml).
jobs=(prometheus alertmanager lookout-api lookout-worker lookout-prober node-exporter postgres-exporter blackbox-exporter grafana)

fail() { echo "error: $*" >&2; exit 1; }

load_env() {
  [ -f "$env_file" ] || fail "$env_file is missing: cp $deploy_dir/.env.observability.template $env_file and fill it in"
  set -a
  # shellcheck disable=SC1090
  . "$env_file"
  set +a
  for name in LOOKOUT_IMAGE LOOKOUT_RELEASE; do
    [ -n "${!name:-}" ] || fail "$name is empty in $env_file"
  done
}

require_swarm_manager() {
  command -v docker >/dev/null || fail "docker is not installed"
  local state
  state="$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null)" \
    || fail "cannot reach the Docker engine (is dockerd running, and may this user use it?)"
  [ "$state" = "active true" ] || fail "this node is not a Swarm manager (docker info says: $state); run 'docker swarm init' or use a manager"
}

create_secrets() {
  local entry name variable file
  for entry in "${secrets[@]}"; do
    name="${entry%%:*}"; variable="${entry#*:}"; file="${!variable:-}"
    [ -n "$file" ] || fail "$variable is not set in $env_file"
    [ -s "$file" ] || fail "$variable points at $file, which is missing or empty"
    if docker secret inspect "$name" >/dev/null 2>&1; then
      echo "secret $name exists (rotate: docs/OBSERVABILITY_STACK.md)"
    else
      docker secret create "$name" "$file" >/dev/null
      echo "secret $name created from $file"
    fi
  done
}

# Swarm configs are immutable: a new name per content, so that a changed rule file is rolled out.
config_version() {
  (cd "$deploy_dir" && cat prometheus/prometheus.prod.yml prometheus/rules/*.yml alertmanager/alertmanager.yml \
    alertmanager/templates/*.tmpl grafana/provisioning/*/*.yml grafana/dashboards/*.json blackbox/blackbox.yml) \
    | sha256sum | cut -c1-12
}

deploy() {
  load_env
  require_swarm_manager
  if ! docker node ls --filter node.label=lookout.data=true --format '{{.Hostname}}' | grep -q .; then
    fail "no node carries the label lookout.data=true (the API, worker and prober share its SQLite volume): docker node update --label-add lookout.data=true <node>"
  fi
  create_secrets
  LOOKOUT_CONFIG_VERSION="$(config_version)"
  export LOOKOUT_CONFIG_VERSION
  echo "deploying stack $stack (image $LOOKOUT_IMAGE, configs $LOOKOUT_CONFIG_VERSION)"
  docker stack deploy --prune --with-registry-auth -c "$deploy_dir/docker-compose.prod.yml" "$stack"
  echo "deployed; watch it come up with: $0 status, then: $0 verify"
}

status() {
  require_swarm_manager
  docker stack services "$stack"
  echo
  docker stack ps "$stack" --filter desired-state=running --format 'table {{.Name}}\t{{.Node}}\t{{.CurrentState}}\t{{.Error}}'
}

# Prints "OK name detail" or "FAIL name detail"; remembers failures.
failures=0
report() {
  if [ "$1" = ok ]; then printf 'OK    %-28s %s\n' "$2" "$3"; else printf 'FAIL  %-28s %s\n' "$2" "$3"; failures=$((failures + 1)); fi
}

verify_services() {
  local name replicas running desired
  while read -r name replicas; do
    [ -n "$name" ] || continue
    running="${replicas%%/*}"; desired="${replicas#*/}"; desired="${desired%% *}"
    if [ "$running" = "$desired" ] && [ "$desired" != 0 ]; then report ok "service $name" "$replicas"
    else report fail "service $name" "$replicas running (docker service ps $name --no-trunc)"; fi
  done < <(docker service ls --filter "label=com.docker.stack.namespace=$stack" --format '{{.Name}} {{.Replicas}}')
}

verify_http() {
  local name="$1" url="$2"
  if curl -fsS --max-time 5 -o /dev/null "$url" 2>/dev/null; then report ok "$name" "$url"
  else report fail "$name" "$url does not answer 2xx"; fi
}

# Every active target of Prometheus up, and every job present.
verify_targets() {
  local body
  if ! body="$(curl -fsS --max-time 5 "$PROMETHEUS_URL/api/v1/targets?state=active" 2>/dev/null)"; then
    report fail "prometheus targets" "$PROMETHEUS_URL/api/v1/targets does not answer"
    return
  fi
  local result
  result="$(printf '%s' "$body" | python3 -c '
import json, sys
jobs = sys.argv[1].split()
targets = json.load(sys.stdin)["data"]["activeTargets"]
seen = {t["labels"].get("job") for t in targets}
for t in targets:
    state = "ok" if t["health"] == "up" else "fail"
    detail = t["health"] + ("" if t["health"] == "up" else ": " + (t.get("lastError") or "never scraped"))
    print(state, "target " + t["labels"].get("job", "?") + " " + t["labels"].get("instance", "?"), detail, sep="\t")
for job in jobs:
    if job not in seen:
        print("fail", "job " + job, "no target discovered", sep="\t")
' "${jobs[*]}")"
  while IFS=$'\t' read -r state name detail; do
    report "$state" "$name" "$detail"
  done <<< "$result"
}

verify() {
  load_env
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then verify_services
  else report fail "swarm services" "no Docker engine reachable from here: run verify on a manager"; fi
  verify_http "prometheus ready" "${PROMETHEUS_URL:?}/-/ready"
  verify_http "alertmanager ready" "${ALERTMANAGER_URL:?}/-/ready"
  verify_http "grafana health" "${GRAFANA_URL:?}/api/health"
  verify_http "api ready" "${LOOKOUT_PUBLIC_URL:?}/health/ready"
  verify_targets
  if [ "$failures" -gt 0 ]; then echo "verify: $failures problem(s)"; exit 1; fi
  echo "verify: everything is up"
}

destroy() {
  $yes || fail "destroy removes the stack $stack; run it again with --yes (volumes are kept; --purge-secrets also removes the secrets)"
  require_swarm_manager
  docker stack rm "$stack"
  if $purge_secrets; then
    local entry
    for entry in "${secrets[@]}"; do docker secret rm "${entry%%:*}" >/dev/null 2>&1 || true; done
    echo "secrets removed"
  fi
  echo "stack removed; volumes kept (docker volume ls --filter name=${stack}_ to list, docker volume rm to delete)"
}

case "$command" in
  deploy) deploy ;;
  status) status ;;
  verify) verify ;;
  destroy) destroy ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
