// C_CopyObject: a new object with the original's sealed material and the template's changes,
// owned by the caller. Sharing is not copied: the copy starts private to its owner.

import CofferCrypto
import CofferModel

extension StateMachine {
    /// C_CopyObject. Only the owner copies, under CKA_COPYABLE and the one-way attribute rules.
    /// The copy is a session object when its CKA_TOKEN is false.
    public func copyObject(
        _ handle: ObjectHandle, template: AttributeSet, by user: User, in context: SessionContext? = nil
    ) async throws(StateError) -> ObjectHandle {
        _ = try requireBarrier()
        let entry = try object(handle, for: user, in: context)
        let attributes: AttributeSet
        do {
            try Access.checkCreateObjects(by: user)
            try Access.checkManage(entry.object, by: user)
            attributes = try TemplateRules.copy(entry.object.attributes, template: template, by: user.role)
        } catch {
            throw StateError(error)
        }
        try refuseIfGuarded(handle, "a copy would be the same key without its quorum")
        let object = StoredObject(
            handle: try newHandle(for: attributes, in: context), objectClass: entry.object.objectClass, attributes: attributes,
            owner: user.id)
        let record = ObjectRecord(object: object, secretAttributes: entry.secretAttributes, keyBlob: entry.keyBlob)
        try await insert([record], command: .copyObject(handle, template: template), by: user, in: context)
        return object.handle
    }
}
