import Foundation

/// The default generator: a real artifact derived deterministically from the prompt, with a latency and a failure rate
/// drawn at random so that dashboards and alerts have something true to show.
///
/// - `image`: an SVG picture whose colours and shapes come from the prompt's SHA-256.
/// - `text`: a short deterministic text built from the prompt.
/// Latency is `minimumLatency + (maximumLatency − minimumLatency) · u²` for uniform `u`: most runs are quick, a few slow.
public struct SyntheticGenerator: Generator {
    public struct Configuration: Sendable {
        /// Default: 200 ms.
        public var minimumLatency: Duration = .milliseconds(200)
        /// Default: 2 s.
        public var maximumLatency: Duration = .seconds(2)
        /// Share of runs that fail with a transient error, 0…1. Default: 0.02.
        public var failureRate: Double = 0.02

        public init(minimumLatency: Duration = .milliseconds(200), maximumLatency: Duration = .seconds(2), failureRate: Double = 0.02) {
            self.minimumLatency = minimumLatency
            self.maximumLatency = maximumLatency
            self.failureRate = failureRate
        }
    }

    public let configuration: Configuration
    private let clock: any Clock<Duration>

    public init(configuration: Configuration = .init(), clock: any Clock<Duration> = ContinuousClock()) {
        self.configuration = configuration
        self.clock = clock
    }

    public func generate(kind: GenerationKind, prompt: String) async throws -> GenerationResult {
        let spread = configuration.maximumLatency - configuration.minimumLatency
        let u = Double.random(in: 0..<1)
        let latency = configuration.minimumLatency + .seconds(spread.timeInterval * u * u)
        if latency > .zero { try await clock.sleep(for: latency) }
        if configuration.failureRate > 0, Double.random(in: 0..<1) < configuration.failureRate {
            throw GeneratorError(reason: "synthetic generator failure (failure rate \(configuration.failureRate))")
        }
        return Self.render(kind: kind, prompt: prompt)
    }

    /// The artifact for a prompt: the same prompt always gives the same bytes.
    public static func render(kind: GenerationKind, prompt: String) -> GenerationResult {
        let digest = SecureBytes.sha256(Array(prompt.utf8))
        switch kind {
        case .image: return GenerationResult(contentType: "image/svg+xml", content: svg(digest: digest, prompt: prompt))
        case .text: return GenerationResult(contentType: "text/plain; charset=utf-8", content: text(digest: digest, prompt: prompt))
        }
    }

    private static func svg(digest: [UInt8], prompt: String) -> String {
        func colour(_ offset: Int) -> String {
            String(format: "#%02x%02x%02x", digest[offset], digest[offset + 1], digest[offset + 2])
        }
        var shapes = ""
        for index in 0..<6 {
            let byte = Int(digest[6 + index * 4])
            let x = Int(digest[7 + index * 4]) * 256 / 255
            let y = Int(digest[8 + index * 4]) * 256 / 255
            let size = 16 + Int(digest[9 + index * 4]) % 80
            let fill = colour((index * 3) % 29)
            if byte % 2 == 0 {
                shapes += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"\(size / 2)\" fill=\"\(fill)\" fill-opacity=\"0.8\"/>"
            } else {
                shapes += "<rect x=\"\(x - size / 2)\" y=\"\(y - size / 2)\" width=\"\(size)\" height=\"\(size)\" fill=\"\(fill)\" fill-opacity=\"0.8\"/>"
            }
        }
        // The picture's title is the prompt's beginning, not the whole prompt: the artifact stays small whatever was asked.
        let shown = prompt.count > titleLength ? prompt.prefix(titleLength) + "…" : Substring(prompt)
        let title = shown.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">\
            <title>\(title)</title><rect width="256" height="256" fill="\(colour(0))"/>\(shapes)</svg>
            """
    }

    /// Characters of the prompt an SVG's `<title>` keeps.
    static let titleLength = 100

    private static let moods = ["quiet", "bright", "restless", "golden", "distant", "gentle", "electric", "patient"]
    private static let scenes = ["harbour", "forest", "city", "desert", "orchard", "station", "library", "valley"]

    private static func text(digest: [UInt8], prompt: String) -> String {
        let words = prompt.split(whereSeparator: { $0.isWhitespace || $0.isPunctuation }).prefix(5).joined(separator: " ")
        let mood = moods[Int(digest[0]) % moods.count]
        let scene = scenes[Int(digest[1]) % scenes.count]
        return "A \(mood) \(scene), where \(words.isEmpty ? "nothing" : words) waits for morning."
    }
}
