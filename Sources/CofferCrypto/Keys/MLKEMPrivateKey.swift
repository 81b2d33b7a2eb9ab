// An ML-KEM private key (CKK_ML_KEM, FIPS 203), stored as its 64-byte seed (d || z).

import Crypto

/// An ML-KEM-768 or ML-KEM-1024 private key.
public struct MLKEMPrivateKey: PrivateKeyMaterial {
    enum Storage: Sendable {
        case mlKEM768(MLKEM768.PrivateKey)
        case mlKEM1024(MLKEM1024.PrivateKey)
    }

    let storage: Storage
    private let mlkemPublicKey: MLKEMPublicKey

    /// Generates a new key.
    public init(generating set: MLKEMParameterSet) throws(CryptoError) {
        do {
            switch set {
            case .mlKEM768: self.init(.mlKEM768(try MLKEM768.PrivateKey()))
            case .mlKEM1024: self.init(.mlKEM1024(try MLKEM1024.PrivateKey()))
            }
        } catch {
            throw .backendFailure("ML-KEM key generation: \(error)")
        }
    }

    /// Rebuilds a key from its seed (FIPS 203 ML-KEM.KeyGen_internal with d || z).
    public init(parameterSet set: MLKEMParameterSet, seed: SecretBytes) throws(CryptoError) {
        do {
            switch set {
            case .mlKEM768:
                self.init(.mlKEM768(try seed.withUnsafeBytes { try MLKEM768.PrivateKey(seedRepresentation: $0, publicKey: nil) }))
            case .mlKEM1024:
                self.init(.mlKEM1024(try seed.withUnsafeBytes { try MLKEM1024.PrivateKey(seedRepresentation: $0, publicKey: nil) }))
            }
        } catch {
            throw .keyEncodingInvalid("ML-KEM seed must be 64 bytes")
        }
    }

    private init(_ storage: Storage) {
        self.storage = storage
        switch storage {
        case .mlKEM768(let key): mlkemPublicKey = MLKEMPublicKey(.mlKEM768(key.publicKey))
        case .mlKEM1024(let key): mlkemPublicKey = MLKEMPublicKey(.mlKEM1024(key.publicKey))
        }
    }

    public var parameterSet: MLKEMParameterSet { mlkemPublicKey.parameterSet }
    public var algorithm: AsymmetricAlgorithm { .mlKEM(parameterSet) }
    public var keySizeInBits: Int { mlkemPublicKey.keySizeInBits }
    public var publicKey: any PublicKeyMaterial { mlkemPublicKey }

    public func serialized() -> SecretBytes {
        switch storage {
        case .mlKEM768(let key): SecretBytes(key.seedRepresentation)
        case .mlKEM1024(let key): SecretBytes(key.seedRepresentation)
        }
    }

    func decapsulate(_ ciphertext: [UInt8]) throws(CryptoError) -> SymmetricKey {
        guard ciphertext.count == mlkemPublicKey.ciphertextByteCount else {
            throw .encryptedDataLenRange("ML-KEM ciphertext must be \(mlkemPublicKey.ciphertextByteCount) bytes")
        }
        do {
            switch storage {
            case .mlKEM768(let key): return try key.decapsulate(ciphertext)
            case .mlKEM1024(let key): return try key.decapsulate(ciphertext)
            }
        } catch {
            throw .encryptedDataInvalid
        }
    }
}
