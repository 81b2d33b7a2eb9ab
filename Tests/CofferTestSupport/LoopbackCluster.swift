// A real Coffer cluster on loopback for tests: a 3-member etcd and three cofferd processes on it
// (one key prefix), node 1 initialized with the real `coffer cluster init` (2 of 3 shares), nodes 2
// and 3 unsealed through their join listeners. Everything runs in a temporary folder and is ended
// by PID with SIGKILL: at `stop()`, at process exit, and by a watchdog shell if the test process
// dies without exiting.

import Foundation
import Glibc
import Synchronization

/// Why the cluster could not be started.
public struct LoopbackClusterError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One cofferd of a `LoopbackCluster`.
public final class ClusterNode: @unchecked Sendable {
    public let index: Int
    public let port: Int
    public let folder: String
    public var configPath: String { folder + "/cofferd.json" }
    public var logPath: String { folder + "/cofferd.log" }
    public var dataDirectory: String { folder + "/data" }
    public var endpoint: String { "127.0.0.1:\(port)" }
    private var process: Process?
    /// Lines of the log that existed before the current start (so waits look at this start only).
    private var logOffset = 0

    init(index: Int, port: Int, folder: String, etcdEndpoints: [String], prefix: String) throws {
        self.index = index
        self.port = port
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let config: [String: Any] = [
            "listen": endpoint, "dataDir": folder + "/data", "clusterName": "loopback-test",
            "store": ["kind": "etcd", "endpoints": etcdEndpoints, "prefix": prefix],
        ]
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: configPath))
    }

    public var pid: Int32? { process.map(\.processIdentifier) }
    public var isRunning: Bool { process?.isRunning ?? false }

    /// Starts cofferd (`executable`, the built one by default) on the config file (its output
    /// appended to the log), with `arguments` after it.
    public func start(arguments: [String] = [], executable: String = DevNode.binaries + "/cofferd") throws {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        logOffset = (try? Data(contentsOf: URL(fileURLWithPath: logPath)).count) ?? 0
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--config", configPath] + arguments
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        LoopbackCluster.remember(process.processIdentifier)
    }

    /// Kills cofferd with SIGKILL and waits for it.
    public func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Stops cofferd with SIGSTOP: the process hangs, its connections stay open and nothing answers.
    public func freeze() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGSTOP)
    }

    /// Lets a frozen cofferd go on (SIGCONT).
    public func thaw() {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, SIGCONT)
    }

    /// What this start of cofferd has printed.
    public var printed: String {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: logPath)) else { return "" }
        return String(decoding: data.dropFirst(logOffset), as: UTF8.self)
    }

    /// Waits (bounded: a safety net, not a timing assertion) until this start printed `marker`.
    public func wait(for marker: String, seconds: Double = 120) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if printed.contains(marker) { return }
            if let process, !process.isRunning {
                throw LoopbackClusterError("node \(index) exited (\(process.terminationStatus)):\n\(printed)")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw LoopbackClusterError("node \(index) never printed \"\(marker)\":\n\(printed)")
    }
}

/// Three etcd members and three cofferd nodes on loopback.
public final class LoopbackCluster: @unchecked Sendable {
    public let folder: String
    public let etcdEndpoints: [String]
    public let nodes: [ClusterNode]
    /// The etcd prefix the nodes share.
    public let prefix: String
    /// The unseal shares (2 of 3 unseal).
    public private(set) var shares: [String] = []
    public var adminPasswordFile: String { folder + "/admin-password" }
    public var clientFolder: String { folder + "/client" }
    private var etcd: [Process] = []
    private var etcdArguments: [[String]] = []
    private let etcdBinary: String

    /// Every PID this test process started, for the exit handler and the watchdog.
    private static let pids = Mutex<[Int32]>([])
    private static let pidFile = NSTemporaryDirectory() + "coffer-cluster-tests-\(getpid()).pids"

    static func remember(_ pid: Int32) {
        pids.withLock { $0.append(pid) }
        if let handle = FileHandle(forWritingAtPath: pidFile) {
            handle.seekToEndOfFile()
            handle.write(Data("\(pid)\n".utf8))
            try? handle.close()
        }
    }

    /// Starts etcd and the nodes, initializes node 1 and unseals all three.
    public init() throws {
        guard let binary = ["/usr/bin/etcd", "/usr/local/bin/etcd"].first(where: FileManager.default.isExecutableFile)
        else { throw LoopbackClusterError("etcd is not installed: apt-get install -y etcd-server") }
        etcdBinary = binary
        folder = NSTemporaryDirectory() + "coffer-cluster-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Self.startWatchdog(folder: folder)

        let clientPorts = try (0..<3).map { _ in try DevNode.freePort() }
        let peerPorts = try (0..<3).map { _ in try DevNode.freePort() }
        etcdEndpoints = clientPorts.map { "127.0.0.1:\($0)" }
        let initial = (0..<3).map { "m\($0)=http://127.0.0.1:\(peerPorts[$0])" }.joined(separator: ",")
        // One token for the three members: each member's own would make three one-member clusters.
        let token = UUID().uuidString
        for i in 0..<3 {
            etcdArguments.append([
                "--name", "m\(i)", "--data-dir", folder + "/etcd-m\(i)",
                "--listen-client-urls", "http://127.0.0.1:\(clientPorts[i])",
                "--advertise-client-urls", "http://127.0.0.1:\(clientPorts[i])",
                "--listen-peer-urls", "http://127.0.0.1:\(peerPorts[i])",
                "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPorts[i])",
                "--initial-cluster", initial, "--initial-cluster-state", "new",
                "--initial-cluster-token", token,
                "--logger", "zap", "--log-outputs", folder + "/etcd-m\(i).log",
            ])
            etcd.append(try Self.startEtcd(binary, etcdArguments[i]))
        }
        for (i, endpoint) in etcdEndpoints.enumerated() {
            do { try Self.waitHealthy(endpoint) } catch {
                let log = (try? String(contentsOfFile: folder + "/etcd-m\(i).log", encoding: .utf8)) ?? ""
                throw LoopbackClusterError("\(error); ports \(clientPorts) \(peerPorts); its log ends:\n\(log.suffix(1500))")
            }
        }

        let prefix = "coffer/test-\(UUID().uuidString.prefix(8))/"
        self.prefix = prefix
        let base = folder
        let members = etcdEndpoints
        nodes = try (1...3).map { index in
            try ClusterNode(
                index: index, port: try DevNode.freePort(), folder: base + "/node\(index)",
                etcdEndpoints: members, prefix: prefix)
        }
        try bringUp()
    }

    private func bringUp() throws {
        let first = nodes[0]
        try first.start()
        try first.wait(for: "bootstrap endpoint:")
        try "admin-password-\(UUID().uuidString)\n".write(toFile: adminPasswordFile, atomically: true, encoding: .utf8)
        let cli = CofferCLI(configDirectory: folder + "/config-init", profile: folder + "/none.json")
        let initialized = try cli.run([
            "cluster", "init", "--endpoint", first.endpoint, "--bootstrap-ca",
            first.dataDirectory + "/bootstrap/ca.pem", "--threshold", "2", "--shares", "3", "--admin", "admin",
            "--password-file", adminPasswordFile, "--cluster-name", "loopback-test", "--out", clientFolder, "--json",
        ])
        guard initialized.status == 0, let shares = initialized.json?["shares"] as? [String], shares.count == 3 else {
            throw LoopbackClusterError("coffer cluster init failed: \(initialized.stderr)")
        }
        self.shares = shares
        for node in nodes.dropFirst() { try node.start() }
        for node in nodes { try writeProfile(node) }
        try first.wait(for: "serving mutual TLS")
        try unsealThroughProfile(first)
        for node in nodes.dropFirst() {
            try node.wait(for: "join endpoint:")
            let bootstrapCA = node.dataDirectory + "/bootstrap/ca.pem"
            for share in shares.prefix(2) {
                let result = try cli.run(
                    ["cluster", "unseal", "--bootstrap", node.endpoint, "--bootstrap-ca", bootstrapCA], stdin: share + "\n")
                guard result.status == 0 else {
                    throw LoopbackClusterError("unsealing node \(node.index) failed: \(result.stderr)")
                }
            }
            try node.wait(for: "serving mutual TLS, endpoint: \(node.endpoint) (unsealed)")
        }
    }

    /// A node of its own on this cluster's etcd under `prefix` (not started), in `folder/name`: for
    /// tests of a cluster other than the shared one, such as one not initialized yet.
    public func extraNode(_ name: String, prefix: String) throws -> ClusterNode {
        try ClusterNode(
            index: 0, port: try DevNode.freePort(), folder: folder + "/" + name, etcdEndpoints: etcdEndpoints, prefix: prefix)
    }

    /// Unseals `node` over mutual TLS with its profile (two shares).
    public func unsealThroughProfile(_ node: ClusterNode) throws {
        let cli = self.cli(node, config: "unseal")
        for share in shares.prefix(2) {
            let result = try cli.run(["cluster", "unseal"], stdin: share + "\n")
            guard result.status == 0 else {
                throw LoopbackClusterError("unsealing node \(node.index) failed: \(result.stderr)")
            }
        }
    }

    /// The profile that reaches `node` alone, with a patient call deadline (debug scrypt).
    public func profile(_ node: ClusterNode) -> String { clientFolder + "/profile-\(node.index).json" }

    private func writeProfile(_ node: ClusterNode) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: clientFolder + "/profile.json"))
        guard var profile = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LoopbackClusterError("the init profile is not a JSON object")
        }
        profile["endpoints"] = [node.endpoint]
        profile["ca"] = clientFolder + "/ca.pem"
        profile["certificate"] = clientFolder + "/client.pem"
        profile["key"] = clientFolder + "/client-key.pem"
        profile["deadline_seconds"] = 120
        try JSONSerialization.data(withJSONObject: profile, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: self.profile(node)))
    }

    /// The CLI on `node`'s profile with a config dir (session) of its own per `config` name.
    public func cli(_ node: ClusterNode, config: String) -> CofferCLI {
        CofferCLI(configDirectory: folder + "/config-\(config)-node\(node.index)", profile: profile(node))
    }

    /// Kills every node and etcd member with SIGKILL.
    public func stop() {
        for node in nodes { node.kill() }
        for process in etcd where process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private static func startEtcd(_ binary: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Self.remember(process.processIdentifier)
        return process
    }

    /// Kills etcd member `index` (0-2) with SIGKILL.
    public func killEtcdMember(_ index: Int) {
        guard etcd[index].isRunning else { return }
        Glibc.kill(etcd[index].processIdentifier, SIGKILL)
        etcd[index].waitUntilExit()
    }

    /// Starts killed member `index` again on its data folder (it rejoins the cluster) and waits
    /// until it is healthy.
    public func restartEtcdMember(_ index: Int) throws {
        guard !etcd[index].isRunning else { return }
        let arguments = etcdArguments[index].map { $0 == "new" ? "existing" : $0 }
        etcd[index] = try Self.startEtcd(etcdBinary, arguments)
        try Self.waitHealthy(etcdEndpoints[index])
    }

    /// The index of the member etcd reports as its leader (asked of each live member in turn).
    public func etcdLeader() throws -> Int {
        for (index, endpoint) in etcdEndpoints.enumerated() where etcd[index].isRunning {
            guard let status = try Self.etcdJSON(endpoint, "/v3/maintenance/status", body: "{}"),
                let header = status["header"] as? [String: Any], let member = header["member_id"] as? String,
                let leader = status["leader"] as? String
            else { continue }
            if member == leader { return index }
        }
        throw LoopbackClusterError("no live etcd member reports itself the leader")
    }

    /// Compacts etcd's history up to its current revision (physically, waiting until done), so that
    /// a watch from any earlier revision is cancelled; returns that revision.
    @discardableResult
    public func compactEtcd() throws -> Int64 {
        guard let index = etcd.indices.first(where: { etcd[$0].isRunning }),
            let status = try Self.etcdJSON(etcdEndpoints[index], "/v3/maintenance/status", body: "{}"),
            let header = status["header"] as? [String: Any], let text = header["revision"] as? String,
            let revision = Int64(text)
        else { throw LoopbackClusterError("no live etcd member tells its revision") }
        let body = "{\"revision\": \"\(revision)\", \"physical\": true}"
        guard try Self.etcdJSON(etcdEndpoints[index], "/v3/kv/compaction", body: body) != nil else {
            throw LoopbackClusterError("etcd refused to compact at revision \(revision)")
        }
        return revision
    }

    /// A JSON object from etcd's HTTP gateway at `path` (POST `body`, or GET without one), or nil
    /// when the member did not answer with one within 2 s.
    private static func etcdJSON(_ endpoint: String, _ path: String, body: String? = nil) throws -> [String: Any]? {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sf", "-m", "2"] + (body.map { ["-X", "POST", "-d", $0] } ?? []) + ["http://\(endpoint)\(path)"]
        let output = Pipe()
        curl.standardOutput = output
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    private static func waitHealthy(_ endpoint: String) throws {
        for _ in 0..<100 {
            if try etcdJSON(endpoint, "/health")?["health"] as? String == "true" { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw LoopbackClusterError("etcd member \(endpoint) never became healthy")
    }

    /// Kills every recorded PID when this process exits, or, if it dies, when the watchdog notices.
    private static func startWatchdog(folder: String) throws {
        _ = FileManager.default.createFile(atPath: pidFile, contents: nil)
        atexit { LoopbackCluster.pids.withLock { for pid in $0 { kill(pid, SIGKILL) } } }
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = [
            "-c",
            "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; for p in $(cat '\(pidFile)'); do kill -9 $p; done; rm -rf '\(folder)' '\(pidFile)'",
        ]
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
    }
}
