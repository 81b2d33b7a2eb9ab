// An ML-DSA public key (CKK_ML_DSA, FIPS 204), stored in the FIPS 204 encoding.

import Crypto

/// An ML-DSA-65 or ML-DSA-87 public key.
public struct MLDSAPublicKey: PublicKeyMaterial {
    enum Storage: Sendable {
        case mlDSA65(MLDSA65.PublicKey)
        case mlDSA87(MLDSA87.PublicKey)
    }

    let storage: Storage

    init(_ storage: Storage) { self.storage = storage }

    /// Parses the FIPS 204 public key encoding.
    public init(parameterSet set: MLDSAParameterSet, encoded: [UInt8]) throws(CryptoError) {
        do {
            switch set {
            case .mlDSA65: storage = .mlDSA65(try MLDSA65.PublicKey(rawRepresentation: encoded))
            case .mlDSA87: storage = .mlDSA87(try MLDSA87.PublicKey(rawRepresentation: encoded))
            }
        } catch {
            throw .keyEncodingInvalid("not an ML-DSA public key of this parameter set")
        }
    }

    public var parameterSet: MLDSAParameterSet {
        switch storage {
        case .mlDSA65: .mlDSA65
        case .mlDSA87: .mlDSA87
        }
    }

    public var algorithm: AsymmetricAlgorithm { .mlDSA(parameterSet) }
    /// The NIST security strength in bits (192 for ML-DSA-65, 256 for ML-DSA-87).
    public var keySizeInBits: Int { parameterSet == .mlDSA65 ? 192 : 256 }

    public var serialized: [UInt8] {
        switch storage {
        case .mlDSA65(let key): Array(key.rawRepresentation)
        case .mlDSA87(let key): Array(key.rawRepresentation)
        }
    }

    func isValidSignature(_ signature: [UInt8], for message: [UInt8], context: [UInt8]) -> Bool {
        switch storage {
        case .mlDSA65(let key): key.isValidSignature(signature, for: message, context: context)
        case .mlDSA87(let key): key.isValidSignature(signature, for: message, context: context)
        }
    }

    /// The signature length of this parameter set (FIPS 204 table 2).
    var signatureByteCount: Int { parameterSet == .mlDSA65 ? 3309 : 4627 }
}
