import Foundation
import Testing

/// A clone has nothing beside it: no file of the project may name a folder outside the repository. (CI runs
/// `./scripts/test.sh` in a clone in an empty temporary folder as well, see `.ci/run`, so a read from outside fails there.)
@Suite struct RepositoryTests {
    static let root = PrometheusRulesTests.root

    /// Folders that are not the project's: version control, build products, the virtualenv and test state.
    static let ignored: Set = [".git", ".build", ".venv", ".test-run", ".stack-local", "data"]

    @Test func noFileNamesAFolderOutsideTheRepository() throws {
        // Spelled in pieces so that this file does not find itself.
        let outside = ["shared", ".library"].map { ".." + "/" + $0 }
        var offenders: [String] = []
        let enumerator = try #require(FileManager.default.enumerator(at: Self.root, includingPropertiesForKeys: [.isDirectoryKey]))
        for case let url as URL in enumerator {
            let name = url.lastPathComponent
            if Self.ignored.contains(name) || name.hasPrefix(".build-") || name.hasPrefix(".build_") {
                enumerator.skipDescendants()
                continue
            }
            guard (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == false,
                let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8)
            else { continue }
            for path in outside where text.contains(path) {
                offenders.append("\(url.path.dropFirst(Self.root.path.count + 1)) names \(path)")
            }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }

    /// The vendored Grafana schema carries its licence and origin.
    @Test func theVendoredSchemaSaysWhereItCameFrom() throws {
        let folder = Self.root.appendingPathComponent("deploy/grafana/schema")
        let readme = try String(contentsOf: folder.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("grafana/grafana-foundation-sdk") && readme.contains("Apache"))
        let licence = try String(contentsOf: folder.appendingPathComponent("LICENSE"), encoding: .utf8)
        #expect(licence.contains("Apache License"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("dashboard.json").path))
    }
}
