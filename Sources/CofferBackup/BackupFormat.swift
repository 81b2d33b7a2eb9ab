// The backup file (docs/backup.md). A node writes it as it reads the records; anyone with the file
// and the cluster's CA certificate can check it offline. The records stay as the store holds them
// (sealed under the domain key; the seal configuration in the clear, as in the store), so nothing in
// a backup is readable without the cluster's unseal shares. The whole file is signed by the cluster
// CA's key, which only an unsealed node can use:
//
//   magic    "COFFERBK" and the format version (2 bytes, big-endian: 1)
//   header   a 4-byte big-endian length, then JSON: cluster, revision, created (RFC 3339), records,
//            ca_certificate (PEM)
//   records  `records` times: a 4-byte key length, the key, a 4-byte value length, the value
//   trailer  a 4-byte length, then the ECDSA P-256 signature (DER) by the CA's key over the SHA-256
//            of everything before the trailer
//
// Nothing may follow the trailer.

import Crypto
import Foundation
import X509

/// What a backup's header says.
public struct BackupHeader: Codable, Sendable, Equatable {
    public var cluster: String
    public var revision: Int64
    public var created: String
    public var records: Int
    public var caCertificate: String

    public init(cluster: String, revision: Int64, created: Date, records: Int, caCertificate: String) {
        self.cluster = cluster
        self.revision = revision
        self.created = ISO8601DateFormatter().string(from: created)
        self.records = records
        self.caCertificate = caCertificate
    }

    enum CodingKeys: String, CodingKey {
        case cluster, revision, created, records
        case caCertificate = "ca_certificate"
    }
}

/// Why a backup file was refused.
public struct BackupError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The format's constants.
public enum BackupFormat {
    public static let magic = Array("COFFERBK".utf8)
    public static let version: UInt16 = 1
    /// The longest header, key and value a reader takes.
    static let maxHeader = 1 << 20
    static let maxKey = 4096
    static let maxValue = 16 << 20

    static func length(_ count: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(count).bigEndian) { Array($0) } }
}

/// Writes a backup piece by piece; each call returns the bytes to append to the file.
public struct BackupWriter {
    private var hash = SHA256()
    private var written = 0
    private let expected: Int

    /// Starts a file with `header`.
    public init(header: BackupHeader) throws {
        expected = header.records
        let json = try JSONEncoder().encode(header)
        hash.update(data: BackupFormat.magic + withUnsafeBytes(of: BackupFormat.version.bigEndian) { Array($0) })
        hash.update(data: BackupFormat.length(json.count) + Array(json))
        start = BackupFormat.magic + withUnsafeBytes(of: BackupFormat.version.bigEndian) { Array($0) }
            + BackupFormat.length(json.count) + Array(json)
    }

    /// The magic, the version and the header, to write first.
    public let start: [UInt8]

    /// The encoding of `records` (key and value pairs).
    public mutating func records(_ records: [(key: [UInt8], value: [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = []
        for record in records {
            bytes += BackupFormat.length(record.key.count) + record.key + BackupFormat.length(record.value.count) + record.value
        }
        written += records.count
        hash.update(data: bytes)
        return bytes
    }

    /// The trailer: `sign`'s signature over the digest of everything before it.
    public func finish(sign: (SHA256.Digest) throws -> [UInt8]) throws -> [UInt8] {
        guard written == expected else { throw BackupError("the header names \(expected) records, \(written) were written") }
        let signature = try sign(hash.finalize())
        return BackupFormat.length(signature.count) + signature
    }
}

/// What a checked backup holds.
public struct BackupSummary: Sendable {
    public var header: BackupHeader
    /// Record counts by kind: "seal", "users", "user-names", "objects", "system", "other".
    public var kinds: [String: Int]
    public var bytes: Int
}

/// Reads and checks a backup file.
public enum BackupReader {
    /// Checks the file at `path` offline: its structure, that it holds exactly the records its header
    /// names, and the CA's signature over all of it; with `trustedCA` (PEM), also that the file was
    /// signed by that CA. Hands each record to `each`, which may throw to stop.
    @discardableResult
    public static func verify(
        path: String, trustedCA: String? = nil, each: (_ key: [UInt8], _ value: [UInt8]) throws -> Void = { _, _ in }
    ) throws -> BackupSummary {
        guard let file = FileHandle(forReadingAtPath: path) else { throw BackupError("cannot read \(path)") }
        defer { try? file.close() }
        var reader = Reader(file: file)
        var hash = SHA256()
        func take(_ count: Int, _ what: String) throws -> [UInt8] {
            let bytes = try reader.read(count)
            guard bytes.count == count else { throw BackupError("the file ends inside \(what) (cut short)") }
            hash.update(data: bytes)
            return bytes
        }
        func length(_ what: String, limit: Int) throws -> Int {
            let value = try take(4, what).reduce(0) { $0 << 8 | Int($1) }
            guard value <= limit else { throw BackupError("\(what) claims \(value) bytes (at most \(limit))") }
            return value
        }
        guard try take(8, "the magic") == BackupFormat.magic else { throw BackupError("not a Coffer backup") }
        let version = try take(2, "the version").reduce(0) { $0 << 8 | UInt16($1) }
        guard version == BackupFormat.version else { throw BackupError("backup format version \(version) is not known") }
        let headerBytes = try take(try length("the header", limit: BackupFormat.maxHeader), "the header")
        let header: BackupHeader
        do { header = try JSONDecoder().decode(BackupHeader.self, from: Data(headerBytes)) } catch {
            throw BackupError("the header is not valid: \(error)")
        }
        guard header.records >= 1 else { throw BackupError("the header names no records") }
        var kinds: [String: Int] = [:]
        for index in 0..<header.records {
            let key = try take(try length("record \(index + 1)'s key", limit: BackupFormat.maxKey), "record \(index + 1)'s key")
            let value = try take(try length("record \(index + 1)'s value", limit: BackupFormat.maxValue), "record \(index + 1)'s value")
            kinds[kind(of: key), default: 0] += 1
            try each(key, value)
        }
        let digest = hash.finalize()
        let signatureLength = try reader.read(4)
        guard signatureLength.count == 4 else { throw BackupError("the file ends before its signature (cut short)") }
        let signatureBytes = try reader.read(signatureLength.reduce(0) { $0 << 8 | Int($1) })
        guard try reader.read(1).isEmpty else { throw BackupError("bytes follow the signature") }
        let ca: Certificate
        do { ca = try Certificate(pemEncoded: header.caCertificate) } catch { throw BackupError("the header's CA certificate does not parse") }
        if let trustedCA {
            guard let trusted = try? Certificate(pemEncoded: trustedCA), trusted == ca else {
                throw BackupError("the backup was signed by another cluster's CA than the one given")
            }
        }
        guard let key = P256.Signing.PublicKey(ca.publicKey),
            let signature = try? P256.Signing.ECDSASignature(derRepresentation: signatureBytes),
            key.isValidSignature(signature, for: digest)
        else { throw BackupError("the signature does not match the contents: the file was changed or is not whole") }
        return BackupSummary(header: header, kinds: kinds, bytes: reader.offset)
    }

    /// The kind of a record, by its store key.
    static func kind(of key: [UInt8]) -> String {
        let text = String(decoding: key, as: UTF8.self)
        if text == "coffer/v1/seal" { return "seal" }
        for (prefix, name) in [("coffer/v1/d/u/", "users"), ("coffer/v1/d/n/", "user-names"), ("coffer/v1/d/o/", "objects"), ("coffer/v1/d/s/", "system")]
        where text.hasPrefix(prefix) {
            return name
        }
        return "other"
    }

    /// Buffered reads of exact lengths.
    struct Reader {
        let file: FileHandle
        var buffer: [UInt8] = []
        var position = 0
        var offset = 0

        mutating func read(_ count: Int) throws -> [UInt8] {
            while buffer.count - position < count {
                let more = try file.read(upToCount: max(1 << 20, count)) ?? Data()
                if more.isEmpty { break }
                buffer = Array(buffer[position...]) + more
                position = 0
            }
            let end = min(buffer.count, position + count)
            let bytes = Array(buffer[position..<end])
            position = end
            offset += bytes.count
            return bytes
        }
    }
}
