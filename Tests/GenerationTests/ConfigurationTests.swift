import Foundation
import LookoutConfiguration
import GenerationApp
import GenerationSQLite
import Logging
import LookoutMetrics
import LookoutSentry
import LookoutRateLimit
import Testing

@Suite struct ConfigurationTests {
    @Test func defaultsServeLocallyWithSQLiteUnderData() throws {
        let configuration = try AppConfiguration(environment: [:])
        #expect(configuration.httpHost == "127.0.0.1")
        #expect(configuration.httpPort == 8080)
        #expect(configuration.database == .file(path: "./data/lookout.sqlite"))
        #expect(configuration.logFormat == .text)
        #expect(configuration.logLevel == .info)
        #expect(configuration.workerEnabled)
        #expect(configuration.http.maxBodyBytes == 1_048_576)
        #expect(configuration.generator.failureRate == 0.02)
    }

    @Test func variablesOverrideTheDefaults() throws {
        let configuration = try AppConfiguration(environment: [
            "LOOKOUT_HTTP_HOST": "0.0.0.0", "LOOKOUT_METRICS_PUBLIC": "true", "LOOKOUT_HTTP_PORT": "0", "LOOKOUT_DATABASE_URL": "sqlite::memory:",
            "LOOKOUT_LOG_FORMAT": "JSON", "LOOKOUT_LOG_LEVEL": "debug", "LOOKOUT_WORKER_ENABLED": "false",
            "LOOKOUT_JOB_LEASE_SECONDS": "6", "LOOKOUT_GENERATOR_FAILURE_RATE": "0", "PATH": "/usr/bin",
        ])
        #expect(configuration.httpHost == "0.0.0.0")
        #expect(configuration.httpPort == 0)
        #expect(configuration.database == .inMemory)
        #expect(configuration.logFormat == .json)
        #expect(configuration.logLevel == .debug)
        #expect(!configuration.workerEnabled)
        #expect(configuration.worker.leaseDuration == .seconds(6))
        #expect(configuration.worker.leaseRenewalInterval == .seconds(2))
        #expect(configuration.generator.failureRate == 0)
    }

    @Test(arguments: [
        ("LOOKOUT_HTTP_PORT", "http", "an integer 0-65535"),
        ("LOOKOUT_HTTP_PORT", "70000", "an integer 0-65535"),
        ("LOOKOUT_PUBLIC_URL", "https://api.example.com/v1", "without a path"),
        ("LOOKOUT_PUBLIC_URL", "api.example.com", "an http:// or https:// URL"),
        ("LOOKOUT_DATABASE_URL", "mysql://db", "sqlite://PATH"),
        ("LOOKOUT_LOG_FORMAT", "xml", "text or json"),
        ("LOOKOUT_LOG_LEVEL", "loud", "trace, debug"),
        ("LOOKOUT_WORKER_ENABLED", "maybe", "true or false"),
        ("LOOKOUT_GENERATOR_FAILURE_RATE", "1.5", "from 0 to 1"),
        ("LOOKOUT_PASSWORD_HASH_ROUNDS", "1000", "at least 210000"),
        ("LOOKOUT_HTTP_PROT", "8080", "did you mean LOOKOUT_HTTP_PORT?"),
        ("LOOKOUT_METRICS_BEARER_TOKEN", "short", "at least 16 characters"),
        ("LOOKOUT_METRICS_BASIC_AUTH", "nocolon", "user:password"),
        ("LOOKOUT_METRICS_EXCLUDED_PATHS", "metrics", "starting with /"),
        ("LOOKOUT_RATE_LIMIT_AUTH", "fast", "N/PERIOD"),
        ("LOOKOUT_RATE_LIMIT_STATUS", "0/1m", "N/PERIOD"),
        ("LOOKOUT_RATE_LIMIT_LOGIN_FAILURES", "10/15d", "or off"),
        ("LOOKOUT_TRUSTED_PROXY_HOPS", "11", "X-Forwarded-For"),
        ("LOOKOUT_PASSWORD_HASH_QUEUE", "0", "1-10000"),
        ("LOOKOUT_MAX_SESSIONS_PER_USER", "0", "1-1000"),
        ("LOOKOUT_CREDIT_PRICES", "USD=cheap", "MINOR_UNITS_PER_100_CREDITS"),
        ("LOOKOUT_PROBER_TOKEN", "too-short", "at least 16 characters"),
        ("LOOKOUT_PAYMENT_PENDING_GRACE_SECONDS", "5", "more than LOOKOUT_PAYMENT_TIMEOUT_SECONDS"),
        // The Sentry client's settings go through the same reader: named, typos refused, the DSN never printed.
        ("SENTRY_TRACES_SAMPLE_RATE", "2", "from 0 to 1"),
        ("SENTRY_TRACE_SAMPLE_RATE", "0.5", "did you mean SENTRY_TRACES_SAMPLE_RATE?"),
        ("SENTRY_DSN", "https://sentry.example.com/7", "public key"),
    ])
    func invalidValuesNameTheVariableAndWhatIsAllowed(variable: String, value: String, allowed: String) {
        #expect {
            try AppConfiguration(environment: [variable: value])
        } throws: { error in
            let message = String(describing: error)
            // A secret's value is never printed; any other is.
            return message.contains(variable) && message.contains(value) != SecretFiles.names.contains(variable) && message.contains(allowed)
        }
    }

    /// `SENTRY_` is shared with other tools: sentry-cli's variables in the same environment are not typos, and a blank
    /// value (a template's empty default) keeps the default.
    @Test func otherToolsSentryVariablesAndBlankValuesAreLeftAlone() throws {
        let configuration = try AppConfiguration(environment: [
            "SENTRY_AUTH_TOKEN": "sntrys_token", "SENTRY_ORG": "lookout", "SENTRY_PROJECT": "backend", "SENTRY_URL": "https://sentry.example.com",
            "SENTRY_TRACES_SAMPLE_RATE": " ", "SENTRY_ENVIRONMENT": "",
        ])
        #expect(configuration.sentry.tracesSampleRate == SentryOptions().tracesSampleRate)
        #expect(configuration.sentry.environment == SentryOptions().environment)
    }

    @Test func anOpenMetricsEndpointOnAPublicAddressStopsStartUpUnlessMeantSo() throws {
        #expect {
            try AppConfiguration(environment: ["LOOKOUT_HTTP_HOST": "0.0.0.0"])
        } throws: { error in
            let message = String(describing: error)
            return message.contains("LOOKOUT_METRICS_PUBLIC") && message.contains("LOOKOUT_METRICS_BEARER_TOKEN") && message.contains("0.0.0.0")
        }
        #expect(try AppConfiguration(environment: ["LOOKOUT_HTTP_HOST": "0.0.0.0", "LOOKOUT_METRICS_PUBLIC": "true"]).metrics.allowPublic)
        #expect(try AppConfiguration(environment: ["LOOKOUT_HTTP_HOST": "0.0.0.0", "LOOKOUT_METRICS_BEARER_TOKEN": "a-token-of-24-characters"]).metrics.access != .open)
        #expect(try AppConfiguration(environment: ["LOOKOUT_HTTP_HOST": "0.0.0.0", "LOOKOUT_METRICS_ENABLED": "false"]).httpHost == "0.0.0.0")
        for loopback in ["127.0.0.1", "127.0.0.2", "::1", "localhost"] {
            #expect(try AppConfiguration(environment: ["LOOKOUT_HTTP_HOST": loopback]).metrics.access == .open)
        }
    }

    @Test func theSandboxProviderIsRefusedInProductionUnlessAllowed() throws {
        #expect(throws: Never.self) { try AppConfiguration(environment: [:]).checkPaymentProvider() }
        let production = try AppConfiguration(environment: ["LOOKOUT_ENVIRONMENT": "production"])
        #expect(production.paymentProvider == .sandbox)
        #expect {
            try production.checkPaymentProvider()
        } throws: { error in
            let message = String(describing: error)
            return message.contains("LOOKOUT_PAYMENT_PROVIDER=\"sandbox\"") && message.contains("LOOKOUT_PAYMENT_SANDBOX_IN_PRODUCTION=true")
        }
        let demonstration = try AppConfiguration(environment: ["LOOKOUT_ENVIRONMENT": "production", "LOOKOUT_PAYMENT_SANDBOX_IN_PRODUCTION": "true"])
        #expect(throws: Never.self) { try demonstration.checkPaymentProvider() }
        #expect(throws: ConfigurationError.self) { try AppConfiguration(environment: ["LOOKOUT_PAYMENT_PROVIDER": "stripe"]) }
    }

    @Test func throttlingAndSessionSettingsAreRead() throws {
        let defaults = try AppConfiguration(environment: [:])
        #expect(defaults.rateLimits.auth == RateLimit(requests: 20, per: .seconds(60)))
        #expect(defaults.rateLimits.status == RateLimit(requests: 120, per: .seconds(60)))
        #expect(defaults.accounts.loginFailureLimit == RateLimit(requests: 10, per: .seconds(900)))
        #expect(defaults.rateLimits.trustedProxyHops == 0)

        let configuration = try AppConfiguration(environment: [
            "LOOKOUT_RATE_LIMIT_AUTH": "5/10s", "LOOKOUT_RATE_LIMIT_STATUS": "OFF", "LOOKOUT_RATE_LIMIT_LOGIN_FAILURES": "off",
            "LOOKOUT_TRUSTED_PROXY_HOPS": "2", "LOOKOUT_RATE_LIMIT_MAX_CLIENTS": "500", "LOOKOUT_PASSWORD_HASH_QUEUE": "8",
            "LOOKOUT_MAX_SESSIONS_PER_USER": "3",
        ])
        #expect(configuration.rateLimits.auth == RateLimit(requests: 5, per: .seconds(10)))
        #expect(configuration.rateLimits.status == nil)
        #expect(configuration.accounts.loginFailureLimit == nil)
        #expect(configuration.rateLimits.trustedProxyHops == 2)
        #expect(configuration.rateLimits.maxClients == 500)
        #expect(configuration.passwordHashQueue == 8)
        #expect(configuration.accounts.maxSessionsPerUser == 3)
    }

    @Test func metricsSettingsAreRead() throws {
        let configuration = try AppConfiguration(environment: [
            "LOOKOUT_METRICS_BASIC_AUTH": "prometheus:a-long-password", "LOOKOUT_METRICS_EXCLUDED_PATHS": "/metrics, /internal*",
            "LOOKOUT_METRICS_MAX_SERIES_PER_FAMILY": "50", "LOOKOUT_WORKER_METRICS_PORT": "9200", "LOOKOUT_BUILD_REVISION": "abc123",
        ])
        #expect(configuration.metrics.access == .basic(username: "prometheus", password: "a-long-password"))
        #expect(configuration.metrics.excludedPaths == ["/metrics", "/internal*"])
        #expect(configuration.metrics.maxSeriesPerFamily == 50)
        #expect(configuration.metrics.workerPort == 9200)
        #expect(configuration.buildRevision == "abc123")
        #expect(try AppConfiguration(environment: ["LOOKOUT_METRICS_BEARER_TOKEN": "0123456789abcdef"]).metrics.access == .bearer(token: "0123456789abcdef"))
    }

    @Test func sentrySettingsAreReadAndABadDSNStopsStartUpWithoutShowingTheKey() throws {
        let configuration = try AppConfiguration(environment: [
            "SENTRY_DSN": "https://abcdef0123@sentry.example.com/42", "SENTRY_TRACES_SAMPLE_RATE": "0.25", "SENTRY_ENVIRONMENT": "staging",
        ])
        #expect(configuration.sentry.dsn?.projectID == "42")
        #expect(configuration.sentry.tracesSampleRate == 0.25)
        #expect(configuration.sentry.environment == "staging")
        #expect(configuration.sentry.release == "lookout@\(BuildInfo.version)", "defaults to the build's version")
        #expect(try AppConfiguration(environment: [:]).sentry.isEnabled == false)
        #expect {
            try AppConfiguration(environment: ["SENTRY_DSN": "https://secretkey123@sentry.example.com/not-a-project"])
        } throws: { error in
            let message = String(describing: error)
            return message.contains("SENTRY_DSN") && message.contains("project id") && !message.contains("secretkey123")
        }
        #expect {
            try AppConfiguration(environment: ["SENTRY_TRACES_SAMPLE_RATE": "lots"])
        } throws: { error in
            String(describing: error).contains("SENTRY_TRACES_SAMPLE_RATE") && String(describing: error).contains("from 0 to 1")
        }
    }

    @Test func bearerAndBasicAuthTogetherAreRefused() {
        #expect(throws: ConfigurationError.self) {
            try AppConfiguration(environment: ["LOOKOUT_METRICS_BEARER_TOKEN": "0123456789abcdef", "LOOKOUT_METRICS_BASIC_AUTH": "u:a-long-password"])
        }
    }
}

/// The SLO file and the admin token, as start-up reads them.
@Suite struct SLOConfigurationTests {
    @Test func aBadSLOFileStopsStartUpNamingTheLineAndField() throws {
        let directory = try ServiceProcess.temporaryDirectory("slo-config")
        let path = directory.appendingPathComponent("slo.yml").path
        try "objectives:\n  - name: latency\n    target: 1.5\n".write(toFile: path, atomically: true, encoding: .utf8)
        var configuration = try AppConfiguration(environment: ["LOOKOUT_SLO_FILE": path])
        do {
            try configuration.loadFiles(checks: false)
            Issue.record("a target of 1.5 should be refused")
        } catch {
            #expect(error.description.hasPrefix("\(path):3:13: objectives[0].target: must be a number such as 0.995 or 99.5%"), "\(error)")
        }
        try "objectives:\n  - name: latency\n    target: 90%\n    threshold: 2s\n".write(toFile: path, atomically: true, encoding: .utf8)
        try configuration.loadFiles(checks: false)
        #expect(configuration.slo.objectives.map(\.name) == ["latency"])
        #expect(configuration.slo.latencyThreshold == .seconds(2))
    }

    @Test func theAdminTokenMustBeLongEnough() {
        #expect(throws: ConfigurationError.self) { try AppConfiguration(environment: ["LOOKOUT_ADMIN_TOKEN": "short"]) }
        #expect((try? AppConfiguration(environment: ["LOOKOUT_ADMIN_TOKEN": "a-long-enough-admin-token"]))?.adminToken == "a-long-enough-admin-token")
    }
}

/// `NAME_FILE` secrets, read by the programs (not only by the container's entry point).
@Suite struct SecretFilesTests {
    static let files = ["/run/secrets/token": "a-metrics-token-0123456789\n", "/run/secrets/dsn": "https://key@sentry.example/1"]

    static func read(_ path: String) throws -> String {
        guard let content = files[path] else { throw CocoaError(.fileNoSuchFile) }
        return content
    }

    @Test func aSecretFileBecomesItsVariableWithoutTheTrailingNewline() throws {
        let environment = try SecretFiles.resolve(
            ["LOOKOUT_METRICS_BEARER_TOKEN_FILE": "/run/secrets/token", "SENTRY_DSN_FILE": "/run/secrets/dsn", "LOOKOUT_SLO_FILE": "/etc/lookout/slo.yml"],
            read: Self.read
        )
        #expect(environment == [
            "LOOKOUT_METRICS_BEARER_TOKEN": "a-metrics-token-0123456789", "SENTRY_DSN": "https://key@sentry.example/1",
            "LOOKOUT_SLO_FILE": "/etc/lookout/slo.yml",
        ], "the secrets' _FILE variables are gone (the configuration would refuse them as unknown); other paths stay")
        let configuration = try AppConfiguration(environment: environment)
        #expect(configuration.metrics.access == .bearer(token: "a-metrics-token-0123456789"))
        #expect(configuration.sentry.dsn?.host == "sentry.example")
        let windows = try SecretFiles.resolve(["LOOKOUT_ADMIN_TOKEN_FILE": "crlf"], read: { _ in "an-admin-token-0123456789\r\n" })
        #expect(windows["LOOKOUT_ADMIN_TOKEN"] == "an-admin-token-0123456789", "a Windows line break goes too")
    }

    @Test func bothTheVariableAndItsFileAreRefused() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try SecretFiles.resolve(["SENTRY_DSN": "https://other@sentry.example/2", "SENTRY_DSN_FILE": "/run/secrets/dsn"], read: Self.read)
        }
        #expect(error.description == #"invalid configuration: SENTRY_DSN_FILE="/run/secrets/dsn" is not allowed; expected either SENTRY_DSN or SENTRY_DSN_FILE, not both: remove one"#)
    }

    @Test func anUnreadableFileIsNamedWithTheHint() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try SecretFiles.resolve(["LOOKOUT_ADMIN_TOKEN_FILE": "/run/secrets/missing"], read: Self.read)
        }
        #expect(error.description.contains("LOOKOUT_ADMIN_TOKEN_FILE=\"/run/secrets/missing\""))
        #expect(error.description.contains("is the secret attached to this service?"))
    }

    @Test func aRefusedSecretIsNotPrinted() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try AppConfiguration(environment: ["LOOKOUT_METRICS_BEARER_TOKEN": "short-secret"])
        }
        #expect(error.variable == "LOOKOUT_METRICS_BEARER_TOKEN")
        #expect(!error.description.contains("short-secret"), "\(error)")
    }
}
