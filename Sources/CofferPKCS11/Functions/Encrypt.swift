// Encryption and decryption (PKCS#11 2.40 sections 5.8-5.9). Single-part calls go to the node's
// Encrypt/Decrypt. Multi-part CBC, CBC-PAD and CTR run on the node, each C_*Update returning the
// blocks it completes; other modes (GCM) are buffered and processed in one call at C_*Final (so
// their C_*Update returns no output, which the specification allows). Dual-function calls are not
// supported.
import CPKCS11
import CofferClient
import CofferProtocol
import Foundation

/// C_EncryptUpdate and C_DecryptUpdate: the output the part completes (see `Library.cipherUpdate`).
private func update(
    _ kind: Session.OperationKind, _ session: CK_SESSION_HANDLE, _ part: UnsafeMutablePointer<CK_BYTE>?, _ partLength: CK_ULONG,
    _ output: UnsafeMutablePointer<CK_BYTE>?, _ outputLength: UnsafeMutablePointer<CK_ULONG>?
) throws(CKRError) {
    let input = try operationInput(kind, session, part, partLength)
    guard let outputLength else {
        Library.shared.end(kind, session: session)
        throw CKRError(CK_RV(CKR_ARGUMENTS_BAD))
    }
    try Library.shared.cipherUpdate(kind, session: session, input: input, output: output, outputLength: outputLength)
}

/// C_EncryptInit.
@_cdecl("C_EncryptInit")
public func cEncryptInit(_ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ key: CK_OBJECT_HANDLE) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.startOperation(.encrypt, session: session, mechanism: mechanism, key: key)
    }
}

/// C_Encrypt.
@_cdecl("C_Encrypt")
public func cEncrypt(
    _ session: CK_SESSION_HANDLE, _ data: UnsafeMutablePointer<CK_BYTE>?, _ dataLength: CK_ULONG,
    _ encrypted: UnsafeMutablePointer<CK_BYTE>?, _ encryptedLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        let input = try operationInput(.encrypt, session, data, dataLength)
        try Library.shared.finishOperation(
            .encrypt, session: session, input: input, output: encrypted, outputLength: encryptedLength)
    }
}

/// C_EncryptUpdate.
@_cdecl("C_EncryptUpdate")
public func cEncryptUpdate(
    _ session: CK_SESSION_HANDLE, _ part: UnsafeMutablePointer<CK_BYTE>?, _ partLength: CK_ULONG,
    _ encrypted: UnsafeMutablePointer<CK_BYTE>?, _ encryptedLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in try update(.encrypt, session, part, partLength, encrypted, encryptedLength) }
}

/// C_EncryptFinal.
@_cdecl("C_EncryptFinal")
public func cEncryptFinal(
    _ session: CK_SESSION_HANDLE, _ encrypted: UnsafeMutablePointer<CK_BYTE>?, _ encryptedLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.finishOperation(
            .encrypt, session: session, input: nil, output: encrypted, outputLength: encryptedLength)
    }
}

/// C_DecryptInit.
@_cdecl("C_DecryptInit")
public func cDecryptInit(_ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ key: CK_OBJECT_HANDLE) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.startOperation(.decrypt, session: session, mechanism: mechanism, key: key)
    }
}

/// C_Decrypt.
@_cdecl("C_Decrypt")
public func cDecrypt(
    _ session: CK_SESSION_HANDLE, _ encrypted: UnsafeMutablePointer<CK_BYTE>?, _ encryptedLength: CK_ULONG,
    _ data: UnsafeMutablePointer<CK_BYTE>?, _ dataLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        let input = try operationInput(.decrypt, session, encrypted, encryptedLength)
        try Library.shared.finishOperation(
            .decrypt, session: session, input: input, output: data, outputLength: dataLength)
    }
}

/// C_DecryptUpdate.
@_cdecl("C_DecryptUpdate")
public func cDecryptUpdate(
    _ session: CK_SESSION_HANDLE, _ part: UnsafeMutablePointer<CK_BYTE>?, _ partLength: CK_ULONG,
    _ data: UnsafeMutablePointer<CK_BYTE>?, _ dataLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in try update(.decrypt, session, part, partLength, data, dataLength) }
}

/// C_DecryptFinal.
@_cdecl("C_DecryptFinal")
public func cDecryptFinal(
    _ session: CK_SESSION_HANDLE, _ data: UnsafeMutablePointer<CK_BYTE>?, _ dataLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.finishOperation(
            .decrypt, session: session, input: nil, output: data, outputLength: dataLength)
    }
}

/// C_DigestEncryptUpdate: dual-function operations are not supported.
@_cdecl("C_DigestEncryptUpdate")
public func cDigestEncryptUpdate(
    _ session: CK_SESSION_HANDLE, _ part: UnsafeMutablePointer<CK_BYTE>?, _ partLength: CK_ULONG,
    _ encrypted: UnsafeMutablePointer<CK_BYTE>?, _ encryptedLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}

/// C_DecryptDigestUpdate: dual-function operations are not supported.
@_cdecl("C_DecryptDigestUpdate")
public func cDecryptDigestUpdate(
    _ session: CK_SESSION_HANDLE, _ encrypted: UnsafeMutablePointer<CK_BYTE>?, _ encryptedLength: CK_ULONG,
    _ part: UnsafeMutablePointer<CK_BYTE>?, _ partLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}

/// C_SignEncryptUpdate: dual-function operations are not supported.
@_cdecl("C_SignEncryptUpdate")
public func cSignEncryptUpdate(
    _ session: CK_SESSION_HANDLE, _ part: UnsafeMutablePointer<CK_BYTE>?, _ partLength: CK_ULONG,
    _ encrypted: UnsafeMutablePointer<CK_BYTE>?, _ encryptedLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}

/// C_DecryptVerifyUpdate: dual-function operations are not supported.
@_cdecl("C_DecryptVerifyUpdate")
public func cDecryptVerifyUpdate(
    _ session: CK_SESSION_HANDLE, _ encrypted: UnsafeMutablePointer<CK_BYTE>?, _ encryptedLength: CK_ULONG,
    _ part: UnsafeMutablePointer<CK_BYTE>?, _ partLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}
