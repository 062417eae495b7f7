import Foundation
import Logging
import LookoutBacktrace

/// Crashes (a trap, a fatal error, a bad memory access) reported to Sentry at the next start.
///
/// A crashing process can send nothing. Swift's own backtracer can write what it saw: run the service with
/// `SWIFT_BACKTRACE=enable=yes,format=json,output-to=<folder>,interactive=no` and it writes one JSON crash log per crash
/// into that folder (the crashed thread's frames with symbols, the images with their build ids). At start,
/// ``sendPending(client:logger:)`` turns each log into a fatal, unhandled event, hands it to the client (and so to the
/// transport, its spool and its retries), and deletes it. One setting, the backtracer's own, says where both look.
public struct CrashReports: Sendable {
    /// The folder the backtracer writes JSON crash logs to.
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The folder `SWIFT_BACKTRACE` sends JSON crash logs to, or nil when it sends none there: backtracing off, text
    /// format, or output to standard output or error.
    public init?(swiftBacktrace value: String?) {
        guard let value, !value.isEmpty else { return nil }
        var settings: [String: String] = [:]
        for pair in value.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { settings[parts[0].lowercased()] = parts[1] }
        }
        guard !["no", "false", "0", "off"].contains(settings["enable"]?.lowercased() ?? "yes"),
            settings["format"]?.lowercased() == "json", let output = settings["output-to"], !output.isEmpty,
            !["stdout", "stderr", "-"].contains(output.lowercased())
        else { return nil }
        self.directory = output
    }

    /// Creates the folder (0700) so that the backtracer can write into it, then sends and deletes every crash log in it.
    /// A log that cannot be read is renamed `*.unreadable` (kept for a person, never sent twice). Returns the event ids.
    ///
    /// Several processes may share the folder (replicas on one volume): each log is first claimed by renaming it to
    /// `*.claimed`, which only one of them can do. A claim older than `staleClaim` (its process died while sending) is
    /// taken over.
    @discardableResult
    public func sendPending(client: SentryClient, logger: Logger, now: Date = Date(), staleClaim: TimeInterval = 600) -> [String] {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            logger.warning("cannot create the crash log folder of SWIFT_BACKTRACE", metadata: ["folder": .string(directory), "error": .string("\(error)")])
            return []
        }
        guard client.options.isEnabled else { return [] }
        let names = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
        let stale = names.filter { name in
            guard name.hasSuffix(".json.claimed") else { return false }
            let modified = (try? manager.attributesOfItem(atPath: (directory as NSString).appendingPathComponent(name)))?[.modificationDate] as? Date
            return modified.map { now.timeIntervalSince($0) > staleClaim } ?? false
        }
        var sent: [String] = []
        for name in (names.filter { $0.hasSuffix(".json") } + stale).sorted() {
            let file = name.hasSuffix(".claimed") ? String(name.dropLast(".claimed".count)) : name
            let original = (directory as NSString).appendingPathComponent(name)
            let claimed = (directory as NSString).appendingPathComponent(file + ".claimed")
            // rename(2) is atomic: of two processes claiming one log, one succeeds.
            guard rename(original, claimed) == 0 else { continue }
            // Touched, so that a live claim is never taken for a stale one.
            try? manager.setAttributes([.modificationDate: now], ofItemAtPath: claimed)
            guard let data = manager.contents(atPath: claimed), let report = try? JSONDecoder().decode(CrashLog.self, from: data) else {
                logger.warning("a crash log cannot be read; kept as .unreadable", metadata: ["file": .string(file)])
                try? manager.moveItem(atPath: claimed, toPath: (directory as NSString).appendingPathComponent(file + ".unreadable"))
                continue
            }
            let event = report.event(file: file)
            if let id = client.capture(event: event) { sent.append(id) }
            // Release health: the request or job the process was running when it died, at the minute it died.
            client.recordSession(.crashed, at: event.timestamp)
            logger.notice("crash of an earlier run reported to Sentry", metadata: ["file": .string(file), "crash": .string(report.description)])
            try? manager.removeItem(atPath: claimed)
        }
        return sent
    }
}

/// The backtracer's JSON crash log (`format=json`): the fields Lookout reads.
struct CrashLog: Decodable {
    struct Thread: Decodable {
        var name: String?
        var crashed: Bool?
        var frames: [Frame]
    }

    struct Frame: Decodable {
        struct Location: Decodable {
            var file: String
            var line: Int
            var column: Int?
        }

        var kind: String
        var address: String?
        var symbol: String?
        var description: String?
        var image: String?
        var sourceLocation: Location?
    }

    struct Image: Decodable {
        var name: String?
        var buildId: String?
        var path: String?
        var baseAddress: String
        var endOfText: String
    }

    var timestamp: String?
    var description: String
    var threads: [Thread]
    var images: [Image]?

    /// The signal the description names (the backtracer writes strsignal's text).
    var signal: String {
        let names = [
            "Illegal instruction": "SIGILL", "Segmentation fault": "SIGSEGV", "Bus error": "SIGBUS", "Aborted": "SIGABRT",
            "Trace/breakpoint trap": "SIGTRAP", "Floating point exception": "SIGFPE", "Arithmetic exception": "SIGFPE",
        ]
        return names[description] ?? description
    }

    /// A fatal, unhandled event: the crashed thread's frames in the exception, the images in `debug_meta`, the crash's
    /// time, and no stack of the process that reports it.
    func event(file: String) -> SentryEvent {
        let imageList = (images ?? []).map { image in
            BacktraceImage(
                path: image.path, name: image.name, buildID: image.buildId.flatMap(Self.bytes(hex:)),
                baseAddress: Self.address(image.baseAddress) ?? 0, endOfText: Self.address(image.endOfText) ?? 0
            )
        }
        let crashed = threads.first { $0.crashed == true } ?? threads.first
        let frames: [BacktraceFrame] = (crashed?.frames ?? []).compactMap { frame in
            guard ["programCounter", "returnAddress", "asyncResumePoint"].contains(frame.kind), let address = frame.address.flatMap(Self.address) else {
                return nil
            }
            // "trapHere(_:) + 108": the demangled name before the offset.
            let function = frame.description.map { description in
                description.range(of: " + ", options: .backwards).map { String(description[..<$0.lowerBound]) } ?? description
            }
            return BacktraceFrame(
                address: address, function: function, rawName: frame.symbol, module: frame.symbol.flatMap(CapturedBacktrace.module(ofSymbol:)),
                imageIndex: imageList.firstIndex { $0.name == frame.image }, file: frame.sourceLocation?.file, line: frame.sourceLocation?.line,
                column: frame.sourceLocation?.column
            )
        }
        let stack = CapturedBacktrace(frames: frames, images: imageList)
        // The first frame that is not the runtime's own failure machinery names where it happened.
        let place = frames.first { frame in
            guard let module = frame.module else { return false }
            return module != "Swift" && !module.hasPrefix("_")
        }?.function
        var event = SentryEvent(
            timestamp: timestamp.flatMap { try? Date($0, strategy: .iso8601) } ?? Date(), level: .fatal,
            exceptions: [SentryException(
                type: signal, value: place.map { "\(description) in \($0)" } ?? description, mechanismType: "signal", handled: false, backtrace: stack
            )],
            tags: ["crash_report": "swift-backtrace"], extra: ["crash_log": .string(file)]
        )
        event.backtrace = CapturedBacktrace.none
        return event
    }

    static func address(_ text: String) -> UInt64? {
        UInt64(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16)
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
