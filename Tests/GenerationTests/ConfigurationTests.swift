import GenerationApp
import GenerationSQLite
import Logging
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
            "LOOKOUT_HTTP_HOST": "0.0.0.0", "LOOKOUT_HTTP_PORT": "0", "LOOKOUT_DATABASE_URL": "sqlite::memory:",
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
        ("LOOKOUT_DATABASE_URL", "mysql://db", "sqlite://PATH"),
        ("LOOKOUT_LOG_FORMAT", "xml", "text or json"),
        ("LOOKOUT_LOG_LEVEL", "loud", "trace, debug"),
        ("LOOKOUT_WORKER_ENABLED", "maybe", "true or false"),
        ("LOOKOUT_GENERATOR_FAILURE_RATE", "1.5", "from 0 to 1"),
        ("LOOKOUT_PASSWORD_HASH_ROUNDS", "1000", "at least 210000"),
        ("LOOKOUT_HTTP_PROT", "8080", "did you mean LOOKOUT_HTTP_PORT?"),
    ])
    func invalidValuesNameTheVariableAndWhatIsAllowed(variable: String, value: String, allowed: String) {
        #expect {
            try AppConfiguration(environment: [variable: value])
        } throws: { error in
            let message = String(describing: error)
            return message.contains(variable) && message.contains(value) && message.contains(allowed)
        }
    }
}
