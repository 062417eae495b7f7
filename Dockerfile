# Lookout's executables (backend, worker, prober) in one image; deploy/docker-compose.prod.yml runs each as a service.
#
#   docker build -t lookout:$(git rev-parse --short HEAD) --build-arg LOOKOUT_BUILD_REVISION=$(git rev-parse HEAD) .
#
# Stage 1 builds in release mode with the Swift standard library linked statically; stage 2 is a slim Ubuntu with
# only what the binaries load at run time (SQLite, CA certificates for Sentry and HTTPS probes, time zones) and curl
# for the health checks. The processes run as an unprivileged user; data lives in /var/lib/lookout (a volume).
ARG SWIFT_VERSION=6.3
ARG UBUNTU=noble

# --- Build -----------------------------------------------------------------------------------------------------------
FROM swift:${SWIFT_VERSION}-${UBUNTU} AS build
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a source change does not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
COPY Benchmarks ./Benchmarks
RUN swift build -c release --static-swift-stdlib --product backend \
    && swift build -c release --static-swift-stdlib --product worker \
    && swift build -c release --static-swift-stdlib --product prober \
    && mkdir -p /out \
    && cp "$(swift build -c release --show-bin-path)"/backend "$(swift build -c release --show-bin-path)"/worker \
          "$(swift build -c release --show-bin-path)"/prober /out/

# --- Run -------------------------------------------------------------------------------------------------------------
FROM ubuntu:${UBUNTU} AS run
ARG LOOKOUT_BUILD_REVISION=unknown
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/lookout --create-home lookout
COPY --from=build /out/ /usr/local/bin/
# Swift's backtracer, in the build that needs no Swift libraries, beside the binaries where the runtime looks for it:
# with SWIFT_BACKTRACE (docker-compose.prod.yml) a crash writes a JSON crash log that the next start sends to Sentry.
COPY --from=build /usr/libexec/swift/linux/swift-backtrace-static /usr/local/bin/swift-backtrace
COPY deploy/slo.yml /etc/lookout/slo.yml
COPY deploy/prober/checks.yml /etc/lookout/checks.yml
ENV LOOKOUT_HTTP_HOST=0.0.0.0 \
    LOOKOUT_LOG_FORMAT=json \
    LOOKOUT_DATABASE_URL=sqlite:///var/lib/lookout/lookout.sqlite \
    LOOKOUT_BUILD_REVISION=${LOOKOUT_BUILD_REVISION}
USER lookout
WORKDIR /var/lib/lookout
VOLUME /var/lib/lookout
# API 8080, worker metrics 9091, prober metrics 9093.
EXPOSE 8080 9091 9093
# On 0.0.0.0, /metrics must be protected (LOOKOUT_METRICS_BEARER_TOKEN[_FILE] or LOOKOUT_METRICS_BASIC_AUTH) or
# published on purpose (LOOKOUT_METRICS_PUBLIC=true); start-up says so otherwise.
# Secrets come as NAME_FILE variables (SENTRY_DSN_FILE=/run/secrets/sentry_dsn), read by the programs themselves
# (docs/configuration.md, "Secrets from files").
CMD ["backend"]
