// Lets swift-crypto's digest-taking ECDSA APIs sign and verify a hash computed elsewhere, which
// CKM_ECDSA needs: its input is the caller's hash, of any length (ECDSA truncates it to the order).

import Crypto

/// Bytes that swift-crypto treats as a digest. Its ECDSA reads only the bytes, never `byteCount`.
struct PrehashedDigest: Digest {
    /// Not meaningful for a variable-length hash; swift-crypto's ECDSA does not read it.
    static var byteCount: Int { 0 }

    private let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }

    var description: String { "PrehashedDigest(\(bytes.count) bytes)" }
}
