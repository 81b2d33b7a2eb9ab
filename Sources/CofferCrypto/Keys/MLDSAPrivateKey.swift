// An ML-DSA private key (CKK_ML_DSA, FIPS 204), stored as its 32-byte seed.

import Crypto

/// An ML-DSA-65 or ML-DSA-87 private key.
public struct MLDSAPrivateKey: PrivateKeyMaterial {
    enum Storage: Sendable {
        case mlDSA65(MLDSA65.PrivateKey)
        case mlDSA87(MLDSA87.PrivateKey)
    }

    let storage: Storage
    private let mldsaPublicKey: MLDSAPublicKey

    /// Generates a new key.
    public init(generating set: MLDSAParameterSet) throws(CryptoError) {
        do {
            switch set {
            case .mlDSA65: self.init(.mlDSA65(try MLDSA65.PrivateKey()))
            case .mlDSA87: self.init(.mlDSA87(try MLDSA87.PrivateKey()))
            }
        } catch {
            throw .backendFailure("ML-DSA key generation: \(error)")
        }
    }

    /// Rebuilds a key from its seed (FIPS 204 ML-DSA.KeyGen_internal).
    public init(parameterSet set: MLDSAParameterSet, seed: SecretBytes) throws(CryptoError) {
        do {
            switch set {
            case .mlDSA65:
                self.init(.mlDSA65(try seed.withUnsafeBytes { try MLDSA65.PrivateKey(seedRepresentation: $0, publicKey: nil) }))
            case .mlDSA87:
                self.init(.mlDSA87(try seed.withUnsafeBytes { try MLDSA87.PrivateKey(seedRepresentation: $0, publicKey: nil) }))
            }
        } catch {
            throw .keyEncodingInvalid("ML-DSA seed must be 32 bytes")
        }
    }

    private init(_ storage: Storage) {
        self.storage = storage
        switch storage {
        case .mlDSA65(let key): mldsaPublicKey = MLDSAPublicKey(.mlDSA65(key.publicKey))
        case .mlDSA87(let key): mldsaPublicKey = MLDSAPublicKey(.mlDSA87(key.publicKey))
        }
    }

    public var parameterSet: MLDSAParameterSet { mldsaPublicKey.parameterSet }
    public var algorithm: AsymmetricAlgorithm { .mlDSA(parameterSet) }
    public var keySizeInBits: Int { mldsaPublicKey.keySizeInBits }
    public var publicKey: any PublicKeyMaterial { mldsaPublicKey }

    public func serialized() -> SecretBytes {
        switch storage {
        case .mlDSA65(let key): SecretBytes(key.seedRepresentation)
        case .mlDSA87(let key): SecretBytes(key.seedRepresentation)
        }
    }

    /// A hedged (randomised) ML-DSA signature with `context` (at most 255 bytes).
    func signature(for message: [UInt8], context: [UInt8]) throws(CryptoError) -> [UInt8] {
        do {
            switch storage {
            case .mlDSA65(let key): return Array(try key.signature(for: message, context: context))
            case .mlDSA87(let key): return Array(try key.signature(for: message, context: context))
            }
        } catch {
            throw .backendFailure("ML-DSA signing: \(error)")
        }
    }
}
