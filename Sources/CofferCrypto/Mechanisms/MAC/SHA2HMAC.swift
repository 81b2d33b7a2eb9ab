// CKM_SHA256_HMAC, CKM_SHA384_HMAC and CKM_SHA512_HMAC on swift-crypto's HMAC, with full-length
// MACs (the truncating variants are the *_HMAC_GENERAL mechanisms, which Coffer does not offer).

import Crypto

/// HMAC with a SHA-2 hash over a generic secret key, computed with C_Sign and checked with C_Verify.
public struct SHA2HMAC: SignatureMechanism {
    public enum Variant: Sendable { case sha256, sha384, sha512 }
    public let variant: Variant

    /// Generic secret key lengths accepted, in bytes (the range CKM_GENERIC_SECRET_KEY_GEN makes).
    static let keyByteCounts: ClosedRange<Int> = 1...512

    public init(_ variant: Variant) {
        self.variant = variant
    }

    public var type: MechanismType {
        switch variant {
        case .sha256: .sha256HMAC
        case .sha384: .sha384HMAC
        case .sha512: .sha512HMAC
        }
    }

    public var info: MechanismInfo {
        MechanismInfo(
            minKeySize: UInt(Self.keyByteCounts.lowerBound),
            maxKeySize: UInt(Self.keyByteCounts.upperBound),
            flags: [.sign, .verify]
        )
    }

    /// The MAC length in bytes.
    public var macByteCount: Int {
        switch variant {
        case .sha256: SHA256.byteCount
        case .sha384: SHA384.byteCount
        case .sha512: SHA512.byteCount
        }
    }

    public func sign(_ data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let key = try Self.secret(key, parameters)
        return switch variant {
        case .sha256: Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
        case .sha384: Array(HMAC<SHA384>.authenticationCode(for: data, using: key))
        case .sha512: Array(HMAC<SHA512>.authenticationCode(for: data, using: key))
        }
    }

    public func verify(_ signature: [UInt8], for data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) {
        let key = try Self.secret(key, parameters)
        guard signature.count == macByteCount else {
            throw .signatureLenRange("this HMAC is \(macByteCount) bytes, not \(signature.count)")
        }
        // isValidAuthenticationCode compares in constant time.
        let valid = switch variant {
        case .sha256: HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: data, using: key)
        case .sha384: HMAC<SHA384>.isValidAuthenticationCode(signature, authenticating: data, using: key)
        case .sha512: HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: data, using: key)
        }
        guard valid else { throw .signatureInvalid }
    }

    private static func secret(_ key: KeyMaterial, _ parameters: MechanismParameters) throws(CryptoError) -> SymmetricKey {
        guard case .secret(let secret) = key else { throw .keyTypeInconsistent("HMAC needs a secret key") }
        guard keyByteCounts.contains(secret.bitCount / 8) else {
            throw .keySizeRange("HMAC keys are 1 to 512 bytes, not \(secret.bitCount / 8)")
        }
        guard parameters == .none else { throw .mechanismParamInvalid("HMAC takes no parameter") }
        return secret
    }
}
