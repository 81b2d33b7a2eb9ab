// Test support: a real cofferd process (the binary built next to the test bundle) on a loopback
// port, with its stdout collected so tests can read the endpoint it prints.

import Foundation
import Synchronization

/// A running `cofferd`.
final class CofferdProcess: @unchecked Sendable {
    enum Failure: Error, CustomStringConvertible {
        case exited(Int32, output: String)
        case gaveUp(String)
        var description: String {
            switch self {
            case .exited(let status, let output): "cofferd exited with \(status):\n\(output)"
            case .gaveUp(let what): "cofferd never printed \(what)"
            }
        }
    }

    /// `cofferd` next to the test bundle (or $COFFERD).
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["COFFERD"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "cofferd")
    }

    /// A new empty temporary data folder.
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cofferd-test-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private let process: Process
    private let buffer = OutputBuffer()

    /// What the process printed; filled by a reader thread until end of file.
    final class OutputBuffer: Sendable {
        let text = Mutex("")
        let drained = Atomic<Bool>(false)
    }

    /// Starts cofferd with `arguments` (a loopback port 0 listen address is added unless given).
    init(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments.contains("--listen") ? arguments : arguments + ["--listen", "127.0.0.1:0"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        self.process = process
        try process.run()
        // Only the child writes: without closing our copy the reader would never see end of file.
        try pipe.fileHandleForWriting.close()
        let handle = pipe.fileHandleForReading
        let buffer = self.buffer
        Thread.detachNewThread {
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                buffer.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
            buffer.drained.store(true, ordering: .sequentiallyConsistent)
        }
    }

    /// Everything it printed so far (stdout and stderr).
    var printed: String { buffer.text.withLock { $0 } }

    /// Waits for a printed line containing `marker` and returns it.
    func line(containing marker: String) async throws -> String {
        // A safety net against a hung process, not a timing assertion.
        for _ in 0..<2400 {
            if let line = printed.split(separator: "\n").first(where: { $0.contains(marker) }) { return String(line) }
            if !process.isRunning {
                try await Task.sleep(for: .milliseconds(100))
                if let line = printed.split(separator: "\n").first(where: { $0.contains(marker) }) {
                    return String(line)
                }
                throw Failure.exited(process.terminationStatus, output: printed)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure.gaveUp(marker)
    }

    /// Waits for the `n`th line containing `marker` (1-based).
    func lines(containing marker: String, count: Int) async throws -> [String] {
        for _ in 0..<2400 {
            let found = printed.split(separator: "\n").filter { $0.contains(marker) }.map(String.init)
            if found.count >= count { return found }
            if !process.isRunning { throw Failure.exited(process.terminationStatus, output: printed) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure.gaveUp(marker)
    }

    /// The endpoint of the mTLS listener (port included).
    func endpoint() async throws -> PrintedEndpoint {
        try PrintedEndpoint(line: try await line(containing: "serving mutual TLS, endpoint: "))
    }

    /// Sends SIGTERM and returns the exit status (-1 when a signal killed it).
    func terminate() -> Int32 {
        if process.isRunning { process.terminate() }
        return waitForExit()
    }

    /// Waits for the process to exit by itself and for its output; returns the exit status (-1 when
    /// a signal killed it).
    func waitForExit() -> Int32 {
        process.waitUntilExit()
        while !buffer.drained.load(ordering: .sequentiallyConsistent) { Thread.sleep(forTimeInterval: 0.01) }
        return process.terminationReason == .exit ? process.terminationStatus : -1
    }

    /// Waits at most `seconds` for the process to exit by itself and returns its status; nil (after
    /// stopping it) when it was still running, so a test of an expected exit fails instead of hanging.
    func exitStatus(within seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else {
            process.interrupt()
            _ = waitForExit()
            return nil
        }
        return waitForExit()
    }

    deinit {
        if process.isRunning {
            process.interrupt()
            process.waitUntilExit()
        }
    }
}

/// A host and port read from cofferd's output.
struct PrintedEndpoint: Sendable, CustomStringConvertible {
    let host: String
    let port: Int

    /// From a line with `endpoint: HOST:PORT`.
    init(line: String) throws {
        guard let range = line.range(of: "endpoint: ") else { throw CofferdProcess.Failure.gaveUp("an endpoint") }
        let text = line[range.upperBound...].prefix { !$0.isWhitespace }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            throw CofferdProcess.Failure.gaveUp("a parsable endpoint in \(line)")
        }
        host = String(text[..<colon])
        self.port = port
    }

    var description: String { "\(host):\(port)" }
}
