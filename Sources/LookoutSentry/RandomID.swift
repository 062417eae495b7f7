import Synchronization

/// Event, trace and span ids: unique and unpredictable enough to never collide, not secrets.
///
/// `UInt64.random(in:)` asks the kernel (`getrandom(2)`) for every value: three system calls per request for a trace
/// id and a span id, a tenth of the Sentry middleware's cost on a 404 in a profile (#15). The ids come instead from
/// SplitMix64 over one atomic counter seeded once from the system generator: a lock-free add and a few multiplies, and
/// every value distinct for 2⁶⁴ draws (SplitMix64's output function is a bijection of the counter). Other Sentry SDKs
/// use a fast non-cryptographic generator for the same ids.
enum RandomID {
    private static let state = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    /// 64 random-looking bits, never the same twice in a process.
    static func next() -> UInt64 {
        var z = state.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 32 lowercase hex digits (128 bits: an event or trace id).
    static func hex128() -> String {
        let high = next(), low = next()
        return String(unsafeUninitializedCapacity: 32) { buffer in
            write(high, into: buffer, at: 0)
            write(low, into: buffer, at: 16)
            return 32
        }
    }

    /// 16 lowercase hex digits of a non-zero value (a span id; zero is invalid in W3C trace context).
    static func hex64() -> String {
        var value = next()
        while value == 0 { value = next() }
        return hex(value)
    }

    /// `value` as 16 lowercase hex digits.
    static func hex(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            write(value, into: buffer, at: 0)
            return 16
        }
    }

    private static func write(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        for index in 0..<16 {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 0xF
            buffer[offset + index] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble
        }
    }
}
