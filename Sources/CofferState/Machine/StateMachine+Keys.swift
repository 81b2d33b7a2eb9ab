// Looking up an object a function takes as a key: a handle the caller cannot see is the function's own
// CKR (CKR_KEY_HANDLE_INVALID, CKR_WRAPPING_KEY_HANDLE_INVALID, ...), as PKCS#11 lists for it, rather
// than C_GetAttributeValue's CKR_OBJECT_HANDLE_INVALID.

import CofferCrypto
import CofferModel

extension StateMachine {
    /// The object `handle` taken as a key; `.keyHandleInvalid(missing)` if `user` cannot see it.
    func keyObject(
        _ handle: ObjectHandle, for user: User, missing: ReturnCode = .keyHandleInvalid, in context: SessionContext? = nil
    ) throws(StateError) -> IndexedObject {
        do {
            return try object(handle, for: user, in: context)
        } catch .objectHandleInvalid {
            throw .keyHandleInvalid(missing)
        } catch {
            throw error
        }
    }
}
