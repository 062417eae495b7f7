/// The text exposition reordered so that families come sorted by name, each with its `# HELP`/`# TYPE` lines and
/// samples as swift-prometheus wrote them: scrapes and diffs are stable.
///
/// Works on the bytes: a family's lines are contiguous, so this finds where each family starts, sorts the families by
/// name and copies their byte ranges. (Splitting the text into `Substring` lines walked it by grapheme clusters and
/// took 30 ms for 10 000 series; see BENCHMARKS.md.)
enum Exposition {
    static func sortedByFamily(_ bytes: [UInt8]) -> [UInt8] {
        var families: [(name: ArraySlice<UInt8>, start: Int)] = []
        var lineStart = 0
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            if let name = familyName(bytes[lineStart..<lineEnd]) {
                if families.last.map({ $0.name.elementsEqual(name) }) != true { families.append((name, lineStart)) }
            } else if families.isEmpty {
                families.append(([], lineStart))
            }
            lineStart = lineEnd + 1
        }
        var ranges: [(name: ArraySlice<UInt8>, range: Range<Int>)] = []
        for (index, family) in families.enumerated() {
            let end = index + 1 < families.count ? families[index + 1].start : bytes.count
            ranges.append((family.name, family.start..<end))
        }
        ranges.sort { $0.name.lexicographicallyPrecedes($1.name) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 1)
        for entry in ranges {
            output += bytes[entry.range]
            if output.last != UInt8(ascii: "\n") { output.append(UInt8(ascii: "\n")) }
        }
        return output
    }

    /// The family a `# HELP name …` or `# TYPE name …` line introduces; nil for any other line.
    private static let help = Array("# HELP ".utf8)
    private static let type = Array("# TYPE ".utf8)

    private static func familyName(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard line.starts(with: help) || line.starts(with: type) else { return nil }
        let rest = line.dropFirst(7)
        return rest.prefix { $0 != UInt8(ascii: " ") }
    }
}
