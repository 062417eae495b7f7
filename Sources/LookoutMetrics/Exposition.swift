/// Reorders swift-prometheus's exposition (whose family order follows dictionary order) into families sorted by name.
/// Lines within a family keep their order, so histogram buckets stay ascending.
enum Exposition {
    static func sortedByFamily(_ bytes: [UInt8]) -> [UInt8] {
        var blocks: [(name: Substring, lines: [Substring])] = []
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let name = line.dropFirst(7).prefix { $0 != " " }
                if blocks.last?.name != name { blocks.append((name, [])) }
            } else if blocks.isEmpty {
                blocks.append(("", []))
            }
            blocks[blocks.count - 1].lines.append(line)
        }
        blocks.sort { $0.name < $1.name }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        for block in blocks {
            for line in block.lines {
                output.append(contentsOf: line.utf8)
                output.append(UInt8(ascii: "\n"))
            }
        }
        return output
    }
}
