import Foundation

/// Where a unit of work sits in a distributed trace, as carried by `sentry-trace`, `baggage` and W3C `traceparent`
/// (develop.sentry.dev/sdk/telemetry/traces/trace-propagation, www.w3.org/TR/trace-context).
public struct TraceContext: Sendable, Equatable {
    /// 32 lowercase hex digits.
    public var traceID: String
    /// The span that is the parent of what we do now: the caller's span for incoming headers.
    public var spanID: String
    /// The upstream sampling decision; nil when the caller left it to us.
    public var sampled: Bool?
    /// The dynamic sampling context: the `sentry-*` members of `baggage`, without the prefix. Frozen by the head of the
    /// trace; empty when the caller sent none.
    public var dynamicSamplingContext: [String: String]
    /// Baggage members of other vendors, passed on untouched.
    public var foreignBaggage: [String]

    public init(traceID: String, spanID: String, sampled: Bool?, dynamicSamplingContext: [String: String] = [:], foreignBaggage: [String] = []) {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
        self.dynamicSamplingContext = dynamicSamplingContext
        self.foreignBaggage = foreignBaggage
    }

    /// Reads incoming headers. `sentry-trace` wins over `traceparent`; malformed values are ignored (a new trace starts).
    public init?(sentryTrace: String?, baggage: String?, traceparent: String?) {
        if let parsed = sentryTrace.flatMap(Self.parseSentryTrace) ?? traceparent.flatMap(Self.parseTraceparent) {
            (traceID, spanID, sampled) = parsed
        } else {
            return nil
        }
        (dynamicSamplingContext, foreignBaggage) = Self.parseBaggage(baggage)
    }

    /// `sentry-trace: {trace_id}-{span_id}[-{sampled}]`.
    static func parseSentryTrace(_ value: String) -> (String, String, Bool?)? {
        let parts = value.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, isHex(parts[0], count: 32), isHex(parts[1], count: 16) else { return nil }
        var sampled: Bool?
        if parts.count == 3 {
            switch parts[2] {
            case "1": sampled = true
            case "0": sampled = false
            case "": sampled = nil
            default: return nil
            }
        }
        return (parts[0].lowercased(), parts[1].lowercased(), sampled)
    }

    /// `traceparent: 00-{trace_id}-{parent_id}-{flags}`; all-zero ids are invalid.
    static func parseTraceparent(_ value: String) -> (String, String, Bool?)? {
        let parts = value.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", isHex(parts[1], count: 32), isHex(parts[2], count: 16),
            isHex(parts[3], count: 2), let flags = UInt8(parts[3], radix: 16),
            parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" })
        else { return nil }
        return (parts[1].lowercased(), parts[2].lowercased(), flags & 1 == 1)
    }

    static func parseBaggage(_ value: String?) -> ([String: String], [String]) {
        var sentry: [String: String] = [:]
        var foreign: [String] = []
        for member in (value ?? "").split(separator: ",") {
            let trimmed = member.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            let pair = trimmed.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].hasPrefix("sentry-") {
                let key = String(pair[0].dropFirst("sentry-".count)).trimmingCharacters(in: .whitespaces)
                sentry[key] = String(pair[1]).trimmingCharacters(in: .whitespaces).removingPercentEncoding ?? String(pair[1])
            } else if foreign.count < 32 {
                foreign.append(trimmed)
            }
        }
        return (sentry, foreign)
    }

    /// ASCII hex only: `Character.isHexDigit` also takes fullwidth digits and letters, which would pass an id on that
    /// no other service could read.
    static func isHex(_ value: Substring, count: Int) -> Bool {
        value.utf8.count == count
            && value.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0 | 0x20) }
    }

    /// The outgoing headers for a span of this trace.
    /// A deferred decision (`sampled` nil) leaves the flag out of `sentry-trace`; `traceparent`, which has no such
    /// state, then says `00`.
    public static func headers(
        traceID: String, spanID: String, sampled: Bool?, dynamicSamplingContext: [String: String], foreignBaggage: [String], traceparent: Bool = false
    ) -> [String: String] {
        var headers = ["sentry-trace": "\(traceID)-\(spanID)" + (sampled.map { $0 ? "-1" : "-0" } ?? "")]
        if traceparent { headers["traceparent"] = "00-\(traceID)-\(spanID)-\(sampled == true ? "01" : "00")" }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.!~*'()"))
        let sentry = dynamicSamplingContext.sorted { $0.key < $1.key }.map {
            "sentry-\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)"
        }
        let baggage = (foreignBaggage + sentry).joined(separator: ",")
        if !baggage.isEmpty { headers["baggage"] = baggage }
        return headers
    }

    /// 32 random hex digits.
    public static func newTraceID() -> String { SentryEvent.newID() }

    /// 16 random hex digits.
    public static func newSpanID() -> String { RandomID.hex64() }
}
