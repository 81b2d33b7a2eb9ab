// CKM_ML_KEM (PKCS#11 3.2): encapsulate to a public key, decapsulate with the private key.

import Crypto

/// ML-KEM key encapsulation.
public struct MLKEMEncapsulation: EncapsulationMechanism {
    public init() {}

    public var type: MechanismType { .mlKEM }
    public var info: MechanismInfo {
        MechanismInfo(minKeySize: MLKEMParameterSet.mlKEM768.rawValue, maxKeySize: MLKEMParameterSet.mlKEM1024.rawValue, flags: [.encapsulate, .decapsulate])
    }

    public func encapsulate(publicKey: KeyMaterial) throws(CryptoError) -> (ciphertext: [UInt8], sharedSecret: SymmetricKey) {
        try publicKey.publicKey(MLKEMPublicKey.self, orPublicHalfOf: MLKEMPrivateKey.self, for: type).encapsulate()
    }

    public func decapsulate(_ ciphertext: [UInt8], privateKey: KeyMaterial) throws(CryptoError) -> SymmetricKey {
        try privateKey.privateKey(MLKEMPrivateKey.self, for: type).decapsulate(ciphertext)
    }
}
