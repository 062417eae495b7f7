import Foundation
import LookoutSLA
import LookoutSLAPrometheus

// Prints the SLO recording and alerting rules generated from an SLO file (default deploy/slo.yml):
//   swift run slo-rules > deploy/prometheus/rules/lookout-slo.rules.yml
//   swift run slo-rules path/to/slo.yml
let path = CommandLine.arguments.dropFirst().first ?? "deploy/slo.yml"
do {
    print(SLORules.render(try SLOFile.load(path: path)), terminator: "")
} catch {
    FileHandle.standardError.write(Data("slo-rules: \(error)\n".utf8))
    exit(2)
}
