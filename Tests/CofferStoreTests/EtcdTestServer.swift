// One real etcd member per test process, started on first use on free loopback ports with its data
// in a temporary folder, and ended by PID with SIGKILL when the process exits (a watchdog shell
// does the same if the test process dies without exiting). Tests share it, each under its own key
// prefix, and take turns (`EtcdTurns`), because etcd's revisions and compaction are global.

import CofferState
import CofferStoreEtcd
import Foundation
import Synchronization

/// Why the etcd tests cannot run; they fail with this rather than skip.
struct EtcdTestServerError: Error, CustomStringConvertible {
    var description: String
}

/// The shared etcd member of this test process.
actor EtcdTestServer {
    static let shared = EtcdTestServer()

    private var started: Result<EtcdConfiguration.Endpoint, EtcdTestServerError>?
    private var pid: Int32 = 0

    /// The files of a member that serves clients over TLS and asks for their certificates.
    struct TLSFiles: Sendable {
        var certificate: String
        var key: String
        var clientCA: String
        /// How the readiness probe connects.
        var probe: EtcdConfiguration.TLS
    }

    private let tls: TLSFiles?

    /// A member of its own, for a test that changes etcd itself (auth) or serves TLS; `shared`
    /// for the rest.
    init(tls: TLSFiles? = nil) {
        self.tls = tls
    }

    /// Kills the member with SIGKILL, if it runs.
    func stop() {
        if pid > 0 { kill(pid, SIGKILL) }
    }

    /// The client endpoint of the running member, started now if it is not yet.
    func endpoint() async throws -> EtcdConfiguration.Endpoint {
        if let started { return try started.get() }
        let result: Result<EtcdConfiguration.Endpoint, EtcdTestServerError>
        do {
            result = .success(try await start())
        } catch let error as EtcdTestServerError {
            result = .failure(error)
        } catch {
            result = .failure(EtcdTestServerError(description: "etcd did not start: \(error)"))
        }
        started = result
        return try result.get()
    }

    private func start() async throws -> EtcdConfiguration.Endpoint {
        guard let binary = ["/usr/bin/etcd", "/usr/local/bin/etcd"].first(where: FileManager.default.isExecutableFile)
        else {
            throw EtcdTestServerError(
                description: "etcd is not installed, so the etcd store tests cannot run: apt-get install -y etcd-server"
            )
        }
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("coffer-etcd-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let clientPort = try freeLoopbackPort()
        let peerPort = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        let scheme = tls == nil ? "http" : "https"
        process.arguments =
            [
                "--name", "t", "--data-dir", folder.appendingPathComponent("data").path,
                "--listen-client-urls", "\(scheme)://127.0.0.1:\(clientPort)",
                "--advertise-client-urls", "\(scheme)://127.0.0.1:\(clientPort)",
                "--listen-peer-urls", "http://127.0.0.1:\(peerPort)",
                "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPort)",
                "--initial-cluster", "t=http://127.0.0.1:\(peerPort)",
                "--logger", "zap",
            ]
            + (tls.map {
                [
                    "--cert-file", $0.certificate, "--key-file", $0.key, "--client-cert-auth", "--trusted-ca-file",
                    $0.clientCA,
                ]
            } ?? []) + [
                "--log-outputs", folder.appendingPathComponent("etcd.log").path,
            ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        self.pid = pid
        etcdTestServerPIDs.withLock { $0.append(pid) }
        atexit { etcdTestServerPIDs.withLock { pids in for pid in pids { kill(pid, SIGKILL) } } }
        try startWatchdog(etcd: pid, folder: folder)

        let endpoint = EtcdConfiguration.Endpoint(host: "127.0.0.1", port: clientPort)
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let probe = try EtcdStateStore(
                configuration: EtcdConfiguration(
                    endpoints: [endpoint], prefix: Array("probe/".utf8), tls: tls?.probe, callTimeout: .seconds(2)))
            do {
                _ = try await probe.currentRevision()
                await probe.close()
                return endpoint
            } catch {
                await probe.close()
                if !process.isRunning {
                    throw EtcdTestServerError(description: "etcd exited at start (see \(folder.path)/etcd.log)")
                }
                if ContinuousClock.now > deadline {
                    kill(pid, SIGKILL)
                    throw EtcdTestServerError(description: "etcd did not answer within 30 s: \(error)")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// A shell that waits for this process to end, then kills etcd with SIGKILL and removes its folder.
    private func startWatchdog(etcd pid: Int32, folder: URL) throws {
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = [
            "-c", "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; kill -9 \(pid); rm -rf '\(folder.path)'",
        ]
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
    }
}

/// The etcd members' PIDs, for the exit handler (a C function pointer cannot capture them).
private let etcdTestServerPIDs = Mutex<[Int32]>([])

/// A loopback TCP port that was free a moment ago (bound to port 0, read back, released).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw EtcdTestServerError(description: "socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw EtcdTestServerError(description: "bind() failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw EtcdTestServerError(description: "getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Lets one etcd test run at a time: they share etcd's global revision and compaction point.
actor EtcdTurns {
    static let shared = EtcdTurns()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Waits until no other etcd test runs; pair with `release`.
    func acquire() async {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
    }

    /// Hands the turn to the next waiting test, if any.
    func release() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// A store on the shared etcd under a prefix of its own.
func makeEtcdTestStore(limits: StoreLimits = .etcdDefaults) async throws -> EtcdStateStore {
    let endpoint = try await EtcdTestServer.shared.endpoint()
    return try EtcdStateStore(
        configuration: EtcdConfiguration(
            endpoints: [endpoint], prefix: Array("coffer-test/\(UUID().uuidString)/".utf8), limits: limits))
}
