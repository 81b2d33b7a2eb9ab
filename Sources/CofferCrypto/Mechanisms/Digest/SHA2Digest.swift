// CKM_SHA256, CKM_SHA384 and CKM_SHA512 on swift-crypto.

import Crypto

/// A SHA-2 message digest.
public struct SHA2Digest: DigestMechanism {
    public enum Variant: Sendable { case sha256, sha384, sha512 }
    public let variant: Variant

    public init(_ variant: Variant) { self.variant = variant }

    public var type: MechanismType {
        switch variant {
        case .sha256: .sha256
        case .sha384: .sha384
        case .sha512: .sha512
        }
    }

    public var info: MechanismInfo { MechanismInfo(minKeySize: 0, maxKeySize: 0, flags: [.digest]) }

    public func digest(_ data: [UInt8]) throws(CryptoError) -> [UInt8] {
        switch variant {
        case .sha256: Array(SHA256.hash(data: data))
        case .sha384: Array(SHA384.hash(data: data))
        case .sha512: Array(SHA512.hash(data: data))
        }
    }
}
