// Which key types and operations each operation mechanism accepts: the model's view of the
// mechanism tables of PKCS#11 v3.0 "Current Mechanisms" §2 (and v3.2 for ML-DSA/ML-KEM).

import CofferCrypto

/// The key types a mechanism works with and the operations it performs.
public struct MechanismKeyUse: Sendable, Hashable {
    public let keyTypes: Set<KeyType>
    public let operations: Set<KeyOperation>
}

extension MechanismType {
    /// How this mechanism uses keys, or nil for mechanisms that take no key or that Coffer does not know.
    public var keyUse: MechanismKeyUse? { Self.keyUses[self] }

    private static let keyUses: [MechanismType: MechanismKeyUse] = {
        let cipher: Set<KeyOperation> = [.encrypt, .decrypt, .wrap, .unwrap]
        let signature: Set<KeyOperation> = [.sign, .verify]
        var table: [MechanismType: MechanismKeyUse] = [:]
        func add(_ mechanisms: [MechanismType], _ keyTypes: Set<KeyType>, _ operations: Set<KeyOperation>) {
            for m in mechanisms { table[m] = MechanismKeyUse(keyTypes: keyTypes, operations: operations) }
        }
        add([.rsaPKCS], [.rsa], cipher.union(signature).union([.signRecover, .verifyRecover]))
        add([.rsaPKCSOAEP], [.rsa], cipher)
        add([.rsaPKCSPSS, .sha256RSAPKCS, .sha384RSAPKCS, .sha512RSAPKCS, .sha256RSAPKCSPSS, .sha384RSAPKCSPSS, .sha512RSAPKCSPSS], [.rsa], signature)
        add([.ecdsa, .ecdsaSHA256, .ecdsaSHA384, .ecdsaSHA512], [.ec], signature)
        // v3.0 §2.3.16: CKM_ECDH1_DERIVE also takes Montgomery (X25519) keys.
        add([.ecdh1Derive], [.ec, .ecMontgomery], [.derive])
        add([.eddsa], [.ecEdwards], signature)
        add([.aesECB, .aesCBC, .aesCBCPad, .aesCTR, .aesGCM, .aesKeyWrap, .aesKeyWrapKWP], [.aes], cipher)
        add([.aesCMAC], [.aes], signature)
        add([.sha256HMAC], [.genericSecret, .sha256HMAC], signature)
        add([.sha384HMAC], [.genericSecret, .sha384HMAC], signature)
        add([.sha512HMAC], [.genericSecret, .sha512HMAC], signature)
        add([.hkdfDerive, .hkdfData], [.genericSecret], [.derive])
        add([.mlDSA], [.mlDSA], signature)
        add([.mlKEM], [.mlKEM], [.encapsulate, .decapsulate])
        return table
    }()
}
