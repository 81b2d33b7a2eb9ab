// Whether a listen address is free, asked before a node touches its data folder: a node that can
// never serve must not first initialize, unseal or rewrite anything.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension ListenAddress {
    /// Throws unless a listener could bind this address now (port 0 is always free). It binds a
    /// socket and closes it at once, so a process that takes the port in between still wins the race;
    /// the node's own bind then fails, as before, but this catches the everyday mistake up front.
    public func checkAvailable() throws(ConfigurationError) {
        guard port != 0 else { return }
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            throw .init("listen address \(self): \(host) is not an IP address")
        }
        defer { freeaddrinfo(list) }
        let descriptor = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw .init("listen address \(self): cannot make a socket") }
        defer { close(descriptor) }
        // As the real listener does (NIO sets SO_REUSEADDR), so that a port in TIME_WAIT counts as free.
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let error = errno
            guard error == EADDRINUSE else {
                throw .init("cannot listen on \(self): \(String(cString: strerror(error)))")
            }
            let holder = Self.listeningProcess(port: port).map { " by PID \($0)" } ?? ""
            throw .init("cannot listen on \(self): the port is already in use\(holder); choose another --listen")
        }
    }

    /// The PID of a process listening on TCP `port`, from /proc (Linux, and only processes whose
    /// descriptors we may read); nil when it cannot tell.
    static func listeningProcess(port: Int) -> Int32? {
        #if os(Linux)
            let hexPort = String(format: ":%04X", port)
            var inodes: Set<String> = []
            for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
                guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
                for line in text.split(separator: "\n").dropFirst() {
                    let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                    // local_address, state 0A (LISTEN), and the socket's inode (field 10).
                    guard fields.count > 9, fields[1].hasSuffix(hexPort), fields[3] == "0A" else { continue }
                    inodes.insert("socket:[\(fields[9])]")
                }
            }
            guard !inodes.isEmpty, let processes = try? FileManager.default.contentsOfDirectory(atPath: "/proc")
            else { return nil }
            for process in processes {
                guard let pid = Int32(process),
                    let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process)/fd")
                else { continue }
                for descriptor in descriptors {
                    let link = try? FileManager.default.destinationOfSymbolicLink(
                        atPath: "/proc/\(process)/fd/\(descriptor)")
                    if let link, inodes.contains(link) { return pid }
                }
            }
        #endif
        return nil
    }
}
