// A PKCS#11 module loaded by path (dlopen + C_GetFunctionList), called only through its function
// list, so that `coffer bench` measures Coffer's library and SoftHSM2 the same way.

import CPKCS11
import Foundation

/// A loaded PKCS#11 module. Every method checks the CK_RV and throws `PKCS11Error`.
///
/// Sendable because the module is initialized with CKF_OS_LOCKING_OK: PKCS#11 (section 5.4,
/// C_Initialize) then requires it to be safe for calls from several threads at once.
final class PKCS11Module: @unchecked Sendable {
    /// The file it was loaded from.
    let path: String
    private let library: UnsafeMutableRawPointer
    private let list: CK_FUNCTION_LIST

    /// Loads the module and reads its function list (no C_Initialize yet).
    init(path: String) throws {
        self.path = path
        guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw CLIError("cannot load \(path): \(reason)")
        }
        guard let symbol = dlsym(library, "C_GetFunctionList") else {
            throw CLIError("\(path) is not a PKCS#11 module: it has no C_GetFunctionList")
        }
        typealias GetFunctionList = @convention(c) (UnsafeMutablePointer<UnsafeMutablePointer<CK_FUNCTION_LIST>?>?) -> CK_RV
        let getFunctionList = unsafeBitCast(symbol, to: GetFunctionList.self)
        var pointer: UnsafeMutablePointer<CK_FUNCTION_LIST>?
        try PKCS11Error.check("C_GetFunctionList", getFunctionList(&pointer))
        guard let pointer else { throw CLIError("\(path): C_GetFunctionList returned no list") }
        self.library = library
        self.list = pointer.pointee
        // The module is never dlclose'd: some modules (and the Swift runtime inside Coffer's) do not
        // survive being unloaded, and the process ends soon after the bench anyway.
    }

    /// Calls `function`, or fails with CKR_FUNCTION_NOT_SUPPORTED when the list has no entry.
    @inline(__always)
    private func entry<F>(_ function: F?, _ name: String) throws(PKCS11Error) -> F {
        guard let function else { throw PKCS11Error(name, CK_RV(CKR_FUNCTION_NOT_SUPPORTED)) }
        return function
    }

    // MARK: General, slots and sessions

    /// C_Initialize with CKF_OS_LOCKING_OK: the bench calls from several threads.
    func initialize() throws(PKCS11Error) {
        var arguments = CK_C_INITIALIZE_ARGS()
        arguments.flags = CK_FLAGS(CKF_OS_LOCKING_OK)
        try PKCS11Error.check("C_Initialize", try entry(list.C_Initialize, "C_Initialize")(&arguments))
    }

    /// C_Finalize (errors ignored: the bench is over).
    func finalize() {
        _ = list.C_Finalize?(nil)
    }

    /// The module's description and version from C_GetInfo, e.g. "SoftHSM 2.6".
    func info() throws(PKCS11Error) -> String {
        var info = CK_INFO()
        try PKCS11Error.check("C_GetInfo", try entry(list.C_GetInfo, "C_GetInfo")(&info))
        let manufacturer = Self.text(info.manufacturerID)
        let description = Self.text(info.libraryDescription)
        return "\(manufacturer) \(description) \(info.libraryVersion.major).\(info.libraryVersion.minor)"
    }

    /// The slots that hold a token.
    func slotsWithTokens() throws(PKCS11Error) -> [CK_SLOT_ID] {
        let getSlotList = try entry(list.C_GetSlotList, "C_GetSlotList")
        var count: CK_ULONG = 0
        try PKCS11Error.check("C_GetSlotList", getSlotList(CK_BBOOL(CK_TRUE), nil, &count))
        var slots = [CK_SLOT_ID](repeating: 0, count: Int(count))
        try PKCS11Error.check("C_GetSlotList", getSlotList(CK_BBOOL(CK_TRUE), &slots, &count))
        return Array(slots.prefix(Int(count)))
    }

    /// The label of the token in `slot`, without its padding.
    func tokenLabel(slot: CK_SLOT_ID) throws(PKCS11Error) -> String {
        var info = CK_TOKEN_INFO()
        try PKCS11Error.check("C_GetTokenInfo", try entry(list.C_GetTokenInfo, "C_GetTokenInfo")(slot, &info))
        return Self.text(info.label)
    }

    /// Whether the token in `slot` offers `mechanism` (C_GetMechanismInfo succeeds).
    func supports(_ mechanism: CK_MECHANISM_TYPE, slot: CK_SLOT_ID) -> Bool {
        var info = CK_MECHANISM_INFO()
        return list.C_GetMechanismInfo?(slot, mechanism, &info) == CK_RV(CKR_OK)
    }

    /// A read-write session on `slot`.
    func openSession(slot: CK_SLOT_ID) throws(PKCS11Error) -> CK_SESSION_HANDLE {
        var session: CK_SESSION_HANDLE = 0
        let flags = CK_FLAGS(CKF_SERIAL_SESSION | CKF_RW_SESSION)
        try PKCS11Error.check("C_OpenSession", try entry(list.C_OpenSession, "C_OpenSession")(slot, flags, nil, nil, &session))
        return session
    }

    /// C_CloseSession (errors ignored).
    func closeSession(_ session: CK_SESSION_HANDLE) {
        _ = list.C_CloseSession?(session)
    }

    /// C_Login as the normal user; a login already in place (another session's) is fine.
    /// C_Login as the user. `pin` is read in place, not copied: its owner zeroises it afterwards
    /// (a copy made here and zeroised would leave the owner's bytes as they were).
    func login(_ session: CK_SESSION_HANDLE, pin: [UInt8]) throws(PKCS11Error) {
        let login = try entry(list.C_Login, "C_Login")
        // C_Login's pPin is not const in the header; PKCS#11 does not let a module write to it.
        let code = pin.withUnsafeBufferPointer {
            login(session, CK_USER_TYPE(CKU_USER), UnsafeMutablePointer(mutating: $0.baseAddress), CK_ULONG($0.count))
        }
        if code == CK_RV(CKR_USER_ALREADY_LOGGED_IN) { return }
        try PKCS11Error.check("C_Login", code)
    }

    // MARK: Objects

    /// Up to `limit` objects matching `template` (Init, FindObjects, Final).
    func find(_ session: CK_SESSION_HANDLE, _ template: AttributeTemplate, limit: Int) throws(PKCS11Error) -> [CK_OBJECT_HANDLE] {
        var handles = [CK_OBJECT_HANDLE](repeating: 0, count: limit)
        let found = try handles.withUnsafeMutableBufferPointer { (buffer) throws(PKCS11Error) in
            try find(session, template, into: buffer.baseAddress!, capacity: limit)
        }
        return Array(handles.prefix(found))
    }

    /// The find call the benchmark times: no allocation.
    @inline(__always)
    func find(
        _ session: CK_SESSION_HANDLE, _ template: AttributeTemplate, into handles: UnsafeMutablePointer<CK_OBJECT_HANDLE>,
        capacity: Int
    ) throws(PKCS11Error) -> Int {
        try PKCS11Error.check(
            "C_FindObjectsInit",
            try entry(list.C_FindObjectsInit, "C_FindObjectsInit")(session, template.pointer, CK_ULONG(template.count)))
        var count: CK_ULONG = 0
        let code = try entry(list.C_FindObjects, "C_FindObjects")(session, handles, CK_ULONG(capacity), &count)
        // Final even after a failed C_FindObjects, so the session can search again.
        let final = try entry(list.C_FindObjectsFinal, "C_FindObjectsFinal")(session)
        try PKCS11Error.check("C_FindObjects", code)
        try PKCS11Error.check("C_FindObjectsFinal", final)
        return Int(count)
    }

    /// The value of attribute `type` of `object` (C_GetAttributeValue: the length, then the bytes).
    func attribute(_ session: CK_SESSION_HANDLE, _ object: CK_OBJECT_HANDLE, _ type: CK_ATTRIBUTE_TYPE) throws(PKCS11Error) -> [UInt8] {
        let get = try entry(list.C_GetAttributeValue, "C_GetAttributeValue")
        var probe = CK_ATTRIBUTE(type: type, pValue: nil, ulValueLen: 0)
        try PKCS11Error.check("C_GetAttributeValue", get(session, object, &probe, 1))
        guard probe.ulValueLen != CK_ULONG.max, probe.ulValueLen <= 1 << 16 else {
            throw PKCS11Error("C_GetAttributeValue", CK_RV(CKR_ATTRIBUTE_TYPE_INVALID))
        }
        var value = [UInt8](repeating: 0, count: Int(probe.ulValueLen))
        let code = value.withUnsafeMutableBytes { bytes in
            var filled = CK_ATTRIBUTE(type: type, pValue: bytes.baseAddress, ulValueLen: CK_ULONG(bytes.count))
            return get(session, object, &filled, 1)
        }
        try PKCS11Error.check("C_GetAttributeValue", code)
        return value
    }

    /// C_GenerateKey.
    @inline(__always)
    func generateKey(
        _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>, _ template: AttributeTemplate
    ) throws(PKCS11Error) -> CK_OBJECT_HANDLE {
        var key: CK_OBJECT_HANDLE = 0
        try PKCS11Error.check(
            "C_GenerateKey",
            try entry(list.C_GenerateKey, "C_GenerateKey")(session, mechanism, template.pointer, CK_ULONG(template.count), &key))
        return key
    }

    /// C_GenerateKeyPair: (public, private).
    func generateKeyPair(
        _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>, public publicTemplate: AttributeTemplate,
        private privateTemplate: AttributeTemplate
    ) throws(PKCS11Error) -> (CK_OBJECT_HANDLE, CK_OBJECT_HANDLE) {
        var publicKey: CK_OBJECT_HANDLE = 0
        var privateKey: CK_OBJECT_HANDLE = 0
        try PKCS11Error.check(
            "C_GenerateKeyPair",
            try entry(list.C_GenerateKeyPair, "C_GenerateKeyPair")(
                session, mechanism, publicTemplate.pointer, CK_ULONG(publicTemplate.count), privateTemplate.pointer,
                CK_ULONG(privateTemplate.count), &publicKey, &privateKey))
        return (publicKey, privateKey)
    }

    /// C_DestroyObject.
    @inline(__always)
    func destroy(_ session: CK_SESSION_HANDLE, _ object: CK_OBJECT_HANDLE) throws(PKCS11Error) {
        try PKCS11Error.check("C_DestroyObject", try entry(list.C_DestroyObject, "C_DestroyObject")(session, object))
    }

    // MARK: Cryptographic operations

    /// C_SignInit + C_Sign of `length` bytes at `data` into `output` (capacity in, length out).
    @inline(__always)
    func sign(
        _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>, key: CK_OBJECT_HANDLE,
        data: UnsafeMutablePointer<UInt8>, length: Int, output: UnsafeMutablePointer<UInt8>, capacity: Int
    ) throws(PKCS11Error) -> Int {
        try PKCS11Error.check("C_SignInit", try entry(list.C_SignInit, "C_SignInit")(session, mechanism, key))
        var outputLength = CK_ULONG(capacity)
        try PKCS11Error.check(
            "C_Sign", try entry(list.C_Sign, "C_Sign")(session, data, CK_ULONG(length), output, &outputLength))
        return Int(outputLength)
    }

    /// C_VerifyInit + C_Verify.
    @inline(__always)
    func verify(
        _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>, key: CK_OBJECT_HANDLE,
        data: UnsafeMutablePointer<UInt8>, length: Int, signature: UnsafeMutablePointer<UInt8>, signatureLength: Int
    ) throws(PKCS11Error) {
        try PKCS11Error.check("C_VerifyInit", try entry(list.C_VerifyInit, "C_VerifyInit")(session, mechanism, key))
        try PKCS11Error.check(
            "C_Verify",
            try entry(list.C_Verify, "C_Verify")(session, data, CK_ULONG(length), signature, CK_ULONG(signatureLength)))
    }

    /// C_EncryptInit + C_Encrypt.
    @inline(__always)
    func encrypt(
        _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>, key: CK_OBJECT_HANDLE,
        data: UnsafeMutablePointer<UInt8>, length: Int, output: UnsafeMutablePointer<UInt8>, capacity: Int
    ) throws(PKCS11Error) -> Int {
        try PKCS11Error.check("C_EncryptInit", try entry(list.C_EncryptInit, "C_EncryptInit")(session, mechanism, key))
        var outputLength = CK_ULONG(capacity)
        try PKCS11Error.check(
            "C_Encrypt", try entry(list.C_Encrypt, "C_Encrypt")(session, data, CK_ULONG(length), output, &outputLength))
        return Int(outputLength)
    }

    /// A blank-padded PKCS#11 text field as a trimmed string.
    private static func text<T>(_ field: T) -> String {
        withUnsafeBytes(of: field) { String(decoding: $0, as: UTF8.self) }
            .trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
    }
}
