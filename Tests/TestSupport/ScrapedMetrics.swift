import Foundation

/// A Prometheus text exposition parsed into samples, so that tests assert on values rather than grepping text.
public struct ScrapedMetrics: Sendable {
    public struct Sample: Sendable, Equatable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var line: String
        public var description: String { "cannot parse exposition line: \(line)" }
    }

    public private(set) var samples: [Sample] = []
    /// HELP text by family name.
    public private(set) var help: [String: String] = [:]
    /// TYPE by family name.
    public private(set) var types: [String: String] = [:]
    /// Family names in the order they appear.
    public private(set) var familyOrder: [String] = []

    public init(_ text: String) throws {
        for rawLine in text.split(separator: "\n") {
            let line = String(rawLine)
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let rest = line.dropFirst(7)
                let name = String(rest.prefix { $0 != " " })
                let value = String(rest.dropFirst(name.count + 1))
                if line.hasPrefix("# HELP ") { help[name] = value } else { types[name] = value }
                if familyOrder.last != name { familyOrder.append(name) }
                continue
            }
            if line.hasPrefix("#") || line.isEmpty { continue }
            samples.append(try Self.parseSample(line))
        }
    }

    static func parseSample(_ line: String) throws -> Sample {
        var index = line.startIndex
        while index < line.endIndex, line[index] != "{", line[index] != " " { index = line.index(after: index) }
        let name = String(line[line.startIndex..<index])
        var labels: [String: String] = [:]
        if index < line.endIndex, line[index] == "{" {
            index = line.index(after: index)
            while index < line.endIndex, line[index] != "}" {
                let keyStart = index
                while index < line.endIndex, line[index] != "=" { index = line.index(after: index) }
                let key = String(line[keyStart..<index]).trimmingCharacters(in: CharacterSet(charactersIn: ", "))
                index = line.index(index, offsetBy: 2, limitedBy: line.endIndex) ?? line.endIndex  // skip ="
                var value = ""
                while index < line.endIndex, line[index] != "\"" {
                    if line[index] == "\\" {
                        index = line.index(after: index)
                        guard index < line.endIndex else { throw ParseError(line: line) }
                        value.append(line[index] == "n" ? "\n" : line[index])
                    } else {
                        value.append(line[index])
                    }
                    index = line.index(after: index)
                }
                guard index < line.endIndex else { throw ParseError(line: line) }
                index = line.index(after: index)  // closing quote
                labels[key] = value
                if index < line.endIndex, line[index] == "," { index = line.index(after: index) }
            }
            guard index < line.endIndex else { throw ParseError(line: line) }
            index = line.index(after: index)  // }
        }
        let rest = line[index...].trimmingCharacters(in: .whitespaces).split(separator: " ")
        guard let first = rest.first, let value = Double(first) ?? (first == "+Inf" ? .infinity : nil) else { throw ParseError(line: line) }
        return Sample(name: name, labels: labels, value: value)
    }

    /// The samples of `name` whose labels include all of `labels`.
    public func series(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// The value of the one sample of `name` with exactly `labels`, or nil.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The sum over every sample of `name` whose labels include `labels` (0 when none).
    public func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        series(name, labels).reduce(0) { $0 + $1.value }
    }
}
