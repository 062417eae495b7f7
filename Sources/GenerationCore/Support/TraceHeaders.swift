import Instrumentation

/// Reads trace headers from a plain dictionary (a job's stored `trace_headers`).
struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

/// Writes trace headers into a plain dictionary, stored with a job so that its processing continues the trace.
struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
