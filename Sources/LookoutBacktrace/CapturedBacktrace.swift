#if canImport(Runtime)
import Runtime
#endif
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The call stack at one moment, as raw return addresses: cheap to take (a few microseconds, no symbol lookup), and
/// turned into function names, files and lines only later, off the caller's path, by ``symbolicated()``.
///
/// Uses the Swift runtime's `Backtrace` (SE-0419). Release builds unwind by frame pointers, so optimised async code may
/// show fewer callers than a debug build; names, files and lines need the binary's symbols (debug info for lines).
public struct CapturedBacktrace: Sendable, Equatable, CustomStringConvertible {
    enum Storage: Sendable {
        #if canImport(Runtime)
        /// Taken in this process: raw addresses, symbolicated on demand.
        case live(Backtrace, ImageMap)
        #endif
        /// Read from elsewhere (a crash log), already symbolicated.
        case resolved([BacktraceFrame], [BacktraceImage])
    }

    let storage: Storage
    /// The thread that took it (`pthread_self`).
    public var threadID: Int = Self.currentThreadID()

    #if canImport(Runtime)
    init(backtrace: Backtrace, images: ImageMap) {
        storage = .live(backtrace, images)
    }
    #endif

    /// A stack symbolicated elsewhere, such as the crashed thread of a crash log: `frames` innermost first.
    public init(frames: [BacktraceFrame], images: [BacktraceImage], threadID: Int = 0) {
        storage = .resolved(frames, images)
        self.threadID = threadID
    }

    /// No stack at all: set on an event, it keeps the capture's own stack off (a crash reported at the next start).
    public static let none = CapturedBacktrace(frames: [], images: [])

    /// The stack of the caller of `here`, or nil where backtraces are not available, or before ``prepare()`` (nothing
    /// in the process reports errors, so an error made now costs no capture).
    ///
    /// `skipping` drops that many more frames from the top (a helper that captures on its caller's behalf skips itself).
    @inline(never)
    public static func here(skipping: Int = 0) -> CapturedBacktrace? {
        guard capturing.load(ordering: .relaxed) else { return nil }
        #if canImport(Runtime)
        let images = ImageCache.shared.current
        // Offset 1 drops this function's own frame.
        guard let backtrace = try? Backtrace.capture(algorithm: .fast, limit: 64, offset: 1 + skipping, top: 16, images: images) else {
            return nil
        }
        return CapturedBacktrace(backtrace: backtrace, images: images)
        #else
        return nil
        #endif
    }

    /// Turns capturing on, for the whole process: called by whatever will send stacks (an enabled Sentry client).
    /// Until then ``here()`` takes nothing, so that errors cost a few microseconds less where nobody reports them.
    /// Also loads the images of this process ahead of the first capture (about half a millisecond, once), so that the
    /// first error of a process costs no more than the next.
    public static func prepare() {
        #if canImport(Runtime)
        _ = ImageCache.shared.current
        #endif
        capturing.store(true, ordering: .relaxed)
    }

    private static let capturing = Atomic<Bool>(false)

    /// Frames innermost first, with names and modules from the symbol tables, and the images (executable and shared
    /// libraries) the frames are in. Tens of microseconds once an image's symbols are loaded (the first call reads them).
    ///
    /// `sourceLocations` adds files, lines and inlined frames from the DWARF debug info: measured at 0.6–0.8 s per
    /// backtrace in a 170 MB debug build on this project's 2-core machine, so off by default; a symbol server with
    /// the uploaded debug files gives the same from the addresses and images. Call it off the request path either way.
    public func symbolicated(sourceLocations: Bool = false) -> (frames: [BacktraceFrame], images: [BacktraceImage]) {
        switch storage {
        case .resolved(let frames, let images): return (frames, images)
        #if canImport(Runtime)
        case .live(let backtrace, let images):
            // An error storm repeats the same few stacks: each is looked up once (about 0.4 ms in a release build).
            let key = SymbolCache.Key(addresses: backtrace.frames.map { $0.originalProgramCounter }, sourceLocations: sourceLocations)
            if let known = SymbolCache.shared.value(for: key) { return known }
            let result = Self.symbolicate(backtrace, images: images, sourceLocations: sourceLocations)
            SymbolCache.shared.store(result, for: key)
            return result
        #endif
        }
    }

    #if canImport(Runtime)
    private static func symbolicate(_ backtrace: Backtrace, images: ImageMap, sourceLocations: Bool) -> ([BacktraceFrame], [BacktraceImage]) {
        let options: Backtrace.SymbolicationOptions = sourceLocations ? .default : [.useSymbolCache]
        guard let symbolicated = backtrace.symbolicated(with: images, options: options) else {
            return ([], [])
        }
        var frames: [BacktraceFrame] = []
        for frame in symbolicated.frames {
            let address: UInt64
            switch frame.captured {
            case .programCounter(let pc), .returnAddress(let pc), .asyncResumePoint(let pc):
                address = UInt64(pc) ?? 0
            case .omittedFrames, .truncated:
                continue
            @unknown default:
                continue
            }
            let symbol = frame.symbol
            frames.append(BacktraceFrame(
                address: address, function: symbol?.name, rawName: symbol?.rawName, module: symbol.flatMap { Self.module(ofSymbol: $0.rawName) },
                imageIndex: symbol?.imageIndex, file: symbol?.sourceLocation?.path, line: symbol?.sourceLocation?.line,
                column: symbol?.sourceLocation?.column, isSystem: frame.isSystem || frame.isSwiftThunk, isInlined: frame.inlined
            ))
        }
        let imageList = images.map { image in
            BacktraceImage(
                path: image.path, name: image.name, buildID: image.uniqueID, baseAddress: UInt64(image.baseAddress) ?? 0,
                endOfText: UInt64(image.endOfText) ?? 0
            )
        }
        return (frames, imageList)
    }
    #endif

    static func currentThreadID() -> Int {
        #if canImport(Glibc)
        Int(bitPattern: pthread_self())
        #else
        0
        #endif
    }

    /// A backtrace is where an error was made, not what it is: two errors that differ only in it are equal.
    public static func == (lhs: CapturedBacktrace, rhs: CapturedBacktrace) -> Bool { true }

    public var description: String {
        switch storage {
        #if canImport(Runtime)
        case .live(let backtrace, _): backtrace.description
        #endif
        case .resolved(let frames, _): frames.map { $0.function ?? "0x" + String($0.address, radix: 16) }.joined(separator: "\n")
        }
    }

    /// The Swift module a mangled symbol belongs to (`$s13LookoutSentry…` → `LookoutSentry`; standard library
    /// substitutions → `Swift`), or nil for C and C++ symbols.
    public static func module(ofSymbol mangled: String) -> String? {
        var rest = Substring(mangled)
        guard let prefix = ["$s", "_$s", "$S", "_T0"].first(where: { rest.hasPrefix($0) }) else { return nil }
        rest = rest.dropFirst(prefix.count)
        guard let first = rest.first else { return nil }
        if first == "S" { return "Swift" }
        if first == "s" { return "Swift" }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard let length = Int(digits), length > 0, !digits.hasPrefix("0") else { return nil }
        let name = rest.dropFirst(digits.count).prefix(length)
        return name.count == length ? String(name) : nil
    }
}

/// One frame of a symbolicated backtrace.
public struct BacktraceFrame: Sendable, Equatable {
    /// The return address or program counter.
    public var address: UInt64
    /// Demangled name, e.g. `PaymentService.charge(_:)`.
    public var function: String?
    /// Mangled name as in the binary's symbol table.
    public var rawName: String?
    /// The Swift module, read from the mangled name.
    public var module: String?
    /// Index into the images returned with the frames.
    public var imageIndex: Int?
    public var file: String?
    public var line: Int?
    public var column: Int?
    /// The runtime's own frames and compiler-made thunks.
    public var isSystem: Bool
    /// A function inlined into the frame below it (same address).
    public var isInlined: Bool

    public init(
        address: UInt64, function: String? = nil, rawName: String? = nil, module: String? = nil, imageIndex: Int? = nil, file: String? = nil,
        line: Int? = nil, column: Int? = nil, isSystem: Bool = false, isInlined: Bool = false
    ) {
        self.address = address
        self.function = function
        self.rawName = rawName
        self.module = module
        self.imageIndex = imageIndex
        self.file = file
        self.line = line
        self.column = column
        self.isSystem = isSystem
        self.isInlined = isInlined
    }
}

/// An executable or shared library loaded in the process.
public struct BacktraceImage: Sendable, Equatable {
    public var path: String?
    public var name: String?
    /// The ELF build id (GNU note), which symbol servers index debug files by.
    public var buildID: [UInt8]?
    public var baseAddress: UInt64
    public var endOfText: UInt64

    public init(path: String?, name: String?, buildID: [UInt8]?, baseAddress: UInt64, endOfText: UInt64) {
        self.path = path
        self.name = name
        self.buildID = buildID
        self.baseAddress = baseAddress
        self.endOfText = endOfText
    }
}

/// An error that records where it was made, so that error reports show the code that failed rather than the code that
/// caught it. Conform by adding a stored property: `public var backtrace = CapturedBacktrace.here()`.
public protocol BacktraceCarrying: Error {
    var backtrace: CapturedBacktrace? { get }
}

#if canImport(Runtime)
/// The process's images, read once: libraries loaded later (`dlopen`) are rare in a server, and a frame in one is still
/// reported with its address.
final class ImageCache: Sendable {
    static let shared = ImageCache()
    private let images = Mutex<ImageMap?>(nil)

    var current: ImageMap {
        images.withLock { images in
            if let images { return images }
            let captured = ImageMap.capture()
            images = captured
            return captured
        }
    }
}
#endif

#if canImport(Runtime)
/// Symbolicated stacks by their addresses, bounded: when full, it starts over.
final class SymbolCache: Sendable {
    struct Key: Hashable, Sendable {
        var addresses: [Backtrace.Address]
        var sourceLocations: Bool
    }

    static let shared = SymbolCache(capacity: 256)
    private let capacity: Int
    private let entries = Mutex<[Key: ([BacktraceFrame], [BacktraceImage])]>([:])

    init(capacity: Int) { self.capacity = capacity }

    func value(for key: Key) -> ([BacktraceFrame], [BacktraceImage])? { entries.withLock { $0[key] } }

    func store(_ value: ([BacktraceFrame], [BacktraceImage]), for key: Key) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
    }
}
#endif
