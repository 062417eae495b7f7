#!/bin/sh
# Container entry point: turns Docker secrets into the environment variables Lookout reads, then runs the command.
# For each secret-bearing variable below, NAME_FILE (e.g. SENTRY_DSN_FILE=/run/secrets/sentry_dsn) gives NAME the
# file's content without its trailing newline. Setting both NAME and NAME_FILE is a mistake worth stopping on.
# (Only these names: other *_FILE variables, such as LOOKOUT_SLO_FILE or SSL_CERT_FILE, are paths in their own right.)
set -eu
for var in SENTRY_DSN LOOKOUT_METRICS_BEARER_TOKEN LOOKOUT_METRICS_BASIC_AUTH LOOKOUT_ADMIN_TOKEN LOOKOUT_PROBER_ACCOUNT_PASSWORD; do
  file=$(printenv "${var}_FILE" || true)
  [ -n "$file" ] || continue
  if [ -n "$(printenv "$var" || true)" ]; then
    echo "lookout-entrypoint: both $var and ${var}_FILE are set; keep one" >&2
    exit 78
  fi
  if [ ! -r "$file" ]; then
    echo "lookout-entrypoint: ${var}_FILE points at $file, which cannot be read (is the secret attached to this service?)" >&2
    exit 78
  fi
  value=$(cat "$file")
  export "$var=$value"
  unset "${var}_FILE"
done
exec "$@"
