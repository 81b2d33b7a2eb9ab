// A failed call into a benchmarked PKCS#11 module: the function and its CK_RV, named for people.

import CPKCS11
import CofferClient

/// A PKCS#11 call that returned something other than CKR_OK, or a result the bench did not expect.
struct PKCS11Error: Error, CustomStringConvertible {
    /// The C_* function that failed.
    let function: String
    /// Its return value (CKR_OK when the call succeeded but its result was wrong).
    let code: CK_RV
    /// What was wrong with a successful call's result, if that is the failure.
    let detail: String?

    init(_ function: String, _ code: CK_RV, detail: String? = nil) {
        self.function = function
        self.code = code
        self.detail = detail
    }

    /// The CKR_* name, e.g. "CKR_KEY_HANDLE_INVALID".
    var name: String { ReturnCodeNames.name(of: UInt(code)) }

    var description: String {
        if let detail { return "\(function): \(detail)" }
        return "\(function): \(name)"
    }

    /// Throws unless `code` is CKR_OK.
    @inline(__always)
    static func check(_ function: @autoclosure () -> String, _ code: CK_RV) throws(PKCS11Error) {
        guard code == CK_RV(CKR_OK) else { throw PKCS11Error(function(), code) }
    }
}
