// swift-tools-version:6.2
import PackageDescription

// Lookout: a reference generation service and the observability libraries that watch it.
// Layout (docs/architecture.md has the full map):
//   BoundedCache            - LRU + TTL cache with hit/miss/eviction counts (no other dependency)
//   LookoutRateLimit        - token buckets per key (a client, an account), bounded in memory (no other dependency)
//   LookoutMetrics          - metric definitions, the HTTP/process catalog, registry with a series cap (no Hummingbird)
//   LookoutSentryMetrics, LookoutSLAMetrics - the Sentry transport's and the SLO events' families and their exporters
//   LookoutHummingbird      - what the Hummingbird adapters share: requests to leave alone, route template, error status,
//                             a library's Endpoint, JSON bodies and responses, the bearer-token gate,
//                             the client address and per-client throttle (429 + Retry-After)
//   LookoutMetricsHummingbird - HTTP metrics middleware, the /metrics endpoint (auth, gzip), a /metrics + /health server
//   GenerationMetrics       - the reference service's metric catalog (business/worker/database/cache) and its ServiceObserver
//   LookoutSentry           - Sentry client: events, scopes, scrubbing, transport (queue, spool, rate limits), tracing, log handler
//   LookoutSentryHummingbird - the Sentry middleware (transaction per request, error capture)
//   LookoutSLA              - SLA arithmetic: objectives, windows, error budgets, burn rates, reports, the status source
//   LookoutSLAPrometheus    - the SLO rules for Prometheus (generated from the SLO file) and the SLA status read back from them
//   LookoutSLAHummingbird   - the SLA request middleware and SLARoutes (/sla/status, /sla/report, /sla/maintenance)
//   LookoutStatusPage       - the public status page: what it shows, gathered from the prober and the SLA, rendered to HTML
//   LookoutStatusPageHummingbird - StatusPageRoutes (/status)
//   LookoutConfiguration    - the one reader of environment settings (LOOKOUT_* and SENTRY_*): typed, typos refused, secrets hidden
//   LookoutConfigFile       - reading YAML configuration files with errors that name file:line:column and field
//   LookoutProber           - synthetic checks: YAML checks file, a timing HTTP client, its metric catalog, the prober Service
//   GenerationSentry        - the reference service's business breadcrumbs and failed-job events for Sentry
//   GenerationCore          - the service's domain: accounts, payments, generations, job queue, worker. No HTTP, no SQL.
//   GenerationSQLite        - the storage adapter: repositories and migrations on SQLite (GRDB)
//   GenerationHTTP          - the Hummingbird adapter: routes (health included), problem details, OpenAPI document, docs page
//   GenerationApp           - configuration from the environment (secrets from *_FILE too) and composition into one ServiceGroup
//                             (no route handler: the libraries' endpoints are handed to GenerationHTTP's router)
//   backend, worker         - thin executables over GenerationApp
//   prober                  - the prober alone (checks from another host), with its own /metrics
//   metrics-docs, slo-rules - print docs/metrics.md from every library's catalog, and deploy/prometheus/rules/lookout-slo.rules.yml from deploy/slo.yml

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Tests read many modules' members; they do without MemberImportVisibility's explicit imports.
let testSwiftSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "lookout",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "backend", targets: ["backend"]),
        .executable(name: "worker", targets: ["worker"]),
        .executable(name: "prober", targets: ["prober"]),
        .library(name: "BoundedCache", targets: ["BoundedCache"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "BoundedCache",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutRateLimit",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutJSON",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutMetrics",
            dependencies: [.product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: swiftSettings
        ),
        .target(name: "LookoutBacktrace", swiftSettings: swiftSettings),
        .target(
            name: "LookoutSentry",
            dependencies: [
                "LookoutBacktrace",
                "LookoutConfiguration",
                "LookoutJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutSLA",
            dependencies: [
                "LookoutConfigFile",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutSLAPrometheus",
            dependencies: [
                "LookoutSLA",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutStatusPage",
            dependencies: ["LookoutSLA", "LookoutProber"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutConfiguration",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutConfigFile",
            dependencies: ["LookoutConfiguration", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutProber",
            dependencies: [
                "LookoutMetrics",
                "LookoutConfigFile",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutHummingbird",
            dependencies: [
                "LookoutRateLimit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutSLAHummingbird",
            dependencies: [
                "LookoutSLA",
                "LookoutHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutStatusPageHummingbird",
            dependencies: [
                "LookoutStatusPage",
                "LookoutHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutSentryHummingbird",
            dependencies: [
                "LookoutSentry",
                "LookoutHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutMetricsHummingbird",
            dependencies: [
                "LookoutMetrics",
                "LookoutHummingbird",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutSentryMetrics",
            dependencies: ["LookoutSentry", "LookoutMetrics", .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LookoutSLAMetrics",
            dependencies: ["LookoutSLA", "LookoutMetrics", .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GenerationMetrics",
            dependencies: [
                "GenerationCore",
                "LookoutMetrics",
                "BoundedCache",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GenerationSentry",
            dependencies: ["GenerationCore", "LookoutSentry"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GenerationCore",
            dependencies: [
                "LookoutBacktrace",
                "BoundedCache",
                "LookoutRateLimit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GenerationSQLite",
            dependencies: [
                "GenerationCore",
                "LookoutSLA",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GenerationHTTP",
            dependencies: [
                "GenerationCore",
                "LookoutHummingbird",
                "LookoutJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GenerationApp",
            dependencies: [
                "GenerationCore",
                "LookoutJSON",
                "GenerationSQLite",
                "GenerationHTTP",
                "GenerationMetrics",
                "LookoutMetrics",
                "LookoutMetricsHummingbird",
                "LookoutSentry",
                "LookoutSentryHummingbird",
                "GenerationSentry",
                "LookoutSLA",
                "LookoutSLAHummingbird",
                "LookoutProber",
                "LookoutConfigFile",
                "LookoutConfiguration",
                "LookoutStatusPage",
                "LookoutStatusPageHummingbird",
                "LookoutHummingbird",
                "LookoutRateLimit",
                "LookoutSentryMetrics",
                "LookoutSLAMetrics",
                "LookoutSLAPrometheus",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "backend", dependencies: ["GenerationApp"], swiftSettings: swiftSettings),
        .executableTarget(name: "worker", dependencies: ["GenerationApp"], swiftSettings: swiftSettings),
        .executableTarget(name: "prober", dependencies: ["GenerationApp"], swiftSettings: swiftSettings),
        .executableTarget(name: "metrics-docs", dependencies: ["GenerationApp", "LookoutMetrics"], swiftSettings: swiftSettings),
        .executableTarget(name: "slo-rules", dependencies: ["LookoutSLA", "LookoutSLAPrometheus"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "bare-hummingbird",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/bare-hummingbird",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "metrics-microbench", dependencies: ["LookoutMetrics", "GenerationMetrics"], path: "Benchmarks/metrics-microbench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sentry-microbench",
            dependencies: [
                "LookoutBacktrace",
                "LookoutSentry",
                "LookoutSentryHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            path: "Benchmarks/sentry-microbench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sla-microbench",
            dependencies: [
                "LookoutSLA",
                "LookoutSLAHummingbird",
                "LookoutProber",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Benchmarks/sla-microbench",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "LookoutSentry",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "LookoutHummingbirdTests",
            dependencies: [
                "LookoutHummingbird",
                "LookoutRateLimit",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "BoundedCacheTests",
            dependencies: ["BoundedCache", "TestSupport"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "LookoutSentryTests",
            dependencies: [
                "LookoutBacktrace",
                "LookoutSentry",
                "LookoutSLA",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "LookoutProberTests",
            dependencies: [
                "LookoutProber",
                "LookoutConfigFile",
                "LookoutMetrics",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "DeployTests",
            dependencies: ["TestSupport", "LookoutSLA", "LookoutSLAPrometheus", .product(name: "Yams", package: "Yams")],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "LookoutStatusPageTests",
            dependencies: ["LookoutStatusPage", "LookoutSLA", "LookoutProber"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "LookoutSLATests",
            dependencies: ["LookoutSLA", "LookoutConfigFile"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "LookoutSentryHummingbirdTests",
            dependencies: [
                "LookoutSentry",
                "LookoutSentryHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "LookoutMetricsTests",
            dependencies: [
                "LookoutMetrics",
                "LookoutHummingbird",
                "LookoutMetricsHummingbird",
                "TestSupport",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "GenerationTests",
            dependencies: [
                "GenerationCore",
                "LookoutHummingbird",
                "GenerationSQLite",
                "GenerationHTTP",
                "GenerationApp",
                "GenerationMetrics",
                "LookoutMetrics",
                "LookoutSentry",
                "LookoutSLA",
                "LookoutProber",
                "LookoutStatusPage",
                "LookoutSLAHummingbird",
                "LookoutSLAMetrics",
                "LookoutConfiguration",
                "TestSupport",
                "LookoutRateLimit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: testSwiftSettings
        ),
    ]
)
