// CKM_ECDH1_DERIVE for NIST-curve keys and X25519 (CKK_EC_MONTGOMERY, PKCS#11 3.0 section 2.3.13),
// with CKD_NULL only: the output is the raw shared secret, truncated to the requested length.

import Crypto

/// Elliptic-curve Diffie-Hellman without a KDF.
public struct ECDH1Derive: DeriveMechanism {
    public init() {}

    public var type: MechanismType { .ecdh1Derive }
    public var info: MechanismInfo { ECDSASignature.curveInfo([.derive]) }

    public func derive(baseKey: KeyMaterial, parameters: MechanismParameters, outputByteCount requested: Int?) throws(CryptoError)
        -> SymmetricKey
    {
        guard case .ecdh(let kdf, let sharedData, let publicData) = parameters else {
            throw .mechanismParamInvalid("CKM_ECDH1_DERIVE needs CK_ECDH1_DERIVE_PARAMS")
        }
        // PKCS#11 3.0 section 2.3.15: with CKD_NULL there must be no shared data.
        guard kdf == .null, sharedData.isEmpty else {
            throw .mechanismParamInvalid("only CKD_NULL without shared data is supported")
        }
        guard case .privateKey(let key) = baseKey else { throw .keyTypeInconsistent("ECDH needs a private key") }
        let secret: SecretBytes
        switch key {
        case let ecKey as ECPrivateKey: secret = try ecKey.sharedSecret(with: publicData)
        case let montgomeryKey as X25519PrivateKey: secret = try montgomeryKey.sharedSecret(with: publicData)
        default: throw .keyTypeInconsistent("ECDH needs an EC or X25519 private key")
        }
        let outputByteCount = requested ?? secret.count
        guard (1...secret.count).contains(outputByteCount) else {
            throw .keySizeRange("ECDH gives at most \(secret.count) bytes, not \(outputByteCount)")
        }
        return secret.withUnsafeBytes { SymmetricKey(data: $0.prefix(outputByteCount)) }
    }
}
