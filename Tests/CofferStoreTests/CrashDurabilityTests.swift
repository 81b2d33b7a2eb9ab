// The kill -9 test: a real coffer-crashwriter process writes a burst of transactions and is
// killed with SIGKILL mid-burst; every write it acknowledged must be in the reopened store, and
// every transaction must be there whole or not at all.

import CofferState
import CofferStoreSQLite
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct CrashDurabilityTests {
    /// Keys per transaction in coffer-crashwriter, besides its `counter` key.
    static let keysPerTransaction = 4

    @Test(.timeLimit(.minutes(5)))
    func acknowledgedWritesSurviveKillNine() async throws {
        let writer = try #require(Self.crashWriterURL(), "coffer-crashwriter not found next to the test binary")
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("crash.sqlite").path
            var acknowledged: [Int64] = []
            var revision: Int64 = 0
            // Each round kills the writer at another point, then the next round resumes on the
            // recovered file, so later rounds also write after a crash recovery.
            for (round, killAfter) in [150, 320, 500].enumerated() {
                let acks = try Self.runAndKill(writer: writer, path: path, afterAcks: killAfter, extraWait: round)
                #expect(acks.count >= killAfter)
                // The writer resumes at the recovered revision + 1 and acknowledges in order.
                let inOrder = acks == Array((revision + 1)..<(revision + 1 + Int64(acks.count)))
                #expect(inOrder, "round \(round): acknowledgements do not continue from revision \(revision)")
                acknowledged += acks
                revision = try await Self.verify(path: path, acknowledged: acknowledged)
            }
        }
    }

    /// Starts the writer, waits for `afterAcks` acknowledgements (plus `extraWait` ms, to vary where
    /// in a transaction the kill lands), sends SIGKILL, and returns every acknowledged n.
    static func runAndKill(writer: URL, path: String, afterAcks: Int, extraWait: Int) throws -> [Int64] {
        let process = Process()
        process.executableURL = writer
        process.arguments = [path, "\(keysPerTransaction)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let reader = output.fileHandleForReading
        var buffer = Data()
        var acks: [Int64] = []
        func parseLines() {
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                let fields = line.split(separator: " ")
                // `ack <n> <revision>`: the writer's revision is n by construction.
                if fields.count == 3, fields[0] == "ack", let n = Int64(fields[1]), Int64(fields[2]) == n {
                    acks.append(n)
                } else {
                    Issue.record("unexpected writer output: \(line)")
                }
            }
        }
        while acks.count < afterAcks {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // the writer ended early; the expectation below fails
            buffer.append(chunk)
            parseLines()
        }
        if extraWait > 0 { usleep(useconds_t(extraWait * 1000)) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // Acknowledgements written before the kill are still in the pipe.
        while case let chunk = reader.availableData, !chunk.isEmpty {
            buffer.append(chunk)
            parseLines()
        }
        #expect(process.terminationReason == .uncaughtSignal)
        return acks
    }

    /// Reopens the store, checks it against the writer's acknowledgements, returns its revision.
    static func verify(path: String, acknowledged: [Int64]) async throws -> Int64 {
        let store = try SQLiteStateStore.open(path: path)
        let revision = try await store.currentRevision()
        let lastAck = acknowledged.max() ?? 0
        // The writer is sequential: at most the one transaction in flight at the kill may have
        // committed without being acknowledged.
        #expect(revision == lastAck || revision == lastAck + 1, "revision \(revision), last ack \(lastAck)")

        let counter = try await store.get(bytes("counter"), at: nil)
        #expect(counter?.value == bytes("\(revision)"))
        #expect(counter?.modRevision == revision)
        #expect(counter?.version == revision)

        // Every transaction 1...revision whole, none after it, nothing else under k/.
        let written = try await store.all(prefix: bytes("k/"), pageSize: 500)
        #expect(written.count == Int(revision) * keysPerTransaction)
        var keysPerRevision: [Int64: Int] = [:]
        for keyValue in written {
            let parts = String(decoding: keyValue.key, as: UTF8.self).split(separator: "/")
            guard parts.count == 3, let n = Int64(parts[1]), let i = Int(parts[2]) else {
                Issue.record("unexpected key \(keyValue.key)")
                continue
            }
            #expect(keyValue.value == bytes("v\(n).\(i)") + [0x00, 0xFF])
            #expect(keyValue.modRevision == n && keyValue.createRevision == n && keyValue.version == 1)
            keysPerRevision[n, default: 0] += 1
        }
        let wholeRange = keysPerRevision.keys.sorted() == Array(1...revision)
        #expect(wholeRange, "transactions present are not exactly 1...\(revision)")
        #expect(keysPerRevision.values.allSatisfy { $0 == keysPerTransaction })
        for n in acknowledged {
            #expect(try await store.get(bytes("k/\(n)/0"), at: nil)?.value == bytes("v\(n).0") + [0x00, 0xFF])
        }
        await store.close()
        return revision
    }

    /// coffer-crashwriter, which SwiftPM builds into the folder of the test binary (Linux) or of
    /// the .xctest bundle (macOS).
    static func crashWriterURL() -> URL? {
        var folders = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        folders += Bundle.allBundles.map(\.bundleURL).filter { $0.pathExtension == "xctest" }
            .map { $0.deletingLastPathComponent() }
        return folders.map { $0.appendingPathComponent("coffer-crashwriter") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
