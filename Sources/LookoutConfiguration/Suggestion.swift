/// "Did you mean" for a misspelt name.
public enum Suggestion {
    /// The candidate closest to `name`, if it is within `distance` edits.
    public static func closest(to name: String, among candidates: some Sequence<String>, within distance: Int = 3) -> String? {
        let best = candidates.min { editDistance($0, name) < editDistance($1, name) }
        return best.flatMap { editDistance($0, name) <= distance ? $0 : nil }
    }

    /// Levenshtein distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
