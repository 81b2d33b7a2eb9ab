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

    private var hash: MessageHash {
        switch variant {
        case .sha256: .sha256
        case .sha384: .sha384
        case .sha512: .sha512
        }
    }

    public var messageHash: MessageHash? { hash }

    public func digest(_ data: [UInt8]) throws(CryptoError) -> [UInt8] { hash.hash(data) }
}
