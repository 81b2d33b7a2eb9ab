// The node's data folder: where each file lives and with which mode. docs/operations.md lists the
// same layout; change both together.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The files of one node's data folder.
public struct DataDirectory: Sendable {
    /// The folder (mode 0700).
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var store: String { path + "/store.sqlite" }
    /// The lock file a running cofferd holds (`DataDirectoryLock`); it contains the holder's PID.
    public var lock: String { path + "/cofferd.lock" }
    public var nodeID: String { path + "/node-id" }
    /// The node's identity keys (NodeIdentity), owner-only in an owner-only folder.
    public var identity: String { path + "/identity" }
    public var identityKeys: String { identity + "/keys" }
    public var tls: String { path + "/tls" }
    public var serverCertificate: String { tls + "/server.pem" }
    /// The node's TLS key: on disk (0600) because the node must serve mTLS before it is unsealed.
    public var serverKey: String { tls + "/server-key.pem" }
    public var caCertificate: String { tls + "/ca.pem" }
    public var bootstrap: String { path + "/bootstrap" }
    public var bootstrapCertificate: String { bootstrap + "/ca.pem" }
    /// Dev mode only: the 1-of-1 unseal share (0600).
    public var devUnsealShare: String { path + "/dev-unseal-share" }
    /// Dev mode only: the client bundle.
    public var client: String { path + "/client" }

    /// Creates the folder (0700) and its parents when missing.
    public func create() throws {
        try Self.makeFolder(path)
    }

    /// Creates `folder` with mode 0700 (parents too), and tightens the mode of an existing one.
    static func makeFolder(_ folder: String) throws {
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard chmod(folder, 0o700) == 0 else { throw DataDirectoryError.cannotWrite(folder) }
    }

    /// Writes `contents` to `file` with `mode`, atomically (a temporary file renamed over it), so that
    /// a crash leaves either the old or the new file and a secret file is never briefly world-readable.
    static func write(_ contents: String, to file: String, mode: mode_t) throws {
        let temporary = file + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw DataDirectoryError.cannotWrite(file) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var ok = fchmod(fd, mode) == 0
        do {
            try handle.write(contentsOf: Data(contents.utf8))
            try handle.synchronize()
            try handle.close()
        } catch { ok = false }
        guard ok, rename(temporary, file) == 0 else {
            unlink(temporary)
            throw DataDirectoryError.cannotWrite(file)
        }
    }

    /// The contents of `file`, or nil when it does not exist.
    static func read(_ file: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            throw DataDirectoryError.cannotRead(file)
        }
        return text
    }

    /// This node's identifier, made (random) on first start.
    public func loadOrCreateNodeID() throws -> String {
        if let text = try Self.read(nodeID)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            return text
        }
        var generator = SystemRandomNumberGenerator()
        let id =
            "node-"
            + (0..<8).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        try Self.write(id + "\n", to: nodeID, mode: 0o644)
        return id
    }
}

/// A data-folder file that could not be read or written.
public enum DataDirectoryError: Error, Equatable, CustomStringConvertible {
    case cannotWrite(String)
    case cannotRead(String)
    case missing(String)

    public var description: String {
        switch self {
        case .cannotWrite(let path): "cannot write \(path)"
        case .cannotRead(let path): "cannot read \(path)"
        case .missing(let path): "\(path) is missing"
        }
    }
}
