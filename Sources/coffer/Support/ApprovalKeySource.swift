// Where an approver's P-256 approval key lives (docs/quorum.md): a PEM file on their machine, or a
// PKCS#11 token (a smart card, a YubiKey, SoftHSM2) whose private key never leaves it. The CLI signs
// a quorum token's text with it, and reads its public key to register it.

import ArgumentParser
import CPKCS11
import Crypto
import Foundation

/// The options that name an approval key: `--key FILE`, or `--pkcs11-module` with `--key-label`.
struct ApprovalKeyOptions: ParsableArguments {
    @Option(help: "Your approval key's private key (PEM).") var key: String?
    @Option(help: "A PKCS#11 module holding your approval key instead (the private key stays on its token).")
    var pkcs11Module: String?
    @Option(help: "With --pkcs11-module: the label of the P-256 key pair.") var keyLabel: String?
    @Option(help: "With --pkcs11-module: the token's label (default: the first slot with a token).") var tokenLabel: String?
    @Option(help: "With --pkcs11-module: a file holding the token's user PIN (default: $COFFER_APPROVAL_PIN).")
    var pinFile: String?

    /// Whether the options name a PKCS#11 key.
    var onToken: Bool { pkcs11Module != nil }

    func validate() throws {
        if pkcs11Module != nil {
            guard key == nil else { throw ValidationError("give --key FILE or --pkcs11-module, not both") }
            guard keyLabel != nil else { throw ValidationError("--pkcs11-module needs --key-label") }
        } else if keyLabel != nil || tokenLabel != nil || pinFile != nil {
            throw ValidationError("--key-label, --token-label and --pin-file go with --pkcs11-module")
        }
    }

    /// Runs `body` with the token's PIN, from --pin-file (without its line end) or
    /// $COFFER_APPROVAL_PIN (nil when neither is given), and zeroises the PIN's bytes afterwards,
    /// and the file's as soon as they are copied.
    func withPIN<T>(_ body: ([UInt8]?) throws -> T) throws -> T {
        var pin: [UInt8]?
        if let pinFile {
            var data = try SecretFile.read(pinFile)
            defer { data.withUnsafeMutableBytes { Self.zeroise($0) } }
            var end = data.count
            while end > 0, data[end - 1] == UInt8(ascii: "\n") || data[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            pin = Array(data.prefix(end))
        } else {
            pin = ProcessInfo.processInfo.environment["COFFER_APPROVAL_PIN"].map { Array($0.utf8) }
        }
        // Zeroised in place: nothing else holds the array once `body` returned.
        defer { pin?.withUnsafeMutableBytes { Self.zeroise($0) } }
        return try body(pin)
    }

    private static func zeroise(_ bytes: UnsafeMutableRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        explicit_bzero(base, bytes.count)
    }

    /// An ECDSA P-256 signature (DER) over SHA-256 of `text`.
    func sign(_ text: String) throws -> [UInt8] {
        guard let pkcs11Module, let keyLabel else {
            guard let key else { throw ValidationError("give --key FILE, or --pkcs11-module with --key-label") }
            return Array(try UserCommand.RegisterApprovalKey.privateKey(key).signature(for: Data(text.utf8)).derRepresentation)
        }
        return try withPIN { pin in
            guard let pin else { throw CLIError("the token's PIN: give --pin-file FILE or set COFFER_APPROVAL_PIN") }
            return try TokenApprovalKey(module: pkcs11Module, tokenLabel: tokenLabel).with(pin: pin) { token, session in
                let key = try token.one(session, objectClass: CK_OBJECT_CLASS(CKO_PRIVATE_KEY), label: keyLabel)
                var digest = Array(SHA256.hash(data: Data(text.utf8)))
                var raw = [UInt8](repeating: 0, count: 132)
                var mechanism = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(CKM_ECDSA), pParameter: nil, ulParameterLen: 0)
                let length = try digest.withUnsafeMutableBufferPointer { data in
                    try raw.withUnsafeMutableBufferPointer { output in
                        try token.module.sign(
                            session, &mechanism, key: key, data: data.baseAddress!, length: data.count, output: output.baseAddress!,
                            capacity: output.count)
                    }
                }
                // PKCS#11 gives r || s; the cluster checks the DER form.
                guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: raw.prefix(length)) else {
                    throw CLIError("the key \"\(keyLabel)\" on the token made no P-256 signature (\(length) bytes); approval keys are P-256")
                }
                return Array(signature.derRepresentation)
            }
        }
    }

    /// The approval key's public key: from the PEM file (a private or a public key), or the token's
    /// public key object with the label.
    func publicKey() throws -> P256.Signing.PublicKey {
        guard let pkcs11Module, let keyLabel else {
            guard let key else { throw ValidationError("give --key FILE, or --pkcs11-module with --key-label") }
            let text = String(decoding: try SecretFile.read(key), as: UTF8.self)
            if let parsed = try? P256.Signing.PrivateKey(pemRepresentation: text) { return parsed.publicKey }
            if let parsed = try? P256.Signing.PublicKey(pemRepresentation: text) { return parsed }
            throw CLIError("\(key) is not a P-256 key in PEM")
        }
        return try withPIN { pin in
            try TokenApprovalKey(module: pkcs11Module, tokenLabel: tokenLabel).with(pin: pin) { token, session in
                let object = try token.one(session, objectClass: CK_OBJECT_CLASS(CKO_PUBLIC_KEY), label: keyLabel)
                // CKA_EC_POINT is the uncompressed point in a DER OCTET STRING (65 bytes: 04 41 04 x y).
                let point = try token.module.attribute(session, object, CK_ATTRIBUTE_TYPE(CKA_EC_POINT))
                let raw = point.count == 67 && point[0] == 0x04 && point[1] == 0x41 ? Array(point.dropFirst(2)) : point
                guard let key = try? P256.Signing.PublicKey(x963Representation: raw) else {
                    throw CLIError("the public key \"\(keyLabel)\" on the token is not a P-256 key")
                }
                return key
            }
        }
    }
}

/// A session on a PKCS#11 token that holds an approval key.
private struct TokenApprovalKey {
    let module: PKCS11Module
    let tokenLabel: String?

    init(module path: String, tokenLabel: String?) throws {
        module = try PKCS11Module(path: path)
        self.tokenLabel = tokenLabel
    }

    /// Runs `body` in a session on the chosen token, logged in with `pin` when one is given.
    func with<T>(pin: [UInt8]?, _ body: (TokenApprovalKey, CK_SESSION_HANDLE) throws -> T) throws -> T {
        try module.initialize()
        defer { module.finalize() }
        let slots = try module.slotsWithTokens()
        var chosen: CK_SLOT_ID?
        for slot in slots {
            if let tokenLabel, try module.tokenLabel(slot: slot) != tokenLabel { continue }
            chosen = slot
            break
        }
        guard let slot = chosen else {
            throw CLIError(tokenLabel.map { "no token labelled \"\($0)\" in \(module.path)" } ?? "no token in \(module.path)")
        }
        let session = try module.openSession(slot: slot)
        defer { module.closeSession(session) }
        if let pin { try module.login(session, pin: pin) }
        return try body(self, session)
    }

    /// The one object of `objectClass` labelled `label`.
    func one(_ session: CK_SESSION_HANDLE, objectClass: CK_OBJECT_CLASS, label: String) throws -> CK_OBJECT_HANDLE {
        let template = AttributeTemplate([
            .ulong(CK_ATTRIBUTE_TYPE(CKA_CLASS), objectClass), .string(CK_ATTRIBUTE_TYPE(CKA_LABEL), label),
        ])
        let found = try module.find(session, template, limit: 2)
        let kind = objectClass == CK_OBJECT_CLASS(CKO_PRIVATE_KEY) ? "private" : "public"
        guard let object = found.first else { throw CLIError("no \(kind) key labelled \"\(label)\" on the token (is the PIN right?)") }
        guard found.count == 1 else { throw CLIError("several \(kind) keys are labelled \"\(label)\" on the token") }
        return object
    }
}
