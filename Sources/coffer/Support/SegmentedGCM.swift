// AES-GCM for files over 4 MiB. One GCM operation over a whole file would have the node hold all of
// it: PKCS#11 releases no GCM plaintext before the tag is checked at Final, so decryption buffers
// the file on the node (up to its 16 MiB multi-part limit). Such a file is sealed in segments
// instead, each one single-part GCM call, so the node holds nothing between calls and the CLI one
// segment, whatever the file's size:
//
//   header   "coffer-gcm-seg1\n" (16 bytes), the segment size (4 bytes, big-endian)
//   segment  a random 12-byte IV, the segment's ciphertext, its 16-byte tag; every segment holds
//            `segment size` bytes of plaintext but the last, which holds the rest (1 byte or more)
//
// Each segment's additional data is the header, its index (8 bytes, big-endian) and a last-segment
// flag (1 byte), so segments cannot be reordered, dropped, repeated from another file under the same
// key, or cut off at a segment boundary without a tag failing. Decryption writes into a temporary
// file that is put in place only once every segment has verified.

import CofferClient
import CofferProtocol
import Foundation

enum SegmentedGCM {
    static let magic = Data("coffer-gcm-seg1\n".utf8)
    /// Plaintext bytes per segment when sealing.
    static let segmentSize = 1 << 20
    static let ivLength = 12
    static let tagLength = 16
    /// The segment sizes a file may declare: up to what one call carries.
    static let segmentSizes = 1024...(4 << 20)

    /// Whether the file at `path` starts with the segmented header.
    static func isSegmented(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: magic.count)) == magic
    }

    static func header(segmentSize: Int) -> Data {
        magic + withUnsafeBytes(of: UInt32(segmentSize).bigEndian) { Data($0) }
    }

    /// The GCM parameters of segment `index` under `header`.
    static func mechanism(iv: Data, header: Data, index: Int, last: Bool) throws -> Coffer_V1_Mechanism {
        var mechanism = try OperationMechanism.mechanism("aes-gcm", iv: iv)
        mechanism.gcm.additionalData =
            header + withUnsafeBytes(of: UInt64(index).bigEndian) { Data($0) } + Data([last ? 1 : 0])
        return mechanism
    }

    /// Seals the file at `path` with key `handle` into `output`.
    static func encrypt(_ client: CofferClient, key handle: UInt64, input path: String, output: StreamedOutput) async throws {
        guard let file = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read \(path)") }
        defer { try? file.close() }
        let total = try StreamedOperation.size(of: path)
        let count = max(1, (total + segmentSize - 1) / segmentSize)
        let header = header(segmentSize: segmentSize)
        try output.write(header)
        let progress = StreamedOperation.Progress(total: total)
        defer { progress.finish() }
        for index in 0..<count {
            let plaintext = try file.read(upToCount: segmentSize) ?? Data()
            guard !plaintext.isEmpty || total == 0 else { throw CLIError("\(path) changed while it was read") }
            let iv = OperationMechanism.randomIV(ivLength)
            let sealed = try await client.encrypt(
                mechanism: try mechanism(iv: iv, header: header, index: index, last: index == count - 1), key: handle,
                data: plaintext)
            try output.write(iv + sealed)
            progress.show(min(total, (index + 1) * segmentSize))
        }
    }

    /// Opens the segmented file at `path` with key `handle` into `output`; a segment that fails its
    /// tag (a changed, moved or missing segment) is CKR_ENCRYPTED_DATA_INVALID from the node.
    static func decrypt(_ client: CofferClient, key handle: UInt64, input path: String, output: StreamedOutput) async throws {
        guard let file = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read \(path)") }
        defer { try? file.close() }
        let headerLength = magic.count + 4
        let header = try file.read(upToCount: headerLength) ?? Data()
        guard header.count == headerLength, header.prefix(magic.count) == magic else {
            throw CLIError("\(path) is not a segmented aes-gcm file")
        }
        let declared = header.suffix(4).reduce(0) { $0 << 8 | Int($1) }
        guard segmentSizes.contains(declared) else { throw CLIError("\(path) declares a segment size of \(declared) bytes") }
        let record = ivLength + declared + tagLength
        let body = try StreamedOperation.size(of: path) - headerLength
        let count = (body + record - 1) / record
        // The last record holds at least one byte of plaintext.
        guard count >= 1, body - (count - 1) * record > ivLength + tagLength else { throw CLIError("\(path) is cut short") }
        let progress = StreamedOperation.Progress(total: body)
        defer { progress.finish() }
        for index in 0..<count {
            let sealed = try file.read(upToCount: record) ?? Data()
            guard sealed.count > ivLength + tagLength else { throw CLIError("\(path) changed while it was read") }
            let plaintext = try await client.decrypt(
                mechanism: try mechanism(iv: sealed.prefix(ivLength), header: header, index: index, last: index == count - 1),
                key: handle, data: sealed.dropFirst(ivLength))
            try output.write(plaintext)
            progress.show(min(body, (index + 1) * record))
        }
    }
}
