// Hash-then-sign over a running hash, as multi-part sign and verify compute it on the node: the
// digest fed in uneven parts signs exactly as the one-shot message does (CAVP SigGen15 for PKCS#1
// v1.5, which is deterministic), and ECDSA and PSS signatures made either way verify the other way.

import Testing

@testable import CofferCrypto

@Suite struct HashThenSignTests {
    let registry = MechanismRegistry.standard

    /// `data` hashed in parts of 1, 7, 64 and 1000 bytes, round and round.
    static func partwise(_ hash: MessageHash, _ data: [UInt8]) -> [UInt8] {
        var running = IncrementalHash(hash)
        let sizes = [1, 7, 64, 1000]
        var offset = 0
        var part = 0
        while offset < data.count {
            let end = min(offset + sizes[part % sizes.count], data.count)
            part += 1
            running.update(Array(data[offset..<end]))
            offset = end
        }
        running.update([])
        #expect(running.byteCount == data.count)
        return running.finalize()
    }

    /// FIPS 180-2 appendix B: SHA-256("abc"), and a long message whichever way it is cut.
    @Test func partsHashAsTheWhole() {
        #expect(Hex.encode(Self.partwise(.sha256, Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for hash in [MessageHash.sha256, .sha384, .sha512] {
            #expect(Self.partwise(hash, long) == hash.hash(long))
            #expect(Self.partwise(hash, long).count == hash.byteCount)
        }
    }

    @Test func pkcs1OfAPartwiseDigestMatchesCAVP() throws {
        let records = try AsymmetricVectors.sigGenRecords("SigGen15_186-2-subset.txt")
        #expect(records.count == 60)
        for record in records {
            let key = try KnownAnswerTest.rsaKey(record)
            let (mechanism, hash): (MechanismType, MessageHash) = switch record["SHAAlg"] {
            case "SHA256": (.sha256RSAPKCS, .sha256)
            case "SHA384": (.sha384RSAPKCS, .sha384)
            default: (.sha512RSAPKCS, .sha512)
            }
            let signer = try #require(try registry.signature(mechanism) as? any HashThenSignMechanism)
            #expect(signer.messageHash == hash)
            let message = try AsymmetricVectors.hex(record["Msg"], "Msg")
            let signature = try signer.sign(digest: Self.partwise(hash, message), key: .privateKey(key), parameters: .none)
            #expect(Hex.encode(signature) == record["S"]?.lowercased())
            try signer.verify(signature, digest: Self.partwise(hash, message), key: .privateKey(key), parameters: .none)
        }
    }

    @Test(arguments: [
        (MechanismType.ecdsaSHA256, MechanismParameters.none), (.ecdsaSHA384, .none), (.ecdsaSHA512, .none),
        (.sha256RSAPKCSPSS, .pss(hash: .sha256, mgf: .sha256, saltLength: 32)),
    ])
    func partwiseAndWholeSignaturesAgree(_ mechanism: MechanismType, _ parameters: MechanismParameters) throws {
        let key: any PrivateKeyMaterial =
            mechanism == .sha256RSAPKCSPSS
            ? try GeneratedKeys.rsa2048.get()
            : try registry.keyPairGeneration(.ecKeyPairGen).generateKeyPair(.ec(.p384))
        let signer = try #require(try registry.signature(mechanism) as? any HashThenSignMechanism)
        let hash = try #require(signer.messageHash)
        let message = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let partwise = try signer.sign(digest: Self.partwise(hash, message), key: .privateKey(key), parameters: parameters)
        try signer.verify(partwise, for: message, key: .privateKey(key), parameters: parameters)
        let whole = try signer.sign(message, key: .privateKey(key), parameters: parameters)
        try signer.verify(whole, digest: Self.partwise(hash, message), key: .privateKey(key), parameters: parameters)
        var changed = message
        changed[12_345] ^= 1
        #expect(throws: CryptoError.signatureInvalid) {
            try signer.verify(partwise, digest: Self.partwise(hash, changed), key: .privateKey(key), parameters: parameters)
        }
        // A digest of the wrong length is refused, not signed.
        #expect(throws: CryptoError.self) {
            try signer.sign(digest: Array(repeating: 1, count: hash.byteCount - 1), key: .privateKey(key), parameters: parameters)
        }
    }

    /// EdDSA, ML-DSA, HMAC and the raw forms are not hash-then-sign: they stay buffered.
    @Test func onlyTheHashingVariantsRunPartwise() throws {
        for mechanism in [MechanismType.ecdsa, .rsaPKCS, .rsaPKCSPSS] {
            #expect((try registry.signature(mechanism) as? any HashThenSignMechanism)?.messageHash == nil, "\(mechanism)")
        }
        #expect(!(try registry.signature(.eddsa) is any HashThenSignMechanism))
        #expect(try registry.digest(.sha384).messageHash == .sha384)
    }
}
