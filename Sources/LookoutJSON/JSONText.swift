/// Writes a flat JSON object (string and integer members) straight into bytes, for answers built on every request of
/// a hot path, such as error bodies; and JSON string literals for the other writers (log lines, Sentry's payloads). Foundation's `JSONSerialization` bridges every value to an Objective-C object and
/// sorts keys with `NSString` comparison: on Linux that was most of the CPU time of a 404 (BENCHMARKS.md).
///
/// Members are written in the order they are added; add them sorted when the output must match sorted-key JSON.
/// Strings are escaped as JSON requires (quote, backslash, control characters); `/` and non-ASCII text are written as
/// they are.
public struct JSONText: Sendable {
    public private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]

    public init() {
        bytes.reserveCapacity(256)
    }

    public mutating func add(_ key: String, _ value: String) {
        member(key)
        Self.write(string: value, into: &bytes)
    }

    public mutating func add(_ key: String, _ value: Int) {
        member(key)
        bytes += String(value).utf8
    }

    /// The finished object.
    public var object: [UInt8] { bytes + [UInt8(ascii: "}")] }

    private mutating func member(_ key: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        Self.write(string: key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends `string` as a JSON string literal.
    public static func write(string: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them whole.
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes += string.utf8
            bytes.append(UInt8(ascii: "\""))
            return
        }
        let hex = Array("0123456789abcdef".utf8)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += #"\""#.utf8
            case UInt8(ascii: "\\"): bytes += #"\\"#.utf8
            case UInt8(ascii: "\n"): bytes += #"\n"#.utf8
            case UInt8(ascii: "\r"): bytes += #"\r"#.utf8
            case UInt8(ascii: "\t"): bytes += #"\t"#.utf8
            case 0..<0x20:
                bytes += #"\u00"#.utf8
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
