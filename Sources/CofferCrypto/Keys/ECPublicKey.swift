// An EC public key on a NIST curve (CKK_EC), stored as SubjectPublicKeyInfo DER.

import Crypto

/// A P-256, P-384 or P-521 public key.
public struct ECPublicKey: PublicKeyMaterial {
    enum Storage: Sendable {
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
        case p521(P521.Signing.PublicKey)
    }

    let storage: Storage

    init(_ storage: Storage) { self.storage = storage }

    /// Parses SubjectPublicKeyInfo DER, an uncompressed point (04 || x || y) on `curve`, or that
    /// point in a DER OCTET STRING (the CKA_EC_POINT form, which PKCS#11 3.0 section 2.3.11
    /// allows for CK_ECDH1_DERIVE_PARAMS.pPublicData too).
    public init(curve: ECCurve, encoded: [UInt8]) throws(CryptoError) {
        let pointLength = 1 + 2 * curve.coordinateByteCount
        let octetStringHeader: [UInt8] = pointLength < 128 ? [0x04, UInt8(pointLength)] : [0x04, 0x81, UInt8(pointLength)]
        var bytes = encoded
        if encoded.count == octetStringHeader.count + pointLength, encoded.starts(with: octetStringHeader) {
            bytes = Array(encoded.dropFirst(octetStringHeader.count))
        }
        do {
            let isPoint = bytes.first == 0x04 && bytes.count == pointLength
            switch curve {
            case .p256:
                storage = .p256(try isPoint ? .init(x963Representation: bytes) : .init(derRepresentation: bytes))
            case .p384:
                storage = .p384(try isPoint ? .init(x963Representation: bytes) : .init(derRepresentation: bytes))
            case .p521:
                storage = .p521(try isPoint ? .init(x963Representation: bytes) : .init(derRepresentation: bytes))
            }
        } catch {
            throw .keyEncodingInvalid("not a \(curve.rawValue) public key")
        }
    }

    public var curve: ECCurve {
        switch storage {
        case .p256: .p256
        case .p384: .p384
        case .p521: .p521
        }
    }

    public var algorithm: AsymmetricAlgorithm { .ec(curve) }
    public var keySizeInBits: Int { curve.fieldBits }

    public var serialized: [UInt8] {
        switch storage {
        case .p256(let key): Array(key.derRepresentation)
        case .p384(let key): Array(key.derRepresentation)
        case .p521(let key): Array(key.derRepresentation)
        }
    }

    /// The uncompressed point 04 || x || y (the value inside CKA_EC_POINT's OCTET STRING).
    public var uncompressedPoint: [UInt8] {
        switch storage {
        case .p256(let key): Array(key.x963Representation)
        case .p384(let key): Array(key.x963Representation)
        case .p521(let key): Array(key.x963Representation)
        }
    }

    /// Verifies a raw r || s signature over `digest` (any length; ECDSA truncates it to the order).
    func isValidSignature(_ signature: [UInt8], digest: [UInt8]) throws(CryptoError) -> Bool {
        guard signature.count == 2 * curve.coordinateByteCount else {
            throw .signatureLenRange("ECDSA signature on \(curve.rawValue) is \(2 * curve.coordinateByteCount) bytes")
        }
        let prehashed = PrehashedDigest(digest)
        switch storage {
        case .p256(let key):
            guard let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(sig, for: prehashed)
        case .p384(let key):
            guard let sig = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(sig, for: prehashed)
        case .p521(let key):
            guard let sig = try? P521.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(sig, for: prehashed)
        }
    }
}

extension ECCurve {
    /// The field size in bits (CKA_EC_PARAMS' curve size, and MechanismInfo's unit for EC).
    public var fieldBits: Int {
        switch self {
        case .p256: 256
        case .p384: 384
        case .p521: 521
        }
    }

    /// Bytes in one coordinate, and so in each of r and s.
    public var coordinateByteCount: Int { (fieldBits + 7) / 8 }
}
