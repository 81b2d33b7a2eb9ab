// C_DeriveKey for CKM_ECDH1_DERIVE and CKM_HKDF_DERIVE: a new secret key of CKA_VALUE_LEN bytes,
// whose always-sensitive / never-extractable flags follow the base key's (v3.0 §5.18.5).

import CofferCrypto
import CofferModel

extension StateMachine {
    /// C_DeriveKey from `baseKey` into a secret key described by `template`, owned by `user`.
    public func deriveKey(
        mechanism: MechanismType, parameters: MechanismParameters, baseKey: ObjectHandle, template: AttributeSet, by user: User,
        in context: SessionContext? = nil
    ) async throws(StateError) -> ObjectHandle {
        _ = try requireBarrier()
        let base = try keyObject(baseKey, for: user, in: context)
        let target = try secretKeyTarget(template, using: base, for: .derive, mechanism: mechanism, by: user)
        let length = target.expectedValueLength
        guard length != nil || target.keyType == .genericSecret else { throw .model(.templateIncomplete(.valueLen)) }
        guard let material = base.material else {
            throw .model(.keyTypeInconsistent(mechanism, base.object.keyType ?? .genericSecret))
        }
        let registry = try mechanisms
        let derived: [UInt8]
        do throws(CryptoError) {
            let key = try registry.derivation(mechanism).derive(baseKey: material, parameters: parameters, outputByteCount: length)
            derived = key.withUnsafeBytes { Array($0) }
            guard TemplateRules.secretKeyLengths(target.keyType).contains(derived.count) else {
                throw CryptoError.keySizeRange("the derived key's \(derived.count) bytes do not fit \(target.keyType)")
            }
        } catch {
            throw .crypto(error)
        }
        return try await insertSecretKey(
            derived, attributes: LibraryAttributes.derived(target.attributes, from: base.object.attributes),
            command: .deriveKey(mechanism, baseKey: baseKey, template: target.attributes), by: user, in: context)
    }

    /// The secret key that C_DeriveKey, C_EncapsulateKey or C_DecapsulateKey makes from `template`,
    /// once `user` may make objects and use `key` for `operation` with `mechanism`. Without a class
    /// or key type the new key is a generic secret (PKCS#11 3.0 sections 2.3.x and 2.43, 3.2 for
    /// the encapsulations).
    func secretKeyTarget(
        _ template: AttributeSet, using key: IndexedObject, for operation: KeyOperation, mechanism: MechanismType, by user: User
    ) throws(StateError) -> UnwrapTarget {
        var template = template
        if template[.objectClass] == nil { template[.objectClass] = .ulong(ObjectClass.secretKey.rawValue) }
        if template[.keyType] == nil { template[.keyType] = .ulong(KeyType.genericSecret.rawValue) }
        let target: UnwrapTarget
        do {
            try Access.checkCreateObjects(by: user)
            try Access.checkUse(key.object, by: user)
            try KeyPolicy.checkUse(key.object.attributes, for: operation, mechanism: mechanism)
            // The template rules of C_UnwrapKey fit these functions: class and key type required,
            // CKA_VALUE supplied by the function.
            target = try TemplateRules.unwrap(template: template, by: user.role)
        } catch {
            throw StateError(error)
        }
        try requireApprovedUse(key.object.handle, operation)
        guard target.objectClass == .secretKey else {
            throw .model(.templateInconsistent(.objectClass, "\(operation) makes secret keys"))
        }
        return target
    }

    /// Stores a new secret key holding `value`, with `attributes` (CKA_VALUE_LEN is set here), as
    /// `command`. `repeatable`: its handle comes from the request id, so that a repeat of the request
    /// answers with this key (not for a value that a repeat would not make again).
    func insertSecretKey(
        _ value: [UInt8], attributes: AttributeSet, command: Command, by user: User, in context: SessionContext?,
        repeatable: Bool = true
    ) async throws(StateError) -> ObjectHandle {
        var attributes = attributes
        attributes[.valueLen] = .ulong(UInt64(value.count))
        let object = StoredObject(
            handle: try newHandle(for: attributes, in: context, fromRequest: repeatable), objectClass: .secretKey, attributes: attributes, owner: user.id)
        let record = ObjectRecord(object: object, secretAttributes: AttributeSet([(.value, .bytes(value))]), keyBlob: nil)
        try await insert([record], command: command, by: user, in: context)
        return object.handle
    }
}
