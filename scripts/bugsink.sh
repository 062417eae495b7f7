#!/usr/bin/env bash
# Starts bugsink (a real Sentry-protocol server, from PyPI) on 127.0.0.1 for the end-to-end tests, or stops it.
#
#   scripts/bugsink.sh start DIR [PORT] # prepares DIR (config, SQLite, a project, an API token), starts the server
#                                       # (on PORT; by default on a port it picks itself), waits until it is ready and
#                                       # writes DIR/bugsink.env (BUGSINK_URL, _DSN, _TOKEN, _PROJECT)
#   scripts/bugsink.sh stop DIR         # stops the server by the PID in DIR/pid
#
# Needs bugsink in ./.venv (scripts/test.sh installs it). PHONEHOME is off (it would call out) and events are validated
# strictly, so an event Sentry would reject is rejected here too.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$PWD/.venv"
# shellcheck source=scripts/lib/listening-port.sh
. scripts/lib/listening-port.sh

command=${1:?usage: bugsink.sh start DIR [PORT] | stop DIR}
dir=${2:?usage: bugsink.sh start DIR [PORT] | stop DIR}

case "$command" in
start)
  port=${3:-0}
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  cd "$dir"
  export DJANGO_SETTINGS_MODULE=bugsink_conf PYTHONPATH="$dir"
  if [ ! -f bugsink_conf.py ]; then
    "$venv/bin/bugsink-create-conf" --template=local --host=127.0.0.1 --port="$port" >/dev/null
    cat >> bugsink_conf.py <<CONF
BUGSINK["PHONEHOME"] = False
BUGSINK["VALIDATE_ON_DIGEST"] = "strict"
DATABASES["default"]["NAME"] = "$dir/db.sqlite3"
CONF
  fi
  "$venv/bin/bugsink-manage" migrate --no-input >migrate.log 2>&1 || { cat migrate.log; exit 1; }
  dsn=$("$venv/bin/bugsink-manage" shell -c '
from teams.models import Team
from projects.models import Project
team, _ = Team.objects.get_or_create(name="lookout")
project, _ = Project.objects.get_or_create(name="lookout-tests", defaults={"team": team})
print(project.id, project.dsn)' 2>>setup.log | tail -1)
  project=${dsn%% *}
  dsn=${dsn#* }
  token=$("$venv/bin/bugsink-manage" create_auth_token 2>>setup.log | tail -1 | awk '{print $NF}')
  "$venv/bin/bugsink-manage" runserver "127.0.0.1:$port" --noreload >server.log 2>&1 &
  echo $! > pid
  if [ "$port" = 0 ]; then
    # The configuration (and so the DSN bugsink printed) knows no port; the server says where it really listens.
    port="$(listening_port "$(cat pid)")" || { echo "bugsink did not start:"; cat server.log; exit 1; }
    key="${dsn#*//}"
    dsn="http://${key%%@*}@127.0.0.1:$port/$project"
  fi
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "bugsink did not start:"; cat server.log; exit 1; }
  cat > bugsink.env <<ENV
BUGSINK_URL=http://127.0.0.1:$port
BUGSINK_DSN=$dsn
BUGSINK_TOKEN=$token
BUGSINK_PROJECT=$project
ENV
  cat bugsink.env
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    kill "$(cat "$dir/pid")" 2>/dev/null || true
    rm -f "$dir/pid"
  fi
  ;;
*)
  echo "usage: bugsink.sh start DIR [PORT] | stop DIR" >&2
  exit 2
  ;;
esac
