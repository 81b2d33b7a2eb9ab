// The one error type inside the library: a CK_RV on its way back to the C caller. Every C_* export
// runs its body through `returnCode(of:)`, so no Swift error ever crosses the C boundary.
import CPKCS11
import CofferClient
import CofferProtocol

/// A PKCS#11 failure carrying the `CK_RV` the caller gets.
struct CKRError: Error {
    let code: CK_RV
    /// The node could not be reached or the connection broke before an answer (CKR_DEVICE_REMOVED):
    /// the call may be made again on another node if it changes nothing.
    let unreachable: Bool
    /// CKR_USER_NOT_LOGGED_IN because the node does not hold the login the client has for it (it
    /// restarted, or the connection was made again): the library may log in there again. Not set when
    /// the login is there but does not suffice (a CKA_ALWAYS_AUTHENTICATE key without its
    /// context-specific login), which the application must see.
    let loginUnknown: Bool

    init(_ code: CK_RV) {
        self.code = code
        self.unreachable = false
        self.loginUnknown = false
    }

    /// The node's (or the client's) verdict, kept as the node sent it.
    init(_ error: CofferClientError) {
        self.code = CK_RV(error.returnCode)
        self.unreachable = error.kind == .unreachable
        self.loginUnknown = error.loginUnknown && error.returnCode == CofferReturnCode.userNotLoggedIn
    }
}

/// `CK_UNAVAILABLE_INFORMATION` (a cast macro, which Swift cannot import).
let unavailableInformation = CK_ULONG.max

/// Runs one C_* body and turns its outcome into the CK_RV.
func returnCode(of body: () throws(CKRError) -> Void) -> CK_RV {
    do {
        try body()
        return CK_RV(CKR_OK)
    } catch {
        return error.code
    }
}

/// The pointer, or CKR_ARGUMENTS_BAD when the caller passed NULL.
func required<T>(_ pointer: UnsafeMutablePointer<T>?) throws(CKRError) -> UnsafeMutablePointer<T> {
    guard let pointer else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
    return pointer
}

/// Bytes the caller passed as (pointer, length); NULL with a non-zero length is CKR_ARGUMENTS_BAD,
/// and more than `limit` bytes is `tooLong`.
func inputBytes(
    _ pointer: UnsafeMutablePointer<CK_BYTE>?, _ length: CK_ULONG, limit: Int = Limits.data,
    tooLong: CK_RV = CK_RV(CKR_DATA_LEN_RANGE)
) throws(CKRError) -> [UInt8] {
    guard length > 0 else { return [] }
    guard let pointer else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
    guard length <= CK_ULONG(limit) else { throw CKRError(tooLong) }
    return Array(UnsafeBufferPointer(start: pointer, count: Int(length)))
}

/// Bounds on what a caller may send (data <= 4 MiB + 1 KiB as the node takes it, random <= 1 MiB per request,
/// templates <= 256 attributes).
enum Limits {
    static let data = CofferWire.maxDataBytes
    static let randomPerRequest = 1 << 20
    static let templateAttributes = 256
    static let pin = 1024
}
