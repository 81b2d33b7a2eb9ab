// A real `cofferd --dev` on a free loopback port in a temporary folder, and a way to run the real
// `coffer` CLI against it. Both binaries sit next to the test bundle in the build folder. Shared by the
// test targets that drive real processes (test targets cannot import each other). It does not import
// Testing, so that a release build of the whole package (where Testing is not there) builds it too:
// a failed expectation here is a thrown error, which fails the test that called it.

import Foundation
import Glibc

/// A running dev node.
public final class DevNode: @unchecked Sendable {
    public let folder: String
    public let port: Int
    private var process: Process?
    /// The node's standard output and error.
    public var logPath: String { folder + "/cofferd.log" }

    public var dataDirectory: String { folder + "/data" }
    /// The running cofferd's process id (nil when stopped).
    public var pid: Int32? { process.map(\.processIdentifier) }
    /// Whether cofferd is still running.
    public var isRunning: Bool { process?.isRunning ?? false }
    public var profilePath: String { dataDirectory + "/client/profile.json" }
    public var adminPassword: String {
        get throws {
            try String(contentsOfFile: dataDirectory + "/client/dev-admin-password", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The folder of the running test binary, where SwiftPM put cofferd and coffer.
    public static var binaries: String {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        // On macOS the runner sits inside X.xctest/Contents/MacOS.
        while url.path.contains(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }

    /// Further cofferd arguments (`--config FILE`, say), given at every start.
    public let extraArguments: [String]

    public init(extraArguments: [String] = []) throws {
        self.extraArguments = extraArguments
        folder = NSTemporaryDirectory() + "coffer-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        port = try Self.freePort()
        try start()
    }

    deinit { stop() }

    /// Starts cofferd over the folder and waits until it answers status as unsealed.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaries + "/cofferd")
        process.arguments = ["--dev", "--data-dir", dataDirectory, "--listen", "127.0.0.1:\(port)"] + extraArguments
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        // Bounded wait for readiness (not a timed assertion: the test fails only if it never comes up).
        for _ in 0..<600 {
            if !process.isRunning { break }
            if FileManager.default.fileExists(atPath: profilePath),
                let result = try? cli(config: "status-probe").run(["cluster", "status", "--json"]),
                result.status == 0, result.stdout.contains("\"unsealed\"")
            {
                return
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        stop()
        throw DevNodeError(message: "cofferd did not come up; its output:\n\(output)")
    }

    /// Stops cofferd with SIGTERM and waits for it to exit.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    /// Kills cofferd with SIGKILL (no shutdown of any kind) and waits for it to exit.
    public func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Stops and starts cofferd over the same folder.
    public func restart() throws {
        stop()
        try start()
    }

    /// The CLI with its own config dir (its own session.json) under this node's folder. It uses a
    /// copy of the node's profile that allows 120 s per call: a debug cofferd checks a password with
    /// unoptimised scrypt, which a loaded two-core machine can push past the default 10 s deadline.
    public func cli(config name: String) -> CofferCLI {
        CofferCLI(configDirectory: folder + "/config-" + name, profile: (try? patientProfile()) ?? profilePath)
    }

    /// The node's profile with a 120 s call deadline, written next to it once.
    private func patientProfile() throws -> String {
        let path = dataDirectory + "/client/profile-test.json"
        if FileManager.default.fileExists(atPath: path) { return path }
        let data = try Data(contentsOf: URL(fileURLWithPath: profilePath))
        guard var profile = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return profilePath }
        profile["deadline_seconds"] = 120
        try JSONSerialization.data(withJSONObject: profile, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    /// Removes the folder (after stopping the node).
    public func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A port nothing listens on right now: bind port 0, read it, close.
    public static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw DevNodeError(message: "cannot bind a loopback port") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct DevNodeError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}

/// Runs the `coffer` binary with a given config dir and profile.
public struct CofferCLI {
    public let configDirectory: String
    public let profile: String

    public init(configDirectory: String, profile: String) {
        self.configDirectory = configDirectory
        self.profile = profile
    }

    public struct Result {
        public let status: Int32
        public let stdout: String
        public let stderr: String

        /// stdout parsed as a JSON object.
        public var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
        }
    }

    /// Runs `coffer arguments...`; `stdin` is written to its standard input.
    public func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String = "") throws -> Result {
        try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DevNode.binaries + "/coffer")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["COFFER_CONFIG_DIR"] = configDirectory
        environment["COFFER_PROFILE"] = profile
        environment["COFFER_PASSWORD"] = nil
        environment["COFFER_NEW_PASSWORD"] = nil
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        // Output goes to files, read after exit: nothing can block on a full pipe.
        let outputPath = configDirectory + "/last-stdout"
        let errorPath = configDirectory + "/last-stderr"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        let input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        // A command that never ends fails its test instead of holding the whole run (CI has a limit).
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.limit, execute: watchdog)
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        watchdog.cancel()
        try output.close()
        try errors.close()
        var stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        if process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL {
            stderr += "(the test killed coffer \(arguments.joined(separator: " ")) after \(Int(Self.limit)) s)"
        }
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "", stderr: stderr)
    }

    /// The longest a command may run before the test kills it.
    public static let limit: TimeInterval = 600

    /// Runs and requires exit status 0; otherwise throws with the command and its stderr.
    @discardableResult
    public func ok(_ arguments: [String], environment: [String: String] = [:], stdin: String = "") throws -> Result {
        let result = try run(arguments, environment: environment, stdin: stdin)
        guard result.status == 0 else {
            throw DevNodeError(message: "coffer \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result
    }

    /// Runs and requires failure with exactly one line on stderr; otherwise throws.
    @discardableResult
    public func fails(_ arguments: [String], environment: [String: String] = [:], stdin: String = "") throws -> Result {
        let result = try run(arguments, environment: environment, stdin: stdin)
        guard result.status != 0 else {
            throw DevNodeError(message: "coffer \(arguments.joined(separator: " ")) succeeded: \(result.stdout)")
        }
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.count == 1 else {
            throw DevNodeError(message: "coffer \(arguments.joined(separator: " ")): \(lines.count) lines on stderr, not 1: \(result.stderr)")
        }
        return result
    }
}
