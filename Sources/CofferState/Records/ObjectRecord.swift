// What one sealed object record holds: the object (public attributes, owner, sharing), the secret
// attributes PKCS#11 defines for it, and the crypto layer's storage form of its key, so that the
// index parses each key exactly once when the record is loaded.

import CofferCrypto
import CofferModel

/// The plaintext of an object record (it is sealed by the `Barrier` before it reaches a store).
struct ObjectRecord {
    static let encodingVersion: UInt8 = 1

    var object: StoredObject
    /// CKA_VALUE of secret keys and other secret components the caller supplied.
    var secretAttributes: AttributeSet
    /// The asymmetric key in the crypto layer's storage form, for generated key pairs.
    var keyBlob: KeyBlob?

    func encoded() -> SecretBytes {
        var w = BinaryWriter()
        w.u8(Self.encodingVersion)
        w.lengthPrefixed(object.encoded)
        w.lengthPrefixed(secretAttributes.encoded)
        if let keyBlob {
            w.u8(1)
            keyBlob.write(to: &w)
        } else {
            w.u8(0)
        }
        var bytes = w.bytes
        return SecretBytes(consuming: &bytes)
    }

    init(object: StoredObject, secretAttributes: AttributeSet, keyBlob: KeyBlob?) {
        self.object = object
        self.secretAttributes = secretAttributes
        self.keyBlob = keyBlob
    }

    init(decoding plaintext: SecretBytes) throws(ModelError) {
        var r = BinaryReader(plaintext.unsafeCopy)
        guard try r.u8() == Self.encodingVersion else { throw .recordCorrupt("unknown object record version") }
        object = try StoredObject(encoded: r.lengthPrefixed())
        secretAttributes = try AttributeSet(encoded: r.lengthPrefixed())
        switch try r.u8() {
        case 0: keyBlob = nil
        case 1: keyBlob = try KeyBlob(from: &r)
        default: throw .recordCorrupt("bad key blob marker")
        }
        try r.finish()
    }
}

/// An asymmetric key in the crypto layer's storage form, tagged with its algorithm.
struct KeyBlob {
    enum Half: UInt8 { case privateKey = 1, publicKey = 2 }

    var half: Half
    var algorithm: AsymmetricAlgorithm
    var bytes: SecretBytes

    init(half: Half, algorithm: AsymmetricAlgorithm, bytes: SecretBytes) {
        self.half = half
        self.algorithm = algorithm
        self.bytes = bytes
    }

    func write(to w: inout BinaryWriter) {
        w.u8(half.rawValue)
        let (tag, parameter) = Self.tag(of: algorithm)
        w.u8(tag)
        w.u8(parameter)
        bytes.withUnsafeBytes { w.lengthPrefixed(Array($0)) }
    }

    init(from r: inout BinaryReader) throws(ModelError) {
        guard let half = Half(rawValue: try r.u8()) else { throw .recordCorrupt("bad key half") }
        self.half = half
        self.algorithm = try Self.algorithm(tag: r.u8(), parameter: r.u8())
        var raw = try r.lengthPrefixed()
        self.bytes = SecretBytes(consuming: &raw)
    }

    /// Parses the key; the index calls this once per record load, never per operation.
    func keyMaterial() throws(CryptoError) -> KeyMaterial {
        switch half {
        case .privateKey: return .privateKey(try KeyCodec.privateKey(algorithm: algorithm, serialized: bytes))
        case .publicKey: return .publicKey(try KeyCodec.publicKey(algorithm: algorithm, serialized: bytes.unsafeCopy))
        }
    }

    private static func tag(of algorithm: AsymmetricAlgorithm) -> (UInt8, UInt8) {
        switch algorithm {
        case .rsa: (1, 0)
        case .ec(.p256): (2, 1)
        case .ec(.p384): (2, 2)
        case .ec(.p521): (2, 3)
        case .ed25519: (3, 0)
        case .ed448: (3, 1)
        case .x25519: (4, 0)
        case .mlDSA(let set): (5, UInt8(set.rawValue))
        case .mlKEM(let set): (6, UInt8(set.rawValue))
        }
    }

    private static func algorithm(tag: UInt8, parameter: UInt8) throws(ModelError) -> AsymmetricAlgorithm {
        switch (tag, parameter) {
        case (1, 0): return .rsa
        case (2, 1): return .ec(.p256)
        case (2, 2): return .ec(.p384)
        case (2, 3): return .ec(.p521)
        case (3, 0): return .ed25519
        case (3, 1): return .ed448
        case (4, 0): return .x25519
        case (5, _):
            guard let set = MLDSAParameterSet(rawValue: UInt(parameter)) else { break }
            return .mlDSA(set)
        case (6, _):
            guard let set = MLKEMParameterSet(rawValue: UInt(parameter)) else { break }
            return .mlKEM(set)
        default: break
        }
        throw .recordCorrupt("unknown key algorithm \(tag)/\(parameter)")
    }
}
