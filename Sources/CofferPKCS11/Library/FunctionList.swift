// The CK_FUNCTION_LIST handed out by C_GetFunctionList (all 68 PKCS#11 2.40 entries, the
// unsupported ones answering CKR_FUNCTION_NOT_SUPPORTED), the 3.0 and 3.2 lists that extend it, and
// the three "PKCS 11" interfaces that name them (2.40 is the default: applications that ask for no
// version keep the list they always had). All are allocated once and never freed: callers keep the
// pointers for the process's life.
// The entries are closures: referencing a @_cdecl function directly from another file emits a
// second copy of its C symbol in debug builds.
import CPKCS11

/// The library's function list and interface.
enum FunctionList {
    /// The 2.40 function list.
    nonisolated(unsafe) static let pointer: UnsafeMutablePointer<CK_FUNCTION_LIST> = {
        var list = CK_FUNCTION_LIST()
        list.version = CK_VERSION(major: 2, minor: 40)
        list.C_Initialize = { cInitialize($0) }
        list.C_Finalize = { cFinalize($0) }
        list.C_GetInfo = { getInfo($0, version: (2, 40)) }
        list.C_GetFunctionList = { cGetFunctionList($0) }
        list.C_GetSlotList = { cGetSlotList($0, $1, $2) }
        list.C_GetSlotInfo = { cGetSlotInfo($0, $1) }
        list.C_GetTokenInfo = { cGetTokenInfo($0, $1) }
        list.C_GetMechanismList = { cGetMechanismList($0, $1, $2) }
        list.C_GetMechanismInfo = { cGetMechanismInfo($0, $1, $2) }
        list.C_InitToken = { cInitToken($0, $1, $2, $3) }
        list.C_InitPIN = { cInitPIN($0, $1, $2) }
        list.C_SetPIN = { cSetPIN($0, $1, $2, $3, $4) }
        list.C_OpenSession = { cOpenSession($0, $1, $2, $3, $4) }
        list.C_CloseSession = { cCloseSession($0) }
        list.C_CloseAllSessions = { cCloseAllSessions($0) }
        list.C_GetSessionInfo = { cGetSessionInfo($0, $1) }
        list.C_GetOperationState = { cGetOperationState($0, $1, $2) }
        list.C_SetOperationState = { cSetOperationState($0, $1, $2, $3, $4) }
        list.C_Login = { cLogin($0, $1, $2, $3) }
        list.C_Logout = { cLogout($0) }
        list.C_CreateObject = { cCreateObject($0, $1, $2, $3) }
        list.C_CopyObject = { cCopyObject($0, $1, $2, $3, $4) }
        list.C_DestroyObject = { cDestroyObject($0, $1) }
        list.C_GetObjectSize = { cGetObjectSize($0, $1, $2) }
        list.C_GetAttributeValue = { cGetAttributeValue($0, $1, $2, $3) }
        list.C_SetAttributeValue = { cSetAttributeValue($0, $1, $2, $3) }
        list.C_FindObjectsInit = { cFindObjectsInit($0, $1, $2) }
        list.C_FindObjects = { cFindObjects($0, $1, $2, $3) }
        list.C_FindObjectsFinal = { cFindObjectsFinal($0) }
        list.C_EncryptInit = { cEncryptInit($0, $1, $2) }
        list.C_Encrypt = { cEncrypt($0, $1, $2, $3, $4) }
        list.C_EncryptUpdate = { cEncryptUpdate($0, $1, $2, $3, $4) }
        list.C_EncryptFinal = { cEncryptFinal($0, $1, $2) }
        list.C_DecryptInit = { cDecryptInit($0, $1, $2) }
        list.C_Decrypt = { cDecrypt($0, $1, $2, $3, $4) }
        list.C_DecryptUpdate = { cDecryptUpdate($0, $1, $2, $3, $4) }
        list.C_DecryptFinal = { cDecryptFinal($0, $1, $2) }
        list.C_DigestInit = { cDigestInit($0, $1) }
        list.C_Digest = { cDigest($0, $1, $2, $3, $4) }
        list.C_DigestUpdate = { cDigestUpdate($0, $1, $2) }
        list.C_DigestKey = { cDigestKey($0, $1) }
        list.C_DigestFinal = { cDigestFinal($0, $1, $2) }
        list.C_SignInit = { cSignInit($0, $1, $2) }
        list.C_Sign = { cSign($0, $1, $2, $3, $4) }
        list.C_SignUpdate = { cSignUpdate($0, $1, $2) }
        list.C_SignFinal = { cSignFinal($0, $1, $2) }
        list.C_SignRecoverInit = { cSignRecoverInit($0, $1, $2) }
        list.C_SignRecover = { cSignRecover($0, $1, $2, $3, $4) }
        list.C_VerifyInit = { cVerifyInit($0, $1, $2) }
        list.C_Verify = { cVerify($0, $1, $2, $3, $4) }
        list.C_VerifyUpdate = { cVerifyUpdate($0, $1, $2) }
        list.C_VerifyFinal = { cVerifyFinal($0, $1, $2) }
        list.C_VerifyRecoverInit = { cVerifyRecoverInit($0, $1, $2) }
        list.C_VerifyRecover = { cVerifyRecover($0, $1, $2, $3, $4) }
        list.C_DigestEncryptUpdate = { cDigestEncryptUpdate($0, $1, $2, $3, $4) }
        list.C_DecryptDigestUpdate = { cDecryptDigestUpdate($0, $1, $2, $3, $4) }
        list.C_SignEncryptUpdate = { cSignEncryptUpdate($0, $1, $2, $3, $4) }
        list.C_DecryptVerifyUpdate = { cDecryptVerifyUpdate($0, $1, $2, $3, $4) }
        list.C_GenerateKey = { cGenerateKey($0, $1, $2, $3, $4) }
        list.C_GenerateKeyPair = { cGenerateKeyPair($0, $1, $2, $3, $4, $5, $6, $7) }
        list.C_WrapKey = { cWrapKey($0, $1, $2, $3, $4, $5) }
        list.C_UnwrapKey = { cUnwrapKey($0, $1, $2, $3, $4, $5, $6, $7) }
        list.C_DeriveKey = { cDeriveKey($0, $1, $2, $3, $4, $5) }
        list.C_SeedRandom = { cSeedRandom($0, $1, $2) }
        list.C_GenerateRandom = { cGenerateRandom($0, $1, $2) }
        list.C_GetFunctionStatus = { cGetFunctionStatus($0) }
        list.C_CancelFunction = { cCancelFunction($0) }
        list.C_WaitForSlotEvent = { cWaitForSlotEvent($0, $1, $2) }
        let pointer = UnsafeMutablePointer<CK_FUNCTION_LIST>.allocate(capacity: 1)
        pointer.initialize(to: list)
        return pointer
    }()

    /// The name "PKCS 11", NUL-terminated, as PKCS#11 3.0 section 5.1 defines it.
    nonisolated(unsafe) static let interfaceName: UnsafeMutablePointer<CK_UTF8CHAR> = {
        let bytes = Array("PKCS 11".utf8) + [0]
        let pointer = UnsafeMutablePointer<CK_UTF8CHAR>.allocate(capacity: bytes.count)
        pointer.initialize(from: bytes, count: bytes.count)
        return pointer
    }()

    /// The 3.0 and 3.2 lists: the 2.40 entries, C_GetInterfaceList, C_GetInterface, and from 3.2
    /// C_EncapsulateKey and C_DecapsulateKey. The rest (C_LoginUser, C_SessionCancel, message-based
    /// encryption and signing, 3.2's signature verification, asynchronous and authenticated
    /// wrapping functions) answer CKR_FUNCTION_NOT_SUPPORTED. C_GetInfo reports the list's version.
    static func extended(_ version: CK_VERSION) -> UnsafeMutablePointer<CK_FUNCTION_LIST_3_2> {
        var list = CK_FUNCTION_LIST_3_2()
        list.base = pointer.pointee
        list.base.version = version
        if version.major == 3 && version.minor == 0 {
            list.base.C_GetInfo = { getInfo($0, version: (3, 0)) }
        } else {
            list.base.C_GetInfo = { getInfo($0, version: (3, 2)) }
        }
        list.C_GetInterfaceList = { cGetInterfaceList($0, $1) }
        list.C_GetInterface = { cGetInterface($0, $1, $2, $3) }
        list.C_LoginUser = { _, _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_SessionCancel = { _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_MessageEncryptInit = { _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_EncryptMessage = { _, _, _, _, _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_EncryptMessageBegin = { _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_EncryptMessageNext = { _, _, _, _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_MessageEncryptFinal = { _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_MessageDecryptInit = { _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_DecryptMessage = { _, _, _, _, _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_DecryptMessageBegin = { _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_DecryptMessageNext = { _, _, _, _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_MessageDecryptFinal = { _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_MessageSignInit = { _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_SignMessage = { _, _, _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_SignMessageBegin = { _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_SignMessageNext = { _, _, _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_MessageSignFinal = { _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_MessageVerifyInit = { _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_VerifyMessage = { _, _, _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_VerifyMessageBegin = { _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_VerifyMessageNext = { _, _, _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        list.C_MessageVerifyFinal = { _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        if version.major == 3 && version.minor == 2 {
            list.C_EncapsulateKey = { cEncapsulateKey($0, $1, $2, $3, $4, $5, $6, $7) }
            list.C_DecapsulateKey = { cDecapsulateKey($0, $1, $2, $3, $4, $5, $6, $7) }
            list.C_VerifySignatureInit = { _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
            list.C_VerifySignature = { _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
            list.C_VerifySignatureUpdate = { _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
            list.C_VerifySignatureFinal = { _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
            list.C_GetSessionValidationFlags = { _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
            list.C_AsyncComplete = { _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
            list.C_AsyncGetID = { _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
            list.C_AsyncJoin = { _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
            list.C_WrapKeyAuthenticated = { _, _, _, _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
            list.C_UnwrapKeyAuthenticated = { _, _, _, _, _, _, _, _, _, _ in CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        }
        let pointer = UnsafeMutablePointer<CK_FUNCTION_LIST_3_2>.allocate(capacity: 1)
        pointer.initialize(to: list)
        return pointer
    }

    /// The 3.0 list (a 3.0 caller reads only its first 92 entries) and the 3.2 list.
    nonisolated(unsafe) static let list30 = extended(CK_VERSION(major: 3, minor: 0))
    nonisolated(unsafe) static let list32 = extended(CK_VERSION(major: 3, minor: 2))

    /// The interfaces, default first: "PKCS 11" at 2.40, 3.0 and 3.2 (no CKF_INTERFACE_FORK_SAFE).
    nonisolated(unsafe) static let interfaces: UnsafeMutablePointer<CK_INTERFACE> = {
        let lists = [UnsafeMutableRawPointer(pointer), UnsafeMutableRawPointer(list30), UnsafeMutableRawPointer(list32)]
        let interfaces = UnsafeMutablePointer<CK_INTERFACE>.allocate(capacity: lists.count)
        for (index, list) in lists.enumerated() {
            (interfaces + index).initialize(to: CK_INTERFACE(pInterfaceName: interfaceName, pFunctionList: list, flags: 0))
        }
        return interfaces
    }()

    static let interfaceCount = 3

    /// The interface whose list has `version` (nil: the default, 2.40).
    static func interface(version: CK_VERSION?) -> UnsafeMutablePointer<CK_INTERFACE>? {
        guard let version else { return interfaces }
        return (0..<interfaceCount).map { interfaces + $0 }.first { candidate in
            let listVersion = candidate.pointee.pFunctionList.load(as: CK_VERSION.self)
            return listVersion.major == version.major && listVersion.minor == version.minor
        }
    }
}
