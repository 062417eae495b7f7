// The baseline of `./scripts/bench.sh`: Hummingbird 2 alone, answering `GET /health` as the reference service does
// (the same JSON body) and everything else with the framework's own 404. No middleware, no logging per request, no
// storage: what the framework costs on this machine, measured in the same run as Lookout.
//
//   bare-hummingbird [port]    (default 8080; binds 127.0.0.1)
import Hummingbird
import Logging
import NIOCore

let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 8080
var logger = Logger(label: "bare-hummingbird")
logger.logLevel = .warning

let router = Router()
router.get("/health") { _, _ -> Response in
    var headers = HTTPFields()
    headers[.contentType] = "application/json; charset=utf-8"
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
}

let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
try await app.runService()
