/// How often one client may do something: ``requests`` per ``period``, at most ``requests`` at once (the burst), then
/// one more every `period / requests`.
///
/// Written `N/PERIOD` in configuration: `30/1m`, `5/10s`, `1000/1h`; `off` for no limit.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    /// Requests allowed per ``period``, and the largest burst.
    public var requests: Int
    public var period: Duration

    public init(requests: Int, per period: Duration) {
        precondition(requests > 0 && period > .zero, "a rate limit allows at least one request per positive period")
        self.requests = requests
        self.period = period
    }

    /// Parses `N/PERIOD` where PERIOD is a number followed by `s`, `m` or `h` (`30/1m`); nil for anything else,
    /// including a zero count or period.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let requests = Int(parts[0]), requests > 0, requests <= 1_000_000,
            let unit = parts[1].last, let amount = Int(parts[1].dropLast()), amount > 0, amount <= 1_000_000
        else { return nil }
        let seconds: Int
        switch unit {
        case "s": seconds = amount
        case "m": seconds = amount * 60
        case "h": seconds = amount * 3600
        default: return nil
        }
        self.init(requests: requests, per: .seconds(seconds))
    }

    /// Time between two requests once the burst is spent.
    public var interval: Duration { period / requests }

    public var description: String {
        let seconds = period.components.seconds
        let unit = seconds % 3600 == 0 ? "\(seconds / 3600)h" : seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds)s"
        return "\(requests)/\(unit)"
    }
}
