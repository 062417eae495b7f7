#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Prometheus
import Synchronization

/// The standard `process_*` metrics, read from `/proc` when a scrape asks for them (Linux; elsewhere they stay 0).
///
/// `process_cpu_seconds_total` is a true counter with sub-second precision: utime + stime from `/proc/self/stat`
/// divided by the clock tick rate, incremented by the difference since the previous scrape.
public final class ProcessMetrics: Sendable {
    private let cpu: Counter
    private let resident: Gauge
    private let virtualMemory: Gauge
    private let openFDs: Gauge
    private let maxFDs: Gauge
    private let startTime: Gauge
    private let threads: Gauge
    private let lastCPUSeconds = Mutex<Double>(0)

    public init(registry: MetricsRegistry) {
        cpu = registry.counter(MetricsCatalog.processCPU).labels()
        resident = registry.gauge(MetricsCatalog.processResidentMemory).labels()
        virtualMemory = registry.gauge(MetricsCatalog.processVirtualMemory).labels()
        openFDs = registry.gauge(MetricsCatalog.processOpenFDs).labels()
        maxFDs = registry.gauge(MetricsCatalog.processMaxFDs).labels()
        startTime = registry.gauge(MetricsCatalog.processStartTime).labels()
        threads = registry.gauge(MetricsCatalog.processThreads).labels()
    }

    /// Reads the process's figures now. Cheap (a few small reads from `/proc`); called before each exposition.
    public func collect() {
        guard let sample = Self.sample() else { return }
        let delta = lastCPUSeconds.withLock { last -> Double in
            let delta = max(0, sample.cpuSeconds - last)
            last = max(last, sample.cpuSeconds)
            return delta
        }
        if delta > 0 { cpu.increment(by: delta) }
        resident.set(sample.residentBytes)
        virtualMemory.set(sample.virtualBytes)
        openFDs.set(sample.openFDs)
        maxFDs.set(sample.maxFDs)
        startTime.set(sample.startTime)
        threads.set(sample.threads)
    }

    struct Sample {
        var cpuSeconds: Double
        var residentBytes: Double
        var virtualBytes: Double
        var openFDs: Double
        var maxFDs: Double
        var startTime: Double
        var threads: Double
    }

    static func sample() -> Sample? {
        #if os(Linux)
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let closing = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may contain spaces), starting with field 3 (state).
        let fields = stat[stat.index(after: closing)...].split(separator: " ")
        func field(_ number: Int) -> Double { Double(fields[number - 3]) ?? 0 }
        guard fields.count > 21 else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        let bootTime = Self.bootTime()
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let openFDs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return Sample(
            cpuSeconds: (field(14) + field(15)) / ticks,
            residentBytes: field(24) * pageSize,
            virtualBytes: field(23),
            openFDs: Double(openFDs),
            maxFDs: Double(limit.rlim_cur),
            startTime: bootTime + field(22) / ticks,
            threads: field(20)
        )
        #else
        return nil
        #endif
    }

    private static func bootTime() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return 0 }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }
}

/// `lookout_build_info{version,revision,swift_version} 1`.
public enum BuildInfo {
    /// The release of this code. Bump with each release.
    public static let version = "0.1.0"

    /// The compiler that built this binary.
    public static var swiftVersion: String {
        #if compiler(>=6.4)
        "6.4+"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "older"
        #endif
    }

    /// Sets the build info gauge. `revision` is the source revision (e.g. a git commit), or `unknown`.
    public static func register(in registry: MetricsRegistry, revision: String) {
        registry.gauge(MetricsCatalog.buildInfo).labels(version, revision, swiftVersion).set(Double(1))
    }
}
