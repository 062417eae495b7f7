import Testing

@testable import LookoutSentry

@Suite struct RandomIDTests {
    @Test func idsHaveSentrysShapeAndNeverRepeat() {
        let hexDigits = Set("0123456789abcdef")
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let event = SentryEvent.newID(), trace = TraceContext.newTraceID(), span = TraceContext.newSpanID()
            #expect(event.count == 32 && trace.count == 32 && span.count == 16)
            #expect(event.allSatisfy(hexDigits.contains) && trace.allSatisfy(hexDigits.contains) && span.allSatisfy(hexDigits.contains))
            #expect(span != String(repeating: "0", count: 16))
            seen.insert(event)
            seen.insert(trace)
        }
        #expect(seen.count == 20_000)
    }

    @Test func hexWritesEveryNibbleInOrder() {
        #expect(RandomID.hex(0x0123_4567_89ab_cdef) == "0123456789abcdef")
        #expect(RandomID.hex(0) == "0000000000000000")
        #expect(RandomID.hex(.max) == "ffffffffffffffff")
    }

    @Test func idsFromConcurrentTasksAreDistinct() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { (0..<2_000).map { _ in SentryEvent.newID() } } }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(Set(ids).count == 8_000)
    }
}
