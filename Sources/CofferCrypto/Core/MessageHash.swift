// The SHA-2 hashes that hash-then-sign mechanisms and digests apply to a whole message, and a
// running hash of one, so that a multi-part operation hashes its parts as they arrive instead of
// holding the message (a 1 GiB file signs in flat memory).

import Crypto

/// A SHA-2 hash applied to a whole message.
public enum MessageHash: Sendable, Equatable {
    case sha256, sha384, sha512

    /// The digest length in bytes.
    public var byteCount: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// The digest of `data`.
    public func hash(_ data: [UInt8]) -> [UInt8] {
        var running = IncrementalHash(self)
        running.update(data)
        return running.finalize()
    }
}

/// A hash fed part by part. A value: copying it copies the hash state.
public struct IncrementalHash: Sendable {
    private enum State: Sendable {
        case sha256(SHA256), sha384(SHA384), sha512(SHA512)
    }

    private var state: State
    /// The number of bytes hashed so far.
    public private(set) var byteCount = 0

    public init(_ hash: MessageHash) {
        switch hash {
        case .sha256: state = .sha256(SHA256())
        case .sha384: state = .sha384(SHA384())
        case .sha512: state = .sha512(SHA512())
        }
    }

    /// Hashes `bytes` after what came before.
    public mutating func update(_ bytes: [UInt8]) {
        byteCount += bytes.count
        switch state {
        case .sha256(var hasher):
            hasher.update(data: bytes)
            state = .sha256(hasher)
        case .sha384(var hasher):
            hasher.update(data: bytes)
            state = .sha384(hasher)
        case .sha512(var hasher):
            hasher.update(data: bytes)
            state = .sha512(hasher)
        }
    }

    /// The digest of everything hashed so far.
    public func finalize() -> [UInt8] {
        switch state {
        case .sha256(let hasher): Array(hasher.finalize())
        case .sha384(let hasher): Array(hasher.finalize())
        case .sha512(let hasher): Array(hasher.finalize())
        }
    }
}

/// Which hash a hash-then-sign mechanism applies to its input: none (`raw`: the input is the hash, or
/// a DigestInfo) or a SHA-2 of the message.
public enum SignatureHashVariant: Sendable, Equatable {
    case raw, sha256, sha384, sha512

    /// The message hash; nil for `raw`.
    public var messageHash: MessageHash? {
        switch self {
        case .raw: nil
        case .sha256: .sha256
        case .sha384: .sha384
        case .sha512: .sha512
        }
    }
}

