#!/usr/bin/env bash
# Keeps the README honest: runs its walkthrough, as written, against the built `backend`, and checks the outcome.
# The only changes: a free port instead of 8080, a temporary database, and no synthetic failures (so it cannot flake).
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir="${SWIFT_BIN_PATH:-$(swift build --show-bin-path)}"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

LOOKOUT_HTTP_PORT=$port LOOKOUT_DATABASE_URL="sqlite://$work/lookout.sqlite" LOOKOUT_GENERATOR_FAILURE_RATE=0 \
  "$bin_dir/backend" > "$work/backend.log" 2>&1 &
pid=$!
cleanup() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.1
done

# The README's walkthrough block, with the port swapped.
awk '/^## Walkthrough/{f=1} f&&/^```sh/{g=1;next} g&&/^```/{exit} g' README.md | sed "s/127.0.0.1:8080/127.0.0.1:$port/" > "$work/walkthrough.sh"
output=$(bash -euo pipefail "$work/walkthrough.sh")

fail() { echo "README walkthrough: $1"; echo "--- output"; echo "$output"; echo "--- backend log"; cat "$work/backend.log"; exit 1; }
grep -q '"status":"approved"' <<<"$output" || fail "the payment was not approved"
grep -q '"status":"succeeded"' <<<"$output" || fail "the generation did not succeed"
grep -q '"credits":490' <<<"$output" || fail "the balance is not 490 credits"
echo "README walkthrough: 1 passed, 0 failed"
