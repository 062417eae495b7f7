import Foundation
import Glibc

/// Ports for the servers tests start. A server is started on port 0 and the port it bound is read back, so two tests
/// can never pick the same port (a port found free and released can be taken by anyone before the server binds it).
public enum TestPorts {
    /// A port on 127.0.0.1 that refuses every connection at once, for as long as the test process runs: a socket is bound
    /// there and never listens, so no other server can take the port. For "Sentry is down" and "the target is gone".
    public static let refusing: Int = {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        precondition(bound, "cannot bind a socket on 127.0.0.1")
        // Deliberately never closed: the port stays reserved, and refusing, until the process exits.
        return Int(UInt16(bigEndian: address.sin_port))
    }()

    /// The TCP ports on which process `pid` listens, read from /proc: how a test learns where a program it started on
    /// port 0 (`--web.listen-address=127.0.0.1:0`) is listening. Empty until the program has bound its socket.
    public static func listening(pid: Int32) -> [Int] {
        let fdFolder = "/proc/\(pid)/fd"
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: fdFolder)) ?? []
        var inodes: Set<String> = []
        for descriptor in descriptors {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdFolder)/\(descriptor)"),
                target.hasPrefix("socket:[")
            else { continue }
            inodes.insert(String(target.dropFirst("socket:[".count).dropLast()))
        }
        var ports: Set<Int> = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let text = (try? String(contentsOfFile: table, encoding: .utf8)) ?? ""
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 9, fields[3] == "0A", inodes.contains(String(fields[9])),
                    let portHex = fields[1].split(separator: ":").last, let port = Int(portHex, radix: 16)
                else { continue }
                ports.insert(port)
            }
        }
        return ports.sorted()
    }
}
