import Foundation
import Testing

/// The two test lanes.
///
/// - **Fast** (`swift test`, the default): unit and in-process tests only. It needs nothing but the Swift toolchain and
///   SQLite's development files, and runs in about a minute after a warm build.
/// - **Full** (`./scripts/test.sh`, which sets `TEST_LANE=full`): everything, including the integration tests
///   that start the package's executables or an external program (a real Prometheus, Alertmanager, bugsink, Chromium,
///   Sentry's Relay normaliser, `openssl`...). The script installs and starts each of them first.
///
/// In the fast lane an integration test is skipped, and Swift Testing prints its name with the reason below. In the full
/// lane it always runs: a tool that is missing there fails the test, so that CI can never pass by skipping.
public enum TestLane {
    /// The environment variable that selects the full lane.
    public static let variable = "TEST_LANE"

    /// True under `./scripts/test.sh` (or `TEST_LANE=full swift test`).
    public static var isFull: Bool { ProcessInfo.processInfo.environment[variable] == "full" }
}

extension Trait where Self == ConditionTrait {
    /// Marks an integration test: it runs in the full lane only. `needs` names what it starts or calls, for the message
    /// printed when the fast lane skips it.
    public static func integration(_ needs: String...) -> Self {
        .enabled(
            if: TestLane.isFull,
            "integration test (needs \(needs.joined(separator: ", "))): run ./scripts/test.sh, or \(TestLane.variable)=full swift test with them installed"
        )
    }
}
