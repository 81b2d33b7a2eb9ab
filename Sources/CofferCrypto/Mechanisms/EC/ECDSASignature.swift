// CKM_ECDSA (input is a hash) and CKM_ECDSA_SHA256/384/512 on swift-crypto. Signatures are
// r || s with each half padded to the field size (PKCS#11 3.0 section 2.3.1).

import Crypto

/// ECDSA on P-256, P-384 and P-521.
public struct ECDSASignature: HashThenSignMechanism {
    /// `raw` takes the caller's hash; the others hash the message.
    public typealias Variant = SignatureHashVariant
    public let variant: Variant

    public init(_ variant: Variant) { self.variant = variant }

    public var type: MechanismType {
        switch variant {
        case .raw: .ecdsa
        case .sha256: .ecdsaSHA256
        case .sha384: .ecdsaSHA384
        case .sha512: .ecdsaSHA512
        }
    }

    public var info: MechanismInfo { Self.curveInfo([.sign, .verify]) }

    /// EC mechanisms report field sizes in bits, prime fields, named curves, uncompressed points.
    static func curveInfo(_ flags: MechanismFlags) -> MechanismInfo {
        MechanismInfo(minKeySize: 256, maxKeySize: 521, flags: flags.union([.ecFp, .ecNamedCurve, .ecUncompress]))
    }

    /// The longest hash CKM_ECDSA takes. PKCS#11 sets no limit; ECDSA uses only the leftmost
    /// order-length bits, so anything past SHA-512's length only costs copying.
    static let maximumRawInputLength = 1024

    public var messageHash: MessageHash? { variant.messageHash }

    public func sign(digest: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        try check(digest, parameters)
        let privateKey = try key.privateKey(ECPrivateKey.self, for: type)
        return try privateKey.signature(digest: digest)
    }

    public func verify(
        _ signature: [UInt8], digest: [UInt8], key: KeyMaterial, parameters: MechanismParameters
    ) throws(CryptoError) {
        try check(digest, parameters)
        let publicKey = try key.publicKey(ECPublicKey.self, orPublicHalfOf: ECPrivateKey.self, for: type)
        guard try publicKey.isValidSignature(signature, digest: digest) else { throw .signatureInvalid }
    }

    /// No parameter; CKM_ECDSA's input is a hash of 1 to 1,024 bytes, the others' their hash's length.
    private func check(_ digest: [UInt8], _ parameters: MechanismParameters) throws(CryptoError) {
        guard parameters == .none else { throw .mechanismParamInvalid("\(type) takes no parameter") }
        if let messageHash {
            guard digest.count == messageHash.byteCount else { throw .dataLenRange("\(type) digest must be \(messageHash.byteCount) bytes") }
        } else {
            guard (1...Self.maximumRawInputLength).contains(digest.count) else {
                throw .dataLenRange("CKM_ECDSA input must be 1 to \(Self.maximumRawInputLength) bytes")
            }
        }
    }
}
