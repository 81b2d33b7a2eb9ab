// C_GenerateKey of an AES-256 session object, then C_DestroyObject: the key generation benchmark
// (one operation = both calls, so session objects never pile up).

import CPKCS11

/// Generates and destroys one AES-256 session key.
final class KeyGenerationCall: BenchCall {
    private let module: PKCS11Module
    private let session: CK_SESSION_HANDLE
    private let mechanism = BenchMechanism(CK_MECHANISM_TYPE(CKM_AES_KEY_GEN))
    private let template: AttributeTemplate
    private let token: Bool

    /// - Parameter token: make token objects (a write to the store each) and keep them, labelled
    ///   `KeyGenerationCall.tokenLabel`; otherwise session objects, each destroyed at once.
    init(module: PKCS11Module, session: CK_SESSION_HANDLE, token: Bool = false) {
        self.module = module
        self.session = session
        self.token = token
        var attributes: [AttributeTemplate.Entry] = [
            .ulong(CK_ATTRIBUTE_TYPE(CKA_CLASS), CK_OBJECT_CLASS(CKO_SECRET_KEY)),
            .ulong(CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE), CK_KEY_TYPE(CKK_AES)),
            .bool(CK_ATTRIBUTE_TYPE(CKA_TOKEN), token), .bool(CK_ATTRIBUTE_TYPE(CKA_SENSITIVE), true),
            .bool(CK_ATTRIBUTE_TYPE(CKA_ENCRYPT), true), .ulong(CK_ATTRIBUTE_TYPE(CKA_VALUE_LEN), 32),
        ]
        if token { attributes.append(.string(CK_ATTRIBUTE_TYPE(CKA_LABEL), Self.tokenLabel)) }
        self.template = AttributeTemplate(attributes)
    }

    /// The label of the token keys the token-keygen benchmark leaves behind.
    static let tokenLabel = "coffer-bench-token-keygen"

    func run() throws(PKCS11Error) {
        let key = try module.generateKey(session, mechanism.pointer, template)
        if !token { try module.destroy(session, key) }
    }
}
