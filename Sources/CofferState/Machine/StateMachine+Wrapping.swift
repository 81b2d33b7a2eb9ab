// C_WrapKey and C_UnwrapKey. Wrapping is the cipher's encryption of the key's bytes (CKA_VALUE of a
// secret key, PKCS#8 of a private key) under the policy's CKA_EXTRACTABLE and CKA_WRAP_WITH_TRUSTED
// checks; unwrapping decrypts into a new secret key whose length the template and key type bound, or
// into a private key from PKCS#8 (RSA, EC, Ed25519, X25519), as HSMs exchange keys when migrating.

import CofferCrypto
import CofferModel

extension StateMachine {
    /// C_WrapKey: `key` encrypted under `wrappingKey`. Only the owner of `key` may wrap it.
    public func wrapKey(
        mechanism: MechanismType, parameters: MechanismParameters, wrappingKey: ObjectHandle, key: ObjectHandle, by user: User,
        in context: SessionContext? = nil
    ) throws(StateError) -> [UInt8] {
        let wrapping = try keyObject(wrappingKey, for: user, missing: .wrappingKeyHandleInvalid, in: context)
        let target = try keyObject(key, for: user, in: context)
        try check { () throws(ModelError) in
            try Access.checkUse(wrapping.object, by: user)
            try Access.checkUse(target.object, by: user)
            try Access.checkManage(target.object, by: user)
            try KeyPolicy.checkWrap(wrappingKey: wrapping.object.attributes, keyToWrap: target.object.attributes, mechanism: mechanism)
        }
        try refuseIfGuarded(key, "wrapped out and unwrapped, it would be the same key without its quorum")
        try requireApprovedUse(wrappingKey, .wrap)
        try requireApproved(.exportKey(key, wrappingKey: wrappingKey))
        guard let wrappingMaterial = wrapping.material else {
            throw .model(.wrappingKeyTypeInconsistent(mechanism, wrapping.object.keyType ?? .genericSecret))
        }
        let plaintext = try Self.wrappableBytes(of: target)
        let registry = try mechanisms
        if let transport = try? registry.keyTransport(mechanism) {
            guard target.object.objectClass == .secretKey else {
                throw .model(.keyNotWrappableWith(mechanism, "it wraps secret keys only"))
            }
            do { return try transport.wrap(plaintext, key: wrappingMaterial, parameters: parameters) } catch { throw .crypto(error) }
        }
        do {
            return try registry.cipher(mechanism).encrypt(plaintext.unsafeCopy, key: wrappingMaterial, parameters: parameters)
        } catch {
            throw .crypto(error)
        }
    }

    /// C_UnwrapKey into a secret or private key described by `template`, owned by `user`. A private key
    /// arrives as PKCS#8 PrivateKeyInfo; its public values (modulus, curve, point) come from the key.
    public func unwrapKey(
        mechanism: MechanismType, parameters: MechanismParameters, unwrappingKey: ObjectHandle, wrappedKey: [UInt8],
        template: AttributeSet, by user: User, in context: SessionContext? = nil
    ) async throws(StateError) -> ObjectHandle {
        _ = try requireBarrier()
        let unwrapping = try keyObject(unwrappingKey, for: user, missing: .unwrappingKeyHandleInvalid, in: context)
        let target: UnwrapTarget
        do {
            try Access.checkCreateObjects(by: user)
            try Access.checkUse(unwrapping.object, by: user)
            try KeyPolicy.checkUnwrap(unwrappingKey: unwrapping.object.attributes, mechanism: mechanism)
            target = try TemplateRules.unwrap(template: template, by: user.role)
        } catch {
            throw StateError(error)
        }
        try requireApprovedUse(unwrappingKey, .unwrap)
        try requireApproved(.importKey(unwrappingKey: unwrappingKey))
        if target.objectClass == .privateKey {
            // Refused before decrypting, so that no key bytes are opened for a key type Coffer cannot hold.
            _ = try PrivateKeyImport.unwrappableAlgorithms(target.keyType)
        }
        guard let material = unwrapping.material else {
            throw .model(.unwrappingKeyTypeInconsistent(mechanism, unwrapping.object.keyType ?? .genericSecret))
        }
        let registry = try mechanisms
        var plaintext: [UInt8]
        if let transport = try? registry.keyTransport(mechanism) {
            plaintext = try Self.transportUnwrap(
                transport, wrappedKey, key: unwrapping.object.attributes, material: material, target: target, parameters: parameters)
        } else {
            do {
                plaintext = try registry.cipher(mechanism).decrypt(wrappedKey, key: material, parameters: parameters)
            } catch .encryptedDataInvalid {
                throw .crypto(.wrappedKeyInvalid)
            } catch .encryptedDataLenRange(let why), .dataLenRange(let why) {
                throw .crypto(.wrappedKeyLenRange(why))
            } catch {
                throw .crypto(error)
            }
        }
        if target.objectClass == .privateKey {
            return try await insertUnwrappedPrivateKey(
                SecretBytes(consuming: &plaintext), target: target, mechanism: mechanism, unwrappingKey: unwrappingKey,
                by: user, in: context)
        }
        // v3.0 §5.18.3 C_UnwrapKey: a key whose length does not fit the template or key type is not a valid wrapped key.
        if let expected = target.expectedValueLength, plaintext.count != expected { throw .crypto(.wrappedKeyInvalid) }
        guard TemplateRules.secretKeyLengths(target.keyType).contains(plaintext.count) else { throw .crypto(.wrappedKeyInvalid) }
        var attributes = target.attributes
        attributes[.valueLen] = .ulong(UInt64(plaintext.count))
        let object = StoredObject(
            handle: try newHandle(for: attributes, in: context), objectClass: .secretKey, attributes: attributes, owner: user.id)
        let record = ObjectRecord(object: object, secretAttributes: AttributeSet([(.value, .bytes(plaintext))]), keyBlob: nil)
        try await insert(
            [record], command: .unwrapKey(mechanism, unwrappingKey: unwrappingKey, template: target.attributes), by: user,
            in: context)
        return object.handle
    }

    /// C_UnwrapKey with a key-transport mechanism (CKM_RSA_PKCS): only into a secret key of a length
    /// the template names, and only with a key whose CKA_ALLOWED_MECHANISMS lists the mechanism (an
    /// opt-in per key: the padding oracle this mechanism invites is closed by implicit rejection, see
    /// RSAPKCS1KeyTransport, but a key that never asked for it never offers it). Always yields a key.
    private static func transportUnwrap(
        _ transport: any KeyTransportMechanism, _ blob: [UInt8], key: AttributeSet, material: KeyMaterial, target: UnwrapTarget,
        parameters: MechanismParameters
    ) throws(StateError) -> [UInt8] {
        let mechanism = transport.type
        guard key.allowedMechanisms?.contains(mechanism) == true else {
            throw .model(.mechanismInvalid(mechanism, "unwrapping with it must be allowed by the key's CKA_ALLOWED_MECHANISMS"))
        }
        guard target.objectClass == .secretKey else {
            throw .model(.templateInconsistent(.objectClass, "\(mechanism) unwraps secret keys only"))
        }
        guard let length = target.expectedValueLength else { throw .model(.templateIncomplete(.valueLen)) }
        do {
            return try transport.unwrap(blob, length: length, key: material, parameters: parameters).unsafeCopy
        } catch {
            throw .crypto(error)
        }
    }

    /// The private half of C_UnwrapKey: `pkcs8` parsed as the template's key type, stored as a generated
    /// key is. Bytes that are not a key of that type are CKR_WRAPPED_KEY_INVALID.
    private func insertUnwrappedPrivateKey(
        _ pkcs8: SecretBytes, target: UnwrapTarget, mechanism: MechanismType, unwrappingKey: ObjectHandle, by user: User,
        in context: SessionContext?
    ) async throws(StateError) -> ObjectHandle {
        let key = try PrivateKeyImport.unwrapped(pkcs8, keyType: target.keyType)
        let publicValues = try Self.publicAttributes(of: key.publicKey)
        var attributes = target.attributes.merging(Self.privateShare(of: publicValues, keyType: target.keyType))
        if let curve = PrivateKeyImport.ecParams(of: key.algorithm) { attributes[.ecParams] = .bytes(curve) }
        let object = StoredObject(
            handle: try newHandle(for: attributes, in: context), objectClass: .privateKey, attributes: attributes, owner: user.id)
        let record = ObjectRecord(
            object: object, secretAttributes: AttributeSet(),
            keyBlob: KeyBlob(half: .privateKey, algorithm: key.algorithm, bytes: key.serialized()))
        try await insert(
            [record], command: .unwrapKey(mechanism, unwrappingKey: unwrappingKey, template: target.attributes), by: user,
            in: context)
        return object.handle
    }

    /// The bytes C_WrapKey encrypts: CKA_VALUE of a secret key, PKCS#8 DER of a private key.
    private static func wrappableBytes(of entry: IndexedObject) throws(StateError) -> SecretBytes {
        switch entry.object.objectClass {
        case .secretKey:
            guard let value = entry.secretAttributes.bytes(.value) else { throw .model(.keyNotWrappable) }
            return SecretBytes(value)
        case .privateKey:
            // ML-DSA and ML-KEM keys are stored as seeds, which no standard unwrapper takes.
            guard let blob = entry.keyBlob, blob.half == .privateKey else { throw .model(.keyNotWrappable) }
            switch blob.algorithm {
            case .rsa, .ec, .ed25519, .ed448, .x25519: return blob.bytes
            case .mlDSA, .mlKEM: throw .model(.keyNotWrappable)
            }
        default:
            throw .model(.notAKey)
        }
    }
}
