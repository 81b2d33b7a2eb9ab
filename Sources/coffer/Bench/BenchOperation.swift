// The catalogue of operations `coffer bench` measures: each names its mechanism, the key it needs,
// and how to build one thread's call once the keys exist.

import CPKCS11

/// One benchmarked operation.
struct BenchOperation: Sendable {
    /// The name on the command line and in reports, e.g. "rsa2048-pkcs".
    let name: String
    /// What one operation is, for --help and the report.
    let summary: String
    /// The mechanisms the token must offer (C_GetMechanismInfo), else the operation is unsupported.
    let mechanisms: [CK_MECHANISM_TYPE]
    /// Prepares keys (on the setup session) and returns the factory of per-thread calls.
    let prepare: @Sendable (BenchToken, Settings) throws(PKCS11Error) -> (_ thread: Int, _ session: CK_SESSION_HANDLE) -> any BenchCall

    /// What the preparation may depend on.
    struct Settings: Sendable {
        /// The size of the find store.
        let findKeys: Int
    }

    /// Every operation, in report order.
    static let all: [BenchOperation] = [
        sign("rsa2048-pkcs", "RSA-2048 CKM_SHA256_RSA_PKCS sign of 64 bytes", .rsa2048, messageLength: 64) {
            BenchMechanism(CK_MECHANISM_TYPE(CKM_SHA256_RSA_PKCS))
        },
        sign("rsa2048-pss", "RSA-2048 CKM_SHA256_RSA_PKCS_PSS sign of 64 bytes (salt 32)", .rsa2048, messageLength: 64) {
            BenchMechanism.pss()
        },
        sign("rsa3072-pkcs", "RSA-3072 CKM_SHA256_RSA_PKCS sign of 64 bytes", .rsa3072, messageLength: 64) {
            BenchMechanism(CK_MECHANISM_TYPE(CKM_SHA256_RSA_PKCS))
        },
        sign("rsa3072-pss", "RSA-3072 CKM_SHA256_RSA_PKCS_PSS sign of 64 bytes (salt 32)", .rsa3072, messageLength: 64) {
            BenchMechanism.pss()
        },
        sign("p256-sign", "P-256 CKM_ECDSA sign of a 32-byte digest", .p256, messageLength: 32) {
            BenchMechanism(CK_MECHANISM_TYPE(CKM_ECDSA))
        },
        BenchOperation(
            name: "p256-verify", summary: "P-256 CKM_ECDSA verify of a 32-byte digest",
            mechanisms: [CK_MECHANISM_TYPE(CKM_ECDSA), BenchKey.p256.generation]
        ) { (token, _) throws(PKCS11Error) in
            let keys = try token.handles(.p256)
            let message = Self.message(32)
            let signer = SignCall(
                module: token.module, session: token.sessions[0], mechanism: BenchMechanism(CK_MECHANISM_TYPE(CKM_ECDSA)),
                key: keys.private, message: message)
            let signature = try signer.sign()
            return { _, session in
                VerifyCall(
                    module: token.module, session: session, mechanism: BenchMechanism(CK_MECHANISM_TYPE(CKM_ECDSA)),
                    key: keys.public, message: message, signature: signature)
            }
        },
        sign("ed25519-sign", "Ed25519 CKM_EDDSA sign of 64 bytes", .ed25519, messageLength: 64) {
            BenchMechanism(CK_MECHANISM_TYPE(CKM_EDDSA))
        },
        BenchOperation(
            name: "aes-gcm-4k", summary: "AES-256 CKM_AES_GCM encrypt of 4 KiB, fresh 12-byte IV",
            mechanisms: [CK_MECHANISM_TYPE(CKM_AES_GCM), BenchKey.aes256.generation]
        ) { (token, _) throws(PKCS11Error) in
            let key = try token.handles(.aes256).private
            return { thread, session in
                GCMEncryptCall(module: token.module, session: session, key: key, plaintextLength: 4096, thread: thread)
            }
        },
        sign("mldsa65-sign", "ML-DSA-65 CKM_ML_DSA (PKCS#11 3.2) sign of 64 bytes", .mldsa65, messageLength: 64) {
            BenchMechanism(BenchMechanism.mlDSA)
        },
        BenchOperation(
            name: "keygen", summary: "AES-256 C_GenerateKey (session object) + C_DestroyObject",
            mechanisms: [CK_MECHANISM_TYPE(CKM_AES_KEY_GEN)]
        ) { (token, _) throws(PKCS11Error) in
            { _, session in KeyGenerationCall(module: token.module, session: session) }
        },
        BenchOperation(
            name: "token-keygen",
            summary: "AES-256 C_GenerateKey of a token object (one store write each), kept, labelled coffer-bench-token-keygen",
            mechanisms: [CK_MECHANISM_TYPE(CKM_AES_KEY_GEN)]
        ) { (token, _) throws(PKCS11Error) in
            { _, session in KeyGenerationCall(module: token.module, session: session, token: true) }
        },
        BenchOperation(
            name: "find", summary: "find by CKA_LABEL (Init, FindObjects, Final) among --keys keys",
            mechanisms: [CK_MECHANISM_TYPE(CKM_AES_KEY_GEN)]
        ) { (token, settings) throws(PKCS11Error) in
            let searches = try token.findSearches(count: settings.findKeys)
            return { thread, session in
                FindCall(module: token.module, session: session, searches: searches, thread: thread)
            }
        },
    ]

    /// The operation called `name`.
    static func named(_ name: String) -> BenchOperation? {
        all.first { $0.name == name }
    }

    /// A signing operation with `key` over a fixed message of `messageLength` bytes.
    private static func sign(
        _ name: String, _ summary: String, _ key: BenchKey, messageLength: Int,
        mechanism: @escaping @Sendable () -> BenchMechanism
    ) -> BenchOperation {
        let type = withExtendedLifetime(mechanism()) { $0.pointer.pointee.mechanism }
        return BenchOperation(name: name, summary: summary, mechanisms: [type, key.generation]) {
            (token, _) throws(PKCS11Error) in
            let handle = try token.handles(key).private
            let message = Self.message(messageLength)
            return { _, session in
                SignCall(module: token.module, session: session, mechanism: mechanism(), key: handle, message: message)
            }
        }
    }

    /// A fixed, recognisable message.
    private static func message(_ length: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    }
}
