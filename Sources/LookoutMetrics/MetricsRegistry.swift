import Prometheus
import Synchronization

/// Lookout's metrics: the families of ``MetricsCatalog`` on a swift-prometheus registry, with a cap on series per family.
///
/// Resolve a family once (at set-up) and keep it; recording is then one short lock to find the series (cached per label
/// values) plus swift-prometheus's own atomic or lock. No global state: each registry is independent, so tests and
/// several services in one process never share counters.
public final class MetricsRegistry: Sendable {
    public struct Configuration: Sendable {
        /// Most label combinations one family may hold; further combinations are folded into one series whose label
        /// values are all `overflow`, and counted in `lookout_metrics_label_overflow_total`. Default: 500.
        public var maxSeriesPerFamily = 500

        public init(maxSeriesPerFamily: Int = 500) {
            self.maxSeriesPerFamily = maxSeriesPerFamily
        }
    }

    /// The label value that replaces every value of a combination beyond the cap.
    public static let overflowValue = "overflow"

    /// The underlying swift-prometheus registry (exposition comes from it; Lookout writes no exposition format).
    public let prometheus = PrometheusCollectorRegistry()
    public let configuration: Configuration
    private let families = Mutex<[String: any Sendable]>([:])

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    public func counter(_ definition: MetricDefinition) -> MetricFamily<Counter> {
        precondition(definition.kind == .counter, "\(definition.name) is not a counter")
        return family(definition) { [prometheus] labels in prometheus.makeCounter(descriptor: definition.descriptor, labels: labels) }
    }

    public func gauge(_ definition: MetricDefinition) -> MetricFamily<Gauge> {
        precondition(definition.kind == .gauge, "\(definition.name) is not a gauge")
        return family(definition) { [prometheus] labels in prometheus.makeGauge(descriptor: definition.descriptor, labels: labels) }
    }

    public func histogram(_ definition: MetricDefinition) -> MetricFamily<ValueHistogram> {
        precondition(definition.kind == .histogram, "\(definition.name) is not a histogram")
        return family(definition) { [prometheus] labels in
            prometheus.makeValueHistogram(descriptor: definition.descriptor, labels: labels, buckets: definition.buckets)
        }
    }

    /// The exposition in Prometheus text format 0.0.4, families sorted by name so that scrapes and diffs are stable.
    public func exposition() -> [UInt8] {
        Exposition.sortedByFamily(prometheus.emitToBuffer())
    }

    private func family<Metric: AnyObject & Sendable>(
        _ definition: MetricDefinition, make: @escaping @Sendable ([(String, String)]) -> Metric
    ) -> MetricFamily<Metric> {
        let overflow: (@Sendable () -> Void)?
        if definition == MetricsCatalog.labelOverflow {
            overflow = nil
        } else {
            let counter = counter(MetricsCatalog.labelOverflow)
            overflow = { counter.labels(definition.name).increment() }
        }
        return families.withLock { families in
            if let existing = families[definition.name] {
                guard let family = existing as? MetricFamily<Metric>, family.definition == definition else {
                    preconditionFailure("\(definition.name) is declared twice with different definitions")
                }
                return family
            }
            let family = MetricFamily(definition: definition, cap: configuration.maxSeriesPerFamily, make: make, onOverflow: overflow)
            families[definition.name] = family
            return family
        }
    }
}

/// The series of one metric family, by label values.
public final class MetricFamily<Metric: AnyObject & Sendable>: Sendable {
    public let definition: MetricDefinition
    private let cap: Int
    private let make: @Sendable ([(String, String)]) -> Metric
    private let onOverflow: (@Sendable () -> Void)?
    private let series = Mutex<[[String]: Metric]>([:])

    init(definition: MetricDefinition, cap: Int, make: @escaping @Sendable ([(String, String)]) -> Metric, onOverflow: (@Sendable () -> Void)?) {
        self.definition = definition
        self.cap = cap
        self.make = make
        self.onOverflow = onOverflow
    }

    /// The series for these label values, given in the order of ``MetricDefinition/labelNames``.
    public func labels(_ values: [String]) -> Metric {
        precondition(values.count == definition.labelNames.count, "\(definition.name) takes labels \(definition.labelNames)")
        var overflowed = false
        let metric = series.withLock { series -> Metric in
            if let existing = series[values] { return existing }
            var key = values
            if series.count >= cap, !values.isEmpty {
                key = Array(repeating: MetricsRegistry.overflowValue, count: values.count)
                overflowed = true
                if let existing = series[key] { return existing }
            }
            let created = make(Array(zip(definition.labelNames, key)))
            series[key] = created
            return created
        }
        if overflowed { onOverflow?() }
        return metric
    }

    public func labels(_ values: String...) -> Metric { labels(values) }

    /// How many series the family holds.
    public var seriesCount: Int { series.withLock { $0.count } }
}

extension MetricDefinition {
    var descriptor: MetricNameDescriptor {
        MetricNameDescriptor(metricName: baseName, unitName: unitSuffix, helpText: help)
    }
}
