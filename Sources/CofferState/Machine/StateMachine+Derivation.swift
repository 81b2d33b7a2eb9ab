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
        let barrier = try requireBarrier()
        let base = try keyObject(baseKey, for: user, in: context)
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
        guard let length = target.expectedValueLength else { throw .model(.templateIncomplete(.valueLen)) }
        guard let material = base.material else {
            throw .model(.keyTypeInconsistent(mechanism, base.object.keyType ?? .genericSecret))
        }
        let registry = try mechanisms
        let derived: [UInt8]
        do {
            let key = try registry.derivation(mechanism).derive(baseKey: material, parameters: parameters, outputByteCount: length)
            derived = key.withUnsafeBytes { Array($0) }
        } catch {
            throw .crypto(error)
        }
        var attributes = LibraryAttributes.derived(target.attributes, from: base.object.attributes)
        attributes[.valueLen] = .ulong(UInt64(length))
        let object = StoredObject(
            handle: try newHandle(for: attributes, in: context), objectClass: .secretKey, attributes: attributes, owner: user.id)
        let record = ObjectRecord(object: object, secretAttributes: AttributeSet([(.value, .bytes(derived))]), keyBlob: nil)
        try await insert([record], in: context, barrier: barrier)
        return object.handle
    }
}
