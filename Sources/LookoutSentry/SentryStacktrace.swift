import Foundation
import LookoutBacktrace

/// How stack frames are reported: which are the application's own (`in_app`), by Swift module name prefix (Sentry
/// groups issues and folds the stack on these frames), and whether they carry files and lines.
///
/// SwiftPM links every package into the executable, so the image cannot tell the app from its dependencies; the module
/// in each frame's mangled name can. A frame is in-app when its module matches ``include``, or else when it matches no
/// prefix of ``exclude`` and is not the runtime's own.
public struct InAppRule: Sendable, Equatable {
    /// Module name prefixes that are always in-app. `SENTRY_IN_APP_INCLUDE` (comma-separated), default none.
    public var include: [String]
    /// Module name prefixes that are never in-app. `SENTRY_IN_APP_EXCLUDE` (comma-separated) adds to ``defaultExclude``.
    public var exclude: [String]
    /// Add files and lines from the binary's DWARF debug info. `SENTRY_STACKTRACE_SOURCE_LOCATIONS`, default false: it
    /// costs most of a second per event in a large debug build (see `CapturedBacktrace.symbolicated(sourceLocations:)`),
    /// and Sentry adds them itself from uploaded debug files, matched by the images' build ids.
    public var sourceLocations = false

    /// The standard library, Foundation, the server-side Swift packages and Lookout's own libraries.
    public static let defaultExclude = [
        "Swift", "_", "Foundation", "Dispatch", "Glibc", "Musl", "NIO", "Hummingbird", "HTTPTypes", "AsyncHTTPClient", "Logging",
        "CoreMetrics", "Metrics", "Prometheus", "Tracing", "Instrumentation", "ServiceContext", "ServiceLifecycle", "UnixSignals",
        "AsyncAlgorithms", "Algorithms", "DequeModule", "InternalCollections", "Atomics", "Crypto", "_Crypto", "GRDB", "CompressNIO",
        "Testing", "XCTest", "Lookout",
    ]

    public init(include: [String] = [], exclude: [String] = InAppRule.defaultExclude) {
        self.include = include
        self.exclude = exclude
    }

    public func isInApp(_ frame: BacktraceFrame) -> Bool {
        guard let module = frame.module else { return false }
        if include.contains(where: { module.hasPrefix($0) }) { return true }
        if frame.isSystem { return false }
        return !exclude.contains { module.hasPrefix($0) }
    }
}

/// A captured call stack as Sentry's stack trace interface wants it (develop.sentry.dev/sdk/data-model/event-payloads/stacktrace):
/// frames outermost first, each with its address, function, module and, where the binary has debug info, file and line;
/// with the images they are in for `debug_meta`, so that Sentry can also symbolicate from uploaded debug files.
struct SentryStacktrace {
    var frames: [JSONValue]
    var images: [JSONValue]

    /// Symbolicates `backtrace`. Frames of the capture itself (this SDK, the backtrace helper, the stored property's
    /// initialiser or default argument that took it, the initialisers of `errorType`) are left out at the top.
    init(_ backtrace: CapturedBacktrace, inApp: InAppRule, errorType: String? = nil) {
        let (all, images) = backtrace.symbolicated(sourceLocations: inApp.sourceLocations)
        let framesFromTop = all.drop { frame in
            if let module = frame.module, Self.captureModules.contains(module) { return true }
            guard let function = frame.function else { return false }
            if function.hasPrefix("variable initialization expression of ") || function.hasPrefix("default argument ") { return true }
            return errorType.map { function.hasPrefix("\($0).init(") } ?? false
        }
        var used: [Int: JSONValue] = [:]
        self.frames = framesFromTop.reversed().map { frame in
            var object: [String: JSONValue] = [
                "instruction_addr": .string(Self.hex(frame.address)), "in_app": .bool(inApp.isInApp(frame)),
            ]
            if let function = frame.function { object["function"] = .string(function) }
            if let raw = frame.rawName, raw != frame.function { object["raw_function"] = .string(raw) }
            if let module = frame.module { object["module"] = .string(module) }
            if let file = frame.file, !file.isEmpty, file != "<compiler-generated>", !file.hasSuffix("/<compiler-generated>") {
                object["abs_path"] = .string(file)
                object["filename"] = .string((file as NSString).lastPathComponent)
                if let line = frame.line, line > 0 { object["lineno"] = .int(Int64(line)) }
                if let column = frame.column, column > 0 { object["colno"] = .int(Int64(column)) }
            }
            if let index = frame.imageIndex, images.indices.contains(index) {
                let image = images[index]
                if let path = image.path { object["package"] = .string(path) }
                if used[index] == nil, let debugImage = Self.debugImage(image) { used[index] = debugImage }
            }
            return .object(object)
        }
        self.images = used.sorted { $0.key < $1.key }.map(\.value)
    }

    /// The modules whose frames at the top of a stack are the capture's own.
    static let captureModules: Set<String> = ["LookoutSentry", "LookoutSentryHummingbird", "LookoutBacktrace"]

    var json: JSONValue { ["frames": .array(frames)] }

    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    /// An ELF image for `debug_meta.images`: `code_id` is the build id, `debug_id` its first 16 bytes read as a
    /// little-endian GUID (how Sentry's symbolicator and sentry-cli derive it).
    static func debugImage(_ image: BacktraceImage) -> JSONValue? {
        guard let buildID = image.buildID, !buildID.isEmpty, image.endOfText > image.baseAddress else { return nil }
        var object: [String: JSONValue] = [
            "type": "elf", "code_id": .string(hexDigits(buildID)), "debug_id": .string(debugID(buildID)),
            "image_addr": .string(hex(image.baseAddress)), "image_size": .int(Int64(image.endOfText - image.baseAddress)),
        ]
        if let path = image.path { object["code_file"] = .string(path) }
        #if arch(x86_64)
        object["arch"] = "x86_64"
        #elseif arch(arm64)
        object["arch"] = "arm64"
        #endif
        return .object(object)
    }

    /// Lowercase hex, two digits a byte (`String(format:)` costs about a microsecond a call on Linux).
    static func hexDigits(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var characters: [UInt8] = []
        characters.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    static func debugID(_ buildID: [UInt8]) -> String {
        var bytes = Array(buildID.prefix(16))
        bytes += Array(repeating: 0, count: 16 - bytes.count)
        bytes[0..<4].reverse()
        bytes[4..<6].reverse()
        bytes[6..<8].reverse()
        let hex = hexDigits(bytes)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}
