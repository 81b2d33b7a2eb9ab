// Files larger than one call's data (4 MiB) go through a multi-part operation on a session of their
// own, read and written in 1 MiB chunks, so the CLI's memory stays flat whatever the file's size. The
// node streams AES-CBC, CBC-PAD and CTR (each update returns what it completes) and hashes each chunk
// of a hash-then-sign signature (RSA, ECDSA) as it comes; AES-GCM goes in segments of single-part
// calls instead (SegmentedGCM.swift); EdDSA and ML-DSA are buffered on the node up to its multi-part
// limit (16 MiB), past which the node answers CKR_DATA_LEN_RANGE. Output goes to a temporary file next to --out, renamed into place
// only when the operation succeeded, so a failure leaves no half-written file.

import CofferClient
import CofferProtocol
import Foundation
import Glibc

enum StreamedOperation {
    /// Files longer than this go through a multi-part operation.
    static let threshold = 4 << 20
    /// How much of the file each update carries.
    static let chunk = 1 << 20

    /// The size of the file at `path`.
    static func size(of path: String) throws -> Int {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber
        else { throw CLIError("file not found: \(path)") }
        return size.intValue
    }

    /// Reads the first `count` bytes of the file at `path` (an IV).
    static func prefix(_ count: Int, of path: String) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read \(path)") }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: count)) ?? Data()
        guard data.count == count else { throw CLIError("\(path) is too short to hold an IV") }
        return data
    }

    /// Runs `kind` over the file at `path` from byte `offset` on a session of its own: Init, an update
    /// per chunk (whatever each returns goes to `output`), then Final with `signature` (verify).
    /// Returns Final's output. Progress goes to stderr when it is a terminal and the file is large.
    static func run(
        _ client: CofferClient, _ kind: Coffer_V1_OperationKind, mechanism: Coffer_V1_Mechanism, key: UInt64,
        input path: String, offset: Int = 0, signature: Data = Data(), output: StreamedOutput?
    ) async throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read \(path)") }
        defer { try? handle.close() }
        if offset > 0 { try handle.seek(toOffset: UInt64(offset)) }
        let total = try size(of: path) - offset
        let progress = Progress(total: total)
        let session = try await client.openSession(readWrite: false)
        do {
            try await client.operationInit(kind, mechanism: mechanism, key: key, session: session)
            var done = 0
            while let piece = try handle.read(upToCount: chunk), !piece.isEmpty {
                let released = try await client.operationUpdate(kind, data: piece, session: session)
                if !released.isEmpty { try output?.write(released) }
                done += piece.count
                progress.show(done)
            }
            let last = try await client.operationFinal(kind, signature: signature, session: session)
            progress.finish()
            try? await client.closeSession(session)
            return last
        } catch {
            progress.finish()
            try? await client.closeSession(session)
            throw error
        }
    }

    /// A progress line on stderr, for a terminal and files of 64 MiB and more.
    final class Progress {
        let total: Int
        let shown: Bool
        var last = Date.distantPast

        init(total: Int) {
            self.total = total
            shown = isatty(STDERR_FILENO) == 1 && total >= 64 << 20
        }

        func show(_ done: Int) {
            guard shown, Date().timeIntervalSince(last) >= 0.25 else { return }
            last = Date()
            let line = String(format: "\rcoffer: %d of %d MiB (%.0f%%)", done >> 20, total >> 20, Double(done) * 100 / Double(max(total, 1)))
            FileHandle.standardError.write(Data(line.utf8))
        }

        func finish() {
            if shown { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}

/// An output file written piece by piece into a temporary file beside it, put in place by `commit`
/// (and removed by `abandon`, or when never committed).
final class StreamedOutput {
    let path: String
    private let temporary: String
    /// Where the file is written until `commit` (for a check before it takes the final name).
    var temporaryPath: String { temporary }
    private let handle: FileHandle
    private var committed = false
    /// Bytes written so far.
    private(set) var written = 0

    init(path: String) throws {
        self.path = path
        temporary = path + ".part-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
            let handle = FileHandle(forWritingAtPath: temporary)
        else { throw CLIError("cannot write \(path)") }
        self.handle = handle
    }

    func write(_ data: Data) throws {
        written += data.count
        do { try handle.write(contentsOf: data) } catch { throw CLIError("cannot write \(path): \(error.localizedDescription)") }
    }

    /// Moves the finished file into place.
    func commit() throws {
        try? handle.close()
        do {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
            committed = true
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    deinit {
        if !committed {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }
}
