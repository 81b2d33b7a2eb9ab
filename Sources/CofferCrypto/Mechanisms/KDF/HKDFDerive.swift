// CKM_HKDF_DERIVE (PKCS#11 3.0 section 2.43.x, RFC 5869) on swift-crypto's HKDF: extract, expand,
// or both, with SHA-256, SHA-384 or SHA-512.

import Crypto

/// HKDF key derivation from a secret base key.
public struct HKDFDerive: DeriveMechanism {
    /// Base key lengths accepted, in bytes.
    static let keyByteCounts: ClosedRange<Int> = 1...512

    public init() {}

    public var type: MechanismType { .hkdfDerive }

    public var info: MechanismInfo {
        MechanismInfo(
            minKeySize: UInt(Self.keyByteCounts.lowerBound),
            maxKeySize: UInt(Self.keyByteCounts.upperBound),
            flags: [.derive]
        )
    }

    /// Extract and expand gives `outputByteCount` bytes (1 to 255 hash lengths); extract alone gives the
    /// pseudorandom key, whose length is the hash length; expand alone treats the base key as that key.
    public func derive(baseKey: KeyMaterial, parameters: MechanismParameters, outputByteCount: Int?) throws(CryptoError) -> SymmetricKey {
        guard case .secret(let base) = baseKey else { throw .keyTypeInconsistent("HKDF needs a secret base key") }
        guard Self.keyByteCounts.contains(base.bitCount / 8) else {
            throw .keySizeRange("HKDF base keys are 1 to 512 bytes, not \(base.bitCount / 8)")
        }
        guard case .hkdf(let hkdf) = parameters else { throw .mechanismParamInvalid("CKM_HKDF_DERIVE needs CK_HKDF_PARAMS") }
        return switch hkdf.hash {
        case .sha256: try Self.derive(SHA256.self, base, hkdf, outputByteCount)
        case .sha384: try Self.derive(SHA384.self, base, hkdf, outputByteCount)
        case .sha512: try Self.derive(SHA512.self, base, hkdf, outputByteCount)
        default: throw .mechanismParamInvalid("HKDF hash must be SHA-256, SHA-384 or SHA-512")
        }
    }

    private static func derive<H: HashFunction>(
        _: H.Type,
        _ base: SymmetricKey,
        _ parameters: HKDFParameters,
        _ requested: Int?
    ) throws(CryptoError) -> SymmetricKey {
        let hashLength = H.Digest.byteCount
        let outputByteCount = requested ?? hashLength
        switch (parameters.extract, parameters.expand) {
        case (true, false):
            guard outputByteCount == hashLength else {
                throw .keySizeRange("HKDF extract gives \(hashLength) bytes, not \(outputByteCount)")
            }
            let prk = HKDF<H>.extract(inputKeyMaterial: base, salt: parameters.salt)
            return SymmetricKey(data: prk)
        case (true, true):
            try checkExpandLength(outputByteCount, hashLength: hashLength)
            return HKDF<H>.deriveKey(
                inputKeyMaterial: base,
                salt: parameters.salt,
                info: parameters.info,
                outputByteCount: outputByteCount
            )
        case (false, true):
            try checkExpandLength(outputByteCount, hashLength: hashLength)
            // RFC 5869 section 2.3: the pseudorandom key is at least one hash length.
            guard base.bitCount / 8 >= hashLength else {
                throw .keySizeRange("HKDF expand needs a key of at least \(hashLength) bytes")
            }
            return base.withUnsafeBytes { prk in
                HKDF<H>.expand(pseudoRandomKey: prk, info: parameters.info, outputByteCount: outputByteCount)
            }
        case (false, false):
            throw .mechanismParamInvalid("HKDF must extract, expand or both")
        }
    }

    // RFC 5869 section 2.3: L <= 255 * HashLen. swift-crypto traps outside 1...that, so check first.
    private static func checkExpandLength(_ count: Int, hashLength: Int) throws(CryptoError) {
        guard (1...255 * hashLength).contains(count) else {
            throw .keySizeRange("HKDF output must be 1 to \(255 * hashLength) bytes, not \(count)")
        }
    }
}
