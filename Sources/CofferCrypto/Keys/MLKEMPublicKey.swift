// An ML-KEM public key (CKK_ML_KEM, FIPS 203), stored as the FIPS 203 encapsulation key.

import Crypto

/// An ML-KEM-768 or ML-KEM-1024 public key.
public struct MLKEMPublicKey: PublicKeyMaterial {
    enum Storage: Sendable {
        case mlKEM768(MLKEM768.PublicKey)
        case mlKEM1024(MLKEM1024.PublicKey)
    }

    let storage: Storage

    init(_ storage: Storage) { self.storage = storage }

    /// Parses the FIPS 203 encapsulation key encoding.
    public init(parameterSet set: MLKEMParameterSet, encoded: [UInt8]) throws(CryptoError) {
        do {
            switch set {
            case .mlKEM768: storage = .mlKEM768(try MLKEM768.PublicKey(rawRepresentation: encoded))
            case .mlKEM1024: storage = .mlKEM1024(try MLKEM1024.PublicKey(rawRepresentation: encoded))
            }
        } catch {
            throw .keyEncodingInvalid("not an ML-KEM public key of this parameter set")
        }
    }

    public var parameterSet: MLKEMParameterSet {
        switch storage {
        case .mlKEM768: .mlKEM768
        case .mlKEM1024: .mlKEM1024
        }
    }

    public var algorithm: AsymmetricAlgorithm { .mlKEM(parameterSet) }
    /// The NIST security strength in bits (192 for ML-KEM-768, 256 for ML-KEM-1024).
    public var keySizeInBits: Int { parameterSet == .mlKEM768 ? 192 : 256 }

    public var serialized: [UInt8] {
        switch storage {
        case .mlKEM768(let key): Array(key.rawRepresentation)
        case .mlKEM1024(let key): Array(key.rawRepresentation)
        }
    }

    /// The ciphertext length of this parameter set (FIPS 203 table 3).
    var ciphertextByteCount: Int { parameterSet == .mlKEM768 ? 1088 : 1568 }

    func encapsulate() throws(CryptoError) -> (ciphertext: [UInt8], sharedSecret: SymmetricKey) {
        do {
            let result: KEM.EncapsulationResult
            switch storage {
            case .mlKEM768(let key): result = try key.encapsulate()
            case .mlKEM1024(let key): result = try key.encapsulate()
            }
            return (Array(result.encapsulated), result.sharedSecret)
        } catch {
            throw .backendFailure("ML-KEM encapsulation: \(error)")
        }
    }
}
