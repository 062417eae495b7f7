import Foundation
import Logging
import LookoutSentry
import ServiceLifecycle
import Testing
import TestSupport

/// The transport against a scripted local server: each failure mode Sentry can show, and what the caller sees.
@Suite struct HTTPTransportTests {
    /// Short backoffs and report intervals; a patient request timeout, so that a server answering late on a loaded
    /// machine is waited for (a timeout would send the envelope again: at least once is the protocol's promise).
    static var fast: HTTPTransport.Configuration {
        var configuration = HTTPTransport.Configuration()
        configuration.requestTimeout = .seconds(30)
        configuration.initialBackoff = .milliseconds(50)
        configuration.maxBackoff = .milliseconds(200)
        configuration.clientReportInterval = .milliseconds(200)
        return configuration
    }

    /// For the tests whose Sentry refuses connections (nothing listens): AsyncHTTPClient retries a refused connection
    /// until the request's deadline, so each attempt lasts this long whatever the machine's speed.
    static var unreachable: HTTPTransport.Configuration {
        var configuration = fast
        configuration.requestTimeout = .milliseconds(500)
        return configuration
    }

    /// For the tests whose server hangs on purpose: each hang costs one request timeout.
    static var hanging: HTTPTransport.Configuration {
        var configuration = fast
        configuration.requestTimeout = .seconds(2)
        return configuration
    }

    static func options(_ dsn: DSN, spool: URL? = nil, queueSize: Int = 1000, spoolMaxBytes: Int = 1 << 20) -> SentryOptions {
        var options = SentryOptions(dsn: dsn)
        options.queueSize = queueSize
        options.spoolDirectory = spool?.path
        options.spoolMaxBytes = spoolMaxBytes
        options.shutdownTimeout = .milliseconds(500)
        return options
    }

    static func event(_ message: String, dsn: DSN) -> Envelope {
        Envelope(event: SentryEvent(message: message), dsn: dsn)
    }

    static func transaction(dsn: DSN) -> Envelope {
        let id = SentryEvent.newID()
        return Envelope(eventID: id, dsn: dsn, items: [try! Envelope.Item(type: "transaction", json: ["event_id": id, "type": "transaction"])])
    }

    /// Runs the transport in a service group for `body`, then shuts it down gracefully.
    static func running(_ transport: HTTPTransport, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(configuration: .init(services: [transport], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        let task = Task { try await group.run() }
        do {
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            _ = await task.result
            throw error
        }
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// The envelope files in a spool folder, whichever process's folder inside it holds them.
    static func spooledFiles(_ spool: URL) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: spool, includingPropertiesForKeys: nil)
        return (enumerator?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "envelope" }
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-spool-\(UUID().uuidString)")
        return url
    }

    @Test func deliversGzippedAuthenticatedEnvelopesOnce() async throws {
        let server = try await ScriptedSentryServer()
        let transport = HTTPTransport(options: Self.options(server.dsn), discards: DiscardCounter(), configuration: Self.fast)
        let sent = (0..<5).map { Self.event("event \($0)", dsn: server.dsn) }
        try await Self.running(transport) {
            for envelope in sent { transport.enqueue(envelope) }
            #expect(await transport.flush(timeout: .seconds(10)))
        }
        await server.stop()
        #expect(server.received.map(\.envelope.eventID) == sent.map(\.eventID), "in order, each once")
        let first = try #require(server.received.first)
        #expect(first.gzipped)
        #expect(first.headers["x-sentry-auth"]?.contains("sentry_key=publickey") == true)
        #expect(first.headers["content-type"] == "application/x-sentry-envelope")
        #expect(transport.statistics.sentEnvelopes == 5)
    }

    /// Each form Sentry uses to say "slow down": the limited category is dropped before sending and counted; the
    /// envelope the server refused is not (the protocol says so); other categories flow when only one is limited. A
    /// limit on everything holds the client report too (its counts wait; nothing is sent until the limit ends).
    @Test(arguments: [
        ("X-Sentry-Rate-Limits", "2.5:error:key", false),
        ("X-Sentry-Rate-Limits", "30::organization", true),
        ("Retry-After", "30", true),
        ("", "", true),
    ])
    func rateLimitsDropAndReportTheLimitedCategory(header: String, value: String, limitsEverything: Bool) async throws {
        let server = try await ScriptedSentryServer(script: [.status(429, headers: header.isEmpty ? [:] : [header: value])])
        let transport = HTTPTransport(options: Self.options(server.dsn), discards: DiscardCounter(), configuration: Self.fast)
        try await Self.running(transport) {
            transport.enqueue(Self.event("refused by the server", dsn: server.dsn))
            #expect(await eventually { server.requests == 1 })
            #expect(await transport.flush(timeout: .seconds(5)))
            transport.enqueue(Self.event("dropped while limited", dsn: server.dsn))
            transport.enqueue(Self.transaction(dsn: server.dsn))
            if limitsEverything {
                #expect(await eventually {
                    transport.discards.snapshot == [
                        .init(reason: .rateLimitBackoff, category: "error"): 1, .init(reason: .rateLimitBackoff, category: "transaction"): 1,
                        .init(reason: .rateLimitBackoff, category: "span"): 1,
                    ]
                })
            } else {
                #expect(await eventually { server.reportedDiscards()["ratelimit_backoff/error"] == 1 })
            }
        }
        await server.stop()
        #expect(server.items("event").isEmpty, "neither error event reached the server")
        #expect(server.items("transaction").count == (limitsEverything ? 0 : 1))
        if limitsEverything {
            #expect(server.requests == 1, "nothing after the 429 while everything is limited, client reports included")
        } else {
            #expect(server.reportedDiscards().keys.allSatisfy { $0.hasPrefix("ratelimit_backoff/") }, "the server's own 429 is not reported")
        }
    }

    /// The counts held during a limit on everything are reported once it ends, with the spans of the transaction
    /// dropped (its spans and its root).
    @Test func heldClientReportsGoOutWhenTheLimitEnds() async throws {
        let server = try await ScriptedSentryServer(script: [.status(429, headers: ["X-Sentry-Rate-Limits": "1::organization"])])
        let transport = HTTPTransport(options: Self.options(server.dsn), discards: DiscardCounter(), configuration: Self.fast)
        try await Self.running(transport) {
            transport.enqueue(Self.event("refused by the server", dsn: server.dsn))
            #expect(await eventually { server.requests == 1 })
            let id = SentryEvent.newID()
            transport.enqueue(Envelope(eventID: id, dsn: server.dsn, items: [
                try Envelope.Item(type: "transaction", json: ["event_id": id, "type": "transaction", "spans": [["span_id": "a"], ["span_id": "b"]]]),
            ]))
            #expect(await eventually { server.reportedDiscards()["ratelimit_backoff/transaction"] == 1 })
        }
        await server.stop()
        #expect(server.reportedDiscards() == ["ratelimit_backoff/transaction": 1, "ratelimit_backoff/span": 3])
    }

    @Test func tooLargeIsDroppedAndReported() async throws {
        let server = try await ScriptedSentryServer(script: [.status(413)])
        let transport = HTTPTransport(options: Self.options(server.dsn), discards: DiscardCounter(), configuration: Self.fast)
        try await Self.running(transport) {
            transport.enqueue(Self.event("too big", dsn: server.dsn))
            transport.enqueue(Self.event("fine", dsn: server.dsn))
            #expect(await transport.flush(timeout: .seconds(5)))
        }
        await server.stop()
        #expect(server.items("event").count == 1)
        #expect(server.reportedDiscards() == ["send_error/error": 1])
    }

    @Test func serverErrorsAndHangsAreRetriedUntilDeliveredExactlyOnce() async throws {
        let server = try await ScriptedSentryServer(script: [.status(500), .hang, .status(503)])
        let transport = HTTPTransport(options: Self.options(server.dsn), discards: DiscardCounter(), configuration: Self.hanging)
        let envelope = Self.event("survives a bad minute", dsn: server.dsn)
        try await Self.running(transport) {
            transport.enqueue(envelope)
            #expect(await transport.flush(timeout: .seconds(10)))
        }
        await server.stop()
        #expect(server.requests == 4)
        #expect(server.received.map(\.envelope.eventID) == [envelope.eventID])
        #expect(transport.statistics.failedAttempts == 3)
        #expect(transport.discards.totals.isEmpty)
    }

    /// While Sentry hangs, the caller keeps going: enqueueing never waits, and a full queue drops the oldest, counted.
    @Test func aHangingSentryNeverBlocksTheCallerAndTheQueueIsBounded() async throws {
        let server = try await ScriptedSentryServer(script: [.hang, .hang, .hang])
        let transport = HTTPTransport(options: Self.options(server.dsn, queueSize: 10), discards: DiscardCounter(), configuration: Self.hanging)
        try await Self.running(transport) {
            #expect(await eventually { transport.enqueue(Self.event("first", dsn: server.dsn)); return server.requests >= 1 })
            for index in 0..<1000 { transport.enqueue(Self.event("burst \(index)", dsn: server.dsn)) }
            let dropped = transport.discards.totals[.init(reason: .queueOverflow, category: "error")] ?? 0
            #expect(dropped >= 1000 - 20, "at most two queues' worth kept, got \(dropped) dropped")
            #expect(transport.statistics.queued <= 21)
        }
        await server.stop()
    }

    /// Sentry is unreachable; the process stops with events spooled; a new process delivers them once Sentry is back.
    /// (Sentry "comes back" as a server on a port of its own, and the new process is configured with it: the spool
    /// holds envelopes, not addresses, so the transport sends them wherever its DSN points.)
    @Test func spooledEventsSurviveARestartAndArriveOnce() async throws {
        let dsn = try DSN("http://publickey@127.0.0.1:\(TestPorts.refusing)/1")
        let spool = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: spool) }
        let sent = (0..<5).map { Self.event("during the outage \($0)", dsn: dsn) }

        let first = HTTPTransport(options: Self.options(dsn, spool: spool), discards: DiscardCounter(), configuration: Self.unreachable)
        try await Self.running(first) {
            for envelope in sent { first.enqueue(envelope) }
            #expect(await eventually { first.statistics.spoolFiles == 5 && first.statistics.failedAttempts >= 1 })
            #expect(first.statistics.lastError != nil)
        }
        #expect(first.discards.totals.isEmpty, "nothing counted as lost: it is on disk")
        let files = Self.spooledFiles(spool)
        #expect(files.count == 5)
        for file in files {
            // Events carry what users sent: the spool is for this process's user alone.
            let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file.lastPathComponent): \(String(mode ?? 0, radix: 8))")
        }

        let server = try await ScriptedSentryServer()
        let second = HTTPTransport(options: Self.options(server.dsn, spool: spool), discards: DiscardCounter(), configuration: Self.fast)
        try await Self.running(second) {
            #expect(await eventually { server.received.count == 5 })
            #expect(await second.flush(timeout: .seconds(5)))
        }
        await server.stop()
        #expect(server.received.map(\.envelope.eventID) == sent.map(\.eventID), "in order, each once")
        #expect(Self.spooledFiles(spool).isEmpty)
        let stamped = try #require(server.received.first?.envelope)
        #expect(stamped.items.first?.type == "event")
    }

    /// Processes sharing one spool folder (replicas on one volume): each writes to a folder of its own; a live one's
    /// envelopes are never taken by another; a stopped one's are taken over by exactly one of those that start after it.
    @Test func processesSharingASpoolDeliverEachEnvelopeOnce() async throws {
        let down = try DSN("http://publickey@127.0.0.1:\(TestPorts.refusing)/1")
        let spool = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: spool) }
        let server = try await ScriptedSentryServer()
        defer { Task { await server.stop() } }
        var patient = Self.unreachable
        patient.maxNetworkErrorAttempts = 1_000_000  // the processes that cannot reach Sentry keep what they hold

        // A live process that cannot reach Sentry holds two envelopes of its own.
        let live = HTTPTransport(options: Self.options(down, spool: spool), discards: DiscardCounter(), configuration: patient)
        let held = (0..<2).map { Self.event("held by a live process \($0)", dsn: down) }
        let left = (0..<3).map { Self.event("left by a stopped process \($0)", dsn: down) }
        try await Self.running(live) {
            for envelope in held { live.enqueue(envelope) }
            #expect(await eventually { live.statistics.spoolFiles == 2 })
            // Another process spools three and stops.
            let stopped = HTTPTransport(options: Self.options(down, spool: spool), discards: DiscardCounter(), configuration: patient)
            try await Self.running(stopped) {
                for envelope in left { stopped.enqueue(envelope) }
                #expect(await eventually { stopped.statistics.spoolFiles == 3 })
            }
            // Two processes start at once: one of them takes the stopped one's three, neither the live one's.
            let starters = (0..<2).map { _ in
                HTTPTransport(options: Self.options(server.dsn, spool: spool), discards: DiscardCounter(), configuration: Self.fast)
            }
            try await Self.running(starters[0]) {
                try await Self.running(starters[1]) {
                    #expect(await eventually { server.received.count == 3 })
                    #expect(await starters[0].flush(timeout: .seconds(5)))
                    #expect(await starters[1].flush(timeout: .seconds(5)))
                }
            }
            #expect(Set(server.received.compactMap(\.envelope.eventID)) == Set(left.map(\.eventID)), "the stopped one's, each once")
            #expect(live.statistics.spoolFiles == 2, "the live one's untouched")
            #expect(Self.spooledFiles(spool).count == 2)
        }
        // The live one stops; the next process to start delivers its two.
        let next = HTTPTransport(options: Self.options(server.dsn, spool: spool), discards: DiscardCounter(), configuration: Self.fast)
        try await Self.running(next) {
            #expect(await eventually { server.received.count == 5 })
            #expect(await next.flush(timeout: .seconds(5)))
        }
        let delivered = server.received.compactMap(\.envelope.eventID)
        #expect(delivered.count == 5)
        #expect(Set(delivered) == Set(held.map(\.eventID) + left.map(\.eventID)), "each envelope once")
        #expect(Self.spooledFiles(spool).isEmpty)
    }

    @Test func aFullSpoolDropsTheOldestAndCountsThem() async throws {
        let dsn = try DSN("http://publickey@127.0.0.1:\(TestPorts.refusing)/1")
        let spool = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: spool) }
        let size = Self.event("x", dsn: dsn).serialized().count
        let transport = HTTPTransport(
            options: Self.options(dsn, spool: spool, spoolMaxBytes: size * 3 + size / 2), discards: DiscardCounter(), configuration: Self.unreachable
        )
        try await Self.running(transport) {
            for index in 0..<10 { transport.enqueue(Self.event("y\(index)", dsn: dsn)) }
            #expect(await eventually { transport.discards.totals[.init(reason: .cacheOverflow, category: "error")] == 7 })
            #expect(transport.statistics.spoolFiles == 3)
        }
    }

    /// No envelope holds up the queue for ever: one that never gets an answer is dropped after its attempts, and the
    /// next is tried.
    @Test func anEnvelopeThatNeverGetsAnAnswerIsDroppedAfterItsAttempts() async throws {
        let dsn = try DSN("http://publickey@127.0.0.1:\(TestPorts.refusing)/1")
        var configuration = Self.unreachable
        configuration.maxNetworkErrorAttempts = 3
        let transport = HTTPTransport(options: Self.options(dsn), discards: DiscardCounter(), configuration: configuration)
        try await Self.running(transport) {
            for index in 0..<2 { transport.enqueue(Self.event("stuck \(index)", dsn: dsn)) }
            #expect(await eventually { transport.discards.totals[.init(reason: .networkError, category: "error")] == 2 })
            #expect(transport.statistics.queued == 0)
            #expect(transport.statistics.failedAttempts == 6, "three attempts each")
        }
    }

    /// A spooled envelope keeps its age across restarts; one older than the maximum is dropped, not sent a day late.
    @Test func anEnvelopeOlderThanTheMaximumAgeIsDroppedNotSent() async throws {
        let server = try await ScriptedSentryServer()
        defer { Task { await server.stop() } }
        let spool = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: spool) }
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        // Written two days ago by an earlier run (the name carries the time it was written).
        let twoDaysAgo = UInt64((Date().timeIntervalSince1970 - 2 * 86_400) * 1_000_000_000)
        let stale = Self.event("from two days ago", dsn: server.dsn)
        try Data(stale.serialized()).write(to: spool.appendingPathComponent(String(format: "%020llu-000001.envelope", twoDaysAgo)))
        let transport = HTTPTransport(options: Self.options(server.dsn, spool: spool), discards: DiscardCounter(), configuration: Self.fast)
        let fresh = Self.event("from now", dsn: server.dsn)
        try await Self.running(transport) {
            transport.enqueue(fresh)
            #expect(await eventually { server.received.count == 1 })
            #expect(await transport.flush(timeout: .seconds(5)))
        }
        // (The drop itself reaches Sentry too, as a client report in an envelope of its own, without an event id.)
        #expect(server.received.compactMap(\.envelope.eventID) == [fresh.eventID])
        #expect(transport.discards.totals[.init(reason: .networkError, category: "error")] == 1)
        #expect(Self.spooledFiles(spool).isEmpty)
    }

    /// A spool that cannot be written (disk full, folder gone) keeps envelopes in memory, within the same bound as
    /// without a spool: the oldest are dropped and counted, memory stays flat.
    @Test func anUnwritableSpoolKeepsMemoryBounded() async throws {
        let dsn = try DSN("http://publickey@127.0.0.1:\(TestPorts.refusing)/1")
        let spool = Self.temporaryDirectory()
        let transport = HTTPTransport(options: Self.options(dsn, spool: spool, queueSize: 5), discards: DiscardCounter(), configuration: Self.unreachable)
        try await Self.running(transport) {
            #expect(await eventually { FileManager.default.fileExists(atPath: spool.path) })
            try FileManager.default.removeItem(at: spool)  // every write fails from now on
            for index in 0..<20 {
                transport.enqueue(Self.event("kept in memory \(index)", dsn: dsn))
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(await eventually { transport.statistics.queued <= 6 })
            let dropped = transport.discards.totals[.init(reason: .queueOverflow, category: "error")] ?? 0
            #expect(dropped + transport.statistics.queued == 20, "every envelope kept or counted")
        }
    }

    @Test func withoutASpoolWhatIsLeftAtShutdownIsCountedAsLost() async throws {
        let dsn = try DSN("http://publickey@127.0.0.1:\(TestPorts.refusing)/1")
        let transport = HTTPTransport(options: Self.options(dsn), discards: DiscardCounter(), configuration: Self.unreachable)
        try await Self.running(transport) {
            for index in 0..<3 { transport.enqueue(Self.event("z\(index)", dsn: dsn)) }
            #expect(await eventually { transport.statistics.failedAttempts >= 1 })
        }
        #expect(transport.discards.totals == [.init(reason: .networkError, category: "error"): 3])
        #expect(transport.statistics.queued == 0)
    }
}

@Suite struct RateLimitsTests {
    let now = ContinuousClock.now

    @Test func perCategoryLimitsWithFloatSecondsExpire() {
        var limits = RateLimits()
        limits.update(status: 200, rateLimits: "2.5:error;transaction:key, 60:attachment:organization:quota", retryAfter: nil, now: now)
        #expect(limits.isLimited("error", now: now.advanced(by: .seconds(2))))
        #expect(!limits.isLimited("error", now: now.advanced(by: .seconds(2.6))))
        #expect(limits.isLimited("attachment", now: now.advanced(by: .seconds(59))))
        #expect(!limits.isLimited("session", now: now))
        #expect(!limits.isLimited("internal", now: now), "a limit on other categories leaves client reports alone")
        limits.update(status: 429, rateLimits: "5::organization", retryAfter: nil, now: now)
        #expect(limits.isLimited("internal", now: now), "a limit on every category holds them too")
    }

    @Test func theLongestLimitWins() {
        var limits = RateLimits()
        limits.update(status: 429, rateLimits: "10:error:key", retryAfter: nil, now: now)
        limits.update(status: 429, rateLimits: "1:error:key", retryAfter: nil, now: now)
        #expect(limits.isLimited("error", now: now.advanced(by: .seconds(9))))
    }

    @Test func retryAfterAndTheDefaultApplyOnlyTo429() {
        var limits = RateLimits()
        limits.update(status: 503, rateLimits: nil, retryAfter: "120", now: now)
        #expect(!limits.isLimited("error", now: now))
        limits.update(status: 429, rateLimits: nil, retryAfter: "120", now: now)
        #expect(limits.isLimited("transaction", now: now.advanced(by: .seconds(119))))
        var fallback = RateLimits()
        fallback.update(status: 429, rateLimits: nil, retryAfter: nil, now: now)
        #expect(fallback.isLimited("error", now: now.advanced(by: .seconds(59))))
        #expect(!fallback.isLimited("error", now: now.advanced(by: .seconds(61))))
    }

    /// `Duration.seconds(1e30)` traps: a hostile or broken header must neither crash the process nor mute it for ever.
    @Test func hugeLimitsAreClampedToADay() {
        var limits = RateLimits()
        limits.update(status: 429, rateLimits: "1e30::org, 1e308:error:key", retryAfter: nil, now: now)
        #expect(limits.isLimited("transaction", now: now.advanced(by: .seconds(86_399))))
        #expect(!limits.isLimited("transaction", now: now.advanced(by: .seconds(86_401))))
        #expect(!limits.isLimited("error", now: now.advanced(by: .seconds(86_401))))
        var retry = RateLimits()
        retry.update(status: 429, rateLimits: nil, retryAfter: "1e30", now: now)
        #expect(retry.isLimited("error", now: now.advanced(by: .seconds(86_399))))
        #expect(!retry.isLimited("error", now: now.advanced(by: .seconds(86_401))))
    }
}

/// `flush(timeout:)` waits for the drain itself, not for a poll, and gives up at its timeout on the transport's clock.
@Suite struct HTTPTransportFlushTests {
    @Test func aFlushReturnsWhenTheQueueIsDrainedNotWhenItsTimeoutEnds() async throws {
        let server = try await ScriptedSentryServer()
        defer { Task { await server.stop() } }
        // Nobody moves this clock: a flush that waited for its timeout would never return.
        let clock = ManualClock()
        let transport = HTTPTransport(
            options: HTTPTransportTests.options(server.dsn), discards: DiscardCounter(), configuration: HTTPTransportTests.fast, clock: clock
        )
        try await HTTPTransportTests.running(transport) {
            for index in 0..<3 { transport.enqueue(HTTPTransportTests.event("event \(index)", dsn: server.dsn)) }
            #expect(await transport.flush(timeout: .seconds(3600)))
            #expect(server.items("event").count == 3)
            #expect(await transport.flush(timeout: .seconds(3600)), "an empty queue is flushed at once")
        }
    }

    @Test func aFlushGivesUpAtItsTimeout() async throws {
        let server = try await ScriptedSentryServer(script: [.hang])
        defer { Task { await server.stop() } }
        let clock = ManualClock()
        var configuration = HTTPTransportTests.fast
        configuration.requestTimeout = .seconds(30)  // the real request stays in flight while the clock moves
        let transport = HTTPTransport(
            options: HTTPTransportTests.options(server.dsn), discards: DiscardCounter(), configuration: configuration, clock: clock
        )
        let group = ServiceGroup(configuration: .init(services: [transport], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        transport.enqueue(HTTPTransportTests.event("stuck", dsn: server.dsn))
        let flushed = Task { await transport.flush(timeout: .seconds(5)) }
        #expect(await eventually { server.requests == 1 })
        clock.advance(by: .seconds(5))
        #expect(await flushed.value == false)
        #expect(transport.statistics.queued == 1)
        // The shutdown deadline is on the same clock: move it until the transport has given up.
        await group.triggerGracefulShutdown()
        let ticking = Task {
            while !Task.isCancelled {
                clock.advance(by: .milliseconds(100))
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        try await running.value
        ticking.cancel()
    }
}

/// The exporter alone: one POST, the answer as Sentry gave it, no retry and no interpretation.
@Suite struct HTTPEnvelopeExporterTests {
    @Test func itSendsOnceAndReportsTheAnswerAsItIs() async throws {
        let server = try await ScriptedSentryServer(script: [
            .status(429, headers: ["X-Sentry-Rate-Limits": "60:error:organization", "Retry-After": "60"]), .status(200),
        ])
        defer { Task { await server.stop() } }
        let exporter = HTTPEnvelopeExporter(timeout: .seconds(5), compress: true)
        let limited = try await exporter.export(HTTPTransportTests.event("limited", dsn: server.dsn), to: server.dsn, sentAt: Date())
        #expect(limited.status == 429)
        #expect(limited.rateLimits == "60:error:organization")
        #expect(limited.retryAfter == "60")
        #expect(server.requests == 1, "an exporter does not retry")
        let accepted = try await exporter.export(HTTPTransportTests.event("accepted", dsn: server.dsn), to: server.dsn, sentAt: Date())
        #expect(accepted == .init(status: 200, rateLimits: nil, retryAfter: nil))
        #expect(server.received.first?.gzipped == true)
        #expect(server.received.first?.headers["x-sentry-auth"]?.contains("sentry_key=publickey") == true)
    }

    @Test func aServerThatDoesNotAnswerIsAnErrorNotAnAnswer() async throws {
        let server = try await ScriptedSentryServer(script: [.hang])
        defer { Task { await server.stop() } }
        let exporter = HTTPEnvelopeExporter(timeout: .milliseconds(200))
        await #expect(throws: (any Error).self) {
            try await exporter.export(HTTPTransportTests.event("lost", dsn: server.dsn), to: server.dsn, sentAt: Date())
        }
    }
}
