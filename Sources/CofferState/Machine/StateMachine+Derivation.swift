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
        // PKCS#11 3.0 sections 2.3.x (ECDH) and 2.43 (HKDF): without a class or key type the derived
        // key is a generic secret, and without CKA_VALUE_LEN a generic secret is as long as the
        // mechanism's output. Key types of several lengths (AES) need CKA_VALUE_LEN.
        var template = template
        if template[.objectClass] == nil { template[.objectClass] = .ulong(ObjectClass.secretKey.rawValue) }
        if template[.keyType] == nil { template[.keyType] = .ulong(KeyType.genericSecret.rawValue) }
        let target: UnwrapTarget
        do {
            try Access.checkCreateObjects(by: user)
            try Access.checkUse(base.object, by: user)
            try KeyPolicy.checkUse(base.object.attributes, for: .derive, mechanism: mechanism)
            // The template rules of C_UnwrapKey fit C_DeriveKey: class and key type required, CKA_VALUE supplied by the function.
            target = try TemplateRules.unwrap(template: template, by: user.role)
        } catch {
            throw StateError(error)
        }
        guard target.objectClass == .secretKey else {
            throw .model(.templateInconsistent(.objectClass, "derivation makes secret keys"))
        }
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
        var attributes = LibraryAttributes.derived(target.attributes, from: base.object.attributes)
        attributes[.valueLen] = .ulong(UInt64(derived.count))
        let object = StoredObject(
            handle: try newHandle(for: attributes, in: context), objectClass: .secretKey, attributes: attributes, owner: user.id)
        let record = ObjectRecord(object: object, secretAttributes: AttributeSet([(.value, .bytes(derived))]), keyBlob: nil)
        try await insert(
            [record], command: .deriveKey(mechanism, baseKey: baseKey, template: target.attributes), by: user, in: context)
        return object.handle
    }
}
