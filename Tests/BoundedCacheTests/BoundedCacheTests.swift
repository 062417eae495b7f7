import BoundedCache
import TestSupport
import Testing

@Suite struct BoundedCacheTests {
    @Test func returnsStoredValueAndCountsHitsAndMisses() {
        let cache = BoundedCache<String, Int, ManualClock>(capacity: 2, timeToLive: .seconds(10), clock: ManualClock())
        #expect(cache.value(forKey: "a") == nil)
        cache.setValue(1, forKey: "a")
        #expect(cache.value(forKey: "a") == 1)
        #expect(cache.statistics == .init(hits: 1, misses: 1, evictions: 0, expirations: 0, entries: 1))
    }

    @Test func evictsLeastRecentlyUsedWhenFull() {
        let cache = BoundedCache<String, Int, ManualClock>(capacity: 2, timeToLive: .seconds(10), clock: ManualClock())
        cache.setValue(1, forKey: "a")
        cache.setValue(2, forKey: "b")
        _ = cache.value(forKey: "a")  // "b" is now least recently used
        cache.setValue(3, forKey: "c")
        #expect(cache.value(forKey: "b") == nil)
        #expect(cache.value(forKey: "a") == 1)
        #expect(cache.value(forKey: "c") == 3)
        #expect(cache.statistics.evictions == 1)
        #expect(cache.statistics.entries == 2)
    }

    @Test func expiresEntriesAfterTheirTimeToLive() {
        let clock = ManualClock()
        let cache = BoundedCache<String, Int, ManualClock>(capacity: 4, timeToLive: .seconds(10), clock: clock)
        cache.setValue(1, forKey: "a")
        cache.setValue(2, forKey: "b", timeToLive: .seconds(60))
        clock.advance(by: .seconds(9))
        #expect(cache.value(forKey: "a") == 1)
        clock.advance(by: .seconds(1))
        #expect(cache.value(forKey: "a") == nil)
        #expect(cache.value(forKey: "b") == 2)
        let stats = cache.statistics
        #expect(stats.expirations == 1)
        #expect(stats.entries == 1)
        #expect(stats.misses == 1)
    }

    @Test func replacingAValueRestartsItsTimeToLiveWithoutGrowing() {
        let clock = ManualClock()
        let cache = BoundedCache<String, Int, ManualClock>(capacity: 1, timeToLive: .seconds(10), clock: clock)
        cache.setValue(1, forKey: "a")
        clock.advance(by: .seconds(8))
        cache.setValue(2, forKey: "a")
        clock.advance(by: .seconds(8))
        #expect(cache.value(forKey: "a") == 2)
        #expect(cache.statistics.evictions == 0)
        #expect(cache.statistics.entries == 1)
    }

    @Test func aCostBudgetEvictsTheLeastRecentlyUsedUntilTheNewValueFits() {
        let cache = BoundedCache<String, String, ManualClock>(
            capacity: 100, timeToLive: .seconds(10), maxTotalCost: 10, cost: { $0.utf8.count }, clock: ManualClock()
        )
        cache.setValue("aaaa", forKey: "a")
        cache.setValue("bbbb", forKey: "b")
        #expect(cache.value(forKey: "a") != nil, "a is now the most recently used")
        cache.setValue("cccccc", forKey: "c")
        #expect(cache.value(forKey: "b") == nil, "b was the least recently used")
        #expect(cache.value(forKey: "a") == "aaaa")
        #expect(cache.statistics.totalCost == 10)
        #expect(cache.statistics.evictions == 1)

        cache.setValue("x", forKey: "a")
        #expect(cache.statistics.totalCost == 7, "a replaced value's cost is replaced too")
        cache.setValue(String(repeating: "z", count: 11), forKey: "a")
        #expect(cache.value(forKey: "a") == nil, "a value over the whole budget is not kept, nor its predecessor")
        #expect(cache.value(forKey: "c") == "cccccc", "and it evicts nothing")
    }

    @Test func removeAndReuseSlotsKeepTheListConsistent() {
        let cache = BoundedCache<Int, Int, ManualClock>(capacity: 3, timeToLive: .seconds(10), clock: ManualClock())
        for round in 0..<100 {
            cache.setValue(round, forKey: round % 5)
            if round % 7 == 0 { cache.removeValue(forKey: (round + 1) % 5) }
        }
        #expect(cache.statistics.entries <= 3)
        #expect(cache.value(forKey: 99 % 5) == 99)
    }

    @Test func concurrentUseIsSafe() async {
        let cache = BoundedCache<Int, Int, ContinuousClock>(capacity: 64, timeToLive: .seconds(10))
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in 0..<2_000 {
                        cache.setValue(i, forKey: (i * (worker + 1)) % 200)
                        _ = cache.value(forKey: i % 200)
                    }
                }
            }
        }
        let stats = cache.statistics
        #expect(stats.entries == 64)
        #expect(stats.hits + stats.misses == 16_000)
    }
}
