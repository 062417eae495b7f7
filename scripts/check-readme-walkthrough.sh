#!/usr/bin/env bash
# Keeps the README honest: runs its walkthrough, as written, against the built `backend`, and checks the outcome.
# The only changes: the port the backend picks (port 0) instead of 8080, a temporary database, and no synthetic failures
# (so it cannot flake).
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir="${SWIFT_BIN_PATH:-$(swift build --show-bin-path)}"
work=$(mktemp -d)

LOOKOUT_HTTP_PORT=0 LOOKOUT_LOG_FORMAT=json LOOKOUT_DATABASE_URL="sqlite://$work/lookout.sqlite" LOOKOUT_GENERATOR_FAILURE_RATE=0 \
  "$bin_dir/backend" > "$work/backend.log" 2>&1 &
pid=$!
cleanup() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# The port it bound, from its "HTTP server listening" log line (waiting as long as it takes, up to a 5-minute hang guard).
port=""
for _ in $(seq 1 3000); do
  port=$(grep '"HTTP server listening"' "$work/backend.log" | grep -o '"port":"[0-9]*"' | tr -dc '0-9' || true)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "README walkthrough: the backend exited:"; cat "$work/backend.log"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "README walkthrough: the backend never listened:"; cat "$work/backend.log"; exit 1; }

# The README's walkthrough block, with the port swapped.
awk '/^## Walkthrough/{f=1} f&&/^```sh/{g=1;next} g&&/^```/{exit} g' README.md | sed "s/127.0.0.1:8080/127.0.0.1:$port/" > "$work/walkthrough.sh"
output=$(bash -euo pipefail "$work/walkthrough.sh")

fail() { echo "README walkthrough: $1"; echo "--- output"; echo "$output"; echo "--- backend log"; cat "$work/backend.log"; exit 1; }
grep -q '"status":"approved"' <<<"$output" || fail "the payment was not approved"
grep -q '"status":"succeeded"' <<<"$output" || fail "the generation did not succeed"
grep -q '"credits":490' <<<"$output" || fail "the balance is not 490 credits"
grep -q '^logout: 204$' <<<"$output" || fail "logout did not answer 204"
grep -q '^after logout: 401$' <<<"$output" || fail "the token still worked after logout"
echo "README walkthrough: 1 passed, 0 failed"
