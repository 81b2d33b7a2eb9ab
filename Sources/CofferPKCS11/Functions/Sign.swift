// Signing and verification (PKCS#11 2.40 sections 5.11-5.12). Single-part calls go to the node's
// Sign/Verify; multi-part data is buffered and signed or verified in one call at C_*Final.
import CPKCS11
import CofferClient
import CofferProtocol
import Foundation

/// C_SignInit.
@_cdecl("C_SignInit")
public func cSignInit(_ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ key: CK_OBJECT_HANDLE) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.startOperation(.sign, session: session, mechanism: mechanism, key: key)
    }
}

/// C_Sign.
@_cdecl("C_Sign")
public func cSign(
    _ session: CK_SESSION_HANDLE, _ data: UnsafeMutablePointer<CK_BYTE>?, _ dataLength: CK_ULONG,
    _ signature: UnsafeMutablePointer<CK_BYTE>?, _ signatureLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        let input = try operationInput(.sign, session, data, dataLength)
        try Library.shared.finishOperation(
            .sign, session: session, input: input, output: signature, outputLength: signatureLength)
    }
}

/// C_SignUpdate.
@_cdecl("C_SignUpdate")
public func cSignUpdate(_ session: CK_SESSION_HANDLE, _ part: UnsafeMutablePointer<CK_BYTE>?, _ partLength: CK_ULONG) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.append(.sign, session: session, try operationInput(.sign, session, part, partLength))
    }
}

/// C_SignFinal.
@_cdecl("C_SignFinal")
public func cSignFinal(
    _ session: CK_SESSION_HANDLE, _ signature: UnsafeMutablePointer<CK_BYTE>?, _ signatureLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.finishOperation(
            .sign, session: session, input: nil, output: signature, outputLength: signatureLength)
    }
}

/// C_VerifyInit.
@_cdecl("C_VerifyInit")
public func cVerifyInit(_ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ key: CK_OBJECT_HANDLE) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.startOperation(.verify, session: session, mechanism: mechanism, key: key)
    }
}

/// Verifies `data` (or the buffered data) against `signature`; the operation ends either way.
private func verify(
    _ session: CK_SESSION_HANDLE, data: [UInt8]?, _ signature: UnsafeMutablePointer<CK_BYTE>?, _ signatureLength: CK_ULONG
) throws(CKRError) {
    let operation = try Library.shared.takeOperation(.verify, session: session)
    guard let signature else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
    let signed = Data(try inputBytes(signature, signatureLength, tooLong: CK_RV(CKR_SIGNATURE_LEN_RANGE)))
    let input = Data(data ?? operation.buffered)
    _ = try Library.shared.finish(.verify, operation, input: input, signature: signed, session: session)
}

/// C_Verify.
@_cdecl("C_Verify")
public func cVerify(
    _ session: CK_SESSION_HANDLE, _ data: UnsafeMutablePointer<CK_BYTE>?, _ dataLength: CK_ULONG,
    _ signature: UnsafeMutablePointer<CK_BYTE>?, _ signatureLength: CK_ULONG
) -> CK_RV {
    returnCode { () throws(CKRError) in
        let input = try operationInput(.verify, session, data, dataLength)
        try verify(session, data: input, signature, signatureLength)
    }
}

/// C_VerifyUpdate.
@_cdecl("C_VerifyUpdate")
public func cVerifyUpdate(_ session: CK_SESSION_HANDLE, _ part: UnsafeMutablePointer<CK_BYTE>?, _ partLength: CK_ULONG) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.append(.verify, session: session, try operationInput(.verify, session, part, partLength))
    }
}

/// C_VerifyFinal.
@_cdecl("C_VerifyFinal")
public func cVerifyFinal(_ session: CK_SESSION_HANDLE, _ signature: UnsafeMutablePointer<CK_BYTE>?, _ signatureLength: CK_ULONG) -> CK_RV {
    returnCode { () throws(CKRError) in
        try verify(session, data: nil, signature, signatureLength)
    }
}

/// C_SignRecoverInit: no mechanism Coffer implements recovers data from a signature.
@_cdecl("C_SignRecoverInit")
public func cSignRecoverInit(_ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ key: CK_OBJECT_HANDLE) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}

/// C_SignRecover: see C_SignRecoverInit.
@_cdecl("C_SignRecover")
public func cSignRecover(
    _ session: CK_SESSION_HANDLE, _ data: UnsafeMutablePointer<CK_BYTE>?, _ dataLength: CK_ULONG,
    _ signature: UnsafeMutablePointer<CK_BYTE>?, _ signatureLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}

/// C_VerifyRecoverInit: see C_SignRecoverInit.
@_cdecl("C_VerifyRecoverInit")
public func cVerifyRecoverInit(_ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ key: CK_OBJECT_HANDLE) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}

/// C_VerifyRecover: see C_SignRecoverInit.
@_cdecl("C_VerifyRecover")
public func cVerifyRecover(
    _ session: CK_SESSION_HANDLE, _ signature: UnsafeMutablePointer<CK_BYTE>?, _ signatureLength: CK_ULONG,
    _ data: UnsafeMutablePointer<CK_BYTE>?, _ dataLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}
